"""A distributed scan's shared state in Redis: what the API and every worker read and write.

One scan is a set of keys under ``loopwire:scan:<id>:``. Files are known by their index in the
scan's sorted walk, which the API fixes before any batch is queued. A worker records a file with
one atomic script: the index enters the ``done`` set, and only if it was not there (SADD returns
1 only the first time) does its result land and the counters move. So a batch that runs again
(its worker died, its lease expired, arq gave it to another worker) never counts or stores a file
twice, and counters only ever move forward. Every key expires, so an abandoned scan leaves nothing.

Values that hold file names are JSON with ASCII escapes: a name that is not valid UTF-8 (kept
in ``str`` as surrogate escapes) survives the trip byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar, cast

from redis.asyncio import Redis

from service.schemas import ErrorBody, FileError, VideoInfo, file_error, to_json, video_from_json

T = TypeVar("T")

# Long enough for any scan (the API shortens it once the scan ends); a dead API's scan goes away.
KEY_TTL_SECONDS = 24 * 3600
# After the scan ended: long enough for a late batch to read the stop flag and skip its files.
ENDED_TTL_SECONDS = 600

# KEYS: done, results, counts, current; ARGV: index, result, failed (0/1), ttl, and the next
# file's name (or ''): a listener never sees the count move without the current file moving.
_RECORD = """
if ARGV[5] ~= '' then
  redis.call('SET', KEYS[4], ARGV[5], 'EX', ARGV[4])
end
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[3], 'done', 1)
if ARGV[3] == '1' then
  redis.call('HINCRBY', KEYS[3], 'failed', 1)
end
for i = 1, 3 do
  redis.call('EXPIRE', KEYS[i], ARGV[4])
end
return 1
"""


def awaited(result: Awaitable[T] | T) -> Awaitable[T]:
    """An asyncio client's command result, typed as what it is: redis-py types each command
    for its sync and async clients at once (a value or an awaitable)."""
    return cast(Awaitable[T], result)


@dataclass(frozen=True, slots=True)
class Counts:
    """A scan's progress as the workers recorded it."""

    done: int
    failed: int
    current_file: str | None
    fatal: ErrorBody | None


class ScanState:
    """The keys of one scan, and the operations the API and the workers perform on them."""

    # The recording script; its guard is what makes a re-run batch harmless.
    RECORD_SCRIPT: ClassVar[str] = _RECORD

    def __init__(self, redis: Redis, scan_id: str) -> None:
        self._redis = redis
        self.scan_id = scan_id
        prefix = f"loopwire:scan:{scan_id}:"
        self._done = prefix + "done"
        self._results = prefix + "results"
        self._counts = prefix + "counts"
        self._current = prefix + "current"
        self._stop = prefix + "stop"
        self._fatal = prefix + "fatal"
        self._record = redis.register_script(self.RECORD_SCRIPT)

    def _keys(self) -> tuple[str, ...]:
        return (self._done, self._results, self._counts, self._current, self._stop, self._fatal)

    # --- the workers' side ---

    async def is_done(self, index: int) -> bool:
        """Whether a file is already recorded (a re-run batch skips it instead of probing)."""
        return bool(await awaited(self._redis.sismember(self._done, str(index))))

    async def probing(self, path: str) -> None:
        await self._redis.set(self._current, json.dumps(path), ex=KEY_TTL_SECONDS)

    async def record(
        self,
        index: int,
        video: VideoInfo | None,
        error: FileError | None,
        following: str | None = None,
    ) -> bool:
        """Record a file's result and, in the same step, the file probed next (``following``);
        False when the file was already recorded (its result and the counters did not change)."""
        payload = json.dumps(
            {
                "video": None if video is None else to_json(video),
                "error": None if error is None else to_json(error),
            }
        )
        recorded = await self._record(
            keys=[self._done, self._results, self._counts, self._current],
            args=[
                str(index),
                payload,
                "1" if error is not None else "0",
                KEY_TTL_SECONDS,
                "" if following is None else json.dumps(following),
            ],
        )
        return bool(recorded)

    async def fail(self, code: str, message: str) -> None:
        """A problem no file of the scan escapes (no ffprobe on this worker): the API fails it."""
        body = json.dumps({"code": code, "message": message})
        await self._redis.set(self._fatal, body, ex=KEY_TTL_SECONDS, nx=True)

    async def stopped(self) -> bool:
        """Whether the scan was cancelled, timed out or failed: batches stop probing."""
        return bool(await self._redis.exists(self._stop))

    # --- the API's side ---

    async def stop(self) -> None:
        await self._redis.set(self._stop, b"1", ex=ENDED_TTL_SECONDS)

    async def counts(self) -> Counts:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hmget(self._counts, ["done", "failed"])
            pipe.get(self._current)
            pipe.get(self._fatal)
            (done, failed), current, fatal = await pipe.execute()
        fatal_body = None
        if fatal is not None:
            data = json.loads(fatal)
            fatal_body = ErrorBody(code=str(data["code"]), message=str(data["message"]))
        return Counts(
            done=int(done or 0),
            failed=int(failed or 0),
            current_file=None if current is None else str(json.loads(current)),
            fatal=fatal_body,
        )

    async def results(self) -> tuple[list[VideoInfo], list[FileError]]:
        """Every recorded result: the videos found and the per-file errors."""
        raw: dict[bytes, bytes] = await awaited(self._redis.hgetall(self._results))
        videos: list[VideoInfo] = []
        errors: list[FileError] = []
        for payload in raw.values():
            data: dict[str, Any] = json.loads(payload)
            if data["video"] is not None:
                videos.append(video_from_json(data["video"]))
            if data["error"] is not None:
                found = data["error"]
                errors.append(file_error(found["path"], found["code"], found["message"]))
        return videos, errors

    async def ended(self) -> None:
        """The scan is over for the API: its keys go away after a while."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in self._keys():
                pipe.expire(key, ENDED_TTL_SECONDS)
            await pipe.execute()
