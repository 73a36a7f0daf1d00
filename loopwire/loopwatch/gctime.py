"""When each thread was in the garbage collector, from ``gc.callbacks``.

A collection of a large heap can take tens of milliseconds and runs on whichever thread
allocated last: on a loop thread it is a real stall but no line's fault, so a stall report
shows it apart and does not count it against the threshold. Only the part of a collection that
falls inside the stall is excused: the bookkeeping that closes a stall allocates too, and a
collection it sets off (hundreds of milliseconds for a full collection of a big test process on
a loaded machine) must not excuse the stall that just ended. The callback costs about a
microsecond per collection; it is installed once, with the first watch.
"""

from __future__ import annotations

import gc
import threading
import time
from collections import deque
from typing import Any

# Collections kept per thread: a stall long enough to hold more has time of its own to show.
_KEPT = 256
_spans: dict[int, deque[tuple[float, float]]] = {}
_started: dict[int, float] = {}


def _on_collection(phase: str, info: dict[str, Any]) -> None:
    ident = threading.get_ident()
    if phase == "start":
        _started[ident] = time.monotonic()
        return
    begun = _started.pop(ident, None)
    if begun is not None:
        _spans.setdefault(ident, deque(maxlen=_KEPT)).append((begun, time.monotonic()))


def track() -> None:
    """Start recording (idempotent)."""
    if _on_collection not in gc.callbacks:
        gc.callbacks.append(_on_collection)


def collecting_between(thread_id: int, start: float, end: float) -> float:
    """Seconds thread ``thread_id`` (a ``threading.get_ident()``) spent collecting between the
    ``time.monotonic()`` instants ``start`` and ``end``."""
    # A copy first: a collection set off while summing would append to the deque mid-iteration.
    spans = tuple(_spans.get(thread_id, ()))
    return sum(max(0.0, min(stop, end) - max(begun, start)) for begun, stop in spans)
