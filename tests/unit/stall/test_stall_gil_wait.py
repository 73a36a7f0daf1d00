"""A loop blocked inside its own machinery (its selector, a non-blocking read) waits for the GIL
held by another thread: no line of its code caused it, so that share is not counted. Blocked
in a callback of the program's, it is."""

from __future__ import annotations

import asyncio
import selectors
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from loopwire.loopwatch.frames import Attribution, Frame, Stack, in_loop_machinery, thread_stack
from loopwire.loopwatch.gil import ThreadSyscalls, parse_syscall
from loopwire.loopwatch.schedstat import CpuTimes
from loopwire.loopwatch.stall import Stall
from loopwire.loopwatch.watchdog import LoopWatch


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


def test_a_loop_between_callbacks_is_in_its_machinery() -> None:
    assert in_loop_machinery(sample_loop(busy=False))


def test_a_non_blocking_read_is_machinery_but_a_c_callback_is_the_programs() -> None:
    asyncio_dir = Path(asyncio.__file__).parent
    reading = Frame(str(asyncio_dir / "selector_events.py"), 995, "_read_ready__data_received")
    c_callback = Frame(str(asyncio_dir / "events.py"), 80, "_run")
    assert in_loop_machinery((c_callback, reading))
    assert not in_loop_machinery((reading, c_callback))


def test_negative_control_a_selector_the_program_waits_on_is_not_machinery() -> None:
    # subprocess.run waits for its child's output in a selector of its own.
    stack = (
        Frame("/app/probe.py", 53, "probe"),
        Frame(subprocess.__file__, 1209, "communicate"),
        Frame(selectors.__file__, 415, "select"),
    )
    assert not in_loop_machinery(stack)


def test_starting_a_thread_waits_only_for_the_gil() -> None:
    # aiosqlite's connect, on the loop: Thread.start waits for the new thread's first line.
    stack = (
        Frame("/app/storage.py", 344, "_connect"),
        Frame("/venv/aiosqlite/core.py", 177, "__await__"),
        Frame(threading.__file__, 969, "start"),
        Frame(threading.__file__, 629, "wait"),
        Frame(threading.__file__, 327, "wait"),
    )
    assert in_loop_machinery(stack)


@pytest.mark.parametrize(
    "waits",
    [
        pytest.param((Frame(threading.__file__, 629, "wait"),), id="its-own-event"),
        pytest.param((Frame(threading.__file__, 1119, "join"),), id="join"),
        pytest.param(
            (
                Frame(threading.__file__, 1119, "join"),
                Frame(threading.__file__, 1139, "_wait_for_tstate_lock"),
            ),
            id="join-inner",
        ),
    ],
)
def test_negative_control_waiting_on_a_thread_of_the_programs_is_not_machinery(
    waits: tuple[Frame, ...],
) -> None:
    assert not in_loop_machinery((Frame("/app/export.py", 12, "export"), *waits))


BLOCKS_ON_PURPOSE = pytest.mark.loopwire_stall(
    allow=True, reason="the sampled loop runs a blocking callback on purpose"
)


@BLOCKS_ON_PURPOSE
def test_negative_control_a_loop_in_a_blocking_callback_is_not_in_its_machinery() -> None:
    assert not in_loop_machinery(sample_loop(busy=True))


def closed_stall(stack: Stack) -> Stall:
    """A 60 ms stall closed by the real LoopWatch with four samples of ``stack``, 5 ms of it on
    a CPU and 5 ms waiting for one."""
    watch = LoopWatch(
        asyncio.new_event_loop(), 0.03, lambda stall: None, Attribution.for_roots([Path.cwd()])
    )
    try:
        before, after = CpuTimes(0.0, 0.0), CpuTimes(0.005, 0.005)
        return watch._stall(0.06, Counter({stack: 4}), before, after, 0.0)
    finally:
        watch.loop.close()


def test_a_loop_blocked_in_its_machinery_waits_for_the_gil_and_is_not_counted() -> None:
    stall = closed_stall(sample_loop(busy=False))
    assert stall.waiting_for_gil == pytest.approx(0.05)
    assert stall.own == pytest.approx(0.005)
    assert not stall.over
    assert "waiting for the GIL 50 ms" in stall.headline()


@BLOCKS_ON_PURPOSE
def test_negative_control_a_blocking_callback_is_counted_whole() -> None:
    stall = closed_stall(sample_loop(busy=True))
    assert stall.waiting_for_gil == 0.0
    assert stall.own == pytest.approx(0.055)
    assert stall.over


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b"202 0x7f3f1154e6f4 0x89 0x0 0x0 0x0 0xffffffff 0x7ffd 0x7f3f\n", (202, 0x7F3F1154E6F4)),
        (b"230 0x1 0x1 0x7ffd 0x0 0x0 0x0 0x7ffd 0x7f3f\n", (230, 1)),
        (b"running\n", None),
        (b"-1 0x7ffd1234 0x7f3f5678\n", None),
        (b"", None),
    ],
)
def test_syscall_lines_parse(line: bytes, expected: tuple[int, int] | None) -> None:
    assert parse_syscall(line) == expected


