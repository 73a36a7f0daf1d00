"""The API's side of distributed jobs: a scan's walked files split into arq jobs, a frame job
as one arq job (:class:`RedisFrames`), both followed from their Redis keys.

The job queue (:mod:`service.jobs`) walks the scan as always, confined to the media roots, then
hands the files here. Each batch of files becomes one arq job that any worker
(:mod:`service.worker`) may run; the workers record results in the scan's Redis keys
(:mod:`service.scan_state`), and this side polls them and reports counters, the current file
and, once every file is recorded, the results to the job. History and the library stay in the
API's SQLite, fed from here exactly as the local probes feed it.

Cancel, a job timeout and a shutdown all reach here as the cancellation of the job's task: the
scan's stop flag is set (a batch checks it before every file and watches it while probing), its
arq jobs are aborted, and the API waits, up to a bound, until no batch is running any more, so
that a cancelled scan answers once its probes are gone on every worker. A frame job stops the
same way (its own stop flag, its arq job aborted, the wait), and its worker deletes the partial
output before its arq job ends.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.constants import abort_jobs_ss, in_progress_key_prefix, result_key_prefix
from arq.jobs import Job
from redis.exceptions import RedisError

from service.frame_job import FrameJobFailed, remove_output
from service.frame_state import FrameState
from service.jobs import FrameReport, ScanReport
from service.kinds import FrameKind, Params
from service.probe import ProbeUnavailable
from service.scan_state import Counts, ScanState, awaited
from service.scanner import FoundFile

log = logging.getLogger(__name__)

# What the workers register; the API only enqueues them by name.
BATCH_FUNCTION = "probe_batch"
FRAME_FUNCTION = "run_frames"
# How often the API reads a running scan's counters: progress is at most this stale.
POLL_SECONDS = 0.1
# How long a stopped scan waits for its running batches to end (a dead worker's batch never
# ends by itself: its lease only expires).
STOP_WAIT_SECONDS = 10.0
# The scans an API runs, with their number of batches; one hash per API (its owner name), so
# that an API restarting stops its own leftovers and never another live API's scans.
RUNNING_SCANS = "loopwire:scans:running:"
# The same for frame jobs (one arq job each).
RUNNING_FRAMES = "loopwire:frames:running:"
# A health check answers within about this even when Redis does not.
PING_SECONDS = 1.0

# One file of a batch, as arq carries it: index in the walk, listed path, real path, size.
BatchFile = tuple[int, str, str, int]


class WorkerFailed(ProbeUnavailable):
    """A worker reported a problem that every file of the scan shares (e.g. no ffprobe)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def queue_settings(url: str) -> RedisSettings:
    """The Redis a ``redis://HOST:PORT/DB`` URL names; ValueError with the reason otherwise."""
    if not url.startswith(("redis://", "rediss://")):
        raise ValueError(f"--queue must be a redis:// or rediss:// URL, not {url!r}")
    try:
        settings = RedisSettings.from_dsn(url)
    except ValueError as exc:
        raise ValueError(f"--queue {url!r} is not a valid Redis URL: {exc}") from None
    # A Redis that is down fails the start within seconds instead of retrying for long.
    settings.conn_retries = 2
    settings.conn_timeout = 2
    return settings


def job_serializer(data: object) -> bytes:
    """arq's payloads as JSON (its default, pickle, would let anyone who can write to Redis run
    code on every worker); ASCII escapes keep undecodable file names exact."""
    return json.dumps(data).encode()


def job_deserializer(raw: bytes) -> dict[str, Any]:
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("an arq payload is a JSON object")
    return data


async def connect(url: str) -> ArqRedis:
    return await create_pool(
        queue_settings(url), job_serializer=job_serializer, job_deserializer=job_deserializer
    )


