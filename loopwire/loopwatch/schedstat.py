"""How long a thread ran and how long it waited for a CPU, from Linux's per-thread schedstat.

A loop thread that is runnable but not running (the machine is busy with other processes) is
not stalled by its own code. ``/proc/self/task/TID/schedstat`` holds the nanoseconds a thread
spent on a CPU and waiting in the run queue; the difference between two readings splits a stall
into "on a CPU", "waiting for a CPU" and the rest ("blocked": sleeping, in a syscall, waiting for
the GIL). Elsewhere the file does not exist and a stall is not split.
"""

from __future__ import annotations

import contextlib
import os
from typing import NamedTuple


class CpuTimes(NamedTuple):
    running: float
    waiting: float


class CpuClock:
    """Reads one thread's times; the file stays open, and a positioned read of a proc file
    regenerates it (well under a microsecond), so the heartbeat can read it on every beat."""

    def __init__(self, native_id: int) -> None:
        self._fd: int | None = None
        # A missing file (not Linux, no schedstat in the kernel) leaves the clock unavailable.
        with contextlib.suppress(OSError):
            self._fd = os.open(f"/proc/self/task/{native_id}/schedstat", os.O_RDONLY)

    def read(self) -> CpuTimes | None:
        """Seconds run and waited for a CPU so far, or None where the kernel does not say."""
        if self._fd is None:
            return None
        try:
            running, waiting, *_ = os.pread(self._fd, 128, 0).split()
            return CpuTimes(int(running) / 1e9, int(waiting) / 1e9)
        except (OSError, ValueError):
            return None

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
