"""A database the service cannot open leaves nothing running after its loop has closed.

``python -m service --db missing-dir/x.db`` must print one "cannot start" line and exit. Under
load it sometimes printed a traceback after that line: aiosqlite's connect opens the file on its
worker thread and, when that fails, queues the thread's stop without waiting for it; the thread
then reports to the loop, which ``asyncio.run`` may already have closed ("Event loop is
closed", omnilib/aiosqlite#389). The service opens the file itself first.

The race is lost about one time in ten, in bursts, so a loop of tries could miss it. Here it is
lost every time: aiosqlite's worker logs "executing ..." before each call it runs, and a filter
on that logger holds every call after the first (the failed open) until ``asyncio.run`` has
closed the loop. The negative control is aiosqlite's own connect, held the same way.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiosqlite
import pytest

from service.storage import Storage

Opener = Callable[[Path], Awaitable[object]]


class HoldLaterCalls(logging.Filter):
    """Let the worker's first call run; hold each later one until the loop has closed."""

    def __init__(self) -> None:
        super().__init__()
        self.loop_closed = threading.Event()
        self._calls = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith("executing"):
            self._calls += 1
            if self._calls > 1:
                self.loop_closed.wait(timeout=10)
        return True


def errors_after_failing_to_open(
    opener: Opener, path: Path, monkeypatch: pytest.MonkeyPatch
) -> list[BaseException]:
    """Open ``path`` (which cannot be opened) in its own ``asyncio.run``, as the service
    starts; then the exceptions raised in threads the attempt left behind."""
    errors: list[BaseException] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: errors.append(args.exc_value))
    hold = HoldLaterCalls()
    worker_log = logging.getLogger("aiosqlite")
    level = worker_log.level
    worker_log.setLevel(logging.DEBUG)  # setLevel, not .level: it clears the logger's cache
    worker_log.addFilter(hold)
    before = set(threading.enumerate())

    async def attempt() -> None:
        with pytest.raises(aiosqlite.OperationalError):
            await opener(path)

    try:
        asyncio.run(attempt())
    finally:
        hold.loop_closed.set()
        for thread in set(threading.enumerate()) - before:
            if not thread.daemon:  # aiosqlite's worker; the stall guard's watchdog is a daemon
                thread.join(timeout=10)
        worker_log.removeFilter(hold)
        worker_log.setLevel(level)
    return errors


def test_a_database_that_cannot_open_leaves_no_thread_on_a_closed_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "missing-dir" / "service.db"
    assert errors_after_failing_to_open(Storage.open, missing, monkeypatch) == []


def test_negative_control_aiosqlite_connect_raises_into_the_closed_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "missing-dir" / "service.db"
    errors = errors_after_failing_to_open(aiosqlite.connect, missing, monkeypatch)
    assert [str(error) for error in errors] == ["Event loop is closed"]
