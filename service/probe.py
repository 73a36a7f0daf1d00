"""Run ffprobe without ever blocking the loop, and clean up after it whatever happens.

Each probe opens its file first, beneath no symlink (:mod:`service.confined_open`), and gives
ffprobe that open file as ``/dev/fd/N``: what is probed is what the scan listed, even if the
path is swapped for a symlink in between. The probe is an ``asyncio`` subprocess in its own
session (it leads its own process group), killed by the kernel if the service dies, marked and
recorded so that a restart reaps what a ``kill -9`` left (:mod:`service.process_lifetime`).

Its output is read through pipes of our own, up to a cap (a flood is a per-file error, not a
gigabyte of memory), and to the end of *the child*: once it has exited, its group and any
orphan it left are killed, and after a short grace the pipes are closed whoever still holds
them. So an answer is never mistaken for a timeout, and a timeout, a cancel or a job timeout
never waits on a descendant that escaped.
"""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import os
from pathlib import Path
from typing import Protocol

from service.child_process import Capture, ChildProcesses, pipe_pair
from service.confined_open import open_error, open_regular_file
from service.probe_parse import ProbeError, parse_probe_output
from service.scanner import FoundFile
from service.schemas import FileError, VideoInfo, file_error, path_b64

# ffprobe's stderr can be long (one line per broken packet); keep what explains the failure.
_STDERR_LIMIT = 500
# ffprobe's JSON for a real file is kilobytes; beyond this it is a broken or hostile probe.
OUTPUT_LIMIT = 4 * 1024 * 1024
# JSON on stdout (errors too, via -show_error); "--" so that no file name reads as an option.
FFPROBE_ARGUMENTS = (
    "-v", "error", "-print_format", "json", "-show_format", "-show_streams", "-show_error", "--",
)  # fmt: skip
# After the child exited and its leftovers were killed, the pipes close at once; this bounds a
# holder beyond our reach (not our descendant any more).
_PIPE_GRACE = 0.5
# Spawning fails this way when the service, not ffprobe, is short of something.
_RESOURCE_ERRORS = frozenset({errno.EMFILE, errno.ENFILE, errno.EAGAIN, errno.ENOMEM})


class ProbeUnavailable(Exception):
    """The ffprobe executable cannot be started at all: every probe would fail the same way."""

    code = "ffprobe_not_found"


class Prober(Protocol):
    """Anything that turns a file's real path (no symlink in it) into its metadata, raising
    :class:`ProbeError` per file."""

    async def probe(self, path: Path) -> VideoInfo: ...


class FfprobeProber:
    """Probes with an ffprobe executable; at most ``concurrency`` processes run at once.

    ``children`` starts and ends its processes (shared with the service's other children, so
    that a sweep spares them); by default its own, recording groups in ``state_dir``."""

    def __init__(
        self,
        executable: str,
        concurrency: int,
        timeout: float,
        state_dir: Path | None = None,
        *,
        children: ChildProcesses | None = None,
    ) -> None:
        self.executable = executable
        self.timeout = timeout
        self._slots = asyncio.Semaphore(concurrency)
        self._children = children or ChildProcesses(state_dir)
        self._live = self._children.live

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
        fd = await asyncio.to_thread(open_regular_file, path)
        try:
            process, stdout, stderr = await self._spawn(fd)
        finally:
            os.close(fd)
        returncode = await self._collect(process, stdout, stderr)
        return bytes(stdout.data), bytes(stderr.data), returncode

    async def _spawn(self, fd: int) -> tuple[asyncio.subprocess.Process, Capture, Capture]:
        try:
            out_read, out_write, err_read, err_write = pipe_pair()
        except OSError as exc:
            raise open_error(exc) from None
        try:
            process = await self._children.spawn(
                (self.executable, *FFPROBE_ARGUMENTS, f"/dev/fd/{fd}"),
                pass_fds=(fd,),
                stdout=out_write,
                stderr=err_write,
            )
        except OSError as exc:
            os.close(out_read)
            os.close(err_read)
            if exc.errno in _RESOURCE_ERRORS:
                raise ProbeError("out_of_resources", f"cannot start ffprobe: {exc}") from None
            # Not found, not executable, not a binary: no file of this scan could be probed.
            raise ProbeUnavailable(f"cannot run ffprobe {self.executable!r}: {exc}") from exc
        finally:
            os.close(out_write)
            os.close(err_write)
        stdout = Capture(out_read, limit=OUTPUT_LIMIT, keep_tail=False)
        stderr = Capture(err_read, limit=_STDERR_LIMIT * 4, keep_tail=True)
        return process, stdout, stderr

    async def _collect(
        self,
        process: asyncio.subprocess.Process,
        stdout: Capture,
        stderr: Capture,
    ) -> int:
        """Record the child's group, wait for it to exit (reading as it writes), sweep what it
        left, then wait for its pipes, briefly. Whatever happens, the probe's processes are gone
        at the end."""
        readers = [asyncio.ensure_future(stdout.read()), asyncio.ensure_future(stderr.read())]
        exited = asyncio.ensure_future(process.wait())
        record: Path | None = None
        swept = False
        try:
            # Inside the try: a cancel arriving while the group is recorded still kills it.
            record = await self._children.record(process)
            try:
                async with asyncio.timeout(self.timeout):
                    await asyncio.wait({exited, readers[0]}, return_when=asyncio.FIRST_COMPLETED)
                    if stdout.overflowed:
                        raise ProbeError(
                            "probe_output_too_large",
                            f"ffprobe printed more than {OUTPUT_LIMIT // (1024 * 1024)} MiB",
                        )
                    returncode = await exited
            except TimeoutError:
                raise ProbeError(
                    "probe_timeout", f"ffprobe did not answer within {self.timeout:g} s"
                ) from None
            # Its leftovers die now, so the pipes they held close now.
            await self._sweep(process, record)
            swept = True
            await asyncio.wait(readers, timeout=_PIPE_GRACE)
            return returncode
        finally:
            for task in (*readers, exited):
                task.cancel()
            stdout.close()
            stderr.close()
            if not swept:
                await self._sweep(process, record)
            await asyncio.gather(*readers, exited, return_exceptions=True)

    async def _sweep(self, process: asyncio.subprocess.Process, record: Path | None) -> None:
        """Kill the probe's group and what it left; reap them. Shielded: a second cancel
        arriving now must not leave them running."""
        await asyncio.shield(self._kill_and_reap(process, record))

    async def _kill_and_reap(
        self, process: asyncio.subprocess.Process, record: Path | None
    ) -> None:
        await self._children.kill_and_reap(process, record)


async def probe_found(prober: Prober, file: FoundFile) -> tuple[VideoInfo | None, FileError | None]:
    """Probe one walked file: its metadata, or the per-file error that replaces it."""
    try:
        video = await prober.probe(file.real_path)
    except ProbeError as exc:
        return None, file_error(str(file.path), exc.code, exc.message)
    # The prober saw the real path; the job reports the file where the scan found it.
    video = dataclasses.replace(video, path=str(file.path), path_b64=path_b64(str(file.path)))
    if video.size_bytes == 0 and file.size_bytes:
        # Some probers do not report a size; the walk already stat()ed the file.
        video = dataclasses.replace(video, size_bytes=file.size_bytes)
    return video, None
