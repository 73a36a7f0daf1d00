"""Fixed-schedule polling of a server in another process, measured from the schedule.

Each poller owns a fixed timetable (one slot every ``interval`` seconds; pollers are staggered
across the interval). A poll's latency runs from its *scheduled* slot, not from when it was
actually sent: if the server stalls, the polls queued behind a slow answer are late too and say
so, instead of quietly starting their clock late (coordinated omission). A slot that is already
past when its poller is free is sent at once and still measured from its slot, so a stall shows
up in every poll it delayed.

The one correction: the pollers' own loop is watched by a :class:`~loopwire.harness.looplag.LoopLag`
ticker, and time a poll spent waiting while the *measuring* process was stalled (a CPU-starved
shared machine) is not charged to the server. A blocked server does not stall the poller's
process, so this never excuses the failure the harness exists to catch.

The timetable: at ``started`` one warm-up request (``poller == -1``) opens the connection and is
counted like any poll, measured from ``started``; poller ``i`` owns the slots ``started + i *
interval / pollers + k * interval``, so the first slots fall while the warm-up is in flight and a
slow warm-up makes them late too. Scheduling stops at ``stop``, ``stop_when`` or ``started +
max_duration``; polls in flight then are awaited and counted.

This module must run in a process other than the server's, or a blocked server loop would pause
the measurement with it (see :mod:`loopwire.harness.server`).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from loopwire.harness.looplag import LoopLag
from loopwire.harness.stats import percentile

# ``Poll.poller`` of the warm-up request, sent once before the pollers start.
WARM_UP = -1


@dataclass(frozen=True)
class Poll:
    """One scheduled request. Times are ``loop.time()`` seconds; ``answered`` is None when the
    request failed or timed out (``error`` says which)."""

    poller: int
    scheduled: float
    sent: float
    answered: float | None
    status: int | None = None
    body: Any = None
    error: str | None = None

    @property
    def latency(self) -> float | None:
        return None if self.answered is None else self.answered - self.scheduled


@dataclass(frozen=True)
class Verdict:
    passed: bool
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        return "pass" if self.passed else "fail: " + "; ".join(self.reasons)


@dataclass(frozen=True)
class PollReport:
    """What the pollers saw. ``client_stalls`` are ``(due, ran)`` loop times at which the polling
    process's own loop was late (it was starved of CPU, say): time a poll spent waiting on the
    measuring side is not the server's, so :meth:`verdict` subtracts it."""

    polls: tuple[Poll, ...]
    started: float
    finished: float
    client_stalls: tuple[tuple[float, float], ...] = ()
    client_lag_max: float = 0.0

    @property
    def sent(self) -> int:
        return len(self.polls)

    @property
    def answered(self) -> list[Poll]:
        return [p for p in self.polls if p.answered is not None and p.status == 200]

    @property
    def latencies(self) -> list[float]:
        return [p.latency for p in self.answered if p.latency is not None]

    def latency(self, fraction: float) -> float | None:
        values = self.latencies
        return percentile(values, fraction) if values else None

    @property
    def max_latency(self) -> float | None:
        return max(self.latencies, default=None)

    def client_stalled(self, poll: Poll) -> float:
        """Seconds the polling process itself was stalled while ``poll`` was outstanding."""
        end = poll.answered if poll.answered is not None else self.finished
        return sum(
            max(0.0, min(end, ran) - max(poll.scheduled, due)) for due, ran in self.client_stalls
        )

    def server_latency(self, poll: Poll) -> float | None:
        """``poll``'s latency minus the time its own (measuring) process was stalled."""
        latency = poll.latency
        return None if latency is None else max(latency - self.client_stalled(poll), 0.0)

    def answered_where(self, predicate: Callable[[Any], bool]) -> list[Poll]:
        """Answered polls whose JSON body satisfies ``predicate`` (e.g. status ``running``)."""
        return [p for p in self.answered if predicate(p.body)]

    def verdict(
        self,
        max_latency: float,
        min_answered: int,
        counted: Callable[[Any], bool] = lambda body: True,
    ) -> Verdict:
        """Pass when every poll was answered within ``max_latency`` of its slot and at least
        ``min_answered`` answers satisfy ``counted`` (e.g. were answered while running)."""
        reasons: list[str] = []
        unanswered = [p for p in self.polls if p.answered is None or p.status != 200]
        if unanswered:
            errors = ", ".join(sorted({p.error or f"status {p.status}" for p in unanswered}))
            reasons.append(f"{len(unanswered)} of {self.sent} polls unanswered ({errors})")
        late = [p for p in self.answered if (self.server_latency(p) or 0.0) > max_latency]
        if late:
            worst = max(p.latency or 0.0 for p in late)
            reasons.append(
                f"{len(late)} polls slower than {max_latency:g} s (max {worst:.3f} s from schedule)"
            )
        counted_answers = len(self.answered_where(counted))
        if counted_answers < min_answered:
            reasons.append(f"only {counted_answers} counted answers, need {min_answered}")
        return Verdict(passed=not reasons, reasons=tuple(reasons))

    def summary(self) -> str:
        def ms(value: float | None) -> str:
            return "-" if value is None else f"{value * 1000:.1f} ms"

        return (
            f"polls sent {self.sent}, answered {len(self.answered)}, latency p50 "
            f"{ms(self.latency(0.5))}, p99 {ms(self.latency(0.99))}, max {ms(self.max_latency)}"
            f" over {self.finished - self.started:.2f} s; poller loop lag max "
            f"{ms(self.client_lag_max)}"
        )


