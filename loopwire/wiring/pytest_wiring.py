"""The dynamic wiring check as a pytest plugin: watch real responses, fail on fields never filled.

Off unless asked for, by ``--loopwire-wiring``, the ini option ``loopwire_wiring = true`` or, for
single tests, the ``loopwire_wiring`` marker. When on, every aiohttp app a test starts in-process is
instrumented (see :mod:`loopwire.wiring.observed.capture`), tests may add what they saw from outside
(a browser, another process) through the ``wiring_recorder`` fixture, and server processes started
during the run append to ``$LOOPWIRE_WIRING_LOG``. At the end of the session the observations are
matched to the schemas of ``[tool.loopwire.wiring.responses]``; the table is printed, written as
JSON with ``--loopwire-wiring-json PATH``, and the run fails if a field was never non-null or a
progressive field never moved or went backwards (unless ``[tool.loopwire.wiring.allow]`` says why).

A failed check is one more error in pytest's closing line ("2 passed, 1 error"), listed as
``ERROR loopwire wiring``. Route keys are ``"METHOD /full/path"`` as the app registers it (a
sub-app's prefix included); a ``{name}`` in a key matches any one path segment, so the parameter
names need not be the app's. A key that matches no route of the apps started in-process fails the
check; one that only went unexercised by the run does not (its fields show as never seen).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from aiohttp import web

from loopwire.config import ConfigError, load_config
from loopwire.wiring.observed.capture import (
    LOG_ENV,
    instrument,
    observation_from_json,
    read_log,
)
from loopwire.wiring.observed.stats import WiringReport, WiringStats, render_table
from loopwire.wiring.responses import Observation, WiringConfig, load_wiring_config
from loopwire.xdist import output_of, runs_workers, worker_output

MARKER = "loopwire_wiring"
# The closing FAILED line names this many fields; the table above it shows every one.
FAILED_NAMED = 8
# How a failed check is named among pytest's errors ("ERROR loopwire wiring - ...").
WIRING_NODE = "loopwire wiring"
# Under pytest-xdist, what a worker saw reaches the controller under this key.
HANDOVER = "loopwire_wiring"


class WiringRecorder:
    """Collects observations while recording is on; tests feed outside observations here."""

    def __init__(self) -> None:
        self.observations: list[Observation] = []
        self.active = False
        self.scope = ""
        # Apps that were already frozen when the test started them, so could not be watched.
        self.unwatched: list[str] = []

    def record(self, observation: Observation) -> None:
        if self.active:
            self.observations.append(observation)

    def observe(
        self,
        path: str,
        body: object,
        *,
        method: str = "GET",
        status: int = 200,
        event: str | None = None,
        scope: str = "",
    ) -> None:
        """Record a JSON document seen outside the app (``path`` may be concrete or a template).

        ``scope`` separates job ids of different servers; it defaults to the current test.
        """
        self.record(Observation(method, path, status, body, scope or self.scope, event))

    def current_scope(self) -> str:
        return self.scope

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Record nothing inside (e.g. apps of a nested pytest run, which are not under test)."""
        active, self.active = self.active, False
        try:
            yield
        finally:
            self.active = active


