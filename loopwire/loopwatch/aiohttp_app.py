"""``install_stall_report(app, threshold)``: log each stall of an aiohttp app's loop, and its line.

Any aiohttp application can install it; the watch starts with the app (a ``cleanup_ctx`` entry)
and stops with it. Each stall past the threshold is one WARNING record: the headline
(``event loop stalled 212 ms (threshold 50 ms) at app/views.py:40 render (…)``) then the stack.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path

from aiohttp import web

from loopwire.loopwatch.frames import Attribution
from loopwire.loopwatch.stall import Stall
from loopwire.loopwatch.watchdog import LoopWatch

STALL_LOGGER = "loopwatch.stall"
# Ends the INFO record of a stall that is not the code's doing.
NOT_COUNTED = "(mostly waiting for a CPU or collecting garbage)"


def install_stall_report(
    app: web.Application,
    threshold: float,
    *,
    roots: Iterable[Path] = (),
    logger: logging.Logger | None = None,
) -> None:
    """Watch the loop ``app`` runs on while it runs; log stalls longer than ``threshold``
    seconds that its own code is answerable for. Frames under ``roots`` (default: the working
    directory) count as the project's."""
    if threshold <= 0:
        raise ValueError("stall threshold must be positive")
    attribution = Attribution.for_roots([*roots] or [Path.cwd()])
    log = logger or logging.getLogger(STALL_LOGGER)
    app.cleanup_ctx.append(_watch_context(threshold, attribution, _logging_sink(log)))


def _logging_sink(log: logging.Logger) -> Callable[[Stall], None]:
    def report(stall: Stall) -> None:
        if stall.over:
            log.warning("%s", stall.format())
        else:
            log.info("%s %s", stall.headline(), NOT_COUNTED)

    return report


def _watch_context(
    threshold: float, attribution: Attribution, sink: Callable[[Stall], None]
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def watch_loop(app: web.Application) -> AsyncIterator[None]:
        watch = LoopWatch(asyncio.get_running_loop(), threshold, sink, attribution)
        watch.arm()
        try:
            yield
        finally:
            watch.disarm()

    return watch_loop
