"""What only the distributed backend has to prove about frame jobs: ffmpeg runs on a worker, not
in the API; a cancel reaches the worker's ffmpeg and its partial output; a worker killed with
``kill -9`` mid-run has its job run again from scratch on another; a worker runs nothing a
queue entry names outside its media roots. The cancel and the re-run have their negative
controls: a broken worker (:mod:`tests.integration.service.broken_workers`) makes the same
check fail.

The API runs in the test (a real app on a real redis-server); the workers are real
``python -m service.worker`` processes running the fake ffmpeg (the contract tests of
``test_service_frame_jobs.py`` run the real one on both backends).
"""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient

from loopwire.harness.fake_program import Behaviour, FakeProgram, write_fake_ffmpeg
from loopwire.harness.fixtures import FakeFfprobeFactory
from loopwire.harness.redis_backend import WORKER, Workers
from service.app import create_app
from service.config import ServiceConfig
from service.distributed import FRAME_FUNCTION, connect
from service.frame_state import FrameEnd, FrameState
from tests.integration.service.service_support import Client, touch_videos, wait_until

pytestmark = pytest.mark.integration

# The fake's frames: 4 s at 25 fps; the fake ffprobe of the count says the same.
SHAPE = Behaviour(delay=2.0, duration=4.0, frame_rate="25")


@pytest.fixture
def backend() -> str:
    return "redis"


@pytest.fixture
async def fake_ffmpeg(tmp_path: Path) -> AsyncIterator[FakeProgram]:
    """The fake ffmpeg (:data:`SHAPE`; ``*-hang.mp4`` hangs, ``*-fail.mp4`` fails,
    ``*-long.mp4`` takes 13 s); survivors killed after."""
    fake = write_fake_ffmpeg(
        tmp_path / "ffmpeg",
        rules={
            "*-hang.mp4": Behaviour(mode="hang", delay=0.5, duration=4.0, frame_rate="25"),
            "*-fail.mp4": Behaviour(mode="fail", stderr="Invalid data found"),
            "*-long.mp4": Behaviour(delay=13.0, duration=4.0, frame_rate="25"),
        },
        default=SHAPE,
    )
    try:
        yield fake
    finally:
        fake.kill_survivors()


@dataclass
class Rig:
    """One test's distributed backend (a redis-server of its own), media root and fake ffmpeg,
    to start workers and an API on."""

    aiohttp_client: AiohttpClient
    workers: Workers
    tmp_path: Path
    media: Path
    ffmpeg: FakeProgram

    async def start_workers(
        self,
        count: int,
        broken: str | None = None,
        lease: float = 60.0,
        frame_timeout: float | None = None,
        ffmpeg: str | None = None,
    ) -> list[asyncio.subprocess.Process]:
        """``count`` workers, real or ``broken``, running the fake ffmpeg unless ``ffmpeg``
        names another; ``lease`` is their batch timeout (a dead worker's job runs again 10 s
        after it) and, unless given, their frame timeout."""
        frames = lease if frame_timeout is None else frame_timeout
        module: Sequence[str] = (
            WORKER if broken is None else ("tests.integration.service.broken_workers", broken)
        )
        executable = ffmpeg or str(self.ffmpeg.executable)
        started = [
            self.workers.start(
                ffmpeg=executable, module=module, batch_timeout=lease, frame_timeout=frames
            )
            for _ in range(count)
        ]
        return list(await asyncio.gather(*started))

    async def start_api(self) -> Client:
        config = ServiceConfig(
            media_roots=(self.media,),
            db_path=self.tmp_path / "service.db",
            job_timeout=120.0,
            queue=self.workers.url(),
            # The API's own ffmpeg cannot run: a job that completes ran elsewhere.
            ffmpeg=str(self.tmp_path / "no-ffmpeg-in-the-api"),
        )
        return await self.aiohttp_client(create_app(config))

    def output(self, job_id: str) -> Path:
        return self.media / ".loopwire-output" / job_id


