"""The poller, launcher and loop-lag probe against a tiny real server written in this test.

The server has a ``/block`` endpoint that freezes its own loop with ``time.sleep``: the harness
must report failure while it is blocked (its own negative control) and pass when it is not.
"""

from __future__ import annotations

import asyncio
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest

from loopwire.harness.fixtures import PollFunction, ServiceFactory
from loopwire.harness.looplag import LoopLag
from loopwire.harness.poller import WARM_UP
from loopwire.harness.processes import process_alive
from loopwire.harness.server import ServerProcess, ServerStartError
from loopwire.harness.stats import percentile

TINY_SERVER = textwrap.dedent(
    """
    import socket, subprocess, sys, time
    from aiohttp import web

    count = 0

    async def value(request):
        global count
        count += 1
        return web.json_response({"n": count})

    async def block(request):
        time.sleep(float(request.query["seconds"]))
        return web.json_response({"blocked": True})

    async def child(request):
        process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        return web.json_response({"pid": process.pid})

    app = web.Application()
    app.add_routes([web.get("/health", value), web.get("/value", value),
                    web.post("/block", block), web.post("/child", child)])
    port = int(sys.argv[sys.argv.index("--port") + 1])
    sock = socket.create_server(("127.0.0.1", port))
    print(f"tiny server listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    web.run_app(app, sock=sock, print=None)
    """
)


@pytest.fixture
def server_command(tmp_path: Path) -> list[str]:
    """Overrides the plugin's command, as another project would, with a tiny server."""
    script = tmp_path / "tiny_server.py"
    script.write_text(TINY_SERVER)
    return [sys.executable, str(script), "--port", "0"]


@pytest.fixture
def server_health_path() -> str:
    return "/health"


async def post(url: str) -> object:
    async with aiohttp.ClientSession() as session, session.post(url) as response:
        return await response.json()


async def test_poller_passes_a_responsive_server(
    service_process: ServiceFactory, poll_schedule: PollFunction
) -> None:
    # Started from a thread: waiting for the server to come up would stall this test's loop.
    server = await asyncio.to_thread(service_process)
    report = await poll_schedule(server.url("/value"), interval=0.05, pollers=3, max_duration=1.5)
    print(report.summary())
    verdict = report.verdict(max_latency=0.5, min_answered=15)
    assert verdict.passed, verdict
    assert report.sent >= 20
    # Slots are on a fixed timetable, staggered across pollers.
    first_slots = sorted(p.scheduled for p in report.polls if p.poller != WARM_UP)[:3]
    assert first_slots[1] - first_slots[0] == pytest.approx(0.05 / 3, abs=1e-6)


async def test_poller_fails_a_server_whose_loop_blocks(
    service_process: ServiceFactory, poll_schedule: PollFunction
) -> None:
    # Started from a thread: waiting for the server to come up would stall this test's loop.
    server = await asyncio.to_thread(service_process)

    async def block_soon() -> object:
        await asyncio.sleep(0.4)
        return await post(server.url("/block?seconds=1.5"))

    blocker = asyncio.create_task(block_soon())
    report = await poll_schedule(server.url("/value"), interval=0.05, pollers=3, max_duration=2.5)
    await blocker
    print(report.summary())
    verdict = report.verdict(max_latency=0.5, min_answered=15)
    assert not verdict.passed
    assert any("slower than 0.5 s" in reason for reason in verdict.reasons)
    assert report.max_latency is not None
    assert report.max_latency >= 1.0


async def test_a_stall_already_running_when_polling_starts_is_counted(
    service_process: ServiceFactory, poll_schedule: PollFunction
) -> None:
    # Negative control of the warm-up: the server is blocked before the first request is sent.
    server = await asyncio.to_thread(service_process)
    blocker = asyncio.create_task(post(server.url("/block?seconds=2")))
    await asyncio.sleep(0.3)
    report = await poll_schedule(server.url("/value"), interval=0.05, pollers=3, max_duration=1.0)
    await blocker
    warm_up = report.polls[0]
    assert warm_up.poller == WARM_UP
    assert warm_up.latency is not None
    assert warm_up.latency >= 1.0
    verdict = report.verdict(max_latency=0.5, min_answered=0)
    assert not verdict.passed
    assert any("slower than 0.5 s" in reason for reason in verdict.reasons)


