"""``GET /api/v1/jobs/{id}/events``: a job's progress as Server-Sent Events.

A plain ``StreamResponse`` is all SSE needs here (one event name and one JSON line per event),
so no extra dependency. The stream sends the current state at once, every change after it, and
the final state as an ``end`` event before it closes; shutdown ends jobs, which ends streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource

from aiohttp import web

from service import keys
from service.errors import ApiError
from service.handlers import job_not_found
from service.job_events import JobEvent, Subscription
from service.jobs import JobNotFound
from service.schemas import public_dumps, to_json

# A comment line this often keeps proxies from closing an idle stream and lets a vanished
# client be noticed (the write fails) even while the job is quiet.
KEEPALIVE_SECONDS = 15.0
RETRY_AFTER_SECONDS = 5
# Descriptors kept free for requests, probes (three each) and the database.
FD_RESERVE = 64


def format_event(event: JobEvent) -> bytes:
    data = public_dumps(to_json(event.job))
    return f"event: {event.type.value}\ndata: {data}\n\n".encode()


async def job_events(request: web.Request) -> web.StreamResponse:
    slots = request.app[keys.EVENT_STREAMS]
    # An idle stream costs a descriptor for as long as the client likes: beyond the limit, or
    # when descriptors run low, the client is told to come back instead of starving the API.
    if slots.locked():
        raise _busy("too many event streams are open")
    if not await asyncio.to_thread(descriptors_to_spare):
        raise _busy("the service is short of file descriptors")
    job_id = request.match_info["job_id"]
    async with slots:
        return await _serve_events(request, job_id)


def _busy(why: str) -> ApiError:
    return ApiError(
        503,
        "too_many_streams",
        f"{why}; retry in {RETRY_AFTER_SECONDS} s or poll GET /api/v1/jobs/{{id}}",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def descriptors_to_spare() -> bool:
    """Whether more than ``FD_RESERVE`` descriptors are still free: the reserve is for the API
    and the probes, which must keep working whatever the streams take."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return True
    try:
        used = len(os.listdir("/proc/self/fd"))
    except OSError:
        return True  # no /proc: only the stream limit applies
    return soft - used > FD_RESERVE


async def _serve_events(request: web.Request, job_id: str) -> web.StreamResponse:
    try:
        events = await request.app[keys.JOBS].subscribe(job_id)
    except JobNotFound:
        raise job_not_found(job_id) from None
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            # nginx would otherwise buffer the stream and deliver it in lumps.
            "X-Accel-Buffering": "no",
        }
    )
    # A client that went away makes a write fail; there is nobody left to answer then.
    with contextlib.closing(events), contextlib.suppress(ConnectionResetError):
        await response.prepare(request)
        await _stream(response, events)
    return response


async def _stream(response: web.StreamResponse, events: Subscription) -> None:
    while True:
        try:
            async with asyncio.timeout(KEEPALIVE_SECONDS):
                event = await anext(events)
        except TimeoutError:
            await response.write(b": keepalive\n\n")
            continue
        except StopAsyncIteration:
            return
        await response.write(format_event(event))
