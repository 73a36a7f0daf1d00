"""The real JobQueue over a real SQLite file: throttled storage, live memory, events, cancel.

The prober here is an in-process object that waits on an event: it stands in for ffprobe (the
integration tests use real processes), never for the queue under test.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from service.job_events import JobEvent, JobEventType, Subscription
from service.jobs import JobNotFound, JobQueue
from service.schemas import JobStatus, JobStatusResponse, VideoInfo, path_b64
from service.storage import Storage


class CountingStorage(Storage):
    """Real storage that also remembers what it was asked to save."""

    saved: list[JobStatusResponse]

    async def save_jobs(
        self, jobs: Sequence[JobStatusResponse], videos: Sequence[VideoInfo] = ()
    ) -> None:
        self.saved.extend(jobs)
        await super().save_jobs(jobs, videos)


class GatedProber:
    """Answers only once ``release`` is set."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.started = asyncio.Event()

    async def probe(self, path: Path) -> VideoInfo:
        self.started.set()
        await self.release.wait()
        return VideoInfo(
            path=str(path), path_b64=path_b64(str(path)), size_bytes=1, format_name="f",
            duration_seconds=None,
            bit_rate=None, width=None, height=None, video_codec=None, audio_codec=None,
            frame_rate=None, nb_frames=None,
        )  # fmt: skip


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[CountingStorage]:
    opened = await CountingStorage.open(tmp_path / "jobs.db")
    assert isinstance(opened, CountingStorage)
    opened.saved = []
    yield opened
    await opened.close()


