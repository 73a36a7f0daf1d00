"""pytest fixtures of the responsiveness harness, loaded by loopwire's pytest plugin.

``fake_ffprobe``
    Factory: ``fake_ffprobe(rules={"*.mkv": Behaviour(mode="hang")}, default=Behaviour(delay=2))``
    writes a fake ``ffprobe`` under ``tmp_path``, puts its directory first on ``PATH`` and
    returns a :class:`~loopwire.harness.fake_ffprobe.FakeFfprobe`. At teardown every surviving fake
    process (and grandchild) is killed.

``fake_program``
    The same for any program: ``fake_program("convert", rules={"big*": Behaviour(delay=3)},
    default=Behaviour(output="done\\n"))`` writes an executable named ``convert``. How a run
    picks its behaviour: :mod:`loopwire.harness.fake_program`.

``service_process``
    Factory: ``service_process("--media-root", str(media), env={...}, cwd=path)`` starts
    ``server_command + args`` as a separate process in its own process group, waits until it is
    healthy and returns a started :class:`~loopwire.harness.server.ServerProcess` (``.url(path)``,
    ``.output()``). Teardown kills the whole group.

``poll_schedule``
    :func:`~loopwire.harness.poller.poll_on_schedule`: ``report = await poll_schedule(url,
    interval=0.05, pollers=4, stop_when=lambda job: job["status"] == "completed")``, then
    ``report.verdict(max_latency=0.5, min_answered=10, counted=...)``.

``loop_lag``
    Factory of :class:`~loopwire.harness.looplag.LoopLag`: ``async with loop_lag() as lag: ...``.

Pointing the fixtures at your own server: override two fixtures in your ``conftest.py``::

    @pytest.fixture
    def server_command() -> list[str]:
        # Either print "listening on http://HOST:PORT" at startup, or take "{port}" here.
        return [sys.executable, "-m", "myapp", "--port", "{port}"]

    @pytest.fixture
    def server_health_path() -> str:
        return "/healthz"  # must answer 200 once the server is ready
"""

from __future__ import annotations

import os
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from loopwire.harness.fake_ffprobe.fakes import Behaviour, FakeFfprobe
from loopwire.harness.fake_program import FakeProgram, write_fake_program
from loopwire.harness.looplag import LoopLag
from loopwire.harness.server import (
    REFERENCE_HEALTH_PATH,
    REFERENCE_SERVICE,
    ServerProcess,
    is_reference_checkout,
)

if TYPE_CHECKING:
    # aiohttp takes a second to import; every pytest run loads this plugin, few poll.
    from loopwire.harness.poller import PollReport

OVERRIDE_HELP = """\
service_process does not know your server: override the `{missing}` fixture in conftest.py.
The defaults start loopwire's own reference service, which only loopwire's repository tests.

    @pytest.fixture
    def server_command() -> list[str]:
        # Print "listening on http://HOST:PORT" at startup, or take the port from "{{port}}".
        return [sys.executable, "-m", "myapp", "--port", "{{port}}"]

    @pytest.fixture
    def server_health_path() -> str:
        return "/healthz"  # answers 200 once the server is ready
"""

FakeFfprobeFactory = Callable[..., FakeFfprobe]
FakeProgramFactory = Callable[..., FakeProgram]
ServiceFactory = Callable[..., ServerProcess]
PollFunction = Callable[..., Coroutine[Any, Any, "PollReport"]]


@pytest.fixture
def fake_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProgramFactory]:
    """Factory writing fake executables of any name first on ``PATH``; kills survivors after."""
    made: list[FakeProgram] = []

    def make(
        name: str,
        rules: Mapping[str, Behaviour] | None = None,
        default: Behaviour | None = None,
        *,
        schedule: Sequence[Behaviour] = (),
    ) -> FakeProgram:
        directory = tmp_path / f"fake-{name}-{len(made)}"
        fake = write_fake_program(directory, name, rules, default, schedule=schedule)
        made.append(fake)
        monkeypatch.setenv("PATH", f"{fake.directory}{os.pathsep}{os.environ.get('PATH', '')}")
        return fake

    yield make
    for fake in made:
        fake.kill_survivors()


@pytest.fixture
def fake_ffprobe(fake_program: FakeProgramFactory) -> FakeFfprobeFactory:
    """Factory writing fake ``ffprobe`` executables first on ``PATH``: the ffprobe preset."""

    def make(
        rules: Mapping[str, Behaviour] | None = None,
        default: Behaviour | None = None,
        *,
        schedule: Sequence[Behaviour] = (),
    ) -> FakeFfprobe:
        return fake_program("ffprobe", rules, default, schedule=schedule)

    return make


@pytest.fixture
def server_command(pytestconfig: pytest.Config) -> list[str]:
    """The server to launch; override it to test your own (see the module docstring).

    The default is loopwire's reference service, which only loopwire's own repository tests:
    anywhere else the test fails at once saying what to override, instead of waiting for a
    health check that the wrong server can never pass.
    """
    if not is_reference_checkout(pytestconfig.rootpath):
        pytest.fail(OVERRIDE_HELP.format(missing="server_command"), pytrace=False)
    return list(REFERENCE_SERVICE)


@pytest.fixture
def server_health_path(server_command: list[str]) -> str:
    """Path that answers 200 once the server is ready; override it along with the command."""
    if list(server_command) != list(REFERENCE_SERVICE):
        pytest.fail(OVERRIDE_HELP.format(missing="server_health_path"), pytrace=False)
    return REFERENCE_HEALTH_PATH


@pytest.fixture
def service_process(server_command: list[str], server_health_path: str) -> Iterator[ServiceFactory]:
    """Factory starting ``server_command + args`` out of process; kills every group after."""
    started: list[ServerProcess] = []

    def start(
        *args: str,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        timeout: float = 30.0,
    ) -> ServerProcess:
        server = ServerProcess(
            [*server_command, *args],
            env={**os.environ, **(env or {})},
            cwd=None if cwd is None else Path(cwd),
            health_path=server_health_path,
        )
        started.append(server)
        return server.start(timeout=timeout)

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def poll_schedule() -> PollFunction:
    """:func:`loopwire.harness.poller.poll_on_schedule`, to await from an async test."""
    from loopwire.harness.poller import poll_on_schedule

    return poll_on_schedule


@pytest.fixture
def loop_lag() -> Callable[..., LoopLag]:
    """Factory of in-process loop-lag probes: ``async with loop_lag(interval=0.01) as lag:``."""
    return LoopLag
