"""The service's child processes (ffprobe, ffmpeg): started, tracked and ended in one place.

Every child leads its own session (its own process group), gets the parent-death signal and the
marker of :mod:`service.process_lifetime`, and is tracked in one live set shared by every kind
of child: the sweep after one child reaps the orphans it left, and must spare every child that
is still running, whatever started it. Output is read through pipes of our own
(:class:`Capture`), so waiting for a child never means waiting for a descendant that kept its
pipe open.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import signal
from collections.abc import Sequence
from pathlib import Path

from service.process_lifetime import MARKER, die_with_parent, record_group, sweep_orphans

# A SIGKILLed child is reaped in milliseconds; this only bounds a pathological descendant.
_REAP_TIMEOUT = 2.0
_READ_CHUNK = 64 * 1024


class ChildProcesses:
    """Starts children and ends them with their group. ``state_dir`` is where their process
    groups are recorded for a restart to reap (None: not recorded; the parent-death signal and
    the sweeps still apply)."""

    def __init__(self, state_dir: Path | None = None) -> None:
        self.state_dir = state_dir
        # Spawns and sweeps exclude each other: a sweep reaps untracked zombie children, and a
        # child that just started is untracked until its spawn returns.
        self.lock = asyncio.Lock()
        self.live: set[int] = set()

    async def spawn(
        self, argv: Sequence[str], *, pass_fds: Sequence[int], stdout: int, stderr: int
    ) -> asyncio.subprocess.Process:
        """Start ``argv`` (OSError if it cannot be)."""
        async with self.lock:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                pass_fds=tuple(pass_fds),
                start_new_session=True,
                preexec_fn=functools.partial(die_with_parent, os.getpid()),
                env={**os.environ, MARKER: str(self.state_dir or "")},
            )
            self.live.add(process.pid)
        return process

    async def record(self, process: asyncio.subprocess.Process) -> Path | None:
        """Record the child's group for a restart to reap; None when not recording."""
        if self.state_dir is None:
            return None
        return await asyncio.to_thread(record_group, self.state_dir, process.pid)

    async def kill_and_reap(self, process: asyncio.subprocess.Process, record: Path | None) -> None:
        """Kill the child's group and what it left; reap them. Callers shield it: a second
        cancel arriving now must not leave them running."""
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(_REAP_TIMEOUT):
                    await process.wait()
        self.live.discard(process.pid)
        async with self.lock:
            await asyncio.to_thread(sweep_orphans, process.pid, record, set(self.live))


class PipeFd:
    """A bare descriptor as the file object ``connect_read_pipe`` wants (``fileno``, ``close``)."""

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    def fileno(self) -> int:
        if self._fd is None:
            raise ValueError("closed")
        return self._fd

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class Capture:
    """What one pipe delivered, kept even if reading is stopped half-way. Beyond ``limit``
    bytes it keeps the first ``limit`` (``keep_tail=False``: sets ``overflowed`` and stops) or
    the last ``limit`` (``keep_tail=True``: reads on, so the writer never blocks)."""

    def __init__(self, fd: int, *, limit: int, keep_tail: bool) -> None:
        self.data = bytearray()
        self.overflowed = False
        self._pipe = PipeFd(fd)
        self._limit = limit
        self._keep_tail = keep_tail
        self._transport: asyncio.ReadTransport | None = None

    async def read(self) -> None:
        reader = await self.open_reader()
        while chunk := await reader.read(_READ_CHUNK):
            self.data += chunk
            if len(self.data) <= self._limit:
                continue
            if not self._keep_tail:
                self.overflowed = True
                return
            del self.data[: len(self.data) - self._limit]

    async def open_reader(self) -> asyncio.StreamReader:
        """The pipe as a stream, for a caller that reads it itself (line by line)."""
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=_READ_CHUNK)
        protocol = asyncio.StreamReaderProtocol(reader)
        self._transport, _ = await loop.connect_read_pipe(lambda: protocol, self._pipe)
        return reader

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
        else:
            self._pipe.close()


def pipe_pair() -> tuple[int, int, int, int]:
    """Two pipes (stdout read/write, stderr read/write); OSError leaves none open."""
    out_read, out_write = os.pipe()
    try:
        err_read, err_write = os.pipe()
    except OSError:
        os.close(out_read)
        os.close(out_write)
        raise
    return out_read, out_write, err_read, err_write
