"""The loop-stall guard as pytest hooks: per-test thresholds, allowed stalls, the run's ranking.

Off unless ``--loopwire-stall=50ms``, the ini option ``loopwire_stall`` or a test's
``loopwire_stall(ms=...)`` marker sets a threshold. Stalls are collected as they end (on the
loop's thread) and judged when pytest reports each phase: a phase that passed but stalled its
loop past the threshold fails with the stall reports, unless the test's marker
(``allow=True, reason=...``) or an allow rule for the site says why it is acceptable. Stalls
spent mostly waiting for a CPU (other processes had it) or collecting garbage are listed
but never fail a test.
"""

from __future__ import annotations

import threading
from collections.abc import Generator
from pathlib import Path

import pytest

from loopwire.config import ConfigError, load_config
from loopwire.loopwatch.frames import Attribution
from loopwire.loopwatch.stall import Stall
from loopwire.stall import loops
from loopwire.stall.allow import AllowRule, find_rule, rules_from_ini, rules_from_table
from loopwire.stall.ranking import Ranking
from loopwire.stall.threshold import parse_threshold
from loopwire.xdist import output_of, worker_output

MARKER = "loopwire_stall"
OUTSIDE = "(outside any test)"
_MARKER_KEYS = frozenset({"ms", "allow", "reason"})
# Under pytest-xdist, a worker's ranking reaches the controller under this key.
HANDOVER = "loopwire_stall"


class StallPlugin:
    """Session state: the active guard, the stalls of the current phase, the ranking."""

    def __init__(self, config: pytest.Config, threshold: float | None, rules: list[AllowRule]):
        self.default = threshold
        self.rules = rules
        self.ranking = Ranking()
        self.failed_outside = 0
        self._lock = threading.Lock()
        self._pending: list[Stall] = []
        own = Path(__file__).resolve().parent
        attribution = Attribution.for_roots([config.rootpath], exclude=[own])
        self.guard = loops.LoopGuard(threshold, attribution, self._collect)
        self._allowed: str | None = None
        self._threshold = threshold
        self.active = False

    def _collect(self, stall: Stall) -> None:
        with self._lock:
            self._pending.append(stall)

    def _take(self) -> list[Stall]:
        with self._lock:
            taken, self._pending = self._pending, []
        return taken

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        marked = [_marker_settings(item)[0] for item in items]
        if any(ms is not None for ms in marked):
            self.activate()

    def activate(self) -> None:
        """Watch loop runs from now on (idempotent)."""
        if not self.active:
            self.active = True
            loops.push(self.guard)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        self._judge_outside(self._take())
        ms, self._allowed = _marker_settings(item)
        self._threshold = ms / 1000 if ms is not None else self.default
        self.guard.threshold = self._threshold

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, None]:
        outcome = yield
        report: pytest.TestReport = outcome.get_result()
        failing = [s for s in self._take() if self._judge(s, item.nodeid)]
        if not failing:
            return
        text = "\n\n".join(s.format() for s in failing)
        if report.passed:
            report.outcome = "failed"
            report.longrepr = f"loopwire stall guard: the event loop stalled\n{text}"
        else:
            report.sections.append(("loopwire stall guard", text))

    def _judge(self, stall: Stall, test: str) -> bool:
        """Record ``stall`` in the ranking; whether it fails the test."""
        threshold = self._threshold if self._threshold is not None else stall.threshold
        verdict = "failed"
        if stall.own <= threshold:
            verdict = f"not counted: {stall.excuses}"
        elif self._allowed is not None:
            verdict = f"allowed: {self._allowed}"
        elif (allowed := find_rule(self.rules, stall)) is not None:
            verdict = f"allowed: {allowed.reason}"
        self.ranking.add(stall, verdict, test)
        return verdict == "failed"

    def _judge_outside(self, stalls: list[Stall]) -> None:
        allowed, self._allowed = self._allowed, None
        self.failed_outside += sum(self._judge(s, OUTSIDE) for s in stalls)
        self._allowed = allowed

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: object, error: object) -> None:
        """An xdist worker finished: rank its stalls with the run's (see :mod:`loopwire.xdist`).
        Its tests' failures came with their reports already."""
        handed = output_of(node, HANDOVER)
        if isinstance(handed, dict):
            self.ranking.take_over(handed["sites"])
            self.failed_outside += handed["failed_outside"]

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self._judge_outside(self._take())
        handover = worker_output(session.config)
        if handover is not None:
            handover[HANDOVER] = {
                "sites": self.ranking.handover(),
                "failed_outside": self.failed_outside,
            }
        if self.failed_outside and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.default is None and not self.ranking.sites:
            return
        terminalreporter.section("loopwire stall guard")
        limit = "off" if self.default is None else f"{self.default * 1000:g} ms"
        if not self.ranking.sites:
            terminalreporter.line(f"no event loop stalled past the threshold ({limit})")
            return
        terminalreporter.line(f"stall sites ranked by total stalled time (threshold {limit}):")
        for line in self.ranking.lines():
            terminalreporter.line(line)


