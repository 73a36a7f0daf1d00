"""A distributed frame job's shared state in Redis: what the API and the worker running it
read and write.

One frame job is a set of keys under ``loopwire:frames:<id>:``: the frames reached and the
input's frame count (a hash, written by the worker as ffmpeg reports), the stop flag (set by the
API on cancel, job timeout or shutdown), the end (the output listed, or the failure, written
once by the worker) and the removal (what the worker deleted of a stopped run's partial output,
for the API's note). Frames only move forward: a run that starts again from scratch (its worker
died) reports lower frames until it passes the last one, and those are not written. Every key
expires, so an abandoned job leaves nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from service.scan_state import ENDED_TTL_SECONDS, KEY_TTL_SECONDS

# KEYS: progress; ARGV: field, value, ttl. A field only grows (a re-run from scratch never
# moves a listener back).
_RAISE = """
local old = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '-1')
if tonumber(ARGV[2]) > old then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
"""


@dataclass(frozen=True, slots=True)
class FrameEnd:
    """How a worker's run ended: the output it listed, or why it failed."""

    # None when it failed, with its code and message.
    output: list[str] | None
    code: str = ""
    message: str = ""


@dataclass(frozen=True, slots=True)
class FrameCounts:
    """A frame job as the worker recorded it."""

    current_frame: int | None
    total_frames: int | None
    end: FrameEnd | None


class FrameState:
    """The keys of one frame job, and the operations the API and the worker perform on them."""

    def __init__(self, redis: Redis, job_id: str) -> None:
        self._redis = redis
        self.job_id = job_id
        prefix = f"loopwire:frames:{job_id}:"
        self._progress = prefix + "progress"
        self._stop = prefix + "stop"
        self._end = prefix + "end"
        self._removed = prefix + "removed"
        self._raise = redis.register_script(_RAISE)

    # --- the worker's side ---

    async def reached(self, field: str, value: int) -> None:
        """``current_frame`` or ``total_frames`` is now ``value`` (ignored unless higher)."""
        await self._raise(keys=[self._progress], args=[field, value, KEY_TTL_SECONDS])

    async def succeeded(self, output: list[str]) -> None:
        await self._redis.set(self._end, json.dumps({"output": output}), ex=KEY_TTL_SECONDS)

    async def failed(self, code: str, message: str) -> None:
        body = json.dumps({"code": code, "message": message})
        await self._redis.set(self._end, body, ex=KEY_TTL_SECONDS)

    async def record_removal(self, deleted: int, left: list[str]) -> None:
        body = json.dumps({"deleted": deleted, "left": left})
        await self._redis.set(self._removed, body, ex=KEY_TTL_SECONDS)

    async def stopped(self) -> bool:
        """Whether the job was cancelled, timed out or interrupted: the worker stops ffmpeg."""
        return bool(await self._redis.exists(self._stop))

    # --- the API's side ---

    async def stop(self) -> None:
        await self._redis.set(self._stop, b"1", ex=ENDED_TTL_SECONDS)

    async def counts(self) -> FrameCounts:
        # One snapshot (MULTI): an end read with the frames of before the worker's last report
        # would end the job short of its last frame.
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hmget(self._progress, ["current_frame", "total_frames"])
            pipe.get(self._end)
            (current, total), end = await pipe.execute()
        return FrameCounts(
            current_frame=None if current is None else int(current),
            total_frames=None if total is None else int(total),
            end=None if end is None else _end(json.loads(end)),
        )

    async def removal(self) -> tuple[int, list[str]] | None:
        """What the worker deleted of the partial output, if it said."""
        raw = await self._redis.get(self._removed)
        if raw is None:
            return None
        data: dict[str, Any] = json.loads(raw)
        return int(data["deleted"]), [str(path) for path in data["left"]]

    async def ended(self) -> None:
        """The job is over for the API: its keys go away after a while."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in (self._progress, self._stop, self._end, self._removed):
                pipe.expire(key, ENDED_TTL_SECONDS)
            await pipe.execute()


def _end(data: dict[str, Any]) -> FrameEnd:
    if "output" in data:
        return FrameEnd(output=[str(path) for path in data["output"]])
    return FrameEnd(output=None, code=str(data["code"]), message=str(data["message"]))
