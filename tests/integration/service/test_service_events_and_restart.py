"""Server-Sent Events of a job, and what survives a restart over the same SQLite file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from loopwire.harness.client import ServiceClient
from loopwire.harness.fake_ffprobe.fakes import Behaviour
from loopwire.harness.fixtures import FakeFfprobeFactory
from service.schemas import JobStatus, JobStatusResponse
from service.storage import Storage
from tests.integration.service.service_support import (
    Client,
    ClientFactory,
    touch_videos,
    wait_until,
)

pytestmark = pytest.mark.integration
# Where scans are probed (see conftest): the stream and the restart must not depend on it.
BOTH_BACKENDS = pytest.mark.parametrize("backend", ["embedded", "redis"])


def parse_events(text: str) -> list[tuple[str, dict[str, Any]]]:
    """Every (event name, job) in a piece of an event stream."""
    events: list[tuple[str, dict[str, Any]]] = []
    name = None
    for line in text.splitlines():
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            assert name is not None
            events.append((name, json.loads(line.removeprefix("data: "))))
            name = None
    return events


async def read_events(client: Client, job_id: str) -> list[tuple[str, dict[str, Any]]]:
    """Every (event name, job) the stream sends until the server closes it."""
    response = await client.get(f"/api/v1/jobs/{job_id}/events")
    assert response.status == 200
    assert response.content_type == "text/event-stream"
    return parse_events((await response.content.read()).decode())


@BOTH_BACKENDS
async def test_event_stream_pushes_progress_then_end(
    make_client: ClientFactory, media: Path, fake_ffprobe: FakeFfprobeFactory
) -> None:
    fake_ffprobe(default=Behaviour(delay=0.3))
    touch_videos(media, "a.mp4", "b.mp4", "c.mp4")
    client = await make_client(concurrency=1)
    job = await ServiceClient(client).start_scan(media)

    events = await read_events(client, job["id"])

    names = [name for name, _ in events]
    assert names[0] == "progress"
    assert names[-1] == "end"
    assert set(names[:-1]) == {"progress"}
    assert events[-1][1]["status"] == "completed"
    assert events[-1][1]["progress"] == 1.0
    assert len(events[-1][1]["result"]["videos"]) == 3
    progress = [job["progress"] for name, job in events if name == "progress"]
    assert any(p is not None and 0.0 < p < 1.0 for p in progress), progress


async def test_event_stream_of_finished_job_sends_state_and_end(
    make_client: ClientFactory, media: Path, fake_ffprobe: FakeFfprobeFactory
) -> None:
    fake_ffprobe()
    client = await make_client()
    job = await ServiceClient(client).start_scan(media)
    await ServiceClient(client).wait_finished(job["id"])

    events = await read_events(client, job["id"])

    assert [name for name, _ in events] == ["progress", "end"]
    assert events[1][1]["status"] == "completed"


@BOTH_BACKENDS
async def test_event_stream_ends_on_cancel(
    make_client: ClientFactory, media: Path, fake_ffprobe: FakeFfprobeFactory
) -> None:
    fake = fake_ffprobe(default=Behaviour(mode="hang"))
    touch_videos(media, "a.mp4")
    client = await make_client()
    job = await ServiceClient(client).start_scan(media)
    await wait_until(lambda: len(fake.invocations()) == 1)
    stream = await client.get(f"/api/v1/jobs/{job['id']}/events")
    first = await stream.content.readuntil(b"\n\n")
    assert first.startswith(b"event: progress\n")

    await client.post(f"/api/v1/jobs/{job['id']}/cancel")
    rest = parse_events((await stream.content.read()).decode())

    # A progress event may still be on its way when the cancel lands (a Redis worker's update
    # races it); the stream then ends with the cancelled state, and says nothing after it.
    assert [name for name, _ in rest[:-1]] == ["progress"] * (len(rest) - 1), rest
    assert rest[-1][0] == "end", rest
    assert rest[-1][1]["status"] == "cancelled"


@BOTH_BACKENDS
async def test_completed_jobs_and_videos_survive_restart(
    make_client: ClientFactory, media: Path, fake_ffprobe: FakeFfprobeFactory
) -> None:
    fake_ffprobe()
    touch_videos(media, "a.mp4", "b.mkv")
    first = await make_client()
    job = await ServiceClient(first).start_scan(media)
    done, _ = await ServiceClient(first).wait_finished(job["id"])
    await first.close()

    second = await make_client()

    again = await (await second.get(f"/api/v1/jobs/{job['id']}")).json()
    # Fetched the moment it finished, it may not have been on disk yet; now it is.
    assert again == {**done, "saved": True}
    videos = (await (await second.get("/api/v1/videos")).json())["videos"]
    assert [Path(v["path"]).name for v in videos] == ["a.mp4", "b.mkv"]


async def test_jobs_left_running_are_failed_after_restart(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    db = tmp_path / "service.db"
    storage = await Storage.open(db)
    await storage.save_job(
        JobStatusResponse(
            id="left-running",
            type="scan",
            status=JobStatus.RUNNING,
            path=str(tmp_path),
            recursive=True,
            progress=0.5,
            files_total=4,
            files_done=2,
            files_failed=0,
            current_file=str(tmp_path / "c.mp4"),
            eta_seconds=3.0,
            current_frame=None,
            total_frames=None,
            fps=None,
            created_at="2026-01-01T00:00:00.000000+00:00",
            started_at="2026-01-01T00:00:01.000000+00:00",
            finished_at=None,
            error=None,
            saved=False,
            result=None,
            output=None,
            output_note=None,
        )
    )
    await storage.close()

    client = await make_client(db_path=db)
    job = await (await client.get("/api/v1/jobs/left-running")).json()

    assert job["status"] == "failed"
    assert job["error"] == {"code": "interrupted", "message": "interrupted by restart"}
    assert job["finished_at"] is not None
    assert (job["files_done"], job["current_file"], job["eta_seconds"]) == (2, None, None)
