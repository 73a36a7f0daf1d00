"""SQLite persistence for jobs and the scanned video library, off the event loop.

aiosqlite runs every statement on its own thread, so a slow disk never stalls request handling.
Jobs are stored as their API JSON (plus the columns queries need); the library keeps the latest
metadata per video path.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import aiosqlite

from service.schemas import (
    ErrorBody,
    JobStatus,
    JobStatusResponse,
    VideoInfo,
    job_from_json,
    to_json,
    video_from_json,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    document TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_created_at ON jobs (created_at);
CREATE TABLE IF NOT EXISTS videos (
    path TEXT PRIMARY KEY,
    document TEXT NOT NULL
);
"""

INTERRUPTED = ErrorBody(code="interrupted", message="interrupted by restart")


class Storage:
    """One aiosqlite connection; open with :meth:`open`, close with :meth:`close`."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._db = connection

    @classmethod
    async def open(cls, path: Path) -> Storage:
        connection = await aiosqlite.connect(path)
        try:
            await connection.executescript(_SCHEMA)
            await connection.commit()
        except BaseException:
            await connection.close()
            raise
        return cls(connection)

    async def close(self) -> None:
        await self._db.close()

    async def save_job(self, job: JobStatusResponse) -> None:
        await self._db.execute(
            "INSERT INTO jobs (id, status, created_at, document) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET status = excluded.status, document = excluded.document",
            (job.id, job.status.value, job.created_at, json.dumps(to_json(job))),
        )
        await self._db.commit()

    async def load_jobs(self) -> list[JobStatusResponse]:
        """Every stored job, newest first."""
        async with self._db.execute(
            "SELECT document FROM jobs ORDER BY created_at DESC, id DESC"
        ) as cursor:
            rows = await cursor.fetchall()
        return [job_from_json(json.loads(row[0])) for row in rows]

    async def mark_interrupted(self, finished_at: str) -> int:
        """Mark jobs a previous process left pending or running as failed; return how many."""
        async with self._db.execute(
            "SELECT document FROM jobs WHERE status IN (?, ?)",
            (JobStatus.PENDING.value, JobStatus.RUNNING.value),
        ) as cursor:
            rows = list(await cursor.fetchall())
        for (document,) in rows:
            job = job_from_json(json.loads(document))
            failed = JobStatusResponse(
                id=job.id,
                type=job.type,
                status=JobStatus.FAILED,
                path=job.path,
                recursive=job.recursive,
                progress=job.progress,
                files_total=job.files_total,
                files_done=job.files_done,
                files_failed=job.files_failed,
                current_file=None,
                eta_seconds=None,
                created_at=job.created_at,
                started_at=job.started_at,
                finished_at=finished_at,
                error=INTERRUPTED,
                result=job.result,
            )
            await self._db.execute(
                "UPDATE jobs SET status = ?, document = ? WHERE id = ?",
                (failed.status.value, json.dumps(to_json(failed)), failed.id),
            )
        await self._db.commit()
        return len(rows)

    async def save_videos(self, videos: Sequence[VideoInfo]) -> None:
        await self._db.executemany(
            "INSERT INTO videos (path, document) VALUES (?, ?) "
            "ON CONFLICT (path) DO UPDATE SET document = excluded.document",
            [(video.path, json.dumps(to_json(video))) for video in videos],
        )
        await self._db.commit()

    async def list_videos(self) -> list[VideoInfo]:
        """The library, sorted by path."""
        async with self._db.execute("SELECT document FROM videos ORDER BY path") as cursor:
            rows = await cursor.fetchall()
        return [video_from_json(json.loads(row[0])) for row in rows]
