"""``python -m service`` as a launcher sees it: the one stdout line, a working server, and a clean
stop on SIGTERM or SIGINT even with a probe in flight."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from loopwire.harness.fake_ffprobe.fakes import Behaviour
from loopwire.harness.fixtures import FakeFfprobeFactory
from tests.integration.service.service_support import pid_gone, touch_videos, wait_until

pytestmark = pytest.mark.integration

BANNER = "loopwire service listening on http://"


@pytest.fixture
async def cli_service(
    tmp_path: Path, media: Path
) -> AsyncIterator[tuple[asyncio.subprocess.Process, str]]:
    """The service on a free port (``--port 0``), and the URL it announced."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "service", "--port", "0", "--media-root", str(media),
        "--db", str(tmp_path / "cli.db"), "--concurrency", "1",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        async with asyncio.timeout(20):
            line = (await process.stdout.readline()).decode()
        assert line.startswith(BANNER), line
        yield process, line.strip().rsplit(" ", 1)[1]
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGKILL)
            await process.wait()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_serves_and_stops_cleanly_on_signal(
    cli_service: tuple[asyncio.subprocess.Process, str], signum: signal.Signals
) -> None:
    process, url = cli_service
    async with aiohttp.ClientSession() as session, session.get(f"{url}/api/v1/health") as reply:
        assert reply.status == 200
        assert await reply.json() == {"status": "ok"}

    process.send_signal(signum)
    async with asyncio.timeout(10):
        assert await process.wait() == 0
    assert process.stdout is not None
    assert await process.stdout.read() == b""  # exactly one line was printed


async def test_sigterm_during_a_probe_kills_it_and_exits(
    tmp_path: Path, media: Path, fake_ffprobe: FakeFfprobeFactory
) -> None:
    fake = fake_ffprobe(default=Behaviour(mode="hang"))
    touch_videos(media, "a.mp4")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "service", "--port", "0", "--media-root", str(media),
        "--db", str(tmp_path / "cli.db"), "--ffprobe", str(fake.executable),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        async with asyncio.timeout(20):
            url = (await process.stdout.readline()).decode().strip().rsplit(" ", 1)[1]
        async with aiohttp.ClientSession() as session:
            reply = await session.post(f"{url}/api/v1/scans", json={"path": str(media)})
            job_id = (await reply.json())["id"]
            await wait_until(lambda: len(fake.invocations()) == 1)
            probe_pid = fake.invocations()[0].pid
            stream = await session.get(f"{url}/api/v1/jobs/{job_id}/events")
            assert (await stream.content.readuntil(b"\n\n")).startswith(b"event: progress")

            process.terminate()
            async with asyncio.timeout(10):
                rest = (await stream.content.read()).decode()
                assert await process.wait() == 0

        # The open event stream got the final state: the shutdown ended it. A stream left open
        # would have held the shutdown for aiohttp's 5 s and then been cut without that event.
        assert rest.startswith("event: end\n"), rest
        assert '"status":"failed"' in rest
        await wait_until(lambda: pid_gone(probe_pid), within=5)
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGKILL)
            await process.wait()


async def test_missing_media_root_is_a_usage_error(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "service", "--port", "0",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(20):
        stdout, stderr = await process.communicate()
    assert process.returncode == 2
    assert stdout == b""
    assert b"--media-root" in stderr


async def test_startup_failures_are_one_clear_line(tmp_path: Path, media: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for extra in (
            ["--port", str(port), "--db", str(tmp_path / "ok.db")],
            ["--port", "0", "--db", str(tmp_path / "missing-dir" / "x.db")],
        ):
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "service", "--media-root", str(media), *extra,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            async with asyncio.timeout(20):
                stdout, stderr = await process.communicate()
            assert process.returncode == 1, extra
            assert stdout == b""
            assert b"cannot start" in stderr
            assert b"Traceback" not in stderr


async def test_client_leaving_mid_body_is_not_logged_as_a_server_error(
    tmp_path: Path, media: Path
) -> None:
    # A real process: only its own stderr shows what it logs when a client vanishes mid-body.
    log = tmp_path / "stderr.log"
    with log.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "service", "--port", "0", "--media-root", str(media),
            "--db", str(tmp_path / "leave.db"),
            stdout=asyncio.subprocess.PIPE, stderr=stderr, start_new_session=True,
        )  # fmt: skip
    try:
        assert process.stdout is not None
        async with asyncio.timeout(20):
            url = (await process.stdout.readline()).decode().strip().rsplit(" ", 1)[1]
        port = int(url.rsplit(":", 1)[1])
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b'POST /api/v1/scans HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"p')
        await writer.drain()
        await asyncio.sleep(0.3)  # the handler is now waiting for the rest of the body
        writer.close()
        await writer.wait_closed()
        async with aiohttp.ClientSession() as session:
            await wait_until(lambda: "POST /api/v1/scans" in log.read_text(), within=10)
            async with session.get(f"{url}/api/v1/health") as reply:
                assert reply.status == 200
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        await process.wait()
    logged = log.read_text()
    assert "unhandled error" not in logged
    assert "Traceback" not in logged


async def test_a_missing_media_root_stops_the_start(tmp_path: Path) -> None:
    missing = tmp_path / "typo"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "service", "--port", "0", "--media-root", str(missing),
        "--db", str(tmp_path / "typo.db"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        async with asyncio.timeout(20):
            stdout, stderr = await process.communicate()
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
    assert process.returncode == 1
    assert stdout == b""  # never announced a URL
    assert f"media root is not a directory: '{missing}'" in stderr.decode()
    assert "Traceback" not in stderr.decode()


async def test_an_output_dir_outside_the_media_roots_stops_the_start(
    tmp_path: Path, media: Path
) -> None:
    outside = tmp_path / "elsewhere"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "service", "--port", "0", "--media-root", str(media),
        "--db", str(tmp_path / "out.db"), "--output-dir", str(outside),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        async with asyncio.timeout(20):
            stdout, stderr = await process.communicate()
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
    assert process.returncode == 1
    assert stdout == b""
    assert f"--output-dir is not inside a media root: '{outside}'" in stderr.decode()
    assert "Traceback" not in stderr.decode()
