"""The heartbeat on a watched loop and the one watchdog thread that samples stalled loops.

The heartbeat is a timer callback every ``interval`` (a fifth of the threshold, at most 20 ms).
The watchdog thread sleeps until a heartbeat could first be late by half the threshold; if it is,
it samples the loop thread's stack every tenth of the threshold until the heartbeat runs again.
The late heartbeat itself closes the stall, on the loop's thread, so a stall is reported before
the code after it runs (whoever judges the code that stalled finds the stall already recorded).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable

from loopwire.loopwatch import gctime
from loopwire.loopwatch.frames import Attribution, Stack, in_loop_machinery, thread_stack
from loopwire.loopwatch.gil import ThreadSyscalls
from loopwire.loopwatch.schedstat import CpuClock, CpuTimes
from loopwire.loopwatch.stall import Stall

StallSink = Callable[[Stall], None]


class LoopWatch:
    """Watches one loop while armed: :meth:`arm` and :meth:`disarm` run on the loop's thread,
    around ``run_forever`` or from inside the running loop. ``on_stall`` receives every stall
    longer than ``threshold`` seconds, on the loop's thread."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        threshold: float,
        on_stall: StallSink,
        attribution: Attribution,
        *,
        watchdog: Watchdog | None = None,
    ) -> None:
        if threshold <= 0:
            raise ValueError("stall threshold must be positive")
        self.loop = loop
        self.threshold = threshold
        self.on_stall = on_stall
        self.attribution = attribution
        self.interval = min(max(threshold / 5, 0.001), 0.02)
        self.sample_every = max(threshold / 10, 0.001)
        self.watchdog = watchdog or WATCHDOG
        self._lock = threading.Lock()
        self._due = 0.0
        self._seq = 0
        self._samples: Counter[Stack] = Counter()
        # Samples that found the loop thread waiting for the GIL outside its machinery.
        self._gil_samples = 0
        self._syscalls: ThreadSyscalls | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._clock: CpuClock | None = None
        self._cpu_mark: CpuTimes | None = None
        self._thread_id = 0
        self._thread_name = ""

    def arm(self) -> None:
        thread = threading.current_thread()
        self._thread_id = threading.get_ident()
        self._thread_name = thread.name
        self._clock = CpuClock(threading.get_native_id())
        self._syscalls = ThreadSyscalls(threading.get_native_id())
        self._cpu_mark = self._clock.read()
        gctime.track()
        with self._lock:
            self._due = time.monotonic() + self.interval
        self._handle = self.loop.call_later(self.interval, self._beat)
        self.watchdog.add(self)

    def disarm(self) -> None:
        """Stop watching; a stall still in progress (the loop stopped while late) is closed."""
        self.watchdog.remove(self)
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._close(time.monotonic())
        if self._clock is not None:
            self._clock.close()
            self._clock = None
        if self._syscalls is not None:
            self._syscalls.close()
            self._syscalls = None

    def _beat(self) -> None:
        self._close(time.monotonic())
        self._handle = self.loop.call_later(self.interval, self._beat)

    def _close(self, now: float) -> None:
        with self._lock:
            due = self._due
            late = now - due
            samples, self._samples = self._samples, Counter()
            gil_samples, self._gil_samples = self._gil_samples, 0
            self._seq += 1
            self._due = now + self.interval
        mark = self._cpu_mark
        self._cpu_mark = self._clock.read() if self._clock is not None else None
        if late > self.threshold:
            collecting = gctime.collecting_between(self._thread_id, due, now)
            stall = self._stall(late, samples, mark, self._cpu_mark, collecting, gil_samples)
            self.on_stall(stall)

    def _stall(
        self,
        late: float,
        samples: Counter[Stack],
        before: CpuTimes | None,
        after: CpuTimes | None,
        collecting: float,
        gil_samples: int = 0,
    ) -> Stall:
        waiting = running = None
        if before is not None and after is not None:
            # Measured from the previous beat, at most one interval before the stall began.
            waiting = min(after.waiting - before.waiting, late)
            running = min(after.running - before.running, late)
        # Blocked (neither on a CPU nor queued for one) inside the loop's machinery is waiting
        # for the GIL: that share of the samples, of the blocked time, is not the loop's code.
        # A sample in the kernel on the GIL itself was blocked for sure: its share of the whole
        # stall is, as far as the blocked time goes.
        machinery = sum(count for sampled, count in samples.items() if in_loop_machinery(sampled))
        blocked = max(late - (waiting or 0.0) - (running or 0.0), 0.0)
        total = sum(samples.values())
        gil = 0.0
        if total:
            gil = min(blocked * machinery / total + late * gil_samples / total, blocked)
        stack: Stack = ()
        agreed = 0
        if samples:
            # Samples agree when they blame the same frame, whatever the frames above it.
            by_site: Counter[object] = Counter()
            for sampled, count in samples.items():
                by_site[self.attribution.blame(sampled)] += count
            site, agreed = by_site.most_common(1)[0]
            stack = max(
                (s for s in samples if self.attribution.blame(s) == site), key=samples.__getitem__
            )
        blamed = self.attribution.blame(stack)
        return Stall(
            duration=late,
            threshold=self.threshold,
            waiting_for_cpu=waiting,
            on_cpu=running,
            collecting_garbage=collecting,
            samples=sum(samples.values()),
            agreed=agreed,
            site=blamed,
            where=self.attribution.describe(blamed) if blamed else "an unknown line",
            path=self.attribution.relative(blamed.filename) if blamed else "",
            stack=stack,
            thread=self._thread_name,
            waiting_for_gil=gil,
        )

    def inspect(self, now: float) -> float:
        """Watchdog side: sample the loop's stack if its heartbeat is late; return when to
        look again."""
        with self._lock:
            due, seq = self._due, self._seq
        late = now - due
        if late < self.threshold / 2:
            return due + self.threshold / 2
        # The syscall first: both reads hold the GIL, so they see the same moment.
        for_gil = self._syscalls is not None and self._syscalls.waiting_for_gil()
        stack = thread_stack(self._thread_id)
        with self._lock:
            # A heartbeat that ran meanwhile ended the stall: this sample is of a running loop.
            if stack is not None and self._seq == seq:
                self._samples[stack] += 1
                if for_gil and not in_loop_machinery(stack):
                    self._gil_samples += 1
        return now + self.sample_every


class Watchdog:
    """One daemon thread for every watched loop of the process; it sleeps while none is armed."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._watches: set[LoopWatch] = set()
        self._changed = False
        self._thread: threading.Thread | None = None

    def add(self, watch: LoopWatch) -> None:
        with self._cond:
            self._watches.add(watch)
            self._changed = True
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="loopwatch-watchdog", daemon=True
                )
                self._thread.start()
            self._cond.notify()

    def remove(self, watch: LoopWatch) -> None:
        with self._cond:
            self._watches.discard(watch)
            self._changed = True

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._watches:
                    self._cond.wait()
                watches = list(self._watches)
                self._changed = False
            now = time.monotonic()
            wake = min(watch.inspect(now) for watch in watches)
            with self._cond:
                delay = wake - time.monotonic()
                if delay > 0 and not self._changed:
                    self._cond.wait(delay)


# The process's watchdog: one thread however many loops are watched.
WATCHDOG = Watchdog()