@pytest.fixture
def media(tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    (root / "a.mp4").write_bytes(b"x")
    return root


@pytest.fixture
async def queue_and_prober(
    storage: CountingStorage, media: Path
) -> AsyncIterator[tuple[JobQueue, GatedProber]]:
    prober = GatedProber()
    queue = JobQueue(storage, prober, media_roots=[media], concurrency=1, job_timeout=60)
    await queue.start()
    yield queue, prober
    await queue.close()


async def test_progress_is_live_in_memory_and_throttled_in_storage(
    queue_and_prober: tuple[JobQueue, GatedProber], storage: CountingStorage, media: Path
) -> None:
    queue, prober = queue_and_prober
    job = queue.submit(media, recursive=True)
    await asyncio.wait_for(prober.started.wait(), 5)
    storage.saved.clear()

    for done in range(1, 1001):
        snapshot = queue.set_progress(job.id, files_total=1000, files_done=done)
        assert (await queue.get(job.id)).files_done == done  # memory is always current
        assert snapshot.progress == done / 1000
    await asyncio.sleep(0.2)  # let the writer drain

    # 1000 updates in well under 250 ms: about one write per 5 %, nowhere near 1000.
    assert 1 <= len(storage.saved) <= 25, len(storage.saved)
    assert all(s.progress is not None for s in storage.saved)
    prober.release.set()


async def test_set_progress_of_unknown_job_raises(
    queue_and_prober: tuple[JobQueue, GatedProber],
) -> None:
    queue, _ = queue_and_prober
    with pytest.raises(JobNotFound):
        queue.set_progress("nope", files_done=1)


async def test_subscription_emits_progress_then_end(
    queue_and_prober: tuple[JobQueue, GatedProber], media: Path
) -> None:
    queue, prober = queue_and_prober
    job = queue.submit(media, recursive=True)
    events = await queue.subscribe(job.id)
    first = await asyncio.wait_for(anext(events), 5)
    await asyncio.wait_for(prober.started.wait(), 5)
    prober.release.set()

    rest = [event async for event in events]

    assert first.type is JobEventType.PROGRESS
    assert rest[-1].type is JobEventType.END
    assert rest[-1].job.status is JobStatus.COMPLETED
    assert {event.type for event in rest[:-1]} <= {JobEventType.PROGRESS}
    events.close()


def test_subscription_collapses_stale_progress_and_keeps_end_last() -> None:
    job = JobStatusResponse(
        id="j", type="scan", status=JobStatus.RUNNING, path="/m", recursive=True,
        progress=0.1, files_total=10, files_done=1, files_failed=0, current_file=None,
        eta_seconds=None, current_frame=None, total_frames=None, fps=None, created_at="t",
        started_at=None, finished_at=None, error=None, saved=False, result=None, output=None,
        output_note=None,
    )  # fmt: skip
    subscription = Subscription()
    for event_type in (JobEventType.PROGRESS, JobEventType.PROGRESS, JobEventType.END):
        subscription.push(JobEvent(event_type, job))
    subscription.push(JobEvent(JobEventType.PROGRESS, job))  # after the end: dropped

    async def drain() -> list[JobEventType]:
        return [event.type async for event in subscription]

    assert asyncio.run(drain()) == [JobEventType.PROGRESS, JobEventType.END]


async def test_cancel_before_the_job_ever_ran(
    queue_and_prober: tuple[JobQueue, GatedProber], media: Path
) -> None:
    queue, prober = queue_and_prober
    job = queue.submit(media, recursive=True)

    cancelled = await queue.cancel(job.id)  # its task has not taken a single step yet

    assert cancelled.status is JobStatus.CANCELLED
    assert cancelled.finished_at is not None
    assert not prober.started.is_set()


async def test_close_fails_running_jobs_and_saves_them(
    storage: CountingStorage, media: Path
) -> None:
    prober = GatedProber()
    queue = JobQueue(storage, prober, media_roots=[media], concurrency=1, job_timeout=60)
    await queue.start()
    job = queue.submit(media, recursive=True)
    await asyncio.wait_for(prober.started.wait(), 5)

    await asyncio.wait_for(queue.close(), 5)

    stored = await storage.get_job(job.id)
    assert stored is not None
    assert stored.status is JobStatus.FAILED
    assert stored.error is not None
    assert stored.error.message == "interrupted by shutdown"


class HeldStorage(Storage):
    """Real storage whose video writes wait until ``release`` is set: a slow disk."""

    release: asyncio.Event

    async def save_jobs(
        self, jobs: Sequence[JobStatusResponse], videos: Sequence[VideoInfo] = ()
    ) -> None:
        if videos:
            await self.release.wait()
        await super().save_jobs(jobs, videos)


async def test_library_shows_a_finished_jobs_videos_before_the_disk_caught_up(
    tmp_path: Path, media: Path
) -> None:
    storage = await HeldStorage.open(tmp_path / "held.db")
    assert isinstance(storage, HeldStorage)
    storage.release = asyncio.Event()
    prober = GatedProber()
    prober.release.set()
    queue = JobQueue(storage, prober, media_roots=[media], concurrency=1, job_timeout=60)
    await queue.start()
    job = queue.submit(media, recursive=True)
    events = await queue.subscribe(job.id)
    assert [event.type async for event in events][-1] is JobEventType.END

    assert [v.path for v in await queue.list_videos()] == [str(media / "a.mp4")]
    assert await storage.list_videos() == []  # not on disk yet
    storage.release.set()
    await queue.close()
    assert [v.path for v in await storage.list_videos()] == [str(media / "a.mp4")]
    await storage.close()


class TimingOutProber:
    """A prober whose own I/O timed out (say, a network filesystem): raises TimeoutError."""

    async def probe(self, path: Path) -> VideoInfo:
        raise TimeoutError


async def wait_final(queue: JobQueue, job_id: str) -> JobStatusResponse:
    async with asyncio.timeout(10):
        async for event in await queue.subscribe(job_id):
            if event.type is JobEventType.END:
                return event.job
    raise AssertionError("the event stream ended without an end event")


async def test_a_timeout_inside_the_scan_is_no_job_timeout(
    storage: CountingStorage, media: Path
) -> None:
    queue = JobQueue(storage, TimingOutProber(), media_roots=[media], concurrency=1, job_timeout=60)
    await queue.start()
    try:
        final = await wait_final(queue, queue.submit(media, recursive=True).id)
    finally:
        await queue.close()
    # The job's 60 s deadline never expired: this is a failure, not "timed_out".
    assert final.status is JobStatus.FAILED
    assert final.error is not None
    assert (final.error.code, final.error.message) == ("scan_failed", "TimeoutError")


async def test_a_scan_folder_that_vanished_fails_clearly(
    queue_and_prober: tuple[JobQueue, GatedProber],
    media: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    queue, _ = queue_and_prober
    gone = media / "gone"  # accepted by the handler, then deleted before the job ran

    final = await wait_final(queue, queue.submit(gone, recursive=True).id)

    assert final.status is JobStatus.FAILED
    assert final.error is not None
    assert final.error.code == "scan_path_unreadable"
    assert final.error.message == f"cannot read {gone}: No such file or directory"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # no traceback
