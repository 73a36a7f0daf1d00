"""In-process event-loop lag: a ticker task that notes how late each of its wake-ups is.

Use it in unit-level tests (``async with LoopLag() as lag: ...; assert lag.max < 0.2``) to catch
code that blocks the loop the test runs on. Know its limits:

- It sees only the loop it runs on. A server in another process, or on another thread's loop,
  is invisible to it: for that, poll from outside (:mod:`loopwire.harness.poller`).
- It reports a block only after the block ends: the late tick is recorded when the loop runs
  again. A loop blocked forever records nothing, so pair it with a timeout on the test.
- Its resolution is ``interval``: blocks much shorter than one tick are under-counted.
- Lag has no culprit: CPU contention from other processes, garbage collection or the test's own
  heavy work show up the same way as a blocking call, so use generous bounds on shared machines.
- Measuring from inside the blocked loop does *not* make request latencies trustworthy: a client
  on the same loop is paused with the server and still reports fast round trips. The lag figure
  is the honest signal there; the client's latency is not.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType

from loopwire.harness.stats import percentile


class LoopLag:
    """Ticks every ``interval`` seconds on the running loop; ``lags`` holds each tick's lateness,
    ``stalls`` the ``(due, ran)`` loop times of every tick later than ``stall_threshold``."""

    def __init__(self, interval: float = 0.01, stall_threshold: float = 0.05) -> None:
        if interval <= 0:
            raise ValueError("interval must be > 0")
        self.interval = interval
        self.stall_threshold = stall_threshold
        self.lags: list[float] = []
        self.stalls: list[tuple[float, float]] = []
        self._task: asyncio.Task[None] | None = None
        # When the next tick is due (loop time); a tick later than this is lag.
        self._expected = 0.0

    @property
    def max(self) -> float:
        return max(self.lags, default=0.0)

    @property
    def p99(self) -> float:
        return percentile(self.lags, 0.99) if self.lags else 0.0

    def start(self) -> None:
        if self._task is not None:
            raise RuntimeError("already started")
        loop = asyncio.get_running_loop()
        self._expected = loop.time() + self.interval
        self._task = loop.create_task(self._tick(), name="loop-lag")

    async def stop(self) -> None:
        """Stop ticking, after recording the lag of the tick that is due (a block still in
        progress when ``stop`` is awaited would otherwise go unseen)."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        now = asyncio.get_running_loop().time()
        if now > self._expected:
            self._record(now)

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(max(self._expected - loop.time(), 0))
            now = loop.time()
            self._record(now)
            # Re-anchor on now: one long block is one large lag, not a burst of catch-up ticks.
            self._expected = now + self.interval

    def _record(self, now: float) -> None:
        lag = max(now - self._expected, 0.0)
        self.lags.append(lag)
        if lag > self.stall_threshold:
            self.stalls.append((self._expected, now))

    async def __aenter__(self) -> LoopLag:
        self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    def summary(self) -> str:
        return (
            f"loop lag over {len(self.lags)} ticks: p99 {self.p99 * 1000:.1f} ms, "
            f"max {self.max * 1000:.1f} ms"
        )
