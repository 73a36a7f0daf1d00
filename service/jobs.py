"""The job queue: jobs as real asyncio tasks with live progress, cancel, timeout and events.

Two shapes of job share it: a scan (many files probed) and a frame job (one video through
ffmpeg, one of the kinds of :mod:`service.kinds`; see :mod:`service.frame_job`). In distributed
mode both run on workers (a :class:`ScanDispatch`, a :class:`FrameDispatch`) and report back
here, so a job's state, events and storage are the same on both backends.

The in-memory state of a job is always current (handlers and event streams read it); listeners
get it through :mod:`service.job_events`, storage a copy through :mod:`service.job_writer`,
throttled for progress (a scan: at most every 5 % or 250 ms; a frame job: its first frame and
every 5 %) and immediate for state changes. A cancel, a job timeout or a shutdown cancels the
job's task, which cancels its probes or its ffmpeg, whose processes are killed and reaped (see
:mod:`service.child_process`).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Literal, Protocol

from service.child_process import ChildProcesses
from service.frame_job import FrameJobFailed, list_output, remove_output, run_ffmpeg
from service.job_events import JobEvent, JobEventType, Subscription
from service.job_writer import JobWriter
from service.kinds import FrameKind, Params
from service.probe import Prober, ProbeUnavailable, probe_found
from service.probe_parse import ProbeError
from service.scanner import FoundFile, ScanPathUnreadable, walk_videos
from service.schemas import (
    ErrorBody,
    FileError,
    JobStatus,
    JobStatusResponse,
    JobSummary,
    ScanResult,
    VideoInfo,
    summary_of,
)
from service.storage import History

log = logging.getLogger(__name__)

PROGRESS_SAVE_STEP = 0.05
PROGRESS_SAVE_INTERVAL = 0.25
SHUTDOWN = ErrorBody(code="interrupted", message="interrupted by shutdown")


class JobNotFound(LookupError):
    """No job has this id (not in memory, not in storage)."""


class JobFinished(Exception):
    """The job already reached a final state; it cannot be cancelled any more."""


class QueueClosed(Exception):
    """The service is shutting down and accepts no new jobs."""


class StorageFailing(Exception):
    """Storage is not taking writes: a new job's result could not be kept, so none is started."""


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True, slots=True)
class FrameSettings:
    """What frame jobs need: the ffmpeg to run, the service's children (shared with the
    prober), and the folder (inside a media root) each job writes its own folder under."""

    ffmpeg: str
    children: ChildProcesses
    output_dir: Path


@dataclass(frozen=True, slots=True)
class _FrameWork:
    kind: FrameKind
    params: Params
    output_dir: Path


class ScanReport(Protocol):
    """What a scan dispatcher tells the job: counters, the file being probed, the results."""

    def counts(self, done: int, failed: int) -> None: ...

    def probing(self, path: str) -> None: ...

    def add(self, videos: Sequence[VideoInfo], errors: Sequence[FileError]) -> None: ...


class ScanDispatch(Protocol):
    """Probes a scan's walked files elsewhere (other processes, other machines), reporting
    through the ScanReport; the job queue without one probes them itself (the embedded
    default)."""

    async def __call__(
        self, scan_id: str, files: Sequence[FoundFile], report: ScanReport
    ) -> None: ...

    async def problem(self) -> str | None:
        """Why scans cannot be dispatched now (the service is then degraded), or None."""
        ...


class FrameReport(Protocol):
    """What a frame dispatcher tells the job: the input's frame count, the frame reached, and
    how the partial output of a run that did not succeed was deleted."""

    def total(self, frames: int | None) -> None: ...

    def frame(self, frame: int) -> None: ...

    def removed(self, deleted: int, left: list[str]) -> None: ...


