"""Run ffprobe without ever blocking the loop, and clean up after it whatever happens.

Each probe is an ``asyncio`` subprocess in its own session (so it leads its own process group).
On a per-file timeout, a cancel or a job timeout the whole group is SIGKILLed and the child is
reaped before the exception moves on: no zombie and no orphaned grandchild survives a scan.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from service.probe_parse import ProbeError, parse_probe_output
from service.schemas import VideoInfo

# ffprobe's stderr can be long (one line per broken packet); keep what explains the failure.
_STDERR_LIMIT = 500
# JSON on stdout (errors too, via -show_error); "--" so that no file name reads as an option.
FFPROBE_ARGUMENTS = (
    "-v", "error", "-print_format", "json", "-show_format", "-show_streams", "-show_error", "--",
)  # fmt: skip
# A SIGKILLed child is reaped in milliseconds; this only bounds a pathological descendant.
_REAP_TIMEOUT = 2.0


class ProbeUnavailable(Exception):
    """The ffprobe executable cannot be started at all: every probe would fail the same way."""

    code = "ffprobe_not_found"


class Prober(Protocol):
    """Anything that turns a file path into its metadata, raising :class:`ProbeError` per file."""

    async def probe(self, path: Path) -> VideoInfo: ...


class FfprobeProber:
    """Probes with an ffprobe executable; at most ``concurrency`` processes run at once."""

    def __init__(self, executable: str, concurrency: int, timeout: float) -> None:
        self.executable = executable
        self.timeout = timeout
        self._slots = asyncio.Semaphore(concurrency)

    async def probe(self, path: Path) -> VideoInfo:
        async with self._slots:
            stdout, stderr, returncode = await self._run(path)
        if returncode != 0:
            try:
                # -show_error puts the reason on stdout as JSON; prefer it over raw stderr.
                parse_probe_output(stdout, str(path))
            except ProbeError as exc:
                if exc.code == "probe_failed":
                    raise
            message = stderr.decode(errors="replace").strip()[-_STDERR_LIMIT:]
            raise ProbeError("probe_failed", message or f"ffprobe exited with status {returncode}")
        return parse_probe_output(stdout, str(path))

    async def _run(self, path: Path) -> tuple[bytes, bytes, int]:
        try:
            process = await asyncio.create_subprocess_exec(
                self.executable,
                *FFPROBE_ARGUMENTS,
                str(path),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            # Not found, not executable, not a binary: no file of this scan could be probed.
            raise ProbeUnavailable(f"cannot run ffprobe {self.executable!r}: {exc}") from exc
        try:
            async with asyncio.timeout(self.timeout):
                stdout, stderr = await _communicate(process)
        except TimeoutError:
            await _kill_group(process)
            raise ProbeError(
                "probe_timeout", f"ffprobe did not answer within {self.timeout:g} s"
            ) from None
        except BaseException:
            # Cancelled (user cancel, job timeout, shutdown): stop the work for real, then go on.
            await _kill_group(process)
            raise
        # ffprobe answered; a grandchild it left behind in its group must not outlive it.
        _signal_group(process.pid)
        return stdout, stderr, process.returncode if process.returncode is not None else -1


async def _communicate(process: asyncio.subprocess.Process) -> tuple[bytes, bytes]:
    """The child's output, read until the pipes close, or until the child has exited: a
    descendant still in its group (a wrapper script's leftover) would otherwise hold the pipes
    open until the probe timeout. Killing the group then closes them, and the output is kept."""
    reading = asyncio.ensure_future(process.communicate())
    try:
        with _exit_watch(process.pid) as exited:
            either: set[asyncio.Future[Any]] = {reading, exited}
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        if not reading.done():
            _signal_group(process.pid)
        return await reading
    finally:
        reading.cancel()  # no-op once done; stops the reader if we were cancelled


@contextlib.contextmanager
def _exit_watch(pid: int) -> Iterator[asyncio.Future[None]]:
    """A future done when process ``pid`` exits (zombie included), through a pidfd on the loop's
    selector. Without pidfd support (not Linux 5.3+) the future never completes, and only the
    closing pipes or the probe timeout end the wait."""
    loop = asyncio.get_running_loop()
    exited: asyncio.Future[None] = loop.create_future()
    pidfd: int | None = None
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        exited.set_result(None)  # already exited and reaped
    except (AttributeError, OSError):
        pass  # no pidfd here: the future stays pending
    if pidfd is None:
        yield exited
        return
    loop.add_reader(pidfd, _resolve, exited)
    try:
        yield exited
    finally:
        loop.remove_reader(pidfd)
        os.close(pidfd)
        exited.cancel()


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _signal_group(group: int) -> None:
    # Gone already (nothing left in the group) is the common, good case.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)


async def _kill_group(process: asyncio.subprocess.Process) -> None:
    """SIGKILL the child's whole process group and reap the child.

    ``wait()`` also waits for the output pipes to close; a descendant that left the group could
    hold them open forever, so the wait is bounded (the child watcher still reaps the child).
    """
    _signal_group(process.pid)
    # Shielded so that a second cancel arriving now cannot interrupt the reaping itself.
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(_REAP_TIMEOUT):
            await asyncio.shield(process.wait())
