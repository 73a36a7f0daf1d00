"""A worker's side of a distributed frame job: check the queued job, run ffmpeg, report.

The payload names the kind, its parameters, the input's real path and the output folder, all
as the API decided them; a worker trusts no queue entry, so it validates the parameters again
with the kind's own parser and checks both paths against its own media roots (the same paths
on every machine: media roots are shared storage). The output folder must be named after the
job and lie inside a root with no symlink on its way: it is the one folder a run deletes.

A run starts from scratch: a partial output a dead worker left is deleted first. It counts the
input's frames beside ffmpeg (as the embedded job does) and publishes the frames reached and
the count in the job's Redis keys (:mod:`service.frame_state`), then its output listed or its
failure. A stop (cancel, job timeout, shutdown of the API) reaches it two ways, whichever comes
first: the run watches the job's stop flag, and arq aborts the job; either cancels ffmpeg,
whose process group is killed and reaped, and the partial output is deleted.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix

from service.child_process import ChildProcesses
from service.frame_job import FrameJobFailed, list_output, remove_output, run_ffmpeg
from service.frame_state import FrameState
from service.jobs import total_frames
from service.kinds import KINDS, FrameKind, Params
from service.probe import Prober, ProbeUnavailable
from service.probe_parse import ProbeError
from service.scanner import is_inside
from service.schemas import InvalidRequest

log = logging.getLogger("service.worker")

# How often a run checks its job's stop flag and publishes the frame reached.
WATCH_SECONDS = 0.1
# A job id as the API makes them (uuid4 hex): the only names of folders a run deletes.
_JOB_ID = re.compile(r"[0-9a-f]{32}")


class BadFrameJob(ValueError):
    """A frame job whose payload is not one this worker may run (nothing of it is run)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class FrameWork:
    kind: FrameKind
    params: Params
    source: Path
    output_dir: Path


def parse_frame_job(job_id: str, payload: object, roots: tuple[Path, ...]) -> FrameWork:
    """The work a payload names, or :class:`BadFrameJob`."""
    if not isinstance(payload, dict):
        raise BadFrameJob("bad_job", "a frame job is a JSON object")
    kind = KINDS.get(str(payload.get("kind")))
    params = payload.get("params")
    source = payload.get("source")
    output_dir = payload.get("output_dir")
    if kind is None or not isinstance(params, dict):
        raise BadFrameJob("bad_job", f"unknown kind or parameters: {payload!r}")
    if not (isinstance(source, str) and isinstance(output_dir, str) and _JOB_ID.fullmatch(job_id)):
        raise BadFrameJob("bad_job", f"a frame job names its input and output: {payload!r}")
    try:
        checked = kind.parse_params(params)
    except InvalidRequest as exc:
        raise BadFrameJob(exc.code, exc.message) from None
    source_path, output_path = Path(source), Path(output_dir)
    if not (source_path.is_absolute() and is_inside(source_path, roots)):
        raise BadFrameJob("outside_media_roots", f"{source} is not inside this worker's roots")
    parent = Path(os.path.realpath(output_path.parent))
    if not (
        output_path.is_absolute()
        and output_path.name == job_id
        and parent / job_id == output_path
        and is_inside(parent, roots)
    ):
        raise BadFrameJob(
            "outside_media_roots", f"{output_dir} is not this job's folder inside a media root"
        )
    return FrameWork(kind, checked, source_path, output_path)


class _Reached:
    """The last frame ffmpeg reported (its callback is synchronous; the watcher publishes)."""

    def __init__(self) -> None:
        self.frame: int | None = None

    def report(self, frame: int) -> None:
        self.frame = frame


