"""Analysis of one source file, run in this process or in pool workers.

Everything here takes and returns plain data (bytes in, ``ModuleReport`` out), so it pickles
across processes, and a run whose files are all cached never imports it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence

from loopwire.core import syntax
from loopwire.findings import UNANALYSABLE
from loopwire.lint.catalog import TRANSITIVE
from loopwire.lint.model import LocalFinding, ModuleReport
from loopwire.lint.rules import aliases_of
from loopwire.lint.walker import Walker
from loopwire.suppression import NoqaMap, line_suppresses, noqa_lines

# Line breaks as CPython's tokenizer counts them (a form feed is not one).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def analyse(
    source: bytes,
    module: str,
    is_package: bool,
    blocking_calls: Mapping[str, str],
    offload: Sequence[str] = (),
) -> ModuleReport:
    """Parse once, walk once; report direct findings and where each loop call site is."""
    try:
        text = syntax.decode(source)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        return _unanalysable(module, 1, 1, f"cannot decode the file: {exc}")
    try:
        tree = syntax.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        found = syntax.problem(source)
        return _unanalysable(module, *(found or (1, 1, "cannot parse the file")))
    walker = Walker(module, is_package, blocking_calls, offload)
    try:
        report = walker.run(tree)
    except RecursionError:
        return _unanalysable(module, 1, 1, "nesting too deep to analyse")
    noqa = noqa_lines(text)
    report.noqa = {line: None if codes is None else sorted(codes) for line, codes in noqa.items()}
    _decide_helpers(report, walker, noqa)
    column = _Columns(text)
    report.findings = [
        LocalFinding(node.lineno, column(node), code, message, symbol, function)
        for node, code, message, symbol, function in walker.direct
    ]
    report.positions = {
        index: (node.lineno, column(node)) for index, node in enumerate(walker.site_calls)
    }
    return report


def _decide_helpers(report: ModuleReport, walker: Walker, noqa: NoqaMap) -> None:
    """One place to decide about a blocking helper: a ``noqa`` on a blocking line inside it
    (naming its code, LW110 or none) takes that call out of every chain through the helper, and
    one on its signature (the ``def`` line through the colon) takes the helper out of every
    chain. What remains blocks."""
    for key, summary in list(report.functions.items()):
        for line, name, code, guard in walker.blocking_calls.get(key, ()):
            if line_suppresses(noqa, line, (code, TRANSITIVE, *aliases_of(code))):
                continue
            if guard is None:
                summary.blocking = (name, code)
                summary.guarded = None
                break
            if summary.guarded is None:
                summary.guarded = (name, code, guard)
        found = summary.blocking or summary.guarded
        codes = (TRANSITIVE,) if found is None else (TRANSITIVE, found[1])
        if any(line_suppresses(noqa, line, codes) for line in walker.def_lines[key]):
            del report.functions[key]


def analyse_batch(
    batch: Sequence[tuple[bytes, str, bool]],
    blocking_calls: Mapping[str, str],
    offload: Sequence[str] = (),
) -> list[ModuleReport]:
    return [
        analyse(source, module, is_pkg, blocking_calls, offload) for source, module, is_pkg in batch
    ]


class _Columns:
    """1-based character columns from ``ast``'s UTF-8 byte offsets (editors count characters)."""

    def __init__(self, text: str) -> None:
        self.lines: list[str] | None = None if text.isascii() else _LINE_BREAK.split(text)

    def __call__(self, node: ast.expr) -> int:
        if self.lines is None:
            return node.col_offset + 1
        line = self.lines[node.lineno - 1].encode()
        return len(line[: node.col_offset].decode(errors="replace")) + 1


def _unanalysable(module: str, line: int, column: int, message: str) -> ModuleReport:
    return ModuleReport(module=module, findings=[LocalFinding(line, column, UNANALYSABLE, message)])
