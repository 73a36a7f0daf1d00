"""A loop idle in its selector but late waits for the GIL: excused only when the GIL's holder
was itself waiting for a CPU (machine load), never when the holder ran (a real GIL hog)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from loopwire.loopwatch.frames import Attribution, Stack, idle_in_selector, thread_stack
from loopwire.loopwatch.schedstat import CpuTimes, others_waiting, waited_between
from loopwire.loopwatch.stall import Stall
from loopwire.loopwatch.watchdog import LoopWatch

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/task").is_dir(), reason="per-thread scheduler counters are Linux's"
)


def sample_loop(busy: bool) -> Stack:
    """A real stack of a loop thread: idle between callbacks, or inside a blocking callback."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    ident: list[int] = []

    def block() -> None:
        started.set()
        time.sleep(0.3)

    def run() -> None:
        ident.append(threading.get_ident())
        loop.call_soon(block if busy else started.set)
        loop.run_until_complete(asyncio.sleep(0.3))

    thread = threading.Thread(target=run)
    thread.start()
    try:
        started.wait(5)
        time.sleep(0.1)
        stack = thread_stack(ident[0])
    finally:
        thread.join()
        loop.close()
    assert stack is not None
    return stack


def test_a_loop_between_callbacks_is_idle_in_its_selector() -> None:
    assert idle_in_selector(sample_loop(busy=False))


BLOCKS_ON_PURPOSE = pytest.mark.loopwire_stall(
    allow=True, reason="the sampled loop runs a blocking callback on purpose"
)


@BLOCKS_ON_PURPOSE
def test_negative_control_a_loop_in_a_blocking_callback_is_not_idle() -> None:
    assert not idle_in_selector(sample_loop(busy=True))


def closed_stall(stack: Stack, others_waited: float) -> Stall:
    """A 60 ms stall closed by the real LoopWatch with four samples of ``stack`` and none of
    the loop's own time on a CPU or in the run queue."""
    watch = LoopWatch(
        asyncio.new_event_loop(), 0.03, lambda stall: None, Attribution.for_roots([Path.cwd()])
    )
    try:
        idle = CpuTimes(0.0, 0.0)
        return watch._stall(0.06, Counter({stack: 4}), idle, idle, 0.0, others_waited)
    finally:
        watch.loop.close()


def test_an_idle_loop_late_while_our_other_threads_waited_for_a_cpu_is_excused() -> None:
    stall = closed_stall(sample_loop(busy=False), others_waited=0.05)
    assert stall.waiting_for_gil == pytest.approx(0.05)
    assert stall.own == pytest.approx(0.01)
    assert not stall.over
    assert "idle, waiting for the GIL 50 ms" in stall.headline()


def test_negative_control_a_gil_holder_that_ran_is_not_excused() -> None:
    # The other threads never waited for a CPU: the GIL's holder ran all along.
    stall = closed_stall(sample_loop(busy=False), others_waited=0.0)
    assert stall.waiting_for_gil == 0.0
    assert stall.over


@BLOCKS_ON_PURPOSE
def test_negative_control_a_blocking_callback_is_not_excused_by_load() -> None:
    stall = closed_stall(sample_loop(busy=True), others_waited=0.05)
    assert stall.waiting_for_gil == 0.0
    assert stall.over


def test_other_threads_cpu_waits_are_read_and_the_excluded_left_out() -> None:
    stop = threading.Event()
    native: list[int] = []

    def spin() -> None:
        native.append(threading.get_native_id())
        while not stop.is_set():
            pass

    thread = threading.Thread(target=spin)
    thread.start()
    try:
        while not native:
            time.sleep(0.01)
        own = frozenset({threading.get_native_id()})
        mark = others_waiting(own)
        assert native[0] in mark
        assert threading.get_native_id() not in mark
        # Two threads share the GIL: the spinner waits in the run queue at least sometimes.
        assert waited_between(mark, others_waiting(own)) >= 0.0
    finally:
        stop.set()
        thread.join()