class FrameRunner:
    """Runs frame jobs for one worker; ``state`` builds a job's shared state."""

    def __init__(
        self,
        redis: ArqRedis,
        prober: Prober,
        roots: tuple[Path, ...],
        ffmpeg: str,
        children: ChildProcesses,
        lease_seconds: float,
    ) -> None:
        self.redis = redis
        self.prober = prober
        self.roots = roots
        self.ffmpeg = ffmpeg
        self.children = children
        self.lease_seconds = lease_seconds

    # Builds a job's shared state; a subclass may build another.
    STATE: ClassVar[type[FrameState]] = FrameState

    async def run(self, job_id: str, payload: object, arq_job_id: str) -> bool:
        """Run a frame job until done or until it is stopped; whether it succeeded. Its arq
        job's lease is renewed meanwhile: a run may last far longer than a batch, and a dead
        worker's job must still run again within a lease."""
        state = self.STATE(self.redis, job_id)
        try:
            work = await asyncio.to_thread(parse_frame_job, job_id, payload, self.roots)
        except BadFrameJob as exc:
            await state.failed(exc.code, str(exc))
            return False
        if await state.stopped():
            return False
        reached = _Reached()
        async with asyncio.TaskGroup() as group:
            running = group.create_task(self.run_work(state, work, reached))
            group.create_task(_watch(state, running, reached))
            group.create_task(self.keep_lease(arq_job_id, running))
        return not running.cancelled() and running.result()

    async def keep_lease(self, arq_job_id: str, running: asyncio.Task[bool]) -> None:
        key = in_progress_key_prefix + arq_job_id
        while not running.done():
            # Only while arq still holds the job (PEXPIRE of a missing key does nothing).
            await self.redis.pexpire(key, round(self.lease_seconds * 1000))
            await asyncio.wait({running}, timeout=self.lease_seconds / 3)

    async def run_work(self, state: FrameState, work: FrameWork, reached: _Reached) -> bool:
        succeeded = False
        try:
            await self.start_afresh(work.output_dir)
            async with asyncio.TaskGroup() as group:
                group.create_task(self._count(state, work.source))
                group.create_task(
                    run_ffmpeg(
                        self.ffmpeg,
                        self.children,
                        work.kind,
                        work.params,
                        work.source,
                        work.output_dir,
                        reached.report,
                    )
                )
            if reached.frame is not None:
                await state.reached("current_frame", reached.frame)
            await state.succeeded(await list_output(work.output_dir))
            succeeded = True
        except BaseExceptionGroup as grouped:
            # The first failure (a probe error, ffmpeg's) is the job's; the other was cancelled.
            code, message = _failure(work.kind, grouped.exceptions[0])
            await state.failed(code, message)
        except OSError as exc:
            await state.failed(f"{work.kind.name}_failed", f"cannot write the output: {exc}")
        finally:
            if not succeeded:
                await state.record_removal(*await remove_output(work.output_dir))
        return succeeded

    async def start_afresh(self, output_dir: Path) -> None:
        """A new, empty output folder: a worker that died mid-run left its partial output."""
        await remove_output(output_dir)
        await asyncio.to_thread(output_dir.mkdir, parents=True)

    async def _count(self, state: FrameState, source: Path) -> None:
        total = total_frames(await self.prober.probe(source))
        if total is not None:
            await state.reached("total_frames", total)


def _failure(kind: FrameKind, exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, FrameJobFailed | ProbeError):
        return exc.code, exc.message
    if isinstance(exc, ProbeUnavailable):
        return exc.code, str(exc)
    if not isinstance(exc, Exception):
        raise exc  # a cancel or an exit is not the job's failure
    log.error("frame job failed", exc_info=exc)
    return f"{kind.name}_failed", str(exc) or type(exc).__name__


async def _watch(state: FrameState, running: asyncio.Task[bool], reached: _Reached) -> None:
    """Publish the frame reached as it moves; cancel the run once its job is stopped."""
    published: int | None = None
    while not running.done():
        if await state.stopped():
            running.cancel()
            return
        if reached.frame is not None and reached.frame != published:
            published = reached.frame
            await state.reached("current_frame", published)
        await asyncio.wait({running}, timeout=WATCH_SECONDS)
