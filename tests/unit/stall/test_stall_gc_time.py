"""Garbage collection excuses only the part of a stall it overlaps.

Soak run 9 of 0e601fd: a real ``time.sleep(0.2)`` was excused whole, as "not counted". The
stall's bookkeeping allocates when the stall has just ended, and a full collection of a large
test process it sets off can outlast the stall itself; measured as "collector time since the
last heartbeat", that collection excused a stall it had no part in.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from loopwire.loopwatch import gctime
from loopwire.loopwatch.frames import Attribution
from loopwire.loopwatch.schedstat import CpuTimes
from loopwire.loopwatch.stall import Stall
from loopwire.loopwatch.watchdog import LoopWatch

BLOCKS_ON_PURPOSE = pytest.mark.loopwire_stall(
    allow=True, reason="the sampled loop sleeps, or collects slowly, on purpose"
)
SLOW_COLLECTION = 0.2


@pytest.fixture
def slow_collections() -> Iterator[None]:
    """Every collection lasts at least ``SLOW_COLLECTION``: a callback sleeps in its start,
    after the one that times it, as a full collection of a big heap would take that long."""
    gctime.track()

    def linger(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            time.sleep(SLOW_COLLECTION)

    gc.callbacks.append(linger)
    try:
        yield
    finally:
        gc.callbacks.remove(linger)


def test_only_collections_inside_the_window_count(slow_collections: None) -> None:
    me = threading.get_ident()
    gc.disable()  # no collection but the one below
    try:
        before = time.monotonic()
        gc.collect()
        after = time.monotonic()
    finally:
        gc.enable()
    inside = gctime.collecting_between(me, before, after)
    assert SLOW_COLLECTION <= inside <= after - before
    # A window that cuts the collection takes only its part, whenever it started.
    middle = before + (after - before) / 2
    first = gctime.collecting_between(me, before, middle)
    second = gctime.collecting_between(me, middle, after)
    assert first <= middle - before
    assert second <= after - middle
    assert first + second == pytest.approx(inside)
    assert gctime.collecting_between(me, after, after + 10) == 0.0
    assert gctime.collecting_between(me + 1, before, after) == 0.0  # another thread's


def watched_stall(
    callback: Callable[[], object], armed: Callable[[LoopWatch], None] = lambda watch: None
) -> list[Stall]:
    """The stalls of a real watched loop (threshold 30 ms) whose one callback runs
    ``callback``; ``armed`` is called with the watch once it is armed."""
    loop = asyncio.new_event_loop()
    stalls: list[Stall] = []
    watch = LoopWatch(loop, 0.03, stalls.append, Attribution.for_roots([Path.cwd()]))

    async def main() -> None:
        await asyncio.sleep(0.02)
        callback()
        await asyncio.sleep(0.05)

    def arm() -> None:
        watch.arm()
        armed(watch)

    try:
        loop.call_soon(arm)
        loop.run_until_complete(main())
        watch.disarm()
    finally:
        loop.close()
    assert stalls
    return stalls


@BLOCKS_ON_PURPOSE
def test_a_collection_inside_the_stall_is_excused(slow_collections: None) -> None:
    stall, *_ = watched_stall(gc.collect)
    assert stall.collecting_garbage >= SLOW_COLLECTION * 0.9, stall.headline()
    assert not stall.over, stall.headline()


@BLOCKS_ON_PURPOSE
def test_negative_control_a_collection_just_after_the_stall_does_not_excuse_it(
    slow_collections: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The heartbeat that closes the stall reads the loop thread's CPU clock: a collection set
    # off there stands for one any allocation of the closing bookkeeping can set off. Only
    # this watch's clock: the run's own guard watches the same loop.
    stalled = threading.Event()

    def collect_after_reads(watch: LoopWatch) -> None:
        clock = watch._clock
        assert clock is not None
        read = clock.read

        def read_then_collect() -> CpuTimes | None:
            times = read()
            if stalled.is_set():
                stalled.clear()
                gc.collect()
            return times

        monkeypatch.setattr(clock, "read", read_then_collect)

    def sleep() -> None:
        time.sleep(0.1)
        stalled.set()

    # The collection is a stall of its own, the next one, and excused as such.
    stall, *after = watched_stall(sleep, collect_after_reads)
    assert stall.collecting_garbage < 0.01, stall.headline()
    assert stall.own >= 0.08, stall.headline()
    assert stall.over, stall.headline()
    assert after, "the collection itself stalled the loop"
    assert after[0].collecting_garbage >= SLOW_COLLECTION * 0.9, after[0].headline()