@dataclass(frozen=True, slots=True)
class RedisScans:
    """Runs scans on arq workers; a :data:`service.jobs.ScanDispatch`."""

    redis: ArqRedis
    batch_size: int
    # Which API this is (see :func:`service.app.owner_name`).
    owner: str

    @property
    def _running(self) -> str:
        return RUNNING_SCANS + self.owner

    async def __call__(self, scan_id: str, files: Sequence[FoundFile], report: ScanReport) -> None:
        state = ScanState(self.redis, scan_id)
        jobs: list[Job] = []
        completed = False
        batches = range(0, len(files), self.batch_size)
        # Known before the first batch is queued, so that a restart can stop them all.
        await awaited(self.redis.hset(self._running, scan_id, str(len(batches))))
        try:
            for number, start in enumerate(batches):
                batch = [
                    _batch_file(index, file)
                    for index, file in enumerate(files[start : start + self.batch_size], start)
                ]
                job = await self.redis.enqueue_job(
                    BATCH_FUNCTION, scan_id, batch, _job_id=_batch_id(scan_id, number)
                )
                # None: this id is queued already (ids are unique: cannot happen).
                if job is not None:
                    jobs.append(job)
            await _follow(state, len(files), report)
            completed = True
        finally:
            # Shielded: the cancel that brought us here must not interrupt the clean-up.
            await asyncio.shield(self._end(state, jobs, report, stop=not completed))

    async def stop_orphans(self) -> int:
        """Stop the scans a previous run of this API left running (it was killed before it
        could): their jobs are failed in storage, so no worker may go on probing for them.
        How many were stopped."""
        orphans: dict[bytes, bytes] = await awaited(self.redis.hgetall(self._running))
        for raw_id, count in orphans.items():
            scan_id = raw_id.decode()
            await ScanState(self.redis, scan_id).stop()
            batches = [Job(_batch_id(scan_id, n), self.redis) for n in range(int(count))]
            await _abort(self.redis, batches)
            await awaited(self.redis.hdel(self._running, scan_id))
        return len(orphans)

    async def problem(self) -> str | None:
        try:
            async with asyncio.timeout(PING_SECONDS):
                await self.redis.ping()
        except (RedisError, TimeoutError) as exc:
            return f"the queue (Redis) cannot be reached: {exc or type(exc).__name__}"
        return None

    async def _end(self, state: ScanState, jobs: list[Job], report: ScanReport, stop: bool) -> None:
        """Stop what still runs (if the scan did not complete), then hand over the results."""
        try:
            if stop:
                await state.stop()
                await _abort(self.redis, jobs)
                await _wait_until_idle(self.redis, jobs)
            videos, errors = await state.results()
            report.add(videos, errors)
            await state.ended()
            await awaited(self.redis.hdel(self._running, state.scan_id))
        except RedisError as exc:
            # The job still ends (as cancelled, failed...): what was recorded stays unreported.
            log.error("scan %s: cannot reach the queue to end it: %s", state.scan_id, exc)


@dataclass(frozen=True, slots=True)
class RedisFrames:
    """Runs frame jobs on arq workers; a :data:`service.jobs.FrameDispatch`.

    The job is one arq job whose JSON payload names the kind, its validated parameters, the
    input's real path and the output folder (the API's, inside a media root: the media roots
    are the same paths on every machine); the worker checks both against its own roots.
    """

    redis: ArqRedis
    owner: str

    @property
    def _running(self) -> str:
        return RUNNING_FRAMES + self.owner

    async def __call__(
        self, job_id: str, kind: FrameKind, params: Params, source: Path, output_dir: Path,
        report: FrameReport,
    ) -> list[str]:  # fmt: skip
        state = FrameState(self.redis, job_id)
        job = Job(frame_job_id(job_id), self.redis)
        payload = {
            "kind": kind.name,
            "params": dict(params),
            "source": str(source),
            "output_dir": str(output_dir),
        }
        completed = False
        await awaited(self.redis.hset(self._running, job_id, "1"))
        try:
            await self.redis.enqueue_job(FRAME_FUNCTION, job_id, payload, _job_id=job.job_id)
            output = await _follow_frames(self.redis, state, job, report)
            completed = True
            return output
        finally:
            # Shielded: the cancel that brought us here must not interrupt the clean-up.
            await asyncio.shield(self._end(state, job, output_dir, report, stop=not completed))

    async def stop_orphans(self) -> int:
        """Stop the frame jobs a previous run of this API left on the workers; how many."""
        orphans: dict[bytes, bytes] = await awaited(self.redis.hgetall(self._running))
        for raw_id in orphans:
            job_id = raw_id.decode()
            await FrameState(self.redis, job_id).stop()
            await _abort(self.redis, [Job(frame_job_id(job_id), self.redis)])
            await awaited(self.redis.hdel(self._running, job_id))
        return len(orphans)

    async def _end(
        self, state: FrameState, job: Job, output_dir: Path, report: FrameReport, stop: bool
    ) -> None:
        """Stop the worker's run (unless it completed), say what became of its partial output."""
        try:
            if stop:
                await state.stop()
                await _abort(self.redis, [job])
                await _wait_until_idle(self.redis, [job])
                removal = await state.removal()
                if removal is None:
                    # No worker ran it to its end (never taken, or its worker died): the
                    # output folder is on shared storage, so the API deletes it.
                    removal = await remove_output(output_dir)
                report.removed(*removal)
            await state.ended()
            await awaited(self.redis.hdel(self._running, state.job_id))
        except RedisError as exc:
            log.error("frame job %s: cannot reach the queue to end it: %s", state.job_id, exc)


