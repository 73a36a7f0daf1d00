"""SQLite persistence for jobs and the scanned video library, off the event loop.

aiosqlite runs every statement on its own thread, so a slow disk never stalls request handling.
Jobs are stored as their API JSON (plus the columns queries need); the library keeps the latest
metadata per video path. File names are kept exactly: a path that is valid UTF-8 is its own
key, any other is keyed by its bytes (a BLOB), and documents escape what they cannot hold.

A failed write is never silent: it is logged, :attr:`Storage.problem` says why until a later
write succeeds (the service reports itself degraded meanwhile), and the next write reopens the
connection first (a database that was opened read-only stays so until reopened). A row that
cannot be read back (bad JSON, a missing key, an unknown status) is moved to the
``quarantine`` table with one log line, and the service starts anyway.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

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

log = logging.getLogger(__name__)

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
CREATE TABLE IF NOT EXISTS quarantine (
    kind TEXT NOT NULL,
    key BLOB,
    reason TEXT NOT NULL,
    document BLOB
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

INTERRUPTED = ErrorBody(code="interrupted", message="interrupted by restart")
FINISHED = tuple(status.value for status in JobStatus if status.finished)
# What reading a stored document back can raise when the row is damaged.
_CORRUPT = (ValueError, KeyError, TypeError, AttributeError)

T = TypeVar("T")


class StorageUnavailable(Exception):
    """A write failed: the database is not writable (read-only, disk full, gone)."""


class History(Protocol):
    """What the job queue and the job writer use of storage: :class:`Storage` (SQLite, one
    process's) or :class:`service.redis_storage.RedisStorage` (shared by every API process)."""

    @property
    def problem(self) -> str | None: ...
    async def close(self) -> None: ...
    async def check_writable(self) -> bool: ...
    async def save_job(self, job: JobStatusResponse) -> None: ...
    async def save_jobs(
        self, jobs: Sequence[JobStatusResponse], videos: Sequence[VideoInfo] = ()
    ) -> None: ...
    async def save_videos(self, videos: Sequence[VideoInfo]) -> None: ...
    async def get_job(self, job_id: str) -> JobStatusResponse | None: ...
    async def list_jobs(
        self, limit: int, before: tuple[str, str] | None
    ) -> list[JobStatusResponse]: ...
    async def list_videos(self) -> list[VideoInfo]: ...
    async def prune_jobs(self, keep: int) -> int: ...
    async def mark_interrupted(self, finished_at: str) -> int: ...
    async def quarantine(self) -> int: ...


def video_key(path: str) -> str | bytes:
    """The library key of ``path``: itself when it is valid UTF-8, else its exact bytes."""
    try:
        path.encode()
    except UnicodeEncodeError:
        return path.encode("utf-8", errors="surrogateescape")
    return path


def interrupted(job: JobStatusResponse, finished_at: str) -> JobStatusResponse:
    """``job``, which a previous process left pending or running, failed as interrupted."""
    return dataclasses.replace(
        job,
        status=JobStatus.FAILED,
        current_file=None,
        eta_seconds=None,
        fps=None,
        finished_at=finished_at,
        error=INTERRUPTED,
        saved=True,
    )


def to_document(value: Any) -> str:
    # ensure_ascii: a surrogate-escaped file name is stored as "\udcXX" and read back exactly.
    return json.dumps(to_json(value), ensure_ascii=True)


class Storage:
    """One aiosqlite connection; open with :meth:`open`, close with :meth:`close`."""

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._db = connection
        self._path = path
        self._problem: str | None = None

    @classmethod
    async def open(cls, path: Path) -> Storage:
        connection = await _connect(path)
        storage = cls(connection, path)
        await storage.check_writable()
        return storage

    async def close(self) -> None:
        await self._db.close()

    @property
    def problem(self) -> str | None:
        """Why the last write failed, or None while writes succeed."""
        return self._problem

    async def check_writable(self) -> bool:
        """Write one row to prove the database takes writes (and clear :attr:`problem`)."""
        try:
            await self._write(
                lambda db: db.execute(
                    "INSERT INTO meta (key, value) VALUES ('writable', datetime('now')) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
                )
            )
        except StorageUnavailable:
            return False
        return True

    async def _write(self, statements: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        """Run ``statements`` and commit; on failure record the problem, roll back and raise
        :class:`StorageUnavailable`. After a failure the connection is reopened first."""
        try:
            if self._problem is not None:
                await self._reconnect()
            result = await statements(self._db)
            await self._db.commit()
        except (sqlite3.Error, OSError, ValueError) as exc:
            if self._problem is None:
                log.error("storage write failed, service degraded: %s", exc)
            self._problem = f"database {self._path} is not writable: {exc}"
            try:
                await self._db.rollback()
            except (sqlite3.Error, ValueError) as rollback_error:
                log.debug("rollback after a failed write failed too: %s", rollback_error)
            raise StorageUnavailable(self._problem) from exc
        if self._problem is not None:
            log.warning("storage writable again")
            self._problem = None
        return result

    async def _reconnect(self) -> None:
        fresh = await _connect(self._path)
        old, self._db = self._db, fresh
        try:
            await old.close()
        except sqlite3.Error as exc:
            log.debug("closing the failed connection: %s", exc)

    async def _rows(self, query: str, parameters: Sequence[Any] = ()) -> list[Any]:
        """Every row of a read. A failed write reconnects, closing the old connection, while a
        read may still be waiting on it: such a read runs once more on the new connection."""
        db = self._db
        try:
            async with db.execute(query, parameters) as cursor:
                return list(await cursor.fetchall())
        except (ValueError, sqlite3.ProgrammingError):  # the connection was closed under it
            if db is self._db:
                raise
        async with self._db.execute(query, parameters) as cursor:
            return list(await cursor.fetchall())

    async def save_job(self, job: JobStatusResponse) -> None:
        await self.save_jobs([job])

    async def save_jobs(
        self, jobs: Sequence[JobStatusResponse], videos: Sequence[VideoInfo] = ()
    ) -> None:
        """Upsert ``jobs`` and ``videos`` (into the library) in one transaction: a burst of
        changes costs one commit, not one per job."""
        job_rows = [(job.id, job.status.value, job.created_at, to_document(job)) for job in jobs]
        video_rows = [(video_key(video.path), to_document(video)) for video in videos]

        async def statements(db: aiosqlite.Connection) -> None:
            await db.executemany(
                "INSERT INTO jobs (id, status, created_at, document) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET status = excluded.status, "
                "document = excluded.document",
                job_rows,
            )
            if video_rows:
                await _upsert_videos(db, video_rows)

        await self._write(statements)

    async def get_job(self, job_id: str) -> JobStatusResponse | None:
        rows = await self._rows("SELECT document FROM jobs WHERE id = ?", (job_id,))
        if not rows:
            return None
        row = rows[0]
        try:
            return job_from_json(json.loads(row[0]))
        except _CORRUPT:
            return None  # quarantined at the next start; unreadable meanwhile

    async def list_jobs(
        self, limit: int, before: tuple[str, str] | None
    ) -> list[JobStatusResponse]:
        """Up to ``limit`` stored jobs, newest first, older than ``before`` (created_at, id)."""
        query = "SELECT document FROM jobs"
        parameters: tuple[Any, ...] = ()
        if before is not None:
            query += " WHERE (created_at, id) < (?, ?)"
            parameters = before
        query += " ORDER BY created_at DESC, id DESC LIMIT ?"
        documents = [row[0] for row in await self._rows(query, (*parameters, limit))]
        jobs = []
        for document in documents:
            try:
                jobs.append(job_from_json(json.loads(document)))
            except _CORRUPT:
                continue  # quarantined at the next start
        return jobs

    async def prune_jobs(self, keep: int) -> int:
        """Delete the oldest finished jobs beyond the newest ``keep``; return how many."""
        marks = ", ".join("?" * len(FINISHED))
        cursor = await self._write(
            lambda db: db.execute(
                f"DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE status IN ({marks}) "
                "ORDER BY created_at DESC, id DESC LIMIT -1 OFFSET ?)",
                (*FINISHED, keep),
            )
        )
        return cursor.rowcount

    async def mark_interrupted(self, finished_at: str) -> int:
        """Mark jobs a previous process left pending or running as failed; return how many."""
        rows = await self._rows(
            "SELECT id, document FROM jobs WHERE status IN (?, ?)",
            (JobStatus.PENDING.value, JobStatus.RUNNING.value),
        )
        updates = []
        for job_id, document in rows:
            try:
                job = job_from_json(json.loads(document))
            except _CORRUPT:
                continue  # quarantine() deals with it
            failed = interrupted(job, finished_at)
            updates.append((failed.status.value, to_document(failed), job_id))
        if updates:
            await self._write(
                lambda db: db.executemany(
                    "UPDATE jobs SET status = ?, document = ? WHERE id = ?", updates
                )
            )
        return len(updates)

    async def quarantine(self) -> int:
        """Move every row that cannot be read back to the ``quarantine`` table, one log line
        each; return how many. Rows stay where they are if the database is not writable (they
        are skipped on reading)."""
        bad: list[tuple[str, Any, str, Any]] = []
        for job_id, status, document in await self._rows("SELECT id, status, document FROM jobs"):
            reason = job_problem(status, document)
            if reason is not None:
                bad.append(("jobs", job_id, reason, document))
        for path, document in await self._rows("SELECT path, document FROM videos"):
            reason = video_problem(document)
            if reason is not None:
                bad.append(("videos", path, reason, document))
        for kind, key, reason, _ in bad:
            log.warning("quarantined corrupt %s row %r: %s", kind, key, reason)
        if bad:
            try:
                await self._write(lambda db: _move_to_quarantine(db, bad))
            except StorageUnavailable:
                log.warning("could not move corrupt rows to quarantine; skipping them instead")
        return len(bad)

    async def save_videos(self, videos: Sequence[VideoInfo]) -> None:
        """Upsert ``videos`` into the library, all in one transaction; if that fails, one by
        one, so that a row the database refuses never costs the others."""
        rows = [(video_key(video.path), to_document(video)) for video in videos]
        try:
            await self._write(lambda db: _upsert_videos(db, rows))
        except StorageUnavailable:
            if len(rows) == 1:
                raise
            failed = 0
            for row in rows:
                try:
                    await self._write(functools.partial(_upsert_videos, rows=[row]))
                except StorageUnavailable:
                    failed += 1
            if failed:
                raise StorageUnavailable(f"{failed} of {len(rows)} videos not saved") from None

    async def list_videos(self) -> list[VideoInfo]:
        """The library (unsorted; the caller sorts by path)."""
        videos = []
        for (document,) in await self._rows("SELECT document FROM videos"):
            try:
                videos.append(video_from_json(json.loads(document)))
            except _CORRUPT:
                continue  # quarantined at the next start
        return videos


async def _connect(path: Path) -> aiosqlite.Connection:
    # aiosqlite.connect opens the file on its own worker thread; when that fails it queues the
    # thread's stop without awaiting it, and the thread may then report to a loop that has just
    # closed: a traceback after "cannot start" (omnilib/aiosqlite#389). Opening the file in the
    # loop's executor first means a file SQLite refuses never starts that thread.
    opened = await asyncio.to_thread(sqlite3.connect, path, check_same_thread=False)
    connection = await aiosqlite.Connection(lambda: opened, iter_chunk_size=64)
    try:
        try:
            await connection.executescript(_SCHEMA)
            await connection.commit()
        except sqlite3.OperationalError as exc:
            # A read-only database that has its jobs still serves them; the first write then
            # reports the service degraded. One without them cannot serve anything.
            if not await _has_jobs_table(connection):
                raise
            log.warning("database %s: cannot update its schema: %s", path, exc)
    except BaseException:
        await connection.close()
        raise
    return connection


async def _has_jobs_table(connection: aiosqlite.Connection) -> bool:
    async with connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'jobs'"
    ) as rows:
        return await rows.fetchone() is not None


async def _upsert_videos(
    db: aiosqlite.Connection, rows: Iterable[tuple[str | bytes, str]]
) -> aiosqlite.Cursor:
    return await db.executemany(
        "INSERT INTO videos (path, document) VALUES (?, ?) "
        "ON CONFLICT (path) DO UPDATE SET document = excluded.document",
        rows,
    )


async def _move_to_quarantine(
    db: aiosqlite.Connection, bad: list[tuple[str, Any, str, Any]]
) -> None:
    await db.executemany(
        "INSERT INTO quarantine (kind, key, reason, document) VALUES (?, ?, ?, ?)", bad
    )
    for kind, key, _, _ in bad:
        column = "id" if kind == "jobs" else "path"
        await db.execute(f"DELETE FROM {kind} WHERE {column} = ?", (key,))


def job_problem(status: Any, document: Any) -> str | None:
    try:
        job = job_from_json(json.loads(document))
    except json.JSONDecodeError as exc:
        return f"not JSON ({exc})"
    except KeyError as exc:
        return f"missing key {exc}"
    except _CORRUPT as exc:
        return f"{type(exc).__name__}: {exc}"
    if job.status.value != status:
        return f"status column {status!r} disagrees with the document's {job.status.value!r}"
    return None


def video_problem(document: Any) -> str | None:
    try:
        video_from_json(json.loads(document))
    except json.JSONDecodeError as exc:
        return f"not JSON ({exc})"
    except KeyError as exc:
        return f"missing key {exc}"
    except _CORRUPT as exc:
        return f"{type(exc).__name__}: {exc}"
    return None
