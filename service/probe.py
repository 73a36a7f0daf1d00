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
from pathlib import Path
from typing import Protocol

from service.probe_parse import ProbeError, parse_probe_output
from service.schemas import VideoInfo

# ffprobe's stderr can be long (one line per broken packet); keep what explains the failure.
_STDERR_LIMIT = 500
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
                "-v",
                "error",
                "-print_format",
                "json",
                "-show_format",
                "-show_streams",
                "-show_error",
                "--",
                str(path),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
            )
        except (FileNotFoundError, PermissionError, NotADirectoryError) as exc:
            raise ProbeUnavailable(f"cannot run ffprobe {self.executable!r}: {exc}") from exc
        try:
            async with asyncio.timeout(self.timeout):
                stdout, stderr = await process.communicate()
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
