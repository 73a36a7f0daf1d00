"""Run one frame-by-frame ffmpeg job: the kind's command over a confined input, its progress
stream followed report by report, its process group killed whatever ends it.

The input is opened beneath no symlink (:mod:`service.confined_open`) and handed to ffmpeg as
``/dev/fd/N``, like the prober does. ffmpeg writes ``-progress`` reports to a pipe of ours; each
report's current frame goes to ``on_frame`` as it arrives. A cancel or a timeout cancels
:func:`run_ffmpeg`, whose ``finally`` kills ffmpeg's group and reaps it (shielded) before the
caller deletes the partial output (:func:`remove_output`).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from service.child_process import Capture, ChildProcesses, pipe_pair
from service.confined_open import open_regular_file
from service.kinds import FrameKind, Params

_STDERR_LIMIT = 2000
# A -progress line is short ("out_time_us=123"); a longer one is not ffmpeg's report.
_LINE_LIMIT = 4096
# A report has about a dozen keys; a stream of distinct keys without "progress=" stays bounded.
_REPORT_KEYS = 64
# After ffmpeg exited and its group was killed, its pipe closes at once; this bounds a holder
# beyond our reach.
_PIPE_GRACE = 0.5


class FrameJobFailed(Exception):
    """The job cannot go on; ``code`` and the message say why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


async def run_ffmpeg(
    executable: str,
    children: ChildProcesses,
    kind: FrameKind,
    params: Params,
    source: Path,
    output_dir: Path,
    on_frame: Callable[[int], None],
) -> None:
    """Run the kind's ffmpeg command on ``source`` (a real path, no symlink in it) writing
    under ``output_dir``; :class:`FrameJobFailed` if ffmpeg fails."""
    fd = await asyncio.to_thread(open_regular_file, source)
    try:
        process, stdout, stderr = await _spawn(executable, children, kind, params, fd, output_dir)
    finally:
        os.close(fd)
    record = None
    follower = asyncio.ensure_future(_follow(stdout, kind, on_frame))
    errors = asyncio.ensure_future(stderr.read())
    exited = asyncio.ensure_future(process.wait())
    try:
        # Inside the try: a cancel arriving while the group is recorded still kills it.
        record = await children.record(process)
        await asyncio.wait({exited, follower}, return_when=asyncio.FIRST_COMPLETED)
        if follower.done():
            follower.result()  # a broken report stream fails the job now
        returncode = await exited
        await asyncio.shield(children.kill_and_reap(process, record))
        await asyncio.wait({follower, errors}, timeout=_PIPE_GRACE)
    finally:
        for task in (follower, errors, exited):
            task.cancel()
        stdout.close()
        stderr.close()
        await asyncio.shield(children.kill_and_reap(process, record))
        await asyncio.gather(follower, errors, exited, return_exceptions=True)
    if returncode != 0:
        message = stderr.data.decode(errors="replace").strip()[-_STDERR_LIMIT:]
        raise FrameJobFailed("ffmpeg_failed", message or f"ffmpeg exited with status {returncode}")


async def _spawn(
    executable: str,
    children: ChildProcesses,
    kind: FrameKind,
    params: Params,
    fd: int,
    output_dir: Path,
) -> tuple[asyncio.subprocess.Process, Capture, Capture]:
    argv = (
        executable,
        *("-nostdin", "-hide_banner", "-v", "error", "-nostats", "-progress", "pipe:1"),
        *("-i", f"/dev/fd/{fd}"),
        *kind.arguments(params, output_dir),
    )
    try:
        out_read, out_write, err_read, err_write = pipe_pair()
    except OSError as exc:
        raise FrameJobFailed("out_of_resources", f"cannot start ffmpeg: {exc}") from None
    try:
        process = await children.spawn(argv, pass_fds=(fd,), stdout=out_write, stderr=err_write)
    except OSError as exc:
        os.close(out_read)
        os.close(err_read)
        raise FrameJobFailed(
            "ffmpeg_not_found", f"cannot run ffmpeg {executable!r}: {exc}"
        ) from exc
    finally:
        os.close(out_write)
        os.close(err_write)
    return (
        process,
        Capture(out_read, limit=_LINE_LIMIT, keep_tail=True),
        Capture(err_read, limit=_STDERR_LIMIT, keep_tail=True),
    )


async def _follow(stdout: Capture, kind: FrameKind, on_frame: Callable[[int], None]) -> None:
    """Read ``key=value`` lines; at each ``progress=`` line (a report's end) pass the report's
    frame on."""
    reader = await stdout.open_reader()
    report: dict[str, str] = {}
    while True:
        try:
            line = await reader.readuntil(b"\n")
        except asyncio.IncompleteReadError:
            return  # end of stream
        except asyncio.LimitOverrunError:
            raise FrameJobFailed(
                "ffmpeg_output_unreadable", "ffmpeg's progress stream is not key=value lines"
            ) from None
        if len(line) > _LINE_LIMIT:
            raise FrameJobFailed(
                "ffmpeg_output_unreadable", "ffmpeg's progress stream is not key=value lines"
            )
        key, _, value = line.decode(errors="replace").strip().partition("=")
        if len(report) >= _REPORT_KEYS:
            report.clear()  # a report never has this many keys: not ffmpeg's, start over
        report[key] = value
        if key == "progress":
            frame = kind.current_frame(report)
            if frame is not None:
                on_frame(frame)
            report = {}


async def list_output(output_dir: Path) -> list[str]:
    """The files a job produced, sorted."""
    return await asyncio.to_thread(_list_output, output_dir)


def _list_output(output_dir: Path) -> list[str]:
    try:
        return sorted(str(path) for path in output_dir.iterdir())
    except OSError:
        return []


async def remove_output(output_dir: Path) -> tuple[int, list[str]]:
    """Delete a stopped job's partial output: how many files were deleted, and what is left."""
    return await asyncio.shield(asyncio.to_thread(_remove_output, output_dir))


def _remove_output(output_dir: Path) -> tuple[int, list[str]]:
    found = _list_output(output_dir)
    shutil.rmtree(output_dir, ignore_errors=True)
    left = [str(output_dir)] if output_dir.exists() else []
    return len(found), left
