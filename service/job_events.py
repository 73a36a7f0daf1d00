"""A job's event fan-out: what one listener (an SSE stream) receives, and how it is buffered.

Kept apart from the job queue because it is the one piece that deals with slow readers: a
listener that falls behind must never make the queue buffer without bound or wait for it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from service.schemas import JobStatusResponse


class JobEventType(StrEnum):
    PROGRESS = "progress"
    END = "end"


@dataclass(frozen=True, slots=True)
class JobEvent:
    type: JobEventType
    job: JobStatusResponse


class Subscription:
    """One listener's events, as an async iterator that stops after the end event.

    Consecutive undelivered progress events collapse into the newest, so a slow reader skips
    stale progress instead of buffering it; the end event is always delivered, last.
    """

    def __init__(self, on_close: Callable[[Subscription], None] | None = None) -> None:
        self._on_close = on_close
        self._ready = asyncio.Event()
        self._queue: deque[JobEvent] = deque()
        self._end_queued = False
        self._ended = False

    def push(self, event: JobEvent) -> None:
        if self._end_queued:
            return
        if (
            self._queue
            and self._queue[-1].type is JobEventType.PROGRESS
            and event.type is JobEventType.PROGRESS
        ):
            self._queue[-1] = event
        else:
            self._queue.append(event)
        self._end_queued = event.type is JobEventType.END
        self._ready.set()

    def close(self) -> None:
        """Stop receiving events (the listener went away)."""
        if self._on_close is not None:
            self._on_close(self)
            self._on_close = None

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> JobEvent:
        if self._ended:
            raise StopAsyncIteration
        while not self._queue:
            self._ready.clear()
            await self._ready.wait()
        event = self._queue.popleft()
        self._ended = event.type is JobEventType.END
        return event
