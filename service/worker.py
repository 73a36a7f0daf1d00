"""``python -m service.worker``: probe the batches of distributed scans and run frame jobs, on
any machine.

A worker is an arq worker with two functions: ``run_frames`` runs one frame job's ffmpeg
(``--ffmpeg``; see :mod:`service.frame_runner`), ``probe_batch`` probes a batch. The latter
probes each file of a batch with the same confined open and async prober as the embedded
service (its own media roots: the media must be mounted at the same path as on the API), and
records each result once in the
scan's Redis keys (:mod:`service.scan_state`): a file another run already recorded is skipped.

Execution is at least once: a worker killed mid-batch leaves its batch marked in progress until
arq's lease expires (``--batch-timeout`` + 10 s), then another worker runs it again; SIGTERM
or SIGINT stops a worker at once and its batches go back to the queue. A stopped scan (cancel,
job timeout, shutdown of the API) reaches a running batch two ways, whichever comes first: the
batch watches the scan's stop flag, and arq aborts the job; either cancels the probe, whose
process group is killed and reaped.

Prints ``loopwire worker ready`` on stdout once connected. :func:`main` takes the batch and
frame runner classes, so another launcher can run a worker built differently without a switch
in here.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arq import Worker
from arq.connections import ArqRedis
from arq.worker import func
from redis.exceptions import RedisError

from service.child_process import ChildProcesses
from service.distributed import (
    BATCH_FUNCTION,
    FRAME_FUNCTION,
    BatchFile,
    connect,
    job_deserializer,
    job_serializer,
    queue_settings,
)
from service.frame_runner import FrameRunner
from service.probe import FfprobeProber, Prober, ProbeUnavailable, probe_found
from service.process_lifetime import become_subreaper
from service.scan_state import ScanState
from service.scanner import FoundFile, is_inside, resolve_roots
from service.schemas import FileError, VideoInfo, file_error

log = logging.getLogger("service.worker")

READY = "loopwire worker ready"
# How often a batch checks its scan's stop flag while probing, and how often arq looks for new
# and aborted jobs: a cancel reaches a probe within about this.
WATCH_SECONDS = 0.1
# arq's own margin over a job's timeout before another worker may take a dead worker's job.
LEASE_EXTRA_SECONDS = 10.0


def _cpu_count() -> int:
    return os.cpu_count() or 1


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    queue: str
    media_roots: tuple[Path, ...]
    ffprobe: str = "ffprobe"
    ffmpeg: str = "ffmpeg"
    # Probes at once on this worker (and batches at once: a batch probes one file at a time).
    concurrency: int = field(default_factory=_cpu_count)
    probe_timeout: float = 30.0
    # arq's job timeout for one batch; a dead worker's batch runs again 10 s after it.
    batch_timeout: float = 600.0
    # arq's job timeout for one frame job (it renews its lease while it runs).
    frame_timeout: float = 3600.0

    def __post_init__(self) -> None:
        queue_settings(self.queue)  # ValueError for anything but a Redis URL
        if not self.media_roots:
            raise ValueError("at least one --media-root is required")
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if min(self.probe_timeout, self.batch_timeout, self.frame_timeout) <= 0:
            raise ValueError("timeouts must be positive")


class BadBatch(ValueError):
    """A batch whose payload is not what the API enqueues (nothing of it is probed)."""


class BatchRunner:
    """Probes batches for one worker; ``state`` builds a scan's shared state."""

    def __init__(
        self,
        redis: ArqRedis,
        prober: Prober,
        roots: tuple[Path, ...],
        state: type[ScanState] = ScanState,
    ) -> None:
        self.redis = redis
        self.prober = prober
        self.roots = roots
        self.state = state

    async def run(self, scan_id: str, payload: object) -> int:
        """Probe a batch until done or until its scan stops; how many files it recorded."""
        batch = parse_batch(payload)
        scan = self.state(self.redis, scan_id)
        async with asyncio.TaskGroup() as group:
            probing = group.create_task(self.probe_all(scan, batch))
            group.create_task(_cancel_when_stopped(scan, probing))
        return 0 if probing.cancelled() else probing.result()

    async def probe_all(self, scan: ScanState, batch: Sequence[BatchFile]) -> int:
        recorded = 0
        # A file's result is recorded as the next file starts, in one step (see ScanState.record).
        unrecorded: tuple[int, VideoInfo | None, FileError | None] | None = None
        for index, path, real_path, size in batch:
            if await scan.stopped():
                break
            if await scan.is_done(index):
                continue  # recorded by an earlier run of this batch
            if unrecorded is None:
                await scan.probing(path)
            else:
                recorded += await scan.record(*unrecorded, following=path)
            unrecorded = None
            file = FoundFile(path=Path(path), real_path=Path(real_path), size_bytes=size)
            try:
                video, error = await self.probe(file)
            except ProbeUnavailable as exc:
                await scan.fail(exc.code, str(exc))
                break
            unrecorded = (index, video, error)
        if unrecorded is not None:
            recorded += await scan.record(*unrecorded)
        return recorded

    async def probe(self, file: FoundFile) -> tuple[VideoInfo | None, FileError | None]:
        """Probe one file, if it lies inside this worker's media roots."""
        if not is_inside(file.real_path, self.roots):
            return None, file_error(str(file.path), "outside_media_roots", OUTSIDE)
        return await probe_found(self.prober, file)


OUTSIDE = "not inside this worker's media roots; not probed"


async def _cancel_when_stopped(scan: ScanState, probing: asyncio.Task[int]) -> None:
    while not probing.done():
        if await scan.stopped():
            probing.cancel()
            return
        await asyncio.wait({probing}, timeout=WATCH_SECONDS)


