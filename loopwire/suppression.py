"""``# noqa`` handling shared by every guard.

``# noqa: CODE[, CODE]`` suppresses those codes on its line and a bare ``# noqa`` suppresses all.
A finding's *aliases* (the flake8-async / ruff code of the same rule, e.g. ``ASYNC221``) count
too, so projects migrating from flake8-async keep their suppressions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from loopwire.findings import Finding

_NOQA = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)
# Line breaks as CPython's tokenizer and ``ast`` count them.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# None means "every code" (a bare noqa).
NoqaMap = Mapping[int, frozenset[str] | None]


def noqa_lines(source: str) -> dict[int, frozenset[str] | None]:
    """Map 1-based line numbers to the codes a ``noqa`` comment on that line suppresses.

    Only comments count: ``"# noqa"`` inside a string suppresses nothing, as in ruff. Lines are
    counted as CPython counts them (LF, CRLF and CR end a line, a form feed does not), so the
    numbers match the findings'.
    """
    if _NOQA.search(source) is None:
        return {}
    candidates = {
        number: line[match.start() :]
        for number, line in enumerate(_LINE_BREAK.split(source), start=1)
        if (match := _NOQA.search(line)) is not None
    }
    result: dict[int, frozenset[str] | None] = {}
    for number, comment in _comments(source, candidates):
        match = _NOQA.search(comment)
        if match is None:
            continue
        codes = match.group("codes")
        result[number] = (
            None if codes is None else frozenset(c.upper() for c in _CODE.findall(codes))
        )
    return result


def _comments(source: str, candidates: Mapping[int, str]) -> Iterable[tuple[int, str]]:
    """(line, text) of the comments on the candidate lines; the tokenizer tells comments from
    strings. Source it cannot tokenize keeps the candidates' text from their ``noqa`` on."""
    import io
    import tokenize

    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source, newline=None).readline))
    except (tokenize.TokenError, SyntaxError):
        return candidates.items()
    lines = candidates.keys()
    return [
        (token.start[0], token.string)
        for token in tokens
        if token.type == tokenize.COMMENT and token.start[0] in lines
    ]


def is_suppressed(finding: Finding, noqa: NoqaMap, aliases: Iterable[str] = ()) -> bool:
    if finding.line not in noqa:
        return False
    codes = noqa[finding.line]
    if codes is None:
        return True
    return finding.code in codes or any(alias.upper() in codes for alias in aliases)


def line_suppresses(noqa: NoqaMap, line: int, codes: Iterable[str]) -> bool:
    """Whether a ``noqa`` on ``line`` names any of ``codes`` (or is bare)."""
    if line not in noqa:
        return False
    named = noqa[line]
    return named is None or any(code.upper() in named for code in codes)


def filter_suppressed(
    findings: Iterable[Finding],
    noqa: NoqaMap,
    aliases_of: Callable[[str], Iterable[str]] = lambda code: (),
) -> list[Finding]:
    return [f for f in findings if not is_suppressed(f, noqa, aliases_of(f.code))]


def select_codes(
    findings: Iterable[Finding], select: Iterable[str], ignore: Iterable[str]
) -> list[Finding]:
    """Keep findings whose code starts with a ``select`` prefix (all if none) and no ``ignore``
    prefix, as ruff's ``--select``/``--ignore`` do. Unanalysable-file reports are always kept."""
    selected = tuple(s.upper() for s in select)
    ignored = tuple(i.upper() for i in ignore)
    kept = []
    for f in findings:
        if f.code == "LW001":
            kept.append(f)
            continue
        if selected and not f.code.startswith(selected):
            continue
        if ignored and f.code.startswith(ignored):
            continue
        kept.append(f)
    return kept