async def _has_result(redis: ArqRedis, job: Job) -> bool:
    return bool(await redis.exists(result_key_prefix + job.job_id))


def frame_job_id(job_id: str) -> str:
    """The arq job of a frame job."""
    return f"{job_id}-frames"


async def _follow_frames(
    redis: ArqRedis, state: FrameState, job: Job, report: FrameReport
) -> list[str]:
    """Report the worker's frames until its run ends; its output, or FrameJobFailed."""
    current: int | None = None
    total: int | None = None
    while True:
        # Read before the counts: a worker writes its end before arq records the job's result.
        finished = await _has_result(redis, job)
        counts = await state.counts()
        if counts.total_frames is not None and counts.total_frames != total:
            total = counts.total_frames
            report.total(total)
        if counts.current_frame is not None and counts.current_frame != current:
            current = counts.current_frame
            report.frame(current)
        end = counts.end
        if end is not None:
            if end.output is not None:
                return end.output
            raise FrameJobFailed(end.code, end.message)
        if finished:
            # arq ended it without our end record: a worker error or its --frame-timeout.
            raise FrameJobFailed(
                "worker_failed", "the worker ended the job without a result (see its log)"
            )
        await asyncio.sleep(POLL_SECONDS)


async def _abort(redis: ArqRedis, jobs: list[Job]) -> None:
    """Ask arq to cancel the jobs still queued or running, wherever they run (a queued one is
    skipped when taken). Only those: arq never clears the abort mark of a job that already
    ended. Its own ``Job.abort`` would also wait for each result, which the stop wait does for
    all at once."""
    if not jobs:
        return
    ids = [job.job_id for job in jobs]
    scores = await redis.zmscore(redis.default_queue_name, ids)
    now = int(time.time() * 1000)
    pending = {job_id: now for job_id, score in zip(ids, scores, strict=True) if score}
    if pending:
        await redis.zadd(abort_jobs_ss, pending)


async def _wait_until_idle(redis: ArqRedis, jobs: list[Job]) -> None:
    keys = [in_progress_key_prefix + job.job_id for job in jobs]
    if not keys:
        return
    deadline = time.monotonic() + STOP_WAIT_SECONDS
    while await redis.exists(*keys):
        if time.monotonic() > deadline:
            log.warning("stopped job: an arq job is still marked running (dead worker?)")
            return
        await asyncio.sleep(POLL_SECONDS)


def _batch_id(scan_id: str, number: int) -> str:
    # Zero-padded: batches queued in the same millisecond are taken in id order.
    return f"{scan_id}-{number:08d}"


def _batch_file(index: int, file: FoundFile) -> BatchFile:
    return (index, str(file.path), str(file.real_path), file.size_bytes)


async def _follow(state: ScanState, total: int, report: ScanReport) -> None:
    """Report progress until every file is recorded; raise if a worker failed the scan."""
    last = Counts(done=0, failed=0, current_file=None, fatal=None)
    while True:
        counts = await state.counts()
        if counts.fatal is not None:
            raise WorkerFailed(counts.fatal.code, counts.fatal.message)
        if counts.current_file is not None and counts.current_file != last.current_file:
            report.probing(counts.current_file)
        if (counts.done, counts.failed) != (last.done, last.failed):
            report.counts(counts.done, counts.failed)
        last = counts
        if counts.done >= total:
            return
        await asyncio.sleep(POLL_SECONDS)
