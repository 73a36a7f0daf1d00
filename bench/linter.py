"""Linter rows: loopwire lint cold and warm against ruff and flake8-async, and loopwire wiring.

Runs are interleaved (one run of every tool per round) so that load from other work on the
machine spreads over all tools instead of landing on one, and every ratio compares medians
taken in the same rounds of the same bench run.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.corpora import Corpus
from bench.measure import Run, run_command
from bench.report import Section, Target, duration, megabytes, spread
from bench.settings import Settings
from bench.stats import Summary, ratio
from bench.tools import Tool, count_codes, linter_tools, wiring_tool

COLD_SPEEDUP_GOAL = 20.0
WARM_TO_RUFF_GOAL = 3.0
COLD = "loopwire cold"
WARM = "loopwire warm"
RUFF_COLD = "ruff cold"
RUFF_WARM = "ruff warm"
FLAKE8_ASYNC = "flake8-async"
FIRST_RUN = "loopwire first run"


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


@dataclass
class Series:
    """The runs of one tool on one corpus, and why it stopped early if it did."""

    tool: Tool
    limit: int
    timeout: float
    runs: list[Run] = field(default_factory=list)
    # The untimed run that fills a cache before warm runs: itself a first run on an empty cache.
    priming: Run | None = None
    # ``None`` while healthy; otherwise why no (more) runs were taken.
    problem: str | None = None
    timed_out: bool = False
    # Row name when it is not the tool's (the priming run shown as a first run).
    label: str | None = None

    @property
    def name(self) -> str:
        return self.label or self.tool.name

    @property
    def wanted(self) -> bool:
        return self.problem is None and len(self.runs) < self.limit

    @property
    def summary(self) -> Summary | None:
        return Summary.of([run.seconds for run in self.runs]) if self.runs else None

    def codes(self) -> Counter[str]:
        """Findings per code in the last run (every run lints the same files)."""
        return count_codes(self.runs[-1].stdout) if self.runs else Counter()

    def as_json(self) -> dict[str, object]:
        return {
            "tool": self.name,
            "runs": [run.as_json() for run in self.runs],
            "summary": None if self.summary is None else self.summary.as_json(),
            "findings_by_code": dict(self.codes()),
            "problem": self.problem,
            "timed_out": self.timed_out,
            "timeout_s": self.timeout,
        }


def tool_env() -> dict[str, str]:
    """The bench's environment, but letting Python cache bytecode as it does by default: an
    installed tool starts from compiled modules, and timing their compilation on every run would
    measure the sandbox's PYTHONDONTWRITEBYTECODE, not the tool."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _run_once(series: Series, files: Sequence[Path], cwd: Path, label: str) -> Run | None:
    assert series.tool.argv is not None
    env = {**tool_env(), **dict(series.tool.env)}
    run = run_command(series.tool.argv(files), cwd=cwd, timeout=series.timeout, env=env)
    if run.timed_out:
        series.timed_out = True
        series.problem = f"timed out after {series.timeout:.0f} s"
    elif run.returncode not in series.tool.completed:
        tail = run.stderr.strip().splitlines()[-1:] or ["no output"]
        series.problem = f"exit {run.returncode}: {tail[0][:160]}"
    log(f"{label} · {series.tool.name}: {duration(run.seconds)} ({series.problem or 'ok'})")
    return None if series.problem else run


def measure(
    tools: Sequence[Tool],
    files: Sequence[Path],
    cwd: Path,
    label: str,
    limits: dict[str, int],
    timeouts: dict[str, float],
    skipped: dict[str, str],
) -> dict[str, Series]:
    """Interleaved runs of every tool over ``files``; a tool that fails or times out stops."""
    all_series: dict[str, Series] = {}
    for tool in tools:
        series = Series(tool, limits[tool.name], timeouts[tool.name])
        if not tool.available:
            series.problem = "not installed"
        elif tool.name in skipped:
            series.problem = skipped[tool.name]
        elif tool.prepare:
            series.priming = _run_once(series, files, cwd, f"{label} (priming)")
        all_series[tool.name] = series
    for _ in range(max(limits.values(), default=0)):
        for series in all_series.values():
            if series.wanted:
                run = _run_once(series, files, cwd, label)
                if run is not None:
                    series.runs.append(run)
    return all_series


def _findings(series: Series) -> str:
    return str(sum(series.codes().values())) if series.runs else "—"


