"""``# noqa`` handling shared by every guard.

``# noqa: CODE[, CODE]`` suppresses those codes on its line and a bare ``# noqa`` suppresses all.
A finding's *aliases* (the flake8-async / ruff code of the same rule, e.g. ``ASYNC221``) count
too, so projects migrating from flake8-async keep their suppressions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from checks.findings import Finding

_NOQA = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)

# None means "every code" (a bare noqa).
NoqaMap = Mapping[int, frozenset[str] | None]


def noqa_lines(source: str) -> dict[int, frozenset[str] | None]:
    """Map 1-based line numbers to the codes a ``noqa`` comment on that line suppresses."""
    result: dict[int, frozenset[str] | None] = {}
    if "noqa" not in source and "NOQA" not in source:
        return result
    for number, line in enumerate(source.splitlines(), start=1):
        if "#" not in line:
            continue
        match = _NOQA.search(line)
        if match is None:
            continue
        codes = match.group("codes")
        result[number] = (
            None if codes is None else frozenset(c.upper() for c in _CODE.findall(codes))
        )
    return result


def is_suppressed(finding: Finding, noqa: NoqaMap, aliases: Iterable[str] = ()) -> bool:
    if finding.line not in noqa:
        return False
    codes = noqa[finding.line]
    if codes is None:
        return True
    return finding.code in codes or any(alias.upper() in codes for alias in aliases)


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
