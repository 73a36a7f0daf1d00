"""Whether a thread waits for the GIL right now, from Linux's ``/proc/self/task/TID/syscall``.

A loop thread off its CPU in plain Python code (building a dict, creating a request object) is
not blocked by that code: it waits for the GIL, which another thread of its process holds, on a
loaded machine often one the scheduler preempted. The kernel names the syscall a blocked thread
is in, with its arguments; a thread waiting for the GIL is in ``futex`` on the GIL's own
condition variable or mutex. :func:`gil_futex` finds where, once per process, by starving a
helper thread of the GIL and reading where it waits. A ``time.sleep``, a ``select``, a read, or
a lock of the program's own (``Future.result``, ``Queue.get``) waits elsewhere and still counts.

Reads go through libc's ``pread`` called with the GIL held (``ctypes.PyDLL``): Python's own
``os.pread`` releases the GIL for the read, and the thread being read may take it meanwhile.
Where the file or libc's ``pread`` is missing (not Linux), nothing is known and nothing is
excused this way.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import threading
import time
from collections import Counter
from typing import NamedTuple

# The GIL's mutexes and condition variables lie together in one small struct.
_GIL_STATE_BYTES = 256
# Reads of the starved helper that must find it in the same place (the GIL's condition
# variable, in nearly all), out of at most so many (about 0.1 s).
_AGREEING_READS = 8
_MAX_READS = 200
# Between reads: a thread handed the GIL back needs a moment (and a CPU) to wait for it again.
_SETTLE_SECONDS = 0.0005


class Syscall(NamedTuple):
    number: int
    address: int


def parse_syscall(line: bytes) -> Syscall | None:
    """The syscall number and first argument of a ``syscall`` file's line; None when the
    thread is running (``running``) or not in a syscall (``-1 ...``)."""
    fields = line.split()
    if len(fields) < 2 or not fields[0].isdigit():
        return None
    try:
        return Syscall(int(fields[0]), int(fields[1], 16))
    except ValueError:
        return None


class _HeldRead:
    """libc's ``pread`` into one buffer, called without releasing the GIL."""

    def __init__(self) -> None:
        pread = ctypes.PyDLL(None).pread
        pread.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_long]
        pread.restype = ctypes.c_ssize_t
        self._pread = pread
        self._buffer = ctypes.create_string_buffer(256)

    def __call__(self, fd: int) -> bytes:
        size: int = self._pread(fd, self._buffer, len(self._buffer), 0)
        return self._buffer.raw[: max(size, 0)]


@functools.cache
def _held_read() -> _HeldRead | None:
    try:
        return _HeldRead()
    except (OSError, AttributeError):
        return None


@functools.cache
def gil_futex() -> Syscall | None:
    """Where a thread starved of the GIL waits: ``futex``'s number and the GIL's address; None
    where it cannot be read. Costs a helper thread and a few milliseconds, once per process."""
    read = _held_read()
    if read is None:
        return None
    native: list[int] = []
    stop = threading.Event()

    def starve() -> None:
        native.append(threading.get_native_id())
        while not stop.is_set():
            pass

    helper = threading.Thread(target=starve, name="loopwatch-gil-probe", daemon=True)
    helper.start()
    try:
        while not native:
            stop.wait(0.001)
        try:
            fd = os.open(f"/proc/self/task/{native[0]}/syscall", os.O_RDONLY)
        except OSError:
            return None
        try:
            return _where_it_waits(read, fd)
        finally:
            os.close(fd)
    finally:
        stop.set()
        helper.join()


def _where_it_waits(read: _HeldRead, fd: int) -> Syscall | None:
    """The syscall the helper is found in most, this thread running Python between reads
    (holding the GIL, which the helper waits for) long enough for the helper to be back asleep
    on it. On a busy machine the helper is often still queued for a CPU ("running"), so reads
    go on until enough of them agree, or the budget is spent."""
    seen: Counter[Syscall] = Counter()
    for _ in range(_MAX_READS):
        settled = time.perf_counter() + _SETTLE_SECONDS
        while time.perf_counter() < settled:
            pass
        call = parse_syscall(read(fd))
        if call is not None:
            seen[call] += 1
            where, count = seen.most_common(1)[0]
            if count >= _AGREEING_READS:
                return where if count * 2 > seen.total() else None
    return None


class ThreadSyscalls:
    """Reads one thread's current syscall from any other thread."""

    def __init__(self, native_id: int) -> None:
        self._gil = gil_futex()
        self._read = _held_read()
        self._fd: int | None = None
        if self._gil is not None:
            with contextlib.suppress(OSError):
                self._fd = os.open(f"/proc/self/task/{native_id}/syscall", os.O_RDONLY)

    def waiting_for_gil(self) -> bool:
        """Whether the thread is in ``futex`` on the GIL now (False when unknown)."""
        if self._fd is None or self._gil is None or self._read is None:
            return False
        call = parse_syscall(self._read(self._fd))
        return (
            call is not None
            and call.number == self._gil.number
            and abs(call.address - self._gil.address) < _GIL_STATE_BYTES
        )

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