def _timing_cells(series: Series) -> list[str]:
    summary = series.summary
    if summary is None:
        return [series.problem or "—", "—", "—", "—", "0"]
    cpu = Summary.of([run.cpu_seconds for run in series.runs]).median
    peak = max(run.peak_rss_kb for run in series.runs)
    runs = str(summary.count)
    if series.problem:
        runs += f" ({series.problem})"
    memory = megabytes(peak) if peak else "—"
    return [duration(summary.median), spread(summary), duration(cpu), memory, runs]


def _speedup_target(corpus: Corpus, results: dict[str, Series]) -> Target:
    name = f"lint cold vs flake8-async, {corpus.name}"
    goal = f">= {COLD_SPEEDUP_GOAL:.0f}x faster"
    remedy = (
        "profile `loopwire lint --no-cache --jobs 1` on this corpus (cProfile): the cold run "
        "should be `ast` parsing and one walk per file, so look for a second traversal, a "
        "heavy import, or files parsed that no `async def` reaches"
    )
    cold = results[COLD].summary
    peer = results[FLAKE8_ASYNC]
    if cold is None:
        return Target(name, f"loopwire: {results[COLD].problem}", goal, None, remedy)
    if peer.summary is not None:
        speedup = ratio(peer.summary.median, cold.median)
        return Target(name, f"{speedup:.1f}x", goal, speedup >= COLD_SPEEDUP_GOAL, remedy)
    if peer.timed_out:
        # The peer's time is at least its timeout, so the speed-up is at least this much.
        bound = ratio(peer.timeout, cold.median)
        measured = f">= {bound:.1f}x (flake8-async timed out at {peer.timeout:.0f} s)"
        return Target(name, measured, goal, True if bound >= COLD_SPEEDUP_GOAL else None, remedy)
    return Target(name, f"flake8-async: {peer.problem}", goal, None, remedy)


def _warm_target(corpus: Corpus, results: dict[str, Series]) -> Target:
    name = f"lint warm vs ruff cold, {corpus.name}"
    goal = f"<= {WARM_TO_RUFF_GOAL:.0f}x ruff's time"
    remedy = (
        "a warm run must not parse: check `python -X importtime` of a warm "
        "`loopwire lint`; what is left is interpreter start-up, hashing every file and reading "
        "the cache, so hash with stat() keys first and load one cache file, not one per source"
    )
    warm = results[WARM].summary
    ruff = results[RUFF_COLD].summary
    if warm is None or ruff is None:
        why = results[WARM].problem if warm is None else results[RUFF_COLD].problem
        return Target(name, str(why), goal, None, remedy)
    slowdown = ratio(warm.median, ruff.median)
    return Target(name, f"{slowdown:.2f}x", goal, slowdown <= WARM_TO_RUFF_GOAL, remedy)


def _ratio_row(
    section: Section, corpus: Corpus, results: dict[str, Series], a: str, b: str
) -> None:
    first = results[a].summary
    second = results[b].summary
    if first is None and results[a].timed_out and second is not None:
        bound = ratio(results[a].timeout, second.median)
        section.add_row(corpus.name, f"{a} / {b}", f">= {bound:.2f}", f"{a} timed out")
        return
    if first is None or second is None:
        section.add_row(corpus.name, f"{a} / {b}", "—", "")
        return
    # Within-run spread: the slowest against the fastest run of the other and vice versa.
    low = ratio(first.minimum, second.maximum)
    high = ratio(first.maximum, second.minimum)
    section.add_row(
        corpus.name,
        f"{a} / {b}",
        f"{ratio(first.median, second.median):.2f}",
        f"{low:.2f}-{high:.2f}",
    )


