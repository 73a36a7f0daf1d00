"""``python -m service``: run the reference service until SIGINT or SIGTERM.

Prints exactly one line on stdout once it accepts connections,
``loopwire service listening on http://HOST:PORT`` (with the real port when ``--port 0``), so a
launcher can wait for it. :func:`main` takes the app factory, so another launcher can serve the
same command line with an app built differently (another prober) without a switch in here.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sqlite3
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from aiohttp import web
from redis.exceptions import RedisError

from service.app import create_app
from service.config import ServiceConfig
from service.process_lifetime import become_subreaper

log = logging.getLogger("service")


def parse_args(argv: Sequence[str] | None = None) -> ServiceConfig:
    defaults = ServiceConfig()
    parser = argparse.ArgumentParser(
        prog="python -m service", description="loopwire's reference media-scan service"
    )
    parser.add_argument("--host", default=defaults.host, help="address to bind (%(default)s)")
    parser.add_argument(
        "--port", type=int, default=defaults.port, help="port; 0 picks a free one (%(default)s)"
    )
    parser.add_argument(
        "--media-root",
        dest="media_roots",
        action="append",
        type=Path,
        required=True,
        metavar="DIR",
        help="directory scans may read; repeat for several (required)",
    )
    parser.add_argument(
        "--db",
        type=Path,
        default=defaults.db_path,
        help="SQLite file of history and library (%(default)s); with --queue they are in Redis",
    )
    parser.add_argument(
        "--ffprobe", default=defaults.ffprobe, help="ffprobe executable (%(default)s, from PATH)"
    )
    parser.add_argument(
        "--ffmpeg", default=defaults.ffmpeg, help="ffmpeg executable (%(default)s, from PATH)"
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="absolute folder inside a media root where frame jobs write "
        "(default: .loopwire-output in the first media root)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=defaults.concurrency,
        help="ffprobe processes at once (default: CPU count, %(default)s)",
    )
    parser.add_argument(
        "--job-timeout",
        type=float,
        default=defaults.job_timeout,
        metavar="SECONDS",
        help="a scan still running after this is stopped as timed_out (%(default)s)",
    )
    parser.add_argument(
        "--probe-timeout",
        type=float,
        default=defaults.probe_timeout,
        metavar="SECONDS",
        help="one ffprobe call slower than this marks that file failed (%(default)s)",
    )
    parser.add_argument(
        "--stall-report",
        type=float,
        default=None,
        metavar="MS",
        help="log every event-loop stall longer than MS milliseconds, naming the line that "
        "blocked (off by default)",
    )
    parser.add_argument(
        "--retain-jobs",
        type=int,
        default=defaults.retain_jobs,
        metavar="N",
        help="finished jobs kept in history, oldest dropped first (%(default)s)",
    )
    parser.add_argument(
        "--max-event-streams",
        type=int,
        default=defaults.max_event_streams,
        metavar="N",
        help="open event streams at once; more get 503 with Retry-After (%(default)s)",
    )
    parser.add_argument(
        "--queue",
        default=None,
        metavar="URL",
        help="distributed mode: scans are probed by `python -m service.worker` processes fed "
        "through this Redis (redis://HOST:PORT/DB); default: in this process",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=defaults.batch_size,
        metavar="N",
        help="distributed mode: files per queued batch (%(default)s)",
    )
    args = parser.parse_args(argv)
    try:
        return ServiceConfig(
            media_roots=tuple(args.media_roots),
            db_path=args.db,
            ffprobe=args.ffprobe,
            ffmpeg=args.ffmpeg,
            output_dir=args.output_dir,
            concurrency=args.concurrency,
            job_timeout=args.job_timeout,
            probe_timeout=args.probe_timeout,
            host=args.host,
            port=args.port,
            stall_report=None if args.stall_report is None else args.stall_report / 1000,
            retain_jobs=args.retain_jobs,
            max_event_streams=args.max_event_streams,
            queue=args.queue,
            batch_size=args.batch_size,
        )
    except ValueError as exc:
        parser.error(str(exc))


async def serve(app: web.Application, config: ServiceConfig) -> None:
    """Serve ``app`` until SIGINT/SIGTERM, then shut down cleanly (jobs cancelled, streams
    closed, storage flushed)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=5.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, config.host, config.port)
        await site.start()
        host, port = runner.addresses[0][:2]
        if ":" in host:
            host = f"[{host}]"  # an IPv6 literal in a URL
        # Through a thread: stdout may be a pipe that a slow launcher drains.
        await asyncio.to_thread(_announce, f"loopwire service listening on http://{host}:{port}")
        await stop.wait()
        log.info("stopping: cancelling running jobs, closing event streams")
    finally:
        await runner.cleanup()
    log.info("stopped")


def _announce(line: str) -> None:
    print(line, flush=True)


AppFactory = Callable[[ServiceConfig], web.Application]


def main(argv: Sequence[str] | None = None, app_factory: AppFactory = create_app) -> int:
    """Parse ``argv``, build the app with ``app_factory`` and serve it; the exit status."""
    config = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # Orphans of our probes come back to us to be killed and reaped (service.process_lifetime).
    become_subreaper()
    app = app_factory(config)
    try:
        asyncio.run(serve(app, config))
    # The usual startup failures (port taken, db directory missing) get one clear line.
    except sqlite3.Error as exc:
        log.error("cannot start: database %s: %s", config.db_path, exc)
        return 1
    except RedisError as exc:
        log.error("cannot start: queue %s: %s", config.queue, exc)
        return 1
    except OSError as exc:
        log.error("cannot start: %s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