def parse_batch(payload: object) -> list[BatchFile]:
    """The files of a batch payload, or :class:`BadBatch` (a worker trusts no queue entry)."""
    if not isinstance(payload, list):
        raise BadBatch("a batch is a list of files")
    files: list[BatchFile] = []
    for item in payload:
        if not (isinstance(item, list) and len(item) == 4):
            raise BadBatch(f"a batch file is [index, path, real_path, size], not {item!r}")
        index, path, real_path, size = item
        if not (
            isinstance(index, int)
            and isinstance(path, str)
            and isinstance(real_path, str)
            and isinstance(size, int)
        ):
            raise BadBatch(f"a batch file is [index, path, real_path, size], not {item!r}")
        files.append((index, path, real_path, size))
    return files


def create_worker(
    config: WorkerConfig,
    redis: ArqRedis,
    roots: tuple[Path, ...],
    runner_class: type[BatchRunner] = BatchRunner,
    frame_runner_class: type[FrameRunner] = FrameRunner,
) -> Worker:
    # One set of children for probes and ffmpeg, as in the API.
    children = ChildProcesses()
    prober = FfprobeProber(
        config.ffprobe,
        concurrency=config.concurrency,
        timeout=config.probe_timeout,
        children=children,
    )
    runner = runner_class(redis, prober, roots)
    lease = config.batch_timeout + LEASE_EXTRA_SECONDS
    frame_runner = frame_runner_class(redis, prober, roots, config.ffmpeg, children, lease)

    async def probe_batch(ctx: dict[str, Any], scan_id: str, payload: object) -> int:
        return await runner.run(scan_id, payload)

    async def run_frames(ctx: dict[str, Any], job_id: str, payload: object) -> bool:
        return await frame_runner.run(job_id, payload, str(ctx["job_id"]))

    async def ready(ctx: dict[str, Any]) -> None:
        await asyncio.to_thread(_announce, READY)

    worker = Worker(
        [
            func(probe_batch, name=BATCH_FUNCTION),
            func(run_frames, name=FRAME_FUNCTION, timeout=config.frame_timeout),
        ],
        redis_pool=redis,
        max_jobs=config.concurrency,
        job_timeout=config.batch_timeout,
        poll_delay=WATCH_SECONDS,
        allow_abort_jobs=True,
        keep_result=300,
        on_startup=ready,
        job_serializer=job_serializer,
        job_deserializer=job_deserializer,
    )
    # arq holds a dead worker's job for its longest function timeout + 10 s: an hour-long
    # --frame-timeout would hold batches that long too. A running frame job renews its own
    # lease instead, so every job of a dead worker runs again --batch-timeout + 10 s after.
    worker.in_progress_timeout_s = lease
    return worker


def _announce(line: str) -> None:
    print(line, flush=True)


def parse_args(argv: Sequence[str] | None = None) -> WorkerConfig:
    parser = argparse.ArgumentParser(
        prog="python -m service.worker",
        description="probe the batches of loopwire's distributed scans",
    )
    parser.add_argument("--queue", required=True, metavar="URL", help="redis://HOST:PORT/DB")
    parser.add_argument(
        "--media-root",
        dest="media_roots",
        action="append",
        type=Path,
        required=True,
        metavar="DIR",
        help="directory this worker may read, mounted at the same path as on the API; repeat",
    )
    parser.add_argument("--ffprobe", default="ffprobe", help="ffprobe executable (%(default)s)")
    parser.add_argument(
        "--ffmpeg", default="ffmpeg", help="ffmpeg executable for frame jobs (%(default)s)"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=_cpu_count(),
        help="ffprobe processes at once on this worker (default: CPU count, %(default)s)",
    )
    parser.add_argument(
        "--probe-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="one ffprobe call slower than this marks that file failed (%(default)s)",
    )
    parser.add_argument(
        "--batch-timeout",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="a batch running longer is stopped; a dead worker's batch runs again this + 10 s "
        "after it started (%(default)s)",
    )
    parser.add_argument(
        "--frame-timeout",
        type=float,
        default=3600.0,
        metavar="SECONDS",
        help="a frame job running longer on this worker fails (%(default)s); a dead worker's "
        "frame job runs again --batch-timeout + 10 s after its last sign of life",
    )
    args = parser.parse_args(argv)
    try:
        return WorkerConfig(
            queue=args.queue,
            media_roots=tuple(args.media_roots),
            ffprobe=args.ffprobe,
            ffmpeg=args.ffmpeg,
            frame_timeout=args.frame_timeout,
            concurrency=args.concurrency,
            probe_timeout=args.probe_timeout,
            batch_timeout=args.batch_timeout,
        )
    except ValueError as exc:
        parser.error(str(exc))


async def run(
    config: WorkerConfig,
    runner_class: type[BatchRunner] = BatchRunner,
    frame_runner_class: type[FrameRunner] = FrameRunner,
) -> None:
    """Work until SIGINT/SIGTERM (arq's handlers cancel running jobs; they go back)."""
    roots = await resolve_roots(config.media_roots)
    redis = await connect(config.queue)
    worker = create_worker(config, redis, roots, runner_class, frame_runner_class)
    try:
        await worker.async_run()
    except asyncio.CancelledError:
        log.info("stopped")
    finally:
        await worker.close()


def main(
    argv: Sequence[str] | None = None,
    runner_class: type[BatchRunner] = BatchRunner,
    frame_runner_class: type[FrameRunner] = FrameRunner,
) -> int:
    config = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # Orphans of our probes come back to us to be killed and reaped.
    become_subreaper()
    try:
        asyncio.run(run(config, runner_class, frame_runner_class))
    except (RedisError, OSError) as exc:
        log.error("cannot start: %s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