class WiringPlugin:
    """Session state: whether the check is on, the recorder, and the patch that feeds it."""

    def __init__(self, config: pytest.Config) -> None:
        self._config = config
        self.recorder = WiringRecorder()
        self.everywhere = bool(config.getoption("loopwire_wiring")) or bool(
            config.getini("loopwire_wiring")
        )
        self.enabled = self.everywhere
        self.report: WiringReport | None = None
        # Ctrl-C: the run saw only part of its evidence, so there is no verdict to give.
        self.interrupted = False
        self._wiring: WiringConfig | None = None
        self._monkeypatch = pytest.MonkeyPatch()
        self._log: Path | None = None
        # "METHOD /template" of every route the apps started in-process registered.
        self.registered_routes: set[str] = set()
        # An xdist controller: did a worker hand over what it saw (so the check was on there)?
        self._handed_over = False

    def _load(self) -> None:
        try:
            wiring = load_wiring_config(load_config(self._config.rootpath))
        except ConfigError as exc:
            raise pytest.UsageError(f"loopwire wiring: {exc}") from exc
        if not wiring.rules:
            # A check with nothing to check would pass every run: refuse it instead.
            raise pytest.UsageError(
                "loopwire wiring is enabled but [tool.loopwire.wiring.responses] maps no route "
                'to a schema (e.g. \'"GET /jobs/{id}" = "app.schemas:Job"\')'
            )
        # Set only once valid: a session ended by the usage error above has no verdict to print.
        self._wiring = wiring

    def _start(self) -> None:
        self._load()
        handle, name = tempfile.mkstemp(prefix="loopwire-wiring-", suffix=".jsonl")
        os.close(handle)
        self._log = Path(name)
        # Owned by this session: a parent run's log must not receive this run's observations.
        self._monkeypatch.setenv(LOG_ENV, name)
        recorder = self.recorder
        registered = self.registered_routes
        original: Callable[[web.AppRunner], Awaitable[None]] = web.AppRunner.setup

        async def setup(runner: web.AppRunner) -> None:
            if not instrument(runner.app, recorder.record, recorder.current_scope):
                recorder.unwatched.append(recorder.scope)
            elif recorder.active:
                # Sub-apps' routes are listed too, with their prefix.
                registered.update(
                    f"{route.method} {route.resource.canonical}"
                    for route in runner.app.router.routes()
                    if route.resource is not None
                )
            await original(runner)

        self._monkeypatch.setattr(web.AppRunner, "setup", setup)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        # An xdist controller collects nothing; a mistake in the configuration is still refused
        # before any worker starts.
        if self.everywhere and runs_workers(self._config):
            self._load()

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        if not self.everywhere and any(item.get_closest_marker(MARKER) for item in items):
            self.enabled = True
        if self.enabled and self._wiring is None:
            self._start()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        self.recorder.scope = item.nodeid
        self.recorder.active = self.everywhere or item.get_closest_marker(MARKER) is not None

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> None:
        self.recorder.active = self.everywhere

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: object, error: object) -> None:
        """An xdist worker finished: take over what it saw (see :mod:`loopwire.xdist`)."""
        handed = output_of(node, HANDOVER)
        if not isinstance(handed, str):
            return
        document = json.loads(handed)
        self.enabled = self._handed_over = True
        self.recorder.observations.extend(map(observation_from_json, document["observations"]))
        self.registered_routes.update(document["registered"])
        self.recorder.unwatched.extend(document["unwatched"])

    def _observed(self) -> list[Observation]:
        """Everything seen: in this process, and by the server processes in the log."""
        logged = read_log(self._log) if self._log is not None else []
        return [*self.recorder.observations, *logged]

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        # A run that executes no test (--collect-only) has nothing to judge.
        if not self.enabled or self._config.option.collectonly:
            return
        if session.exitstatus == pytest.ExitCode.INTERRUPTED:
            self.interrupted = True
            return
        handover = worker_output(self._config)
        if handover is not None:
            # An xdist worker saw only its share of the run: the controller judges the whole.
            if self._wiring is not None:
                handover[HANDOVER] = self._handover()
            return
        if self._wiring is None and self._handed_over:
            self._load()
        if self._wiring is None:
            return
        stats = WiringStats(self._wiring)
        stats.add_all(self._observed())
        stats.add_registered(self.registered_routes)
        self.report = stats.report()
        target = self._config.getoption("loopwire_wiring_json")
        if target:
            document = self.report.as_json()
            document["unwatched_apps"] = self.recorder.unwatched
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            Path(target).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        if not self.report.ok:
            self._count_as_error()
            if session.exitstatus == pytest.ExitCode.OK:
                session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def _handover(self) -> str:
        document = {
            "observations": [observation.as_json() for observation in self._observed()],
            "registered": sorted(self.registered_routes),
            "unwatched": self.recorder.unwatched,
        }
        # Bodies are the apps' JSON, so they go back as JSON; str() as the log's sink does.
        return json.dumps(document, default=str)

    def _count_as_error(self) -> None:
        """Put the failed check in pytest's own error count, so the closing line says so.

        Setting the exit status alone leaves "2 passed" as the last line of a failed run; an
        error report in the terminal's stats reads "2 passed, 1 error" and is listed under
        ERRORS and in the short summary. Runs before the terminal writes any of those.
        """
        assert self.report is not None
        terminal = self._config.pluginmanager.get_plugin("terminalreporter")
        if terminal is None:
            return
        message = (
            f"loopwire wiring FAILED: {failed_names(self.report)} (table in 'loopwire wiring')"
        )
        report = pytest.TestReport(
            nodeid=WIRING_NODE,
            location=(str(self._config.rootpath), None, WIRING_NODE),
            keywords={},
            outcome="failed",
            longrepr=message,
            when="teardown",
        )
        terminal.stats.setdefault("error", []).append(report)

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.interrupted:
            terminalreporter.section("loopwire wiring")
            message = "loopwire wiring not judged: the run was interrupted"
            terminalreporter.line(message, yellow=True)
            return
        if self.report is None:
            return
        terminalreporter.section("loopwire wiring")
        for line in render_table(self.report):
            terminalreporter.line(line)
        for scope in self.recorder.unwatched:
            terminalreporter.line(f"not watched (app frozen before it started): {scope}")
        if not self.report.ok:
            message = f"loopwire wiring FAILED: {failed_names(self.report)}"
            terminalreporter.line(message, red=True, bold=True)
        else:
            terminalreporter.line("loopwire wiring passed", green=True)

    def close(self) -> None:
        self._monkeypatch.undo()
        if self._log is not None:
            self._log.unlink(missing_ok=True)


def failed_names(report: WiringReport) -> str:
    """The failing fields and unmatched keys, the first :data:`FAILED_NAMED` of them by name."""
    failed = [f.name for f in report.failed]
    failed += [f"unmatched key {key!r}" for key in report.unmatched_keys]
    more = f" and {len(failed) - FAILED_NAMED} more" if len(failed) > FAILED_NAMED else ""
    return ", ".join(failed[:FAILED_NAMED]) + more


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("loopwire-wiring", "loopwire dynamic wiring check")
    group.addoption(
        "--loopwire-wiring",
        action="store_true",
        default=False,
        help="record every JSON response/SSE event of the tested aiohttp apps and fail the run "
        "if a schema field was never non-null or a progressive field never moved",
    )
    group.addoption(
        "--loopwire-wiring-json",
        metavar="PATH",
        default=None,
        help="also write the wiring report as JSON to PATH",
    )
    parser.addini(
        "loopwire_wiring", "enable the dynamic wiring check (like --loopwire-wiring)", "bool", False
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}: record this test's responses for the dynamic wiring check and judge them "
        "at the end of the session",
    )
    config.pluginmanager.register(WiringPlugin(config), "loopwire-wiring")


def pytest_unconfigure(config: pytest.Config) -> None:
    plugin = config.pluginmanager.get_plugin("loopwire-wiring")
    if isinstance(plugin, WiringPlugin):
        plugin.close()


@pytest.fixture
def wiring_recorder(pytestconfig: pytest.Config) -> WiringRecorder:
    """Feed observations made outside the app (browser, HTTP client of another process)."""
    plugin = pytestconfig.pluginmanager.get_plugin("loopwire-wiring")
    assert isinstance(plugin, WiringPlugin)
    return plugin.recorder
