"""The project-wide pass: parse every file once, collect facts, then join them into findings.

A field is "set" if any file in the checked project sets it, so the analysis always sees the
whole set of paths at once; there is no per-file verdict to cache.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from loopwire.core import syntax
from loopwire.core.source import POOL_THRESHOLD, ModuleNames, SourceFile, read_source
from loopwire.findings import UNANALYSABLE, Finding
from loopwire.parallel import map_batched
from loopwire.suppression import filter_suppressed, noqa_lines
from loopwire.wiring.collector import Collector
from loopwire.wiring.evidence import Evidence
from loopwire.wiring.facts import ModuleFacts, Site
from loopwire.wiring.rules import JUDGES, RULES
from loopwire.wiring.settings import WiringSettings


def read_sources(paths: Iterable[Path]) -> tuple[list[SourceFile], list[Finding]]:
    """Read and decode every file; one that cannot be read becomes an LW001 finding, never a
    traceback."""
    names = ModuleNames()
    sources: list[SourceFile] = []
    errors: list[Finding] = []
    for path in paths:
        try:
            source = read_source(path, names)
            source.text()
        except (OSError, SyntaxError, UnicodeDecodeError, LookupError) as exc:
            errors.append(_unanalysable(str(path), 1, 1, str(exc) or type(exc).__name__))
            continue
        sources.append(source)
    return sources, errors


def _unanalysable(path: str, line: int, column: int, reason: str) -> Finding:
    return Finding(path, line, column, UNANALYSABLE, f"cannot analyse this file: {reason}")


def collect(
    source: SourceFile, settings: WiringSettings, anchors: list[cst.CSTNode] | None = None
) -> ModuleFacts:
    collector = Collector(source.path, source.module, settings, anchors)
    collector.walk(cst.parse_module(source.text()))
    return collector.facts


def _collect_or_explain(source: SourceFile, settings: WiringSettings) -> ModuleFacts | Finding:
    """The facts of ``source``, or the LW001 finding saying why it has none."""
    try:
        return collect(source, settings)
    except cst.ParserSyntaxError as exc:
        # CPython's own message and position, as ``loopwire lint`` reports it; libcst's native
        # parser puts every error at 1:1. Its own words only for what CPython accepts (syntax
        # newer than this libcst knows).
        found = syntax.text_problem(source.text())
        if found is not None:
            return _unanalysable(source.path, *found)
        return _unanalysable(source.path, exc.editor_line, exc.editor_column, exc.message)
    except RecursionError:
        return _unanalysable(source.path, 1, 1, "nested too deeply to parse")


def _collect_batch(
    batch: Sequence[SourceFile], settings: WiringSettings
) -> list[ModuleFacts | Finding]:
    return [_collect_or_explain(source, settings) for source in batch]


def _collect_all(
    sources: Sequence[SourceFile], settings: WiringSettings
) -> list[ModuleFacts | Finding]:
    """``_collect_or_explain`` for every source, in order; the libcst parse is most of the
    check's time and each file's is independent, so many files are spread over every core."""
    jobs = min(os.cpu_count() or 1, len(sources))
    if jobs < 2 or len(sources) < POOL_THRESHOLD:
        return _collect_batch(sources, settings)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return map_batched(
            pool, jobs, _collect_batch, sources, lambda source: len(source.content), settings
        )


def positions(source: SourceFile, settings: WiringSettings) -> list[tuple[int, int]]:
    """(line, column) of every Site of ``source``, by anchor: the same walk, now keeping nodes."""
    anchors: list[cst.CSTNode] = []
    collector = Collector(source.path, source.module, settings, anchors)
    tree = cst.parse_module(source.text())
    collector.walk(tree)
    ranges = MetadataWrapper(tree, unsafe_skip_copy=True).resolve(PositionProvider)
    return [(ranges[node].start.line, ranges[node].start.column + 1) for node in anchors]


@dataclass(frozen=True, slots=True)
class _Pending:
    site: Site
    code: str
    message: str
    symbol: str


def analyse(sources: Sequence[SourceFile], settings: WiringSettings) -> list[Finding]:
    """Every LW2xx finding for the project made of ``sources``, ``noqa`` already applied."""
    modules: list[ModuleFacts] = []
    findings: list[Finding] = []
    for result in _collect_all(sources, settings):
        if isinstance(result, Finding):
            findings.append(result)
        else:
            modules.append(result)
    pending = _judge(modules, settings)
    by_path: dict[str, list[_Pending]] = {}
    for item in pending:
        by_path.setdefault(item.site.path, []).append(item)
    for source in sources:
        if source.path not in by_path:
            continue
        located = positions(source, settings)
        in_file = []
        for item in by_path[source.path]:
            line, column = located[item.site.anchor]
            in_file.append(Finding(source.path, line, column, item.code, item.message, item.symbol))
        findings.extend(filter_suppressed(in_file, noqa_lines(source.text())))
    return sorted(findings)


def _judge(modules: Sequence[ModuleFacts], settings: WiringSettings) -> list[_Pending]:
    """Every rule's verdicts on the project, with their messages."""
    evidence = Evidence.join(modules, settings)
    pending: list[_Pending] = []
    for code, judge in JUDGES.items():
        template = RULES[code].message
        for verdict in judge(evidence):
            message = template.format(symbol=verdict.symbol, **verdict.fields)
            pending.append(_Pending(verdict.site, code, message, verdict.symbol))
    return pending