async def test_service_process_runs_the_server_in_the_given_directory(
    service_process: ServiceFactory, tmp_path: Path
) -> None:
    workdir = tmp_path / "workdir"
    workdir.mkdir()
    server = await asyncio.to_thread(service_process, cwd=workdir)
    cwd = await asyncio.to_thread(Path(f"/proc/{server.pid}/cwd").resolve)
    assert cwd == workdir.resolve()


async def test_stop_when_ends_polling_on_an_answer(
    service_process: ServiceFactory, poll_schedule: PollFunction
) -> None:
    # Started from a thread: waiting for the server to come up would stall this test's loop.
    server = await asyncio.to_thread(service_process)
    report = await poll_schedule(
        server.url("/value"),
        interval=0.05,
        pollers=2,
        max_duration=30,
        stop_when=lambda body: body["n"] >= 10,
    )
    assert report.finished - report.started < 10
    assert report.answered_where(lambda body: body["n"] >= 10)


async def test_unanswered_polls_fail_the_verdict(poll_schedule: PollFunction) -> None:
    report = await poll_schedule(
        "http://127.0.0.1:9/nothing-listens", interval=0.1, pollers=1, max_duration=0.3
    )
    verdict = report.verdict(max_latency=0.5, min_answered=0)
    assert not verdict.passed
    assert "unanswered" in str(verdict)


def test_stop_kills_the_server_process_group(server_command: list[str]) -> None:
    server = ServerProcess(server_command, health_path="/health").start()
    pid = asyncio.run(post(server.url("/child")))
    assert isinstance(pid, dict)
    child = int(pid["pid"])
    assert process_alive(child)
    server.stop()
    deadline = time.monotonic() + 10
    while process_alive(child):
        assert time.monotonic() < deadline, "server's child survived stop()"
        time.sleep(0.05)
    assert not server.group_alive()


def test_port_placeholder_gives_the_address_up_front(tmp_path: Path) -> None:
    script = tmp_path / "silent.py"
    script.write_text(
        "import sys\nfrom aiohttp import web\napp = web.Application()\n"
        "app.add_routes([web.get('/health', lambda r: web.json_response({}))])\n"
        "web.run_app(app, host='127.0.0.1', port=int(sys.argv[1]), print=None)\n"
    )
    with ServerProcess([sys.executable, str(script), "{port}"], health_path="/health") as server:
        assert server.base_url is not None
        assert server.base_url.startswith("http://127.0.0.1:")


def test_start_reports_a_server_that_exits() -> None:
    command = [sys.executable, "-c", "print('bad flag --frobnicate'); raise SystemExit(3)"]
    with pytest.raises(ServerStartError, match="status 3") as caught:
        ServerProcess(command).start(timeout=20)
    assert "bad flag --frobnicate" in str(caught.value)


@pytest.mark.loopwire_stall(
    allow=True, reason="blocks its own loop: the loop-lag probe must see it"
)
async def test_loop_lag_sees_a_blocked_loop(loop_lag: Callable[..., LoopLag]) -> None:
    async with loop_lag(interval=0.01) as lag:
        await asyncio.sleep(0.1)
        time.sleep(1.0)  # noqa: ASYNC251 -- the bug, in the test's own loop
        await asyncio.sleep(0.05)
    print(lag.summary())
    assert lag.max >= 0.9
    ((due, ran),) = [stall for stall in lag.stalls if stall[1] - stall[0] >= 0.9]
    assert ran - due == pytest.approx(lag.max)


async def test_loop_lag_stays_low_on_a_free_loop(loop_lag: Callable[..., LoopLag]) -> None:
    async with loop_lag(interval=0.01) as lag:
        await asyncio.sleep(1.0)
    print(lag.summary())
    assert len(lag.lags) >= 20
    assert lag.max < 0.5


@pytest.mark.loopwire_stall(
    allow=True, reason="blocks its own loop: the loop-lag probe must see it"
)
async def test_loop_lag_records_a_block_still_running_at_stop() -> None:
    lag = LoopLag(interval=0.01)
    lag.start()
    await asyncio.sleep(0.05)
    time.sleep(0.5)  # noqa: ASYNC251 -- a block still running when stop() is awaited
    await lag.stop()
    assert lag.max >= 0.45


@pytest.mark.parametrize(
    ("fraction", "expected"), [(0.0, 1.0), (0.5, 2.0), (0.99, 4.0), (1.0, 4.0)]
)
def test_percentile_is_nearest_rank(fraction: float, expected: float) -> None:
    assert percentile([4.0, 1.0, 3.0, 2.0], fraction) == expected