def bench_linters(
    corpora: Sequence[Corpus], settings: Settings, work: Path
) -> tuple[list[Section], list[Target]]:
    tools = linter_tools(work)
    table = Section(
        "Linters: time, findings and peak memory per corpus",
        (
            "corpus",
            "files",
            "lines",
            "tool",
            "findings",
            "median",
            "spread (min-max)",
            "CPU (median)",
            "peak RSS",
            "runs",
        ),
    )
    ratios = Section(
        "Linter ratios (medians of the same interleaved rounds)",
        ("corpus", "ratio", "median / median", "range (slowest/fastest pairings)"),
    )
    targets: list[Target] = []
    for corpus in corpora:
        limits = {t.name: settings.slow_runs if t.slow else settings.runs for t in tools}
        timeouts = {t.name: settings.slow_timeout if t.slow else settings.timeout for t in tools}
        skipped: dict[str, str] = {}
        if corpus.name == "stdlib":
            limits = dict.fromkeys(limits, settings.stdlib_runs)
            timeouts = dict.fromkeys(timeouts, settings.stdlib_timeout)
            timeouts[FLAKE8_ASYNC] = settings.stdlib_peer_timeout
            # The warm tool's priming run is the cold time here (one run is minutes).
            skipped[COLD] = "not run: see first run"
            if not settings.stdlib_peer:
                skipped[FLAKE8_ASYNC] = "not run (about 20 min; --stdlib-peer)"
        # A clean directory: no pyproject.toml, setup.cfg or .git above it to pick up.
        cwd = work / f"lint-{corpus.name}"
        cwd.mkdir(parents=True, exist_ok=True)
        results = measure(tools, corpus.files, cwd, corpus.name, limits, timeouts, skipped)
        rows = list(results.values())
        warm = results[WARM]
        if warm.priming is not None:
            first = Series(warm.tool, 1, warm.timeout, runs=[warm.priming], label=FIRST_RUN)
            rows.insert(rows.index(warm), first)
        for series in rows:
            table.add_row(
                corpus.name,
                str(len(corpus.files)),
                f"{corpus.lines:,}",
                series.name,
                _findings(series),
                *_timing_cells(series),
            )
        table.data.append(
            {
                "corpus": corpus.as_json(),
                "tools": [series.as_json() for series in rows],
            }
        )
        by_code = [
            f"{series.name} " + ", ".join(f"{code} x{n}" for code, n in sorted(codes.items()))
            for series in results.values()
            if (codes := series.codes())
        ]
        if by_code:
            table.notes.append(f"{corpus.name} findings by code: " + "; ".join(by_code) + ".")
        if any("LW001" in series.codes() for series in results.values()):
            table.notes.append(
                f"{corpus.name}: LW001 is a file loopwire could not analyse (reported, exit 2; "
                "every other file is still checked)."
            )
        for a, b in ((FLAKE8_ASYNC, COLD), (WARM, RUFF_COLD), (COLD, RUFF_COLD), (WARM, RUFF_WARM)):
            _ratio_row(ratios, corpus, results, a, b)
        # A peer left out on purpose (flake8-async on the stdlib) leaves no target to judge.
        if FLAKE8_ASYNC not in skipped:
            targets.append(_speedup_target(corpus, results))
        targets.append(_warm_target(corpus, results))
        if corpus.unparseable:
            table.notes.append(
                f"{corpus.name}: {len(corpus.unparseable)} files that do not parse under this "
                "Python (test data) are left out for every tool."
            )
    table.notes += [f"{tool.name}: `{tool.command}`" for tool in tools]
    table.notes.append(
        f"{FIRST_RUN}: the run that primes the warm cache (empty cache dir), timed once."
    )
    table.notes.append(
        "Every tool gets the same explicit file list and runs in an empty directory (no config), "
        "with bytecode caching on (PYTHONDONTWRITEBYTECODE unset); "
        "peak RSS is sampled from /proc over the tool's whole process tree (workers included), "
        "so a run shorter than a few milliseconds shows none."
    )
    return [table, ratios], targets


def bench_wiring(
    corpora: Sequence[Corpus], settings: Settings, work: Path, project: Path
) -> Section:
    tool = wiring_tool()
    section = Section(
        "loopwire wiring",
        (
            "target",
            "files",
            "findings",
            "median",
            "spread (min-max)",
            "CPU (median)",
            "peak RSS",
            "runs",
        ),
    )
    service = sorted((project / "service").rglob("*.py"))
    targets: list[tuple[str, Sequence[Path], Path]] = [("service/", [project / "service"], project)]
    for corpus in corpora:
        cwd = work / f"wiring-{corpus.name}"
        cwd.mkdir(parents=True, exist_ok=True)
        targets.append((corpus.name, corpus.files, cwd))
    for label, paths, cwd in targets:
        # The service is small; a corpus is a slow measurement, the stdlib a single bounded one.
        runs, timeout = settings.runs, settings.timeout
        if label == "stdlib":
            runs, timeout = settings.stdlib_runs, settings.timeout
        elif label != "service/":
            runs = settings.slow_runs
        limits = {tool.name: runs}
        timeouts = {tool.name: timeout}
        results = measure([tool], paths, cwd, f"wiring {label}", limits, timeouts, {})
        series = results[tool.name]
        files = len(service) if label == "service/" else len(paths)
        section.add_row(label, str(files), _findings(series), *_timing_cells(series))
        section.data.append({"target": label, **series.as_json()})
    section.notes.append("service/ runs from the project root, so its [tool.loopwire] applies.")
    return section
