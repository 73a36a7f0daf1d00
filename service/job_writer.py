"""The one task that copies job state to storage, so that no request ever waits for the disk.

The job queue marks a job dirty on every change worth saving; this writer saves the newest state
of each dirty job (a burst of changes to one job costs one write), the dirty jobs together in
one transaction, so that writing keeps pace however fast jobs finish. A finished job is held
here only until it is on disk (then storage serves it: finished results are not kept in
memory), and its videos stay visible through :meth:`JobWriter.unsaved_videos` until they are
stored, so the library never shows a job as finished without its videos.

When storage fails, nothing is dropped: dirty jobs stay dirty and are retried every
``RETRY_SECONDS``, and while nothing is dirty a probe write checks whether storage recovered.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from typing import Protocol

from service.schemas import JobStatusResponse, VideoInfo
from service.storage import History, StorageUnavailable

log = logging.getLogger(__name__)

RETRY_SECONDS = 1.0
# Jobs written in one transaction: one commit for a whole burst (a commit per job fell behind
# and kept every finished job in memory), yet a bounded slice of the loop to build the rows.
BATCH_JOBS = 256


class WritableJob(Protocol):
    """What the writer needs of a job: its id, its videos, its current state, and where to
    say whether that state is on disk."""

    saved: bool

    @property
    def id(self) -> str: ...

    @property
    def videos(self) -> list[VideoInfo]: ...

    def snapshot(self) -> JobStatusResponse: ...


class JobWriter:
    """Start with :meth:`start`; :meth:`close` drains what is dirty and stops."""

    def __init__(self, storage: History, *, retain_jobs: int) -> None:
        self._storage = storage
        self._retain_jobs = retain_jobs
        self._dirty: dict[str, WritableJob] = {}
        self._finished: dict[str, WritableJob] = {}
        self._unsaved_videos: dict[str, VideoInfo] = {}
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._write_until_closed(), name="job-storage-writer")

    async def close(self) -> None:
        self._closing = True
        self._ready.set()
        if self._task is not None:
            await self._task

    def mark_dirty(self, job: WritableJob) -> None:
        job.saved = False
        self._dirty[job.id] = job
        self._ready.set()

    def mark_finished(self, job: WritableJob) -> None:
        self._finished[job.id] = job
        self._unsaved_videos.update((video.path, video) for video in job.videos)
        self.mark_dirty(job)

    def unsaved_job(self, job_id: str) -> WritableJob | None:
        """A finished job that is not on disk yet (storage cannot serve it)."""
        return self._finished.get(job_id)

    def unsaved_jobs(self) -> list[WritableJob]:
        return list(self._finished.values())

    def unsaved_videos(self) -> dict[str, VideoInfo]:
        return dict(self._unsaved_videos)

    async def _write_until_closed(self) -> None:
        while True:
            await self._flush()
            if self._closing:
                break
            if self._storage.problem is None:
                await self._ready.wait()
                self._ready.clear()
                continue
            # Failing: retry after a pause (new work does not shorten it: the disk is the limit).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(RETRY_SECONDS):
                    while not self._closing:
                        await self._ready.wait()
                        self._ready.clear()
            if not self._dirty:
                await self._storage.check_writable()
        if self._dirty:
            log.error(
                "storage still failing at shutdown: %d job(s) not saved (%s)",
                len(self._dirty),
                self._storage.problem,
            )

    async def _flush(self) -> None:
        """Write every dirty job's current state (and, for a finished job, its videos), up to
        ``BATCH_JOBS`` jobs a transaction; stop at the first failure, keeping what is left
        dirty."""
        finished_saved = False
        while self._dirty:
            batch = list(itertools.islice(self._dirty.values(), BATCH_JOBS))
            for job in batch:
                del self._dirty[job.id]
            states = [(job, job.snapshot()) for job in batch]
            saved = await self._save(states)
            for job, state in states[:saved]:
                if job.id in self._dirty:
                    continue  # changed again while being written: not saved yet
                job.saved = True
                if state.status.finished:
                    finished_saved = True
                    self._forget(job)
            if saved < len(states):
                # The job that failed goes last: if only its row is refused, the next round
                # saves the others before it fails again.
                for job, _ in (*states[saved + 1 :], states[saved]):
                    self._dirty.setdefault(job.id, job)
                return
        if finished_saved:
            with contextlib.suppress(StorageUnavailable):
                await self._storage.prune_jobs(self._retain_jobs)

    async def _save(self, states: list[tuple[WritableJob, JobStatusResponse]]) -> int:
        """Save ``states`` in one transaction, or, if the database refuses it, job by job (a row
        it refuses never costs the others); return how many, from the first, were saved."""
        videos = [video for job, state in states if state.status.finished for video in job.videos]
        try:
            await self._storage.save_jobs([state for _, state in states], videos)
        except StorageUnavailable:
            pass
        else:
            return len(states)
        for index, (job, state) in enumerate(states):
            try:
                await self._storage.save_job(state)
                if state.status.finished and job.videos:
                    await self._storage.save_videos(job.videos)
            except StorageUnavailable:
                return index
        return len(states)

    def _forget(self, job: WritableJob) -> None:
        """A finished job is on disk: storage serves it from now on."""
        del self._finished[job.id]
        for video in job.videos:
            if self._unsaved_videos.get(video.path) is video:
                del self._unsaved_videos[video.path]