LINUX = pytest.mark.skipif(
    not Path("/proc/self/task").is_dir(), reason="the kernel's per-thread syscall file is Linux's"
)


def starved_while(block: Callable[[], None]) -> Stall:
    """The stall of a real watched loop whose callback runs ``block`` while another thread
    spins in Python (it wants the GIL the whole time)."""
    loop = asyncio.new_event_loop()
    stalls: list[Stall] = []
    watch = LoopWatch(loop, 0.03, stalls.append, Attribution.for_roots([Path.cwd()]))
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            pass

    async def main() -> None:
        await asyncio.sleep(0.02)
        spinner = threading.Thread(target=spin)
        spinner.start()
        try:
            block()
        finally:
            stop.set()
            spinner.join()
        await asyncio.sleep(0.02)

    watch.arm()
    try:
        loop.run_until_complete(main())
    finally:
        watch.disarm()
        loop.close()
    return max(stalls, key=lambda stall: stall.duration)


def thread_reads(work: Callable[[], None]) -> int:
    """How many of 100 reads find a thread running ``work`` waiting for the GIL; this thread
    holds the GIL from one read to the next (for 1 ms)."""
    native: list[int] = []

    def run() -> None:
        native.append(threading.get_native_id())
        work()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        while not native:
            time.sleep(0.001)
        time.sleep(0.05)
        syscalls = ThreadSyscalls(native[0])
        try:
            found = 0
            for _ in range(100):
                settled = time.perf_counter() + 0.001
                while time.perf_counter() < settled:
                    pass
                found += syscalls.waiting_for_gil()
            return found
        finally:
            syscalls.close()
    finally:
        thread.join()


@LINUX
def test_a_thread_that_wants_the_gil_is_seen_waiting_for_it() -> None:
    def spin() -> None:
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            pass

    # On a busy machine the thread is often queued for a CPU instead ("running").
    assert thread_reads(spin) >= 5


@LINUX
def test_negative_control_sleeping_or_waiting_on_a_lock_is_not_waiting_for_the_gil() -> None:
    assert thread_reads(lambda: time.sleep(1.0)) == 0
    lock = threading.Lock()
    lock.acquire()
    threading.Timer(1.0, lock.release).start()

    def wait_for_the_lock() -> None:
        lock.acquire()

    assert thread_reads(wait_for_the_lock) == 0


def test_samples_in_the_kernel_on_the_gil_excuse_their_share_of_the_blocked_time() -> None:
    watch = LoopWatch(
        asyncio.new_event_loop(), 0.03, lambda stall: None, Attribution.for_roots([Path.cwd()])
    )
    stack = (Frame("/app/jobs.py", 221, "snapshot"),)
    try:
        # 100 ms late: 20 ms on a CPU, 20 ms waiting for one, 60 ms blocked; 2 of 4 samples
        # found the thread waiting for the GIL.
        before, after = CpuTimes(0.0, 0.0), CpuTimes(0.02, 0.02)
        half = watch._stall(0.1, Counter({stack: 4}), before, after, 0.0, gil_samples=2)
        all_of_it = watch._stall(0.1, Counter({stack: 4}), before, after, 0.0, gil_samples=4)
        none = watch._stall(0.1, Counter({stack: 4}), before, after, 0.0)
    finally:
        watch.loop.close()
    assert half.waiting_for_gil == pytest.approx(0.05)
    assert all_of_it.waiting_for_gil == pytest.approx(0.06)  # never more than the blocked time
    assert all_of_it.own == pytest.approx(0.02)  # its running still counts
    assert none.waiting_for_gil == 0.0


@LINUX
@BLOCKS_ON_PURPOSE
def test_negative_control_a_sleep_beside_a_busy_thread_is_counted_whole() -> None:
    stall = starved_while(lambda: time.sleep(0.3))
    assert stall.own > 0.2, stall.headline()
    assert stall.waiting_for_gil < 0.1, stall.headline()


@LINUX
@BLOCKS_ON_PURPOSE
def test_negative_control_a_wait_on_the_programs_own_lock_is_counted_whole() -> None:
    lock = threading.Lock()
    lock.acquire()
    threading.Timer(0.3, lock.release).start()

    def wait_for_the_lock() -> None:
        lock.acquire()

    stall = starved_while(wait_for_the_lock)
    assert stall.own > 0.2, stall.headline()
    assert stall.waiting_for_gil < 0.1, stall.headline()