@dataclass
class _Run:
    stop: asyncio.Event
    stop_when: Callable[[Any], bool] | None
    polls: list[Poll] = field(default_factory=list)


async def poll_on_schedule(
    url: str,
    *,
    interval: float = 0.05,
    pollers: int = 4,
    max_duration: float = 60.0,
    stop_when: Callable[[Any], bool] | None = None,
    stop: asyncio.Event | None = None,
    request_timeout: float = 5.0,
) -> PollReport:
    """GET ``url`` from ``pollers`` concurrent pollers, each on a fixed ``interval`` timetable.

    Stops scheduling when ``stop`` is set, when an answered JSON body satisfies ``stop_when``
    (e.g. the job reached a final status), or after ``max_duration``; polls already in flight
    are awaited (each bounded by ``request_timeout``) so they are counted.
    """
    if interval <= 0 or pollers < 1:
        raise ValueError("interval must be > 0 and pollers >= 1")
    loop = asyncio.get_running_loop()
    run = _Run(stop=stop or asyncio.Event(), stop_when=stop_when)
    timeout = aiohttp.ClientTimeout(total=request_timeout)
    connector = aiohttp.TCPConnector(limit=pollers)
    async with (
        aiohttp.ClientSession(timeout=timeout, connector=connector) as session,
        LoopLag(interval=0.01) as own_lag,
    ):
        # The timetable starts now, before the warm-up request: a server stalled at the start
        # delays the warm-up and, behind it, every slot it covered, and each of those polls is
        # counted late (an uncounted warm-up once hid the first 2 s of a 3 s stall).
        started = loop.time()
        deadline = started + max_duration
        # Opens the connection before the pollers share the pool; counted like any poll.
        run.polls.append(await _send(session, url, WARM_UP, started))
        async with asyncio.TaskGroup() as group:
            for index in range(pollers):
                offset = started + interval * index / pollers
                group.create_task(_poller(session, url, index, offset, interval, deadline, run))
    return PollReport(
        polls=tuple(run.polls),
        started=started,
        finished=loop.time(),
        client_stalls=tuple(own_lag.stalls),
        client_lag_max=own_lag.max,
    )


async def _poller(
    session: aiohttp.ClientSession,
    url: str,
    index: int,
    first: float,
    interval: float,
    deadline: float,
    run: _Run,
) -> None:
    loop = asyncio.get_running_loop()
    for slot in range(math.ceil((deadline - first) / interval)):
        scheduled = first + slot * interval
        delay = scheduled - loop.time()
        if delay > 0:
            # Wake at the slot, or at once when told to stop.
            try:
                async with asyncio.timeout(delay):
                    await run.stop.wait()
            except TimeoutError:
                pass
        # A poller that fell behind (stalled server) catches up on its past slots, but never
        # past the deadline.
        if run.stop.is_set() or loop.time() >= deadline:
            return
        poll = await _send(session, url, index, scheduled)
        run.polls.append(poll)
        if run.stop_when is not None and poll.answered is not None and run.stop_when(poll.body):
            run.stop.set()


async def _send(session: aiohttp.ClientSession, url: str, index: int, scheduled: float) -> Poll:
    loop = asyncio.get_running_loop()
    sent = loop.time()
    try:
        async with session.get(url) as response:
            body = await response.json(content_type=None)
            return Poll(index, scheduled, sent, loop.time(), response.status, body)
    except TimeoutError:
        return Poll(index, scheduled, sent, None, error="timeout")
    except (aiohttp.ClientError, ValueError) as exc:
        return Poll(index, scheduled, sent, None, error=type(exc).__name__)
