"""The one task that copies job state to storage, so that no request ever waits for the disk.

The job queue marks a job dirty on every change worth saving; this writer saves the newest state
of each dirty job (a burst of changes costs one write). A finished job's videos stay visible
through :meth:`JobWriter.unsaved_videos` until they are on disk, so the library never shows a
job as finished without its videos.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from service.schemas import JobStatusResponse, VideoInfo
from service.storage import Storage

log = logging.getLogger(__name__)


class WritableJob(Protocol):
    """What the writer needs of a job: its id, its videos and its current state."""

    @property
    def id(self) -> str: ...

    @property
    def videos(self) -> list[VideoInfo]: ...

    def snapshot(self) -> JobStatusResponse: ...


class JobWriter:
    """Start with :meth:`start`; :meth:`close` drains what is dirty and stops."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._dirty: dict[str, WritableJob] = {}
        # Videos of finished jobs that are not stored yet: the library must show a job's videos
        # as soon as the job shows as finished, not once the disk caught up.
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
        self._dirty[job.id] = job
        self._ready.set()

    def mark_finished(self, job: WritableJob) -> None:
        self._unsaved_videos.update((video.path, video) for video in job.videos)
        self.mark_dirty(job)

    def unsaved_videos(self) -> dict[str, VideoInfo]:
        return dict(self._unsaved_videos)

    async def _write_until_closed(self) -> None:
        while not self._closing or self._dirty:
            await self._ready.wait()
            self._ready.clear()
            await self._flush()

    async def _flush(self) -> None:
        """Write every dirty job's current state (and, for a finished job, its videos)."""
        while self._dirty:
            job_id, job = self._dirty.popitem()
            try:
                snapshot = job.snapshot()
                await self._storage.save_job(snapshot)
                if snapshot.status.finished and job.videos:
                    await self._storage.save_videos(job.videos)
                    for video in job.videos:
                        if self._unsaved_videos.get(video.path) is video:
                            del self._unsaved_videos[video.path]
            except Exception:
                log.exception("could not save job %s", job_id)
