"""The reference service's distributed backend, started for tests and benchmarks: a redis-server
and ``python -m service.worker`` processes on loopback, stopped after (whole process groups).

Async callers use :func:`redis_server` and :class:`Workers`. Sync callers (Playwright's sync
API, the harness's server launcher) start ``python -m loopwire.harness.redis_backend --media-root
DIR --ffprobe PATH --workers N``: it starts both, prints the queue URL once every worker is
ready, and stops them on SIGTERM/SIGINT; they share its process group, so killing that group
ends them all whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from service.worker import READY

REDIS_SERVER = "redis-server"
# A worker is a fresh Python importing aiohttp and arq: seconds on a loaded 2-core machine.
START_SECONDS = 30.0
WORKER = ("service.worker",)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def redis_server(directory: Path, *, own_group: bool = True) -> AsyncIterator[str]:
    """A fresh redis-server on a free loopback port (no persistence; the existing ``directory``
    is its working directory); yields its URL without a database number
    (``redis://127.0.0.1:PORT``) and stops it after. ``own_group=False`` keeps it in the
    caller's process group."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "no", "--dir", str(directory), "--daemonize", "no",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        start_new_session=own_group,
    )  # fmt: skip
    try:
        await _wait_for_ping(port)
        yield f"redis://127.0.0.1:{port}"
    finally:
        _kill(process, own_group)
        await process.wait()


def _kill(process: asyncio.subprocess.Process, own_group: bool) -> None:
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        if own_group:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()


async def _wait_for_ping(port: int) -> None:
    async with asyncio.timeout(START_SECONDS):
        while True:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            try:
                writer.write(b"PING\r\n")
                await writer.drain()
                if await reader.readline() == b"+PONG\r\n":
                    return
            finally:
                writer.close()
                await writer.wait_closed()
            await asyncio.sleep(0.05)


@dataclass
class Workers:
    """Worker processes of one test; :meth:`start` adds one, :meth:`stop_all` ends them.
    ``server`` is the redis-server's URL; each database number is a queue of its own. Each
    worker leads its own process group unless ``own_groups`` is False."""

    server: str
    media_roots: Sequence[Path]
    processes: list[asyncio.subprocess.Process] = field(default_factory=list)
    own_groups: bool = True

    def url(self, db: int = 0) -> str:
        return f"{self.server}/{db}"

    async def start(
        self,
        *,
        db: int = 0,
        ffprobe: str = "ffprobe",
        ffmpeg: str = "ffmpeg",
        concurrency: int = 1,
        probe_timeout: float = 30.0,
        batch_timeout: float = 60.0,
        frame_timeout: float = 60.0,
        module: Sequence[str] = WORKER,
    ) -> asyncio.subprocess.Process:
        """Start ``python -m *module`` with the worker's arguments (the real worker, or a
        launcher of a broken one built from it) and wait until it is ready."""
        roots = [arg for root in self.media_roots for arg in ("--media-root", str(root))]
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", *module, "--queue", self.url(db), *roots, "--ffprobe", ffprobe,
            "--concurrency", str(concurrency), "--probe-timeout", str(probe_timeout),
            "--batch-timeout", str(batch_timeout), "--ffmpeg", ffmpeg,
            "--frame-timeout", str(frame_timeout),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=self.own_groups,
        )  # fmt: skip
        self.processes.append(process)
        assert process.stdout is not None
        async with asyncio.timeout(START_SECONDS):
            line = (await process.stdout.readline()).decode().strip()
        if line != READY:
            raise RuntimeError(f"worker did not start: {line!r}")
        return process

    async def start_many(
        self,
        count: int,
        *,
        concurrency: int = 1,
        batch_timeout: float = 60.0,
        module: Sequence[str] = WORKER,
    ) -> list[asyncio.subprocess.Process]:
        """``count`` workers, started side by side."""
        started = [
            self.start(concurrency=concurrency, batch_timeout=batch_timeout, module=module)
            for _ in range(count)
        ]
        return list(await asyncio.gather(*started))

    async def stop_all(self) -> None:
        for process in self.processes:
            _kill(process, self.own_groups)
            await process.wait()


async def serve(
    directory: Path, media_roots: Sequence[Path], ffprobe: str, workers: int, concurrency: int
) -> None:
    """Redis and ``workers`` workers in this process group, the queue URL on stdout, until
    SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with redis_server(directory, own_group=False) as server:
        started = Workers(server, media_roots, own_groups=False)
        try:
            for _ in range(workers):
                await started.start(ffprobe=ffprobe, concurrency=concurrency)
            await asyncio.to_thread(_announce, started.url())
            await stop.wait()
        finally:
            await started.stop_all()


def _announce(line: str) -> None:
    print(line, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m loopwire.harness.redis_backend",
        description="a redis-server and service workers on loopback, until SIGTERM",
    )
    parser.add_argument(
        "--media-root", dest="media_roots", action="append", type=Path, required=True
    )
    parser.add_argument("--ffprobe", default="ffprobe")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=1, help="per worker (%(default)s)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="loopwire-redis-") as directory:
        asyncio.run(
            serve(Path(directory), args.media_roots, args.ffprobe, args.workers, args.concurrency)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
