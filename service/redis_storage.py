"""Job history and the video library in Redis: shared by every API process on one queue.

In distributed mode (``--queue``) every API process on the same Redis database reads and writes
the same keys, so any of them serves every job and every video. :class:`RedisStorage` has the
interface the job queue and the job writer use of :class:`service.storage.Storage`, with the
same guarantees:

- Jobs are their API JSON in the hash :data:`JOBS` (by id); the sorted set :data:`ORDER` holds
  ``created_at NUL id`` for every job (all scores 0, so Redis orders them as strings, which is
  the ``(created_at, id)`` order of SQLite) and :data:`FINISHED` the same for finished jobs only,
  which is what pruning walks.
- The hash :data:`OWNERS` names the API running each unfinished job (see
  :func:`service.app.owner_name`): an API that starts fails only its own leftovers as
  interrupted, never the jobs another live API runs.
- The library is the hash :data:`VIDEOS`, keyed by the exact bytes of each path (a name that is
  not valid UTF-8 is its own key, as in SQLite); documents escape what JSON cannot hold.
- A failed write is logged, :attr:`RedisStorage.problem` says why until a later write succeeds
  (the service reports itself degraded meanwhile).
- An entry that cannot be read back is moved to the list :data:`QUARANTINE` at start with one
  log line, and skipped when read meanwhile.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from service.scan_state import awaited
from service.schemas import (
    JobStatus,
    JobStatusResponse,
    VideoInfo,
    job_from_json,
    video_from_json,
)
from service.storage import FINISHED as FINISHED_STATUSES
from service.storage import (
    StorageUnavailable,
    interrupted,
    job_problem,
    to_document,
    video_problem,
)

log = logging.getLogger(__name__)

JOBS = "loopwire:history:jobs"
ORDER = "loopwire:history:order"
FINISHED = "loopwire:history:finished"
OWNERS = "loopwire:history:owners"
VIDEOS = "loopwire:history:videos"
QUARANTINE = "loopwire:history:quarantine"
WRITABLE = "loopwire:history:writable"
# What reading a stored document back can raise when the entry is damaged.
_CORRUPT = (ValueError, KeyError, TypeError, AttributeError)
# Jobs read per round trip while paging past entries that cannot be read.
_PAGE = 100


def _member(created_at: str, job_id: str) -> bytes:
    # NUL sorts before every character of an ISO time or a hex id: string order is tuple order.
    return f"{created_at}\0{job_id}".encode()


def _path_key(path: str) -> bytes:
    """The exact bytes of ``path`` (surrogate escapes are the bytes that were not UTF-8)."""
    return path.encode("utf-8", errors="surrogateescape")


class RedisStorage:
    """One Redis connection; open with :meth:`open`, close with :meth:`close`."""

    def __init__(self, redis: Redis, url: str, owner: str) -> None:
        self._redis = redis
        self._url = url
        self._owner = owner
        self._problem: str | None = None

    @classmethod
    async def open(cls, url: str, owner: str) -> RedisStorage:
        """History in the Redis ``url`` names, written by the API called ``owner``."""
        redis = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        storage = cls(redis, url, owner)
        try:
            await redis.ping()
        except BaseException:
            await redis.aclose()
            raise
        await storage.check_writable()
        return storage

    async def close(self) -> None:
        await self._redis.aclose()

    @property
    def problem(self) -> str | None:
        """Why the last write failed, or None while writes succeed."""
        return self._problem

    async def check_writable(self) -> bool:
        """Write one key to prove Redis takes writes (and clear :attr:`problem`)."""
        try:
            await self._write([("set", WRITABLE, "1")])
        except StorageUnavailable:
            return False
        return True

    async def _write(self, commands: Sequence[tuple[Any, ...]]) -> list[Any]:
        """Run ``commands`` (name, arguments...) in one MULTI/EXEC; on failure record the
        problem and raise :class:`StorageUnavailable`."""
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                for name, *arguments in commands:
                    getattr(pipe, name)(*arguments)
                result: list[Any] = await pipe.execute()
        except RedisError as exc:
            if self._problem is None:
                log.error("storage write failed, service degraded: %s", exc)
            self._problem = f"history in Redis {self._redacted()} is not writable: {exc}"
            raise StorageUnavailable(self._problem) from exc
        if self._problem is not None:
            log.warning("storage writable again")
            self._problem = None
        return result

    def _redacted(self) -> str:
        # A password in the URL never reaches a log line or /health.
        return self._url.split("@", 1)[-1]

    async def save_job(self, job: JobStatusResponse) -> None:
        await self.save_jobs([job])

    async def save_jobs(
        self, jobs: Sequence[JobStatusResponse], videos: Sequence[VideoInfo] = ()
    ) -> None:
        """Store ``jobs`` and ``videos`` (into the library) in one transaction."""
        await self._write([*self._job_commands(jobs), *_video_commands(videos)])

    async def save_videos(self, videos: Sequence[VideoInfo]) -> None:
        """Store ``videos`` into the library in one transaction."""
        await self._write(_video_commands(videos))

    async def get_job(self, job_id: str) -> JobStatusResponse | None:
        document = await awaited(self._redis.hget(JOBS, job_id))
        if document is None:
            return None
        try:
            return job_from_json(json.loads(document))
        except _CORRUPT:
            return None  # quarantined at the next start; unreadable meanwhile

    async def list_jobs(
        self, limit: int, before: tuple[str, str] | None
    ) -> list[JobStatusResponse]:
        """Up to ``limit`` stored jobs, newest first, older than ``before`` (created_at, id)."""
        upper: bytes = b"+" if before is None else b"(" + _member(*before)
        jobs: list[JobStatusResponse] = []
        while len(jobs) < limit:
            members: list[bytes] = await self._redis.zrevrangebylex(
                ORDER, upper, b"-", start=0, num=min(_PAGE, limit - len(jobs))
            )
            if not members:
                break
            ids = [member.split(b"\0", 1)[1] for member in members]
            for document in await awaited(self._redis.hmget(JOBS, ids)):
                if document is None:
                    continue  # pruned by another process between the two reads
                try:
                    jobs.append(job_from_json(json.loads(document)))
                except _CORRUPT:
                    continue  # quarantined at the next start
            upper = b"(" + members[-1]
        return jobs

    async def prune_jobs(self, keep: int) -> int:
        """Delete the oldest finished jobs beyond the newest ``keep``; return how many. Redis
        gone raises :class:`StorageUnavailable`, as a failed write does (the job writer, which
        prunes after saving, must outlive a Redis restart)."""
        try:
            old: list[bytes] = await self._redis.zrevrange(FINISHED, keep, -1)
        except RedisError as exc:
            raise StorageUnavailable(f"history in Redis {self._redacted()}: {exc}") from exc
        if not old:
            return 0
        ids = [member.split(b"\0", 1)[1] for member in old]
        await self._write(
            [
                ("hdel", JOBS, *ids),
                ("hdel", OWNERS, *ids),
                ("zrem", ORDER, *old),
                ("zrem", FINISHED, *old),
            ]
        )
        return len(old)

    async def mark_interrupted(self, finished_at: str) -> int:
        """Mark the jobs a previous run of this API left pending or running as failed (and
        those nobody owns); return how many. Another API's jobs are its own to run."""
        owners: dict[bytes, bytes] = await awaited(self._redis.hgetall(OWNERS))
        failed = []
        for job_id, document in (await awaited(self._redis.hgetall(JOBS))).items():
            if owners.get(job_id, self._owner.encode()) != self._owner.encode():
                continue
            try:
                job = job_from_json(json.loads(document))
            except _CORRUPT:
                continue  # quarantine() deals with it
            if job.status in (JobStatus.PENDING, JobStatus.RUNNING):
                failed.append(interrupted(job, finished_at))
        if failed:
            await self._write(self._job_commands(failed))
        return len(failed)

    async def quarantine(self) -> int:
        """Move every entry that cannot be read back to :data:`QUARANTINE`, one log line each;
        return how many. Entries stay where they are if Redis takes no writes (they are
        skipped on reading)."""
        commands: list[tuple[Any, ...]] = []
        jobs: dict[bytes, bytes] = await awaited(self._redis.hgetall(JOBS))
        bad_ids = set()
        for job_id, document in jobs.items():
            reason = job_problem(_status_of(document), document)
            if reason is not None:
                bad_ids.add(job_id)
                commands += _quarantine_commands("jobs", JOBS, job_id, reason, document)
                commands.append(("hdel", OWNERS, job_id))
        if bad_ids:
            for member in await self._redis.zrange(ORDER, 0, -1):
                if member.split(b"\0", 1)[1] in bad_ids:
                    commands += [("zrem", ORDER, member), ("zrem", FINISHED, member)]
        videos: dict[bytes, bytes] = await awaited(self._redis.hgetall(VIDEOS))
        for path, document in videos.items():
            reason = video_problem(document)
            if reason is not None:
                commands += _quarantine_commands("videos", VIDEOS, path, reason, document)
        if commands:
            try:
                await self._write(commands)
            except StorageUnavailable:
                log.warning("could not move corrupt entries to quarantine; skipping them instead")
        return sum(1 for command in commands if command[0] == "rpush")

    async def list_videos(self) -> list[VideoInfo]:
        """The library (unsorted; the caller sorts by path)."""
        videos = []
        for document in (await awaited(self._redis.hgetall(VIDEOS))).values():
            try:
                videos.append(video_from_json(json.loads(document)))
            except _CORRUPT:
                continue  # quarantined at the next start
        return videos

    def _job_commands(self, jobs: Sequence[JobStatusResponse]) -> list[tuple[Any, ...]]:
        commands: list[tuple[Any, ...]] = []
        for job in jobs:
            member = _member(job.created_at, job.id)
            commands += [("hset", JOBS, job.id, to_document(job)), ("zadd", ORDER, {member: 0})]
            if job.status.value in FINISHED_STATUSES:
                commands += [("zadd", FINISHED, {member: 0}), ("hdel", OWNERS, job.id)]
            else:
                commands += [("zrem", FINISHED, member), ("hset", OWNERS, job.id, self._owner)]
        return commands


def _video_commands(videos: Sequence[VideoInfo]) -> list[tuple[Any, ...]]:
    if not videos:
        return []
    mapping = {_path_key(video.path): to_document(video) for video in videos}
    return [("hset", VIDEOS, None, None, mapping)]


def _status_of(document: bytes) -> Any:
    """The status a job document claims (SQLite keeps it in a column; here it is the document's
    own, so only a document that cannot be read at all disagrees)."""
    try:
        return json.loads(document).get("status")
    except (ValueError, AttributeError):
        return None


def _quarantine_commands(
    kind: str, key: str, field: bytes, reason: str, document: bytes
) -> list[tuple[Any, ...]]:
    log.warning("quarantined corrupt %s entry %r: %s", kind, field, reason)
    entry = {
        "kind": kind,
        "key_b64": base64.b64encode(field).decode(),
        "reason": reason,
        "document_b64": base64.b64encode(document).decode(),
    }
    return [("rpush", QUARANTINE, json.dumps(entry)), ("hdel", key, field)]