class FrameDispatch(Protocol):
    """Runs a frame job elsewhere (a worker process, another machine); returns its output
    listed, raises :class:`FrameJobFailed` as the local run does. The job queue without one
    runs ffmpeg itself (the embedded default)."""

    async def __call__(
        self, job_id: str, kind: FrameKind, params: Params, source: Path, output_dir: Path,
        report: FrameReport,
    ) -> list[str]: ...  # fmt: skip


class _Keep(Enum):
    """Sentinel for :meth:`JobQueue.set_progress`: leave ``current_file`` as it is."""

    KEEP = "keep"


@dataclass(eq=False, slots=True)
class _Job:
    id: str
    path: str
    recursive: bool
    created_at: str
    # What a frame job runs; None for a scan.
    frames: _FrameWork | None
    status: JobStatus = JobStatus.PENDING
    files_total: int | None = None
    files_done: int = 0
    files_failed: int = 0
    current_file: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    error: ErrorBody | None = None
    videos: list[VideoInfo] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    # Monotonic clock at start: the ETA extrapolates from the elapsed time per finished file.
    started_monotonic: float | None = None
    # Set by cancel()/close() before they cancel the task, so the task knows which end it met.
    stop_reason: JobStatus | None = None
    saved: bool = False
    saved_progress: float = -1.0
    saved_monotonic: float = 0.0
    task: asyncio.Task[None] | None = None
    subscribers: set[Subscription] = field(default_factory=set)
    # Frame jobs only (None for a scan).
    current_frame: int | None = None
    total_frames: int | None = None
    output: list[str] | None = None
    output_note: str | None = None
    # Monotonic clock at the end: a finished job's fps stays what it was.
    finished_monotonic: float | None = None

    @property
    def type(self) -> str:
        return "scan" if self.frames is None else self.frames.kind.name

    @property
    def progress(self) -> float | None:
        if self.status is JobStatus.COMPLETED:
            return 1.0
        if self.frames is not None:
            if not self.total_frames or self.current_frame is None:
                return None
            # 1.0 means done: a job at its last frame is still writing its output.
            return min(round(self.current_frame / self.total_frames, 4), 0.999)
        if self.files_total is None:
            return None
        if self.files_total == 0:
            return 0.0
        return min(self.files_done / self.files_total, 1.0)

    def eta_seconds(self) -> float | None:
        if self.status is not JobStatus.RUNNING or self.started_monotonic is None:
            return None
        if self.frames is not None:
            if not self.total_frames or not self.current_frame:
                return None
            elapsed = time.monotonic() - self.started_monotonic
            remaining = max(self.total_frames - self.current_frame, 0)
            return round(elapsed / self.current_frame * remaining, 3)
        if self.files_total is None or self.files_done == 0:
            return None
        elapsed = time.monotonic() - self.started_monotonic
        remaining = max(self.files_total - self.files_done, 0)
        return round(elapsed / self.files_done * remaining, 3)

    def fps(self) -> float | None:
        if self.current_frame is None or self.started_monotonic is None:
            return None
        elapsed = (self.finished_monotonic or time.monotonic()) - self.started_monotonic
        return round(self.current_frame / elapsed, 2) if elapsed > 0 else None

    def snapshot(self) -> JobStatusResponse:
        return JobStatusResponse(
            id=self.id,
            type=self.type,
            status=self.status,
            path=self.path,
            recursive=self.recursive,
            progress=self.progress,
            files_total=self.files_total,
            files_done=self.files_done,
            files_failed=self.files_failed,
            current_file=self.current_file,
            eta_seconds=self.eta_seconds(),
            current_frame=self.current_frame,
            total_frames=self.total_frames,
            fps=self.fps(),
            created_at=self.created_at,
            started_at=self.started_at,
            finished_at=self.finished_at,
            error=self.error,
            saved=self.saved,
            # Results are only published once final: a running job's list keeps growing, and
            # resending it with every progress event would make a scan quadratic.
            result=ScanResult(videos=list(self.videos), errors=list(self.errors))
            if self.status.finished and self.frames is None
            else None,
            output=self.output,
            output_note=self.output_note,
        )


