"""Watch every event loop a pytest session runs, however it was created.

Event loop policies, runners and plugins differ in how they make a loop, but every stdlib loop
(selector and proactor, so pytest-asyncio's, pytest-aiohttp's, ``asyncio.run``'s and
``IsolatedAsyncioTestCase``'s) runs through ``BaseEventLoop.run_forever``. Wrapping that one
method arms a heartbeat for each run and disarms it when the run returns, on whichever thread
runs the loop. Loops that do not derive from ``BaseEventLoop`` (uvloop) are not watched, nor
loops run inside a greenlet (see :func:`_in_greenlet`).

Guards stack: a nested in-process pytest session (pytester) pushes its own, and while it is
active the outer session's guard sees nothing, because the inner session's loops are not the
outer test's.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass

from loopwire.loopwatch.frames import Attribution
from loopwire.loopwatch.watchdog import LoopWatch, StallSink

RunForever = Callable[[asyncio.BaseEventLoop], None]


@dataclass
class LoopGuard:
    """What new loop runs are watched with; ``threshold`` None watches nothing (the guard is
    off for the current test)."""

    threshold: float | None
    attribution: Attribution
    sink: StallSink


_lock = threading.Lock()
_guards: list[LoopGuard] = []
_original: RunForever | None = None


def push(guard: LoopGuard) -> None:
    """Make ``guard`` the active one, wrapping ``run_forever`` on first use."""
    global _original
    with _lock:
        if _original is None:
            _original = asyncio.BaseEventLoop.run_forever
            asyncio.BaseEventLoop.run_forever = _watched_run_forever  # type: ignore[method-assign, assignment]
        _guards.append(guard)


def pop(guard: LoopGuard) -> None:
    """Remove ``guard``; the last one out restores ``run_forever``."""
    global _original
    with _lock:
        if guard in _guards:
            _guards.remove(guard)
        if not _guards and _original is not None:
            asyncio.BaseEventLoop.run_forever = _original  # type: ignore[method-assign, assignment]
            _original = None


def installed() -> bool:
    """Whether some guard is active (``run_forever`` is wrapped)."""
    with _lock:
        return bool(_guards)


def _active() -> tuple[LoopGuard | None, RunForever]:
    with _lock:
        assert _original is not None, "run_forever wrapper called while not installed"
        return (_guards[-1] if _guards else None), _original


def _in_greenlet() -> bool:
    """Whether this thread runs a greenlet other than its main one. A loop there (Playwright's
    sync API) turns only while synchronous code waits on it, so between calls it is idle by
    design, not stalled, and the thread's stack belongs to that synchronous code."""
    greenlet = sys.modules.get("greenlet")
    return greenlet is not None and greenlet.getcurrent().parent is not None


def _watched_run_forever(loop: asyncio.BaseEventLoop) -> None:
    guard, original = _active()
    # A running or closed loop makes run_forever raise; let the original say so.
    if (
        guard is None
        or guard.threshold is None
        or loop.is_running()
        or loop.is_closed()
        or _in_greenlet()
    ):
        return original(loop)
    watch = LoopWatch(loop, guard.threshold, guard.sink, guard.attribution)
    watch.arm()
    try:
        return original(loop)
    finally:
        watch.disarm()
