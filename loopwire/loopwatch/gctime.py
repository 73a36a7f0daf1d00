"""Seconds each thread has spent in the garbage collector, from ``gc.callbacks``.

A collection of a large heap can take tens of milliseconds and runs on whichever thread
allocated last: on a loop thread it is a real stall but no line's fault, so a stall report
shows it apart and does not count it against the threshold. The callback costs about a
microsecond per collection; it is installed once, with the first watch.
"""

from __future__ import annotations

import gc
import threading
import time
from typing import Any

_totals: dict[int, float] = {}
_started: dict[int, float] = {}


def _on_collection(phase: str, info: dict[str, Any]) -> None:
    ident = threading.get_ident()
    if phase == "start":
        _started[ident] = time.monotonic()
        return
    begun = _started.pop(ident, None)
    if begun is not None:
        _totals[ident] = _totals.get(ident, 0.0) + time.monotonic() - begun


def track() -> None:
    """Start counting (idempotent)."""
    if _on_collection not in gc.callbacks:
        gc.callbacks.append(_on_collection)


def gc_seconds(thread_id: int) -> float:
    """Seconds thread ``thread_id`` (a ``threading.get_ident()``) spent collecting so far."""
    return _totals.get(thread_id, 0.0)
