"""What a frame job saves and what it shares: storage sees its first frame and 5 % steps only,
and the sweep that follows every probe of a concurrent scan spares its running ffmpeg."""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from loopwire.harness.fixtures import ServiceFactory
from loopwire.harness.server import ServerProcess
from service.child_process import ChildProcesses
from service.jobs import FrameSettings, JobQueue
from service.kinds import KINDS
from service.schemas import JobStatus, JobStatusResponse, VideoInfo, path_b64
from service.storage import Storage
from tests.integration.service.test_service_frame_jobs import SLOW_FFMPEG, script

pytestmark = [pytest.mark.integration, pytest.mark.needs_ffmpeg]

FRAMES = 40  # what SLOW_FFMPEG reports


class CountingStorage(Storage):
    saved: list[JobStatusResponse]

    async def save_jobs(
        self, jobs: Sequence[JobStatusResponse], videos: Sequence[VideoInfo] = ()
    ) -> None:
        self.saved.extend(jobs)
        await super().save_jobs(jobs, videos)


class FortyFrames:
    async def probe(self, path: Path) -> VideoInfo:
        return VideoInfo(
            path=str(path), path_b64=path_b64(str(path)), size_bytes=1, format_name="f",
            duration_seconds=None, bit_rate=None, width=None, height=None, video_codec=None,
            audio_codec=None, frame_rate=None, nb_frames=FRAMES,
        )  # fmt: skip


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[CountingStorage]:
    opened = await CountingStorage.open(tmp_path / "jobs.db")
    assert isinstance(opened, CountingStorage)
    opened.saved = []
    yield opened
    await opened.close()


async def test_a_frame_job_is_saved_at_its_first_frame_every_5_percent_and_at_its_end(
    storage: CountingStorage, tmp_path: Path
) -> None:
    media = tmp_path / "media"
    media.mkdir()
    video = media / "clip.mkv"
    video.write_bytes(b"\0" * 16)
    frames = FrameSettings(script(tmp_path, "ffmpeg", SLOW_FFMPEG), ChildProcesses(), media / "out")
    queue = JobQueue(
        storage, FortyFrames(), media_roots=[media], concurrency=1, job_timeout=60, frames=frames
    )
    await queue.start()
    try:
        kind = KINDS["thumbnails"]
        job = queue.submit_frames(kind, kind.parse_params({}), video)
        events = await queue.subscribe(job.id)
        async with asyncio.timeout(30):
            async for _ in events:
                pass  # up to the end event
    finally:
        await queue.close()

    saved = [state for state in storage.saved if state.id == job.id]
    assert saved[-1].status is JobStatus.COMPLETED
    assert saved[-1].progress == 1.0
    running = [s.current_frame for s in saved if s.status is JobStatus.RUNNING and s.current_frame]
    assert running[0] == 1, running  # the first frame
    steps = [frame / FRAMES for frame in running]
    assert all(b - a >= 0.05 for a, b in itertools.pairwise(steps)), running
    # 40 reports: 1 first frame + at most 20 steps of 5 %, not one save per report.
    assert len(running) <= 21, running


def run_beside_a_scan(service_process: ServiceFactory, tmp_path: Path) -> str:
    """A frame job of the slow fake ffmpeg in a real service process (a child subreaper, as
    in production) while scans probe files (each probe ends with a sweep of the service's
    children); the frame job's final status."""
    media = tmp_path / "media"
    scanned = media / "scanned"
    scanned.mkdir(parents=True)
    video = media / "clip.mkv"
    video.write_bytes(b"\0" * 16)
    for index in range(6):
        (scanned / f"not-really-{index}.mp4").write_bytes(b"not media")
    server = service_process(
        "--media-root", str(media), "--db", str(tmp_path / "service.db"), "--concurrency", "1",
        "--ffprobe", script(tmp_path, "ffprobe", KNOWN_TOTAL_FFPROBE),
        "--ffmpeg", script(tmp_path, "ffmpeg", SLOW_FFMPEG),
    )  # fmt: skip
    job = _post(server, "/api/v1/jobs", {"kind": "thumbnails", "path": str(video)})
    # Running (or already ended: the sweep after the job's own frame count can end it too).
    _wait(
        server,
        job["id"],
        lambda state: (state["current_frame"] or 0) > 0 or state["status"] not in UNFINISHED,
    )
    for _ in range(3):
        scan = _post(server, "/api/v1/scans", {"path": str(scanned)})
        _wait(server, scan["id"], lambda state: state["status"] not in UNFINISHED)
    final = _wait(server, job["id"], lambda state: state["status"] not in UNFINISHED)
    status: str = final["status"]
    return status


UNFINISHED = ("pending", "running")
KNOWN_TOTAL_FFPROBE = """#!/bin/sh
echo '{"format": {"format_name": "matroska,webm", "size": "16"},'
echo ' "streams": [{"codec_type": "video", "codec_name": "h264", "nb_frames": "40"}]}'
"""


def _post(server: ServerProcess, path: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        server.url(path),
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer: dict[str, Any] = json.loads(response.read())
    return answer


def _wait(
    server: ServerProcess, job_id: str, done: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        with urllib.request.urlopen(server.url(f"/api/v1/jobs/{job_id}"), timeout=10) as response:
            state: dict[str, Any] = json.loads(response.read())
        if done(state):
            return state
        assert time.monotonic() < deadline, state
        time.sleep(0.05)


def test_a_scans_sweeps_spare_a_running_ffmpeg(
    service_process: ServiceFactory, tmp_path: Path
) -> None:
    assert run_beside_a_scan(service_process, tmp_path) == "completed"


def test_negative_control_an_ffmpeg_not_tracked_with_the_probes_is_swept_by_a_scan(
    service_process: ServiceFactory, tmp_path: Path
) -> None:
    """Mutant (a launcher that gives the prober its own set of children, as before they were
    shared): the scan's sweeps see ffmpeg as an orphan and kill it, failing the job."""
    launcher = tmp_path / "separate_children.py"
    launcher.write_text(SEPARATE_CHILDREN)
    started: list[ServerProcess] = []

    def start_mutant(*args: str) -> ServerProcess:
        server = ServerProcess([*MUTANT_COMMAND, str(launcher), *args])
        started.append(server)
        return server.start(timeout=30)

    try:
        assert run_beside_a_scan(start_mutant, tmp_path) == "failed"
    finally:
        for server in started:
            server.stop()


MUTANT_COMMAND = (sys.executable,)
SEPARATE_CHILDREN = """
import sys
from service.__main__ import main
from service.app import create_app, probe_state_dir
from service.probe import FfprobeProber

def separate(config):
    prober = FfprobeProber(
        config.ffprobe, concurrency=config.concurrency, timeout=config.probe_timeout,
        state_dir=probe_state_dir(config),
    )
    return create_app(config, prober=prober)

sys.exit(main(["--host", "127.0.0.1", "--port", "0", *sys.argv[1:]], separate))
"""
