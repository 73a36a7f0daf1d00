"""Runs the linter over a set of files: cache, parallel analysis, cross-module pass, suppression.

Cheap work stays in this process (reading, hashing, the cache, the transitive pass over
summaries); parsing and walking happen in ``worker`` (in a process pool when there are many
files), and are skipped for files that cannot matter: no ``async``, and no function that an
analysed module calls (those are only syntax-checked).
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from loopwire.core import syntax
from loopwire.core.source import POOL_THRESHOLD, ModuleNames, SourceFile, read_source
from loopwire.findings import UNANALYSABLE, Finding
from loopwire.lint import catalog
from loopwire.lint.cache import Cache, entry_key, settings_hash
from loopwire.lint.model import LocalFinding, ModuleReport
from loopwire.lint.rules import BY_CODE, aliases_of
from loopwire.lint.rules.common import LAZY_REMEDY, THREAD_REMEDY
from loopwire.lint.transitive import Project
from loopwire.suppression import filter_suppressed, select_codes

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor


@dataclass(frozen=True)
class Options:
    blocking_calls: Mapping[str, str] = field(default_factory=dict)
    # Decorators (qualified names or fnmatch patterns) that run a function in a worker thread.
    offload: Sequence[str] = ()
    # Functions (qualified names or patterns) that run once, at start-up or shutdown.
    startup: Sequence[str] = ()
    select: Sequence[str] = ()
    ignore: Sequence[str] = ()
    cache_dir: Path | None = None
    jobs: int = 0  # 0: one per core


@dataclass
class _Entry:
    """A file to lint, its cache key, and its report once analysed (or found in the cache)."""

    source: SourceFile
    key: str
    report: ModuleReport | None = None


@dataclass(frozen=True)
class Result:
    findings: list[Finding]
    files_checked: int


def lint_files(paths: Sequence[Path], options: Options) -> Result:
    settings = settings_hash(options.blocking_calls, options.offload)
    cache = Cache(options.cache_dir)
    names = ModuleNames()
    files: list[_Entry] = []
    errors: list[Finding] = []
    for path in paths:
        try:
            source = read_source(path, names)
        except OSError as exc:
            errors.append(Finding(str(path), 1, 1, UNANALYSABLE, f"cannot read: {exc.strerror}"))
            continue
        key = entry_key(settings, source.module, source.is_package, source.content)
        files.append(_Entry(source, key, cache.get(key)))

    # Only code inside `async def` is reported, so only files that say `async` are parsed up
    # front; a sync module is parsed when an analysed one calls into it (for its summaries).
    pending = [f for f in files if f.report is None and b"async" in f.source.content]
    deferred = {
        f.source.module: f for f in files if f.report is None and b"async" not in f.source.content
    }
    pending += _called_modules([f for f in files if f.report is not None], deferred)
    with _Analyser(options, cache) as analyser:
        while pending:
            analyser.analyse(pending)
            pending = _called_modules(pending, deferred)

    # Skipped files still have to be valid Python: an unparsable file is always reported.
    errors.extend(e for f in deferred.values() if (e := _syntax_error(f, cache)) is not None)
    analysed = [f for f in files if f.report is not None]
    findings = errors + _report(analysed, options.startup)
    cache.save()
    chosen = {code.upper() for code in options.select}
    findings = [f for f in findings if f.code not in catalog.OFF_BY_DEFAULT or f.code in chosen]
    findings = select_codes(findings, options.select, options.ignore)
    return Result(sorted(findings), len(files))


def lint_source(
    source: str,
    blocking_calls: Mapping[str, str] | None = None,
    module: str = "example",
    *,
    offload: Sequence[str] = (),
    startup: Sequence[str] = (),
) -> list[Finding]:
    """Lint one module's text in this process, without cache or files (rule examples, tests)."""
    from loopwire.lint.worker import analyse

    report = analyse(source.encode(), module, False, blocking_calls or {}, offload)
    item = _Entry(SourceFile.of_text(f"{module}.py", module, source), "", report)
    return sorted(_report([item], startup))


