"""Issue 18: in distributed mode job history and the video library live in the queue's Redis,
so every API process on it serves every job and video. Two real ``python -m service --queue``
processes share one redis-server and one worker; a scan started on A is listed, fetched and
finished (with its result) on B, B's library holds its videos, and a restart of A keeps the
history. Negative control: the same API with per-process SQLite history (the old choice,
:mod:`tests.integration.service.sqlite_history_api`) fails the B checks.

B starting while A scans leaves A's scan alone (a start fails and stops only its own
leftovers, those of the API with its host and ``--db``); negative control: a B with A's
``--db`` is A restarted, and fails the job as interrupted.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from loopwire.harness.client import ServiceClient, connect
from loopwire.harness.fake_ffprobe.fakes import Behaviour
from loopwire.harness.fixtures import FakeFfprobeFactory
from loopwire.harness.redis_backend import Workers
from tests.integration.service.service_support import touch_videos

pytestmark = pytest.mark.integration

BANNER = "loopwire service listening on http://"
VIDEOS = ["a.mp4", "b.mp4", "c.mp4"]
REAL_API = "service"
SQLITE_HISTORY_API = "tests.integration.service.sqlite_history_api"


@pytest.fixture
def backend() -> str:
    return "redis"


@contextlib.asynccontextmanager
async def api_process(module: str, media: Path, db: Path, queue: str) -> AsyncIterator[str]:
    """``python -m <module> --queue`` on a free port; its URL. Stopped with SIGTERM after (so
    that it saves what it holds), killed if it does not stop."""
    api = await asyncio.create_subprocess_exec(
        sys.executable, "-m", module, "--port", "0", "--media-root", str(media),
        "--db", str(db), "--queue", queue, "--batch-size", "1",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        assert api.stdout is not None
        async with asyncio.timeout(30):
            line = (await api.stdout.readline()).decode()
        assert line.startswith(BANNER), line
        yield line.strip().rsplit(" ", 1)[1]
    finally:
        if api.returncode is None:
            api.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(15):
                    await api.wait()
            except TimeoutError:
                os.killpg(api.pid, signal.SIGKILL)
                await api.wait()


async def finished_on(client: ServiceClient, job_id: str, within: float) -> dict[str, Any] | None:
    """The job as ``client``'s API serves it once finished; None if it never does (not found
    there, or not finished within ``within`` seconds)."""
    deadline = asyncio.get_running_loop().time() + within
    while asyncio.get_running_loop().time() < deadline:
        status, body = await client.request("GET", f"/jobs/{job_id}")
        if status == 200 and body["status"] in {"completed", "failed", "cancelled"}:
            return dict(body)
        await asyncio.sleep(0.2)
    return None


def names(videos: list[dict[str, Any]]) -> list[str]:
    return sorted(Path(video["path"]).name for video in videos)


async def shared_history_problems(
    module: str, tmp_path: Path, media: Path, queue: str
) -> list[str]:
    """Scan on API A, look on API B, restart A; what went wrong, as sentences."""
    touch_videos(media, *VIDEOS)
    problems = []
    async with (
        api_process(module, media, tmp_path / "a.db", queue) as url_a,
        api_process(module, media, tmp_path / "b.db", queue) as url_b,
        connect(url_a) as api_a,
        connect(url_b) as api_b,
    ):
        job = await api_a.start_scan(media)
        on_a, _ = await api_a.wait_finished(job["id"], within=60)
        assert on_a["status"] == "completed", on_a  # the scan itself works in both setups
        on_b = await finished_on(api_b, job["id"], within=10)
        if on_b is None:
            problems.append("B does not serve the job A ran")
        elif names(on_b["result"]["videos"]) != VIDEOS:
            problems.append(f"B serves the job without its result: {on_b['result']}")
        _, listed = await api_b.request("GET", "/jobs")
        if job["id"] not in [entry["id"] for entry in listed["jobs"]]:
            problems.append("B does not list the job A ran")
        _, library = await api_b.request("GET", "/videos")
        if names(library["videos"]) != VIDEOS:
            problems.append(f"B's library lacks A's videos: {names(library['videos'])}")
    # A restarts (B is gone too): history survives in the shared store.
    async with (
        api_process(module, media, tmp_path / "a.db", queue) as url_a,
        connect(url_a) as api_a,
    ):
        again = await finished_on(api_a, job["id"], within=5)
        if again is None or names(again["result"]["videos"]) != VIDEOS:
            problems.append(f"A lost the job across its restart: {again}")
    return problems


async def test_two_api_processes_share_history_and_library(
    tmp_path: Path, media: Path, distributed: Workers, fake_ffprobe: FakeFfprobeFactory
) -> None:
    fake_ffprobe()
    await distributed.start()

    problems = await shared_history_problems(REAL_API, tmp_path, media, distributed.url())

    assert problems == []


async def test_negative_control_per_process_sqlite_history_is_caught(
    tmp_path: Path, media: Path, distributed: Workers, fake_ffprobe: FakeFfprobeFactory
) -> None:
    fake_ffprobe()
    await distributed.start()

    problems = await shared_history_problems(SQLITE_HISTORY_API, tmp_path, media, distributed.url())

    assert problems == [
        "B does not serve the job A ran",
        "B does not list the job A ran",
        "B's library lacks A's videos: []",
    ]


async def job_on_b_after_it_starts(tmp_path: Path, media: Path, queue: str, b_db: str) -> Any:
    """Start B (with ``--db b_db``) while A's scan runs; A's job as B serves it once started,
    and as A ends it."""
    touch_videos(media, *VIDEOS)
    async with (
        api_process(REAL_API, media, tmp_path / "a.db", queue) as url_a,
        connect(url_a) as api_a,
    ):
        job = await api_a.start_scan(media)
        await api_a.wait_for(job["id"], lambda state: state["files_done"] >= 1)
        async with api_process(REAL_API, media, tmp_path / b_db, queue) as url_b:
            async with connect(url_b) as api_b:
                status, on_b = await api_b.request("GET", f"/jobs/{job['id']}")
                assert status == 200, on_b
            if on_b["status"] == "failed":
                return on_b["status"], on_b["error"]["code"], None
            on_a, _ = await api_a.wait_finished(job["id"], within=60)
    return on_b["status"], None, on_a["status"]


async def test_an_api_starting_leaves_another_apis_scan_alone(
    tmp_path: Path, media: Path, distributed: Workers, fake_ffprobe: FakeFfprobeFactory
) -> None:
    fake_ffprobe(default=Behaviour(delay=1.0))
    await distributed.start()

    seen = await job_on_b_after_it_starts(tmp_path, media, distributed.url(), "b.db")

    assert seen == ("running", None, "completed")


async def test_negative_control_the_same_db_is_the_same_api_and_fails_the_scan(
    tmp_path: Path, media: Path, distributed: Workers, fake_ffprobe: FakeFfprobeFactory
) -> None:
    fake_ffprobe(default=Behaviour(delay=1.0))
    await distributed.start()

    seen = await job_on_b_after_it_starts(tmp_path, media, distributed.url(), "a.db")

    assert seen == ("failed", "interrupted", None)