@pytest.fixture
def rig(
    aiohttp_client: AiohttpClient,
    distributed: Workers | None,
    tmp_path: Path,
    media: Path,
    fake_ffprobe: FakeFfprobeFactory,
    fake_ffmpeg: FakeProgram,
) -> Rig:
    """The backend, with a fake ffprobe that counts the fake ffmpeg's frames (:data:`SHAPE`)."""
    assert distributed is not None  # the backend is redis
    fake_ffprobe(default=SHAPE)
    return Rig(aiohttp_client, distributed, tmp_path, media, fake_ffmpeg)


async def start_job(client: Client, video: Path) -> dict[str, Any]:
    body = {"kind": "thumbnails", "path": str(video), "every_seconds": 1.0}
    response = await client.post("/api/v1/jobs", json=body)
    assert response.status == 202, await response.text()
    job: dict[str, Any] = await response.json()
    return job


async def follow(client: Client, job_id: str, within: float = 60.0) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    async with asyncio.timeout(within):
        while True:
            job = await (await client.get(f"/api/v1/jobs/{job_id}")).json()
            seen.append(job)
            if job["status"] not in ("pending", "running"):
                return seen
            await asyncio.sleep(0.05)


def parent_of(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def running_pids(fake: FakeProgram) -> list[int]:
    alive = fake.alive_pids()
    return [inv.pid for inv in fake.invocations() if inv.end is None and inv.pid in alive]


async def test_ffmpeg_runs_on_a_worker_and_its_output_lands_in_the_job_folder(rig: Rig) -> None:
    [video] = touch_videos(rig.media, "clip.mp4")
    [worker] = await rig.start_workers(1)
    client = await rig.start_api()

    job = await start_job(client, video)
    await wait_until(lambda: bool(running_pids(rig.ffmpeg)), within=30)
    [pid] = running_pids(rig.ffmpeg)
    host = parent_of(pid)
    seen = await follow(client, job["id"])

    assert host == worker.pid, f"ffmpeg ran under {host}, not the worker {worker.pid}"
    assert host != os.getpid()  # the API runs in this test process
    final = seen[-1]
    assert final["status"] == "completed", final
    assert final["output"] == [str(rig.output(job["id"]) / "thumb-00001.jpg")]
    assert (final["total_frames"], final["current_frame"]) == (100, 100)
    frames = [state["current_frame"] for state in seen if state["current_frame"] is not None]
    assert frames == sorted(frames)
    assert len(set(frames)) >= 3, frames


async def cancel_hanging_job(rig: Rig, broken: str | None) -> tuple[dict[str, Any], Path]:
    """Start a frame job whose ffmpeg hangs on the one worker, cancel it once ffmpeg reported
    frames; the cancelled job and its output folder."""
    [video] = touch_videos(rig.media, "clip-hang.mp4")
    await rig.start_workers(1, broken)
    client = await rig.start_api()
    job = await start_job(client, video)
    async with asyncio.timeout(30):
        # Polled: the frames come from another process, through Redis.
        while True:
            if (await (await client.get(f"/api/v1/jobs/{job['id']}")).json())["current_frame"]:
                break
            await asyncio.sleep(0.05)
    response = await client.post(f"/api/v1/jobs/{job['id']}/cancel")
    assert response.status == 200, await response.text()
    cancelled: dict[str, Any] = await response.json()
    return cancelled, rig.output(job["id"])


def assert_stopped_on_the_worker(fake: FakeProgram, folder: Path) -> None:
    """Checked as the cancel answers: no ffmpeg alive, no partial output."""
    left = fake.alive_pids()
    assert not left, f"ffmpeg outlived the cancel: {left}"
    assert not folder.exists(), f"partial output left: {list(folder.iterdir())}"


async def test_cancel_kills_the_workers_ffmpeg_and_deletes_the_partial_output(rig: Rig) -> None:
    cancelled, folder = await cancel_hanging_job(rig, None)

    assert cancelled["status"] == "cancelled", cancelled
    assert_stopped_on_the_worker(rig.ffmpeg, folder)
    assert cancelled["output"] == []
    assert cancelled["output_note"] == "partial output deleted (1 file(s)); nothing left"
    assert rig.workers.processes[0].returncode is None  # the worker goes on


async def test_negative_control_a_worker_ignoring_the_stop_is_caught(rig: Rig) -> None:
    cancelled, folder = await cancel_hanging_job(rig, "frames-ignore-stop")

    assert cancelled["status"] == "cancelled"
    with pytest.raises(AssertionError, match="ffmpeg outlived the cancel"):
        assert_stopped_on_the_worker(rig.ffmpeg, folder)


async def kill_the_running_worker(rig: Rig, broken: str | None) -> list[str]:
    """Run a frame job on one of two workers, ``kill -9`` that worker mid-run and leave a
    half-written file in the job's folder; what went wrong once the job ran again on the
    other, as sentences (none: done, one output, progress forward)."""
    [video] = touch_videos(rig.media, "clip.mp4")
    # A dead worker's job runs again after arq's lease: the largest timeout + 10 s.
    started = await rig.start_workers(2, broken, lease=5.0)
    client = await rig.start_api()
    job = await start_job(client, video)
    folder = rig.output(job["id"])
    await wait_until(lambda: bool(running_pids(rig.ffmpeg)), within=30)
    [first] = running_pids(rig.ffmpeg)
    victim = parent_of(first)
    assert victim in {process.pid for process in started}
    os.kill(victim, signal.SIGKILL)
    os.kill(first, signal.SIGKILL)  # its group leader died with no one to kill it
    (folder / "half-written.tmp").write_bytes(b"partial")

    seen = await follow(client, job["id"], within=90)

    final = seen[-1]
    problems = []
    if final["status"] != "completed":
        problems.append(f"the job ended {final['status']}: {final['error']}")
    if final["output"] != [str(folder / "thumb-00001.jpg")]:
        problems.append(f"the job's output is {final['output']}")
    left = sorted(path.name for path in folder.iterdir()) if folder.exists() else []
    if left != ["thumb-00001.jpg"]:
        problems.append(f"the output folder holds {left}")
    runs = len(rig.ffmpeg.invocations())
    if runs != 2:
        problems.append(f"ffmpeg ran {runs} times, not twice")
    frames = [state["current_frame"] for state in seen if state["current_frame"] is not None]
    if frames != sorted(frames):
        problems.append(f"progress went back when the job ran again: {frames}")
    return problems


async def test_a_worker_killed_mid_run_has_its_job_run_again_from_scratch(rig: Rig) -> None:
    problems = await kill_the_running_worker(rig, None)

    assert problems == []


async def test_negative_control_a_run_over_the_dead_runs_output_is_caught(rig: Rig) -> None:
    problems = await kill_the_running_worker(rig, "frames-keep-partial")

    assert any("half-written.tmp" in problem for problem in problems), problems


async def test_an_api_shutdown_stops_the_workers_ffmpeg_and_deletes_the_partial_output(
    rig: Rig,
) -> None:
    [video] = touch_videos(rig.media, "clip-hang.mp4")
    await rig.start_workers(1)
    client = await rig.start_api()
    job = await start_job(client, video)
    folder = rig.output(job["id"])
    await wait_until(lambda: bool(running_pids(rig.ffmpeg)) and folder.exists(), within=30)

    await client.close()  # the app's shutdown: running jobs end "interrupted"

    assert_stopped_on_the_worker(rig.ffmpeg, folder)
    again = await rig.start_api()
    final = await (await again.get(f"/api/v1/jobs/{job['id']}")).json()
    assert (final["status"], final["error"]["code"]) == ("failed", "interrupted"), final
    assert final["output_note"] == "partial output deleted (1 file(s)); nothing left"


async def runs_of_a_job_longer_than_the_lease(
    rig: Rig, broken: str | None
) -> tuple[dict[str, Any], int]:
    """A 13 s frame job on one of two live workers whose lease is 11 s (--batch-timeout 1);
    the final job and how many times ffmpeg ran."""
    [video] = touch_videos(rig.media, "clip-long.mp4")
    await rig.start_workers(2, broken, lease=1.0, frame_timeout=60.0)
    client = await rig.start_api()
    final = (await follow(client, (await start_job(client, video))["id"], within=90))[-1]
    return final, len(rig.ffmpeg.invocations())


async def test_a_frame_job_longer_than_the_lease_runs_once(rig: Rig) -> None:
    final, runs = await runs_of_a_job_longer_than_the_lease(rig, None)

    assert final["status"] == "completed", final
    assert runs == 1


async def test_negative_control_a_job_that_never_renews_its_lease_runs_twice(rig: Rig) -> None:
    _, runs = await runs_of_a_job_longer_than_the_lease(rig, "frames-no-lease")

    assert runs == 2


@pytest.mark.parametrize(
    ("ffmpeg", "name", "code"),
    [("missing", "clip.mp4", "ffmpeg_not_found"), ("fake", "clip-fail.mp4", "ffmpeg_failed")],
)
async def test_a_worker_fails_the_job_as_embedded_when_ffmpeg_cannot_run_or_fails(
    rig: Rig, ffmpeg: str, name: str, code: str
) -> None:
    [video] = touch_videos(rig.media, name)
    await rig.start_workers(
        1, ffmpeg=str(rig.tmp_path / "no-ffmpeg") if ffmpeg == "missing" else None
    )
    client = await rig.start_api()

    final = (await follow(client, (await start_job(client, video))["id"]))[-1]

    assert (final["status"], final["error"]["code"]) == ("failed", code), final
    assert not rig.output(final["id"]).exists()


async def run_queued(workers: Workers, job_id: str, payload: object) -> FrameEnd:
    """Queue a frame job straight into Redis (as anyone who can write to it may) and wait for
    the worker's verdict."""
    redis = await connect(workers.url())
    try:
        await redis.enqueue_job(FRAME_FUNCTION, job_id, payload)
        state = FrameState(redis, job_id)
        async with asyncio.timeout(30):
            while True:
                end = (await state.counts()).end
                if end is not None:
                    return end
                await asyncio.sleep(0.05)
    finally:
        await redis.aclose()


async def test_a_worker_runs_nothing_outside_its_media_roots_whatever_the_queue_says(
    rig: Rig,
) -> None:
    media = rig.media
    [inside] = touch_videos(media, "clip.mp4")
    [outside] = touch_videos(rig.tmp_path / "outside", "secret.mp4")
    keep = media / "keep"
    keep.mkdir()
    await rig.start_workers(1)

    async def verdict(source: Path, output: Path | None = None, **change: Any) -> str:
        job_id = uuid.uuid4().hex
        payload = {
            "kind": "thumbnails",
            "params": {"every_seconds": 1.0},
            "source": str(source),
            "output_dir": str(output or media / ".out" / job_id),
            **change,
        }
        end = await run_queued(rig.workers, job_id, payload)
        assert end.output is None, end
        return end.code

    codes = [
        await verdict(outside),
        await verdict(inside, rig.tmp_path / "elsewhere" / "x"),
        # A folder not named after the job (here: one of the user's own) is never deleted.
        await verdict(inside, keep),
        await verdict(inside, params={"every_seconds": 0}),
        await verdict(inside, kind="nope"),
    ]
    bad = await run_queued(rig.workers, uuid.uuid4().hex, "not a job")

    assert codes == [
        "outside_media_roots",
        "outside_media_roots",
        "outside_media_roots",
        "invalid_field",
        "bad_job",
    ]
    assert (bad.output, bad.code) == (None, "bad_job")
    assert rig.ffmpeg.invocations() == []
    assert keep.is_dir()
    assert not (rig.tmp_path / "elsewhere").exists()
    assert rig.workers.processes[0].returncode is None  # bad payloads did not stop it
