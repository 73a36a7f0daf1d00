"""``create_app(config)``: the aiohttp application, with its background work owned by it.

The cleanup context opens storage and starts the job queue with the app and closes both with
it; ``on_shutdown`` cancels running jobs first, because an open event stream would otherwise
hold the shutdown for its whole timeout.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from loopwire.loopwatch.aiohttp_app import install_stall_report
from service import keys
from service.child_process import ChildProcesses
from service.config import ServiceConfig
from service.distributed import RedisFrames, RedisScans, connect
from service.errors import error_middleware
from service.jobs import FrameSettings, JobQueue
from service.probe import FfprobeProber, Prober
from service.process_lifetime import reap_leftovers
from service.redis_storage import RedisStorage
from service.routes import ROUTES
from service.scanner import is_inside, resolve_roots
from service.storage import History, Storage

SERVICE_DIR = Path(__file__).resolve().parent

log = logging.getLogger(__name__)


async def open_storage(config: ServiceConfig) -> History:
    """Distributed mode keeps history and the library in the queue's Redis, shared by every
    API process on it (``--db`` then only names where probe state is kept); embedded mode
    keeps them in the SQLite file ``--db``."""
    if config.queue is not None:
        return await RedisStorage.open(config.queue, owner_name(config))
    return await Storage.open(config.db_path)


def create_app(
    config: ServiceConfig,
    *,
    prober: Prober | None = None,
    storage: keys.OpenStorage = open_storage,
) -> web.Application:
    """Build the service. ``prober`` replaces the ffprobe-based one (the harness passes a
    deliberately blocking one to prove it notices); ``storage`` replaces how history is
    opened (the harness passes per-process SQLite in distributed mode to prove that sharing
    matters)."""
    app = web.Application(middlewares=[error_middleware])
    app[keys.CONFIG] = config
    app[keys.OPEN_STORAGE] = storage
    # One set of children for probes and ffmpeg: a sweep after one spares all the others.
    app[keys.CHILDREN] = ChildProcesses(probe_state_dir(config))
    app[keys.PROBER] = prober or FfprobeProber(
        config.ffprobe,
        concurrency=config.concurrency,
        timeout=config.probe_timeout,
        children=app[keys.CHILDREN],
    )
    app[keys.EVENT_STREAMS] = asyncio.Semaphore(config.max_event_streams)
    app.add_routes(ROUTES)
    if config.stall_report is not None:
        # First in, last out: start-up and shutdown are watched too. Blame the service's own
        # files and those of the directory it runs from.
        install_stall_report(app, config.stall_report, roots=(Path.cwd(), SERVICE_DIR))
    app.cleanup_ctx.append(_job_queue)
    app.on_shutdown.append(_stop_jobs)
    return app


async def _job_queue(app: web.Application) -> AsyncIterator[None]:
    config = app[keys.CONFIG]
    roots = await resolve_roots(config.media_roots)
    output_dir = await output_folder(config.output_dir, roots)
    storage = await app[keys.OPEN_STORAGE](config)
    try:
        # Before any probe of ours runs: what is marked as this service's now is a leftover.
        await asyncio.to_thread(reap_leftovers, probe_state_dir(config))
    except BaseException:
        await storage.close()
        raise
    try:
        # Distributed mode: scans and frame jobs go to the workers.
        queue = None if config.queue is None else await connect(config.queue)
    except BaseException:
        await storage.close()
        raise
    dispatch = None if queue is None else RedisScans(queue, config.batch_size, owner_name(config))
    frame_dispatch = None if queue is None else RedisFrames(queue, owner_name(config))
    jobs = JobQueue(
        storage,
        app[keys.PROBER],
        media_roots=roots,
        concurrency=config.concurrency,
        job_timeout=config.job_timeout,
        retain_jobs=config.retain_jobs,
        frames=FrameSettings(config.ffmpeg, app[keys.CHILDREN], output_dir),
        dispatch=dispatch,
        frame_dispatch=frame_dispatch,
    )
    try:
        await jobs.start()
        if dispatch is not None and frame_dispatch is not None:
            # Their jobs were just failed as interrupted; their arq jobs must stop too.
            stopped = await dispatch.stop_orphans()
            if stopped:
                log.warning("stopped %d scan(s) a previous run left on the workers", stopped)
            stopped = await frame_dispatch.stop_orphans()
            if stopped:
                log.warning("stopped %d frame job(s) a previous run left on the workers", stopped)
        app[keys.MEDIA_ROOTS] = roots
        app[keys.JOBS] = jobs
        yield
    finally:
        await jobs.close()
        await storage.close()
        if queue is not None:
            await queue.aclose()


async def output_folder(configured: Path | None, roots: tuple[Path, ...]) -> Path:
    """The real folder frame jobs write under: inside a media root, or start-up fails with a
    clear reason (an OSError, reported like a media root that is not a directory)."""
    if configured is None:
        if not roots:
            raise OSError(errno.EINVAL, "no media root to write frame job output in")
        return roots[0] / ".loopwire-output"
    real = Path(await asyncio.to_thread(os.path.realpath, configured))
    if not is_inside(real, roots):
        raise OSError(errno.EINVAL, "--output-dir is not inside a media root", str(configured))
    return real


def owner_name(config: ServiceConfig) -> str:
    """Which API this is among those sharing a queue: its host and ``--db``, what makes two runs
    "the same service" (:func:`probe_state_dir`). A restart stops its own leftovers only."""
    return f"{socket.gethostname()}:{config.db_path.absolute()}"


def probe_state_dir(config: ServiceConfig) -> Path:
    """Where probe process groups are recorded: beside the database, which is what makes two
    runs "the same service"."""
    return config.db_path.with_name(config.db_path.name + ".probes").absolute()


async def _stop_jobs(app: web.Application) -> None:
    await app[keys.JOBS].close()
