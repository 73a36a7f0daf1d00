"""Analysis of one source file, run in worker processes; the only module that imports libcst.

Everything here takes and returns plain data (bytes in, ``ModuleReport`` out), so a run whose
files are all cached never imports this module, and with it never pays for importing libcst.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from checks.findings import UNANALYSABLE
from checks.lint import syntax
from checks.lint.model import LocalFinding, ModuleReport
from checks.lint.walker import Walker
from checks.suppression import noqa_lines


def analyse(
    source: bytes, module: str, is_package: bool, blocking_calls: Mapping[str, str]
) -> ModuleReport:
    """Parse once, walk once; position only the calls that are reported."""
    try:
        text = syntax.decode(source)
        tree = cst.parse_module(text)
    except UnicodeDecodeError as exc:
        return _unanalysable(module, 1, 1, f"cannot decode the file: {exc.reason}")
    except (SyntaxError, cst.ParserSyntaxError) as exc:
        return _syntax_error(module, source, exc)
    except RecursionError:
        return _unanalysable(module, 1, 1, "nesting too deep for libcst to parse")
    walker = Walker(module, is_package, blocking_calls)
    try:
        report = walker.run(tree)
    except RecursionError:
        return _unanalysable(module, 1, 1, "nesting too deep to analyse")
    report.noqa = {
        line: None if codes is None else sorted(codes) for line, codes in noqa_lines(text).items()
    }
    if walker.direct:
        try:
            positions = _positions(tree, [node for node, _, _ in walker.direct])
        except (RecursionError, KeyError):
            # libcst's position pass recurses once per nesting level and fails (RecursionError,
            # or a KeyError while unwinding from it) on pathologically deep expressions.
            return _unanalysable(module, 1, 1, "nesting too deep to compute positions")
        report.findings = [
            LocalFinding(line, column, code, message)
            for (line, column), (_, code, message) in zip(positions, walker.direct, strict=True)
        ]
    return report


def locate(
    source: bytes,
    module: str,
    is_package: bool,
    blocking_calls: Mapping[str, str],
    indices: Sequence[int],
) -> dict[int, tuple[int, int]]:
    """Line and column of calls by their traversal index (the walk is deterministic); (1, 1)
    when libcst cannot compute positions for a pathologically deep file."""
    tree = cst.parse_module(syntax.decode(source))
    walker = Walker(module, is_package, blocking_calls)
    walker.run(tree)
    try:
        positions = _positions(tree, [walker.calls[index] for index in indices])
    except (RecursionError, KeyError):
        positions = [(1, 1)] * len(indices)
    return dict(zip(indices, positions, strict=True))


def analyse_batch(
    batch: Sequence[tuple[bytes, str, bool]], blocking_calls: Mapping[str, str]
) -> list[ModuleReport]:
    return [analyse(source, module, is_pkg, blocking_calls) for source, module, is_pkg in batch]


def _positions(tree: cst.Module, nodes: Sequence[cst.CSTNode]) -> list[tuple[int, int]]:
    ranges = MetadataWrapper(tree, unsafe_skip_copy=True).resolve(PositionProvider)
    return [(ranges[node].start.line, ranges[node].start.column + 1) for node in nodes]


def _syntax_error(module: str, source: bytes, exc: Exception) -> ModuleReport:
    # libcst's error positions can be a token late; CPython's compiler names the exact spot.
    found = syntax.problem(source)
    if found is not None:
        return _unanalysable(module, *found)
    if isinstance(exc, cst.ParserSyntaxError):
        return _unanalysable(
            module, exc.raw_line, exc.raw_column + 1, f"libcst cannot parse: {exc.message}"
        )
    return _unanalysable(module, 1, 1, f"cannot parse: {exc}")


def _unanalysable(module: str, line: int, column: int, message: str) -> ModuleReport:
    return ModuleReport(module=module, findings=[LocalFinding(line, column, UNANALYSABLE, message)])