class JobQueue:
    """Owns every job: starts them as tasks, tracks their state, persists and publishes it.

    Use ``await start()`` before submitting and ``await close()`` at shutdown.
    """

    def __init__(
        self,
        storage: History,
        prober: Prober,
        *,
        media_roots: Sequence[Path],
        concurrency: int,
        job_timeout: float,
        retain_jobs: int = 1000,
        frames: FrameSettings | None = None,
        dispatch: ScanDispatch | None = None,
        frame_dispatch: FrameDispatch | None = None,
    ) -> None:
        self._storage = storage
        self._prober = prober
        self._roots = tuple(media_roots)
        self._concurrency = concurrency
        self._job_timeout = job_timeout
        self._frames = frames
        self._dispatch = dispatch
        self._frame_dispatch = frame_dispatch
        # Running jobs only: a finished job lives in storage (or in the writer until saved).
        self._active: dict[str, _Job] = {}
        self._writer = JobWriter(storage, retain_jobs=retain_jobs)
        self._closing = False

    async def start(self) -> None:
        """Set aside unreadable rows, fail what a previous process left running, start the
        storage writer."""
        await self._storage.quarantine()
        interrupted = await self._storage.mark_interrupted(utc_now())
        if interrupted:
            log.warning("marked %d job(s) interrupted by a restart as failed", interrupted)
        self._writer.start()

    async def close(self) -> None:
        """Cancel running jobs (they end as failed, "interrupted by shutdown"), end every event
        stream, and flush state to storage."""
        self._closing = True
        tasks = [job.task for job in self._active.values() if job.task is not None]
        for job in self._active.values():
            if job.stop_reason is None:
                job.stop_reason = JobStatus.FAILED
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._writer.close()  # drains what is dirty, then returns

    @property
    def storage_problem(self) -> str | None:
        """Why storage is failing (jobs are then not saved and no new scan is accepted)."""
        return self._storage.problem

    async def dispatch_problem(self) -> str | None:
        """Why scans cannot reach their workers now (distributed mode only), or None."""
        return None if self._dispatch is None else await self._dispatch.problem()

    def submit(self, path: Path, recursive: bool) -> JobStatusResponse:
        """Create a scan job for the resolved directory ``path`` and start it."""
        self._check_accepting()
        job = _Job(
            id=uuid.uuid4().hex,
            path=str(path),
            recursive=recursive,
            created_at=utc_now(),
            frames=None,
        )
        return self._launch(job)

    def submit_frames(self, kind: FrameKind, params: Params, path: Path) -> JobStatusResponse:
        """Create a frame job of ``kind`` on the resolved regular file ``path`` and start it;
        its output goes to its own folder under the configured output folder."""
        self._check_accepting()
        if self._frames is None:
            raise QueueClosed("this service runs no frame jobs")
        job_id = uuid.uuid4().hex
        job = _Job(
            id=job_id,
            path=str(path),
            recursive=False,
            created_at=utc_now(),
            frames=_FrameWork(kind, params, self._frames.output_dir / job_id),
        )
        return self._launch(job)

    def _check_accepting(self) -> None:
        if self._closing:
            raise QueueClosed("the service is shutting down")
        problem = self._storage.problem
        if problem is not None:
            raise StorageFailing(problem)

    def _launch(self, job: _Job) -> JobStatusResponse:
        self._active[job.id] = job
        job.task = asyncio.create_task(self._run(job), name=f"{job.type}-job-{job.id}")
        # A task cancelled before its first step never runs _run at all; this still ends it.
        job.task.add_done_callback(lambda _: self._task_done(job))
        self._changed(job, force_save=True)
        return job.snapshot()

    async def get(self, job_id: str) -> JobStatusResponse:
        job = self._active.get(job_id) or self._writer.unsaved_job(job_id)
        if job is not None:
            return job.snapshot()
        stored = await self._storage.get_job(job_id)
        if stored is None:
            raise JobNotFound(job_id)
        return stored

    async def list_jobs(
        self, limit: int, before: tuple[str, str] | None = None
    ) -> tuple[list[JobSummary], tuple[str, str] | None]:
        """Up to ``limit`` jobs, newest first, older than ``before`` (created_at, id), and the
        key to pass as ``before`` for the next page (None on the last page)."""
        in_memory = {
            job.id: job.snapshot() for job in (*self._active.values(), *self._writer.unsaved_jobs())
        }
        # Enough rows that, after dropping the stale copies of in-memory jobs, a page is full.
        stored = await self._storage.list_jobs(limit + len(in_memory) + 1, before)
        merged = {job.id: job for job in stored}
        merged.update(
            (job_id, job)
            for job_id, job in in_memory.items()
            if before is None or (job.created_at, job.id) < before
        )
        jobs = sorted(merged.values(), key=lambda job: (job.created_at, job.id), reverse=True)
        page = jobs[:limit]
        following = (page[-1].created_at, page[-1].id) if len(jobs) > limit else None
        return [summary_of(job) for job in page], following

    async def list_videos(self) -> list[VideoInfo]:
        """The video library (every video any scan found, latest metadata), sorted by path."""
        # Taken before the read: a write that lands during the read is then still covered.
        pending = self._writer.unsaved_videos()
        library = {video.path: video for video in await self._storage.list_videos()}
        library.update(pending)
        return [library[path] for path in sorted(library)]

    async def cancel(self, job_id: str) -> JobStatusResponse:
        """Cancel a pending or running job and return it once its task has really stopped
        (probe processes killed and reaped); partial results are kept."""
        job = self._active.get(job_id)
        if job is None:
            await self.get(job_id)  # raises JobNotFound
            raise JobFinished(job_id)
        assert job.task is not None  # set by submit() before the job is visible
        if job.stop_reason is None:
            job.stop_reason = JobStatus.CANCELLED
            job.task.cancel()
        # Shielded: if this request is dropped, the job's own cancellation still completes.
        await asyncio.shield(asyncio.wait({job.task}))
        return await self.get(job_id)

    def set_progress(
        self,
        job_id: str,
        *,
        files_total: int | None = None,
        files_done: int | None = None,
        files_failed: int | None = None,
        current_file: str | Literal[_Keep.KEEP] | None = _Keep.KEEP,
    ) -> JobStatusResponse:
        """Update a running job's counters (only those given). The in-memory state and the event
        streams see the change at once; storage writes are throttled."""
        job = self._active.get(job_id)
        if job is None:
            raise JobNotFound(job_id)
        if files_total is not None:
            job.files_total = files_total
        if files_done is not None:
            job.files_done = files_done
        if files_failed is not None:
            job.files_failed = files_failed
        if current_file is not _Keep.KEEP:
            job.current_file = current_file
        self._changed(job, force_save=False)
        return job.snapshot()

    async def subscribe(self, job_id: str) -> Subscription:
        """Events of one job: a progress event with the current state at once, then one per
        change, and an end event with the final state, after which iteration stops. Close the
        subscription when the listener goes away early.

        A finished job yields its final state as a progress event and then the end event.
        """
        job = self._active.get(job_id)
        if job is None:
            final = await self.get(job_id)  # raises JobNotFound
            subscription = Subscription()
            subscription.push(JobEvent(JobEventType.PROGRESS, final))
            subscription.push(JobEvent(JobEventType.END, final))
            return subscription
        subscription = Subscription(job.subscribers.discard)
        subscription.push(JobEvent(JobEventType.PROGRESS, job.snapshot()))
        job.subscribers.add(subscription)
        return subscription

    async def _run(self, job: _Job) -> None:
        job.status = JobStatus.RUNNING
        job.started_at = utc_now()
        job.started_monotonic = time.monotonic()
        self._changed(job, force_save=True)
        deadline = asyncio.timeout(self._job_timeout)
        try:
            async with deadline:
                await (self._scan(job) if job.frames is None else self._run_frames(job, job.frames))
        except (ProbeUnavailable, ScanPathUnreadable) as exc:
            self._finish(job, JobStatus.FAILED, ErrorBody(code=exc.code, message=str(exc)))
        except (FrameJobFailed, ProbeError) as exc:
            self._finish(job, JobStatus.FAILED, ErrorBody(code=exc.code, message=exc.message))
        except Exception as exc:
            # A TimeoutError is the job's own deadline only if that deadline expired; one raised
            # from inside the scan (a network filesystem, a prober) is a failure like any other.
            if isinstance(exc, TimeoutError) and deadline.expired():
                self._finish(job, JobStatus.TIMED_OUT, _timeout_error(self._job_timeout))
                return
            log.exception("%s job %s failed", job.type, job.id)
            message = str(exc) or type(exc).__name__
            code = f"{job.type}_failed"
            self._finish(job, JobStatus.FAILED, ErrorBody(code=code, message=message))
        else:
            self._finish(job, JobStatus.COMPLETED, None)

    async def _scan(self, job: _Job) -> None:
        found = await walk_videos(Path(job.path), job.recursive, self._roots)
        job.errors.extend(found.errors)
        self.set_progress(job.id, files_total=len(found.files))
        if self._dispatch is not None:
            await self._dispatch(job.id, found.files, _Report(self, job))
            return
        files = iter(found.files)
        done = failed = 0

        async def worker() -> None:
            nonlocal done, failed
            for file in files:
                self.set_progress(job.id, current_file=str(file.path))
                video, error = await probe_found(self._prober, file)
                if video is not None:
                    job.videos.append(video)
                if error is not None:
                    job.errors.append(error)
                    failed += 1
                done += 1
                self.set_progress(job.id, files_done=done, files_failed=failed)

        workers = min(self._concurrency, len(found.files))
        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(workers):
                    group.create_task(worker())
        except BaseExceptionGroup as grouped:
            # A worker only fails on a job-wide problem (e.g. no ffprobe); report the first.
            raise grouped.exceptions[0] from None

    async def _run_frames(self, job: _Job, work: _FrameWork) -> None:
        """Count the input's frames while ffmpeg runs, then list the output; on any other end
        (failure, cancel, timeout) delete the partial output and say what is left."""
        assert self._frames is not None  # submit_frames() refuses frame jobs otherwise
        settings = self._frames
        source = Path(job.path)
        if self._frame_dispatch is not None:
            report = _FrameReport(self, job)
            job.output = await self._frame_dispatch(
                job.id, work.kind, work.params, source, work.output_dir, report
            )
            return
        succeeded = False
        try:
            await asyncio.to_thread(work.output_dir.mkdir, parents=True)
            # Side by side: the count's ffprobe (its start-up is most of a job's fixed cost)
            # stays off the job's time. Until it answers, progress is null: the total is unknown.
            async with asyncio.TaskGroup() as group:
                group.create_task(self._count_frames(job, source))
                group.create_task(
                    run_ffmpeg(
                        settings.ffmpeg,
                        settings.children,
                        work.kind,
                        work.params,
                        source,
                        work.output_dir,
                        lambda frame: self._frame_reached(job, frame),
                    )
                )
            job.output = await list_output(work.output_dir)
            succeeded = True
        except BaseExceptionGroup as grouped:
            # The first failure (a probe error, ffmpeg's) is the job's; the other was cancelled.
            raise grouped.exceptions[0] from None
        finally:
            if not succeeded:
                _removed(job, *await remove_output(work.output_dir))

    async def _count_frames(self, job: _Job, source: Path) -> None:
        self._total_known(job, total_frames(await self._prober.probe(source)))

    def _total_known(self, job: _Job, total: int | None) -> None:
        job.total_frames = total
        self._changed(job, force_save=True)

    def _frame_reached(self, job: _Job, frame: int) -> None:
        """A progress report: only forward (reports never move a job back), saved at the
        first frame and every 5 %, pushed to listeners on every change."""
        if job.current_frame is not None and frame <= job.current_frame:
            return
        first = job.current_frame is None
        job.current_frame = frame
        self._changed(job, force_save=first)

    def _task_done(self, job: _Job) -> None:
        """A cancelled job task (user cancel, shutdown, or anyone else) ends here; every other
        ending was already recorded by _run."""
        if job.id not in self._active:
            return
        reason = job.stop_reason or JobStatus.CANCELLED
        self._finish(job, reason, SHUTDOWN if reason is JobStatus.FAILED else None)

    def _finish(self, job: _Job, status: JobStatus, error: ErrorBody | None) -> None:
        job.status = status
        job.error = error
        job.current_file = None
        job.finished_at = utc_now()
        job.finished_monotonic = time.monotonic()
        job.videos.sort(key=lambda video: video.path)
        job.errors.sort(key=lambda error: error.path)
        del self._active[job.id]
        self._writer.mark_finished(job)
        final = job.snapshot()
        for subscriber in job.subscribers:
            subscriber.push(JobEvent(JobEventType.END, final))

    def _changed(self, job: _Job, *, force_save: bool) -> None:
        snapshot = job.snapshot()
        for subscriber in job.subscribers:
            subscriber.push(JobEvent(JobEventType.PROGRESS, snapshot))
        progress = snapshot.progress or 0.0
        now = time.monotonic()
        # A frame job with a known total is saved by its 5 % steps alone (one frame report
        # comes every half second at most); without a total, every interval keeps storage near.
        by_time = job.frames is None or job.total_frames is None
        if (
            force_save
            or progress - job.saved_progress >= PROGRESS_SAVE_STEP
            or (by_time and now - job.saved_monotonic >= PROGRESS_SAVE_INTERVAL)
        ):
            job.saved_progress = progress
            job.saved_monotonic = now
            self._writer.mark_dirty(job)