def _marker_settings(item: pytest.Item) -> tuple[float | None, str | None]:
    """The marker's ``(ms, allow reason)``; a malformed marker is a usage error."""
    marker = item.get_closest_marker(MARKER)
    if marker is None:
        return None, None
    unknown = sorted(set(marker.kwargs) - _MARKER_KEYS)
    ms, allow, reason = (marker.kwargs.get(k) for k in ("ms", "allow", "reason"))
    where = f"{item.nodeid}: @pytest.mark.{MARKER}"
    if marker.args or unknown:
        raise pytest.UsageError(f"{where} takes only ms=, allow= and reason= keywords")
    if ms is not None and (isinstance(ms, bool) or not isinstance(ms, int | float) or ms <= 0):
        raise pytest.UsageError(f"{where}: ms must be a positive number of milliseconds")
    if allow and not (isinstance(reason, str) and reason.strip()):
        raise pytest.UsageError(f"{where}: allow=True needs reason='why this stall is fine'")
    return ms, reason.strip() if allow and isinstance(reason, str) else None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("loopwire-stall", "loopwire loop-stall guard")
    group.addoption(
        "--loopwire-stall",
        metavar="DURATION",
        default=None,
        help="fail tests whose event loop stalled longer than DURATION (50ms, 0.2s; off); "
        "overrides the ini option loopwire_stall",
    )
    parser.addini("loopwire_stall", "stall threshold, as --loopwire-stall (default off)", "string")
    parser.addini(
        "loopwire_stall_allow",
        "stall sites allowed, one 'PATH:FUNCTION = REASON' a line",
        "linelist",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(ms=None, allow=False, reason=None): this test's stall threshold in "
        "milliseconds, or allow=True with the reason its stalls are acceptable",
    )
    text = config.getoption("loopwire_stall")
    if text is None:
        text = config.getini("loopwire_stall") or "off"
    try:
        threshold = parse_threshold(str(text))
        rules = rules_from_ini(config.getini("loopwire_stall_allow"))
        rules += rules_from_table(load_config(config.rootpath).section("stall"))
    except (ValueError, ConfigError) as exc:
        raise pytest.UsageError(f"loopwire stall guard: {exc}") from exc
    plugin = StallPlugin(config, threshold, rules)
    config.pluginmanager.register(plugin, "loopwire-stall")
    # Inert unless a threshold is set; but a session nested in a guarded one (pytester) always
    # takes over, so the outer guard does not judge the inner session's loops.
    if threshold is not None or loops.installed():
        plugin.activate()


def pytest_unconfigure(config: pytest.Config) -> None:
    plugin = config.pluginmanager.get_plugin("loopwire-stall")
    if isinstance(plugin, StallPlugin) and plugin.active:
        loops.pop(plugin.guard)
