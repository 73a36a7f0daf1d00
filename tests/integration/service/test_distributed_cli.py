"""The distributed mode's command lines as a launcher sees them: ``python -m service --queue``
and ``python -m service.worker`` serve a scan end to end over a real redis-server, stop cleanly
on SIGTERM, and refuse bad settings or an unreachable Redis with one clear line."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import aiohttp
import pytest

from loopwire.harness.client import ServiceClient, connect
from loopwire.harness.fake_ffprobe.fakes import Behaviour
from loopwire.harness.fixtures import FakeFfprobeFactory
from loopwire.harness.redis_backend import Workers, free_port
from tests.integration.service.service_support import pid_gone, touch_videos, wait_until

pytestmark = pytest.mark.integration

BANNER = "loopwire service listening on http://"


@pytest.fixture
def backend() -> str:
    return "redis"


async def run_to_exit(*argv: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", *argv,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        async with asyncio.timeout(30):
            stdout, stderr = await process.communicate()
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


@pytest.mark.parametrize(
    ("argv", "status", "says"),
    [
        (["service", "--queue", "http://127.0.0.1:1/0"], 2, "--queue must be a redis://"),
        (["service", "--batch-size", "0"], 2, "--batch-size must be at least 1"),
        (["service", "--queue", "redis://127.0.0.1:{port}/0"], 1, "cannot start: queue"),
        (["service.worker", "--queue", "redis://127.0.0.1:{port}/0"], 1, "cannot start"),
        (["service.worker", "--queue", "ftp://x"], 2, "--queue must be a redis://"),
        (["service.worker", "--queue", "redis://h/0", "--concurrency", "0"], 2, "concurrency"),
    ],
)
async def test_bad_settings_and_an_unreachable_redis_are_one_clear_line(
    tmp_path: Path, media: Path, argv: Sequence[str], status: int, says: str
) -> None:
    closed = free_port()  # nothing listens there
    arguments = [arg.format(port=closed) for arg in argv]
    extra = ["--port", "0", "--db", str(tmp_path / "x.db")] if argv[0] == "service" else []

    code, stdout, stderr = await run_to_exit(*arguments, "--media-root", str(media), *extra)

    assert code == status, stderr
    assert says in stderr
    assert stdout == ""
    assert "Traceback" not in stderr


@contextlib.asynccontextmanager
async def api_process(
    media: Path, db: Path, queue: str
) -> AsyncIterator[tuple[asyncio.subprocess.Process, str]]:
    """``python -m service --queue`` on a free port and its URL; killed after if still alive."""
    api = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "service", "--port", "0", "--media-root", str(media),
        "--db", str(db), "--queue", queue, "--batch-size", "1",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        assert api.stdout is not None
        async with asyncio.timeout(30):
            line = (await api.stdout.readline()).decode()
        assert line.startswith(BANNER), line
        yield api, line.strip().rsplit(" ", 1)[1]
    finally:
        if api.returncode is None:
            os.killpg(api.pid, signal.SIGKILL)
            await api.wait()


async def test_api_and_worker_processes_serve_a_scan_and_stop_on_sigterm(
    tmp_path: Path, media: Path, distributed: Workers, fake_ffprobe: FakeFfprobeFactory
) -> None:
    fake = fake_ffprobe(rules={"hang.mp4": Behaviour(mode="hang")})
    touch_videos(media, "a.mp4", "b.mp4")
    worker = await distributed.start()
    async with api_process(media, tmp_path / "cli.db", distributed.url()) as (api, url):
        async with aiohttp.ClientSession() as session:
            client = ServiceClient(session, url)
            final, _ = await client.scan_to_end(media)
            assert final["status"] == "completed", final
            assert [Path(v["path"]).name for v in final["result"]["videos"]] == ["a.mp4", "b.mp4"]
            touch_videos(media, "hang.mp4")
            await client.start_scan(media)
            await wait_until(lambda: len(fake.alive_pids("hang.mp4")) == 1, within=20)
        [hanging] = fake.alive_pids("hang.mp4")

        # SIGTERM stops the worker at once, its probe killed (its batch goes back to the queue).
        worker.send_signal(signal.SIGTERM)
        async with asyncio.timeout(15):
            assert await worker.wait() == 0
        await wait_until(lambda: pid_gone(hanging), within=5)
        api.send_signal(signal.SIGTERM)
        async with asyncio.timeout(15):
            assert await api.wait() == 0
    assert worker.stdout is not None
    assert await worker.stdout.read() == b""  # the ready line was its only line


async def test_a_restart_after_kill_9_of_the_api_stops_its_scans_on_the_workers(
    tmp_path: Path, media: Path, distributed: Workers, fake_ffprobe: FakeFfprobeFactory
) -> None:
    fake = fake_ffprobe(default=Behaviour(mode="hang"))
    touch_videos(media, "a.mp4", "b.mp4", "c.mp4")
    await distributed.start(concurrency=2)
    db = tmp_path / "cli.db"
    async with api_process(media, db, distributed.url()) as (api, url):
        async with connect(url) as client:
            job = await client.start_scan(media)
        await wait_until(lambda: len(fake.alive_pids()) == 2, within=20)
        os.killpg(api.pid, signal.SIGKILL)
        await api.wait()
    # The API is gone; the worker goes on probing for a job nobody will ever finish.
    await asyncio.sleep(1.0)
    assert len(fake.alive_pids()) == 2

    async with api_process(media, db, distributed.url()) as (_, url):
        await wait_until(lambda: fake.alive_pids() == [], within=10)
        async with connect(url) as client:
            final = await client.job(job["id"])
    assert (final["status"], final["error"]["code"]) == ("failed", "interrupted")
    # The third file, still queued, was never probed.
    assert len(fake.invocations()) == 2