@dataclass(frozen=True, slots=True)
class _Report:
    """A dispatched scan's reports, applied to its job like the local probes' own."""

    queue: JobQueue
    job: _Job

    def counts(self, done: int, failed: int) -> None:
        self.queue.set_progress(self.job.id, files_done=done, files_failed=failed)

    def probing(self, path: str) -> None:
        self.queue.set_progress(self.job.id, current_file=path)

    def add(self, videos: Sequence[VideoInfo], errors: Sequence[FileError]) -> None:
        self.job.videos.extend(videos)
        self.job.errors.extend(errors)


@dataclass(frozen=True, slots=True)
class _FrameReport:
    """A dispatched frame job's reports, applied to its job like the local run's own."""

    queue: JobQueue
    job: _Job

    def total(self, frames: int | None) -> None:
        if frames != self.job.total_frames:
            self.queue._total_known(self.job, frames)

    def frame(self, frame: int) -> None:
        self.queue._frame_reached(self.job, frame)

    def removed(self, deleted: int, left: list[str]) -> None:
        _removed(self.job, deleted, left)


def _removed(job: _Job, deleted: int, left: list[str]) -> None:
    """A stopped or failed job's output: what is left of it, and a note saying so."""
    job.output = left
    job.output_note = f"partial output deleted ({deleted} file(s)); " + (
        f"left behind: {', '.join(left)}" if left else "nothing left"
    )


def total_frames(video: VideoInfo) -> int | None:
    """The input's frame count: the container's, else duration x frame rate; None when
    neither is known (never a made-up number)."""
    if video.nb_frames:
        return video.nb_frames
    if video.duration_seconds and video.frame_rate:
        return max(round(video.duration_seconds * video.frame_rate), 1)
    return None


def _timeout_error(seconds: float) -> ErrorBody:
    return ErrorBody(code="job_timeout", message=f"the job did not finish within {seconds:g} s")