def _report(files: Sequence[_Entry], startup: Sequence[str] = ()) -> list[Finding]:
    reports = [f.report for f in files if f.report is not None]
    project = Project(reports)
    once = _StartUp(startup)
    findings: list[Finding] = []
    for item in files:
        report = item.report
        assert report is not None
        mine = [
            once.direct(item.source.path, report.module, f)
            if once(f.function)
            else Finding(item.source.path, f.line, f.column, f.code, f.message, f.symbol)
            for f in report.findings
        ]
        for site in report.sites:
            reach = project.blocking(site.target, site.edge)
            if reach is None:
                continue
            line, column = report.positions[site.index]
            chain = " -> ".join((site.caller, *reach.chain))
            path = (f"{report.module}.{site.caller}", *reach.path)
            # A lazy callee (generator, context manager) is not fixed by a thread: only its
            # object would be built there.
            lazy = project.functions[reach.path[0]].lazy
            if once(path[0]):
                message = BY_CODE[catalog.STARTUP].message.format(
                    function=site.caller, symbol=reach.chain[0], chain=chain, code=reach.code
                )
                code = catalog.STARTUP
            else:
                message = BY_CODE[catalog.TRANSITIVE].message.format(
                    caller=site.caller,
                    symbol=reach.chain[0],
                    chain=chain,
                    code=reach.code,
                    remedy=LAZY_REMEDY if lazy else THREAD_REMEDY,
                )
                code = catalog.TRANSITIVE
            mine.append(
                Finding(
                    item.source.path, line, column, code, message, reach.chain[0], path, not lazy
                )
            )
        findings.extend(filter_suppressed(mine, report.noqa_map(), aliases_of))
    return findings


class _StartUp:
    """The functions ``[tool.loopwire] startup`` names (qualified names or fnmatch patterns):
    they run once, before serving or at shutdown, so what blocks in them (directly or through
    helpers) is reported under LW113, off by default, instead of LW101-LW112."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.patterns = tuple(patterns)

    def __call__(self, function: str) -> bool:
        return bool(function) and any(fnmatch.fnmatchcase(function, p) for p in self.patterns)

    @staticmethod
    def direct(path: str, module: str, found: LocalFinding) -> Finding:
        display = found.function.removeprefix(f"{module}.")
        message = BY_CODE[catalog.STARTUP].message.format(
            function=display, symbol=found.symbol, chain=found.symbol, code=found.code
        )
        return Finding(path, found.line, found.column, catalog.STARTUP, message, found.symbol)


class _Analyser:
    """Parses files in this process, or in a process pool (kept across rounds) for many."""

    def __init__(self, options: Options, cache: Cache) -> None:
        self.options = options
        self.cache = cache
        self.jobs = options.jobs or os.cpu_count() or 1
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> _Analyser:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def analyse(self, files: Sequence[_Entry]) -> None:
        if self.jobs > 1 and len(files) >= POOL_THRESHOLD:
            reports = self._in_pool(files)
        else:
            from loopwire.lint.worker import analyse

            calls, offload = self.options.blocking_calls, self.options.offload
            reports = [
                analyse(f.source.content, f.source.module, f.source.is_package, calls, offload)
                for f in files
            ]
        for item, report in zip(files, reports, strict=True):
            item.report = report
            self.cache.put(item.key, report)

    def _in_pool(self, files: Sequence[_Entry]) -> list[ModuleReport]:
        from concurrent.futures import ProcessPoolExecutor

        from loopwire.lint.worker import analyse_batch
        from loopwire.parallel import map_batched

        if self.pool is None:
            self.pool = ProcessPoolExecutor(max_workers=self.jobs)
        return map_batched(
            self.pool,
            self.jobs,
            analyse_batch,
            [(f.source.content, f.source.module, f.source.is_package) for f in files],
            lambda item: len(item[0]),
            dict(self.options.blocking_calls),
            tuple(self.options.offload),
        )


def _called_modules(analysed: Iterable[_Entry], deferred: dict[str, _Entry]) -> list[_Entry]:
    """Skipped modules that an analysed module calls into: their summaries are needed after all."""
    wanted: list[_Entry] = []
    roots = {module.partition(".")[0] for module in deferred}
    for item in analysed:
        report = item.report
        if report is None:
            continue
        targets = [site.target for site in report.sites]
        for summary in report.functions.values():
            targets.extend(summary.calls)
        # Re-exports and base classes lead to the modules that define the function.
        targets.extend(report.aliases.values())
        for bases in report.bases.values():
            targets.extend(bases)
        for target in targets:
            if target.partition(".")[0] not in roots:
                continue
            parts = target.split(".")
            for end in range(len(parts) - 1, 0, -1):
                found = deferred.pop(".".join(parts[:end]), None)
                if found is not None:
                    wanted.append(found)
    return wanted


def _syntax_error(item: _Entry, cache: Cache) -> Finding | None:
    known, problem = cache.syntax(item.key)
    if not known:
        problem = syntax.problem(item.source.content)
        cache.put_syntax(item.key, problem)
    if problem is None:
        return None
    line, column, message = problem
    return Finding(item.source.path, line, column, UNANALYSABLE, message)
