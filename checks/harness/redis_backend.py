"""The reference service's distributed backend, started for tests and benchmarks: a redis-server
and ``python -m service.worker`` processes on loopback, stopped after (whole process groups)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
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
async def redis_server(directory: Path) -> AsyncIterator[str]:
    """A fresh redis-server on a free loopback port (no persistence; the existing ``directory``
    is its working directory); yields its URL without a database number
    (``redis://127.0.0.1:PORT``) and stops it after."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "no", "--dir", str(directory), "--daemonize", "no",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        await _wait_for_ping(port)
        yield f"redis://127.0.0.1:{port}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()


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
    ``server`` is the redis-server's URL; each database number is a queue of its own."""

    server: str
    media_roots: Sequence[Path]
    processes: list[asyncio.subprocess.Process] = field(default_factory=list)

    def url(self, db: int = 0) -> str:
        return f"{self.server}/{db}"

    async def start(
        self,
        *,
        db: int = 0,
        ffprobe: str = "ffprobe",
        concurrency: int = 1,
        probe_timeout: float = 30.0,
        batch_timeout: float = 60.0,
        module: Sequence[str] = WORKER,
    ) -> asyncio.subprocess.Process:
        """Start ``python -m *module`` with the worker's arguments (the real worker, or a
        launcher of a broken one built from it) and wait until it is ready."""
        roots = [arg for root in self.media_roots for arg in ("--media-root", str(root))]
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", *module, "--queue", self.url(db), *roots, "--ffprobe", ffprobe,
            "--concurrency", str(concurrency), "--probe-timeout", str(probe_timeout),
            "--batch-timeout", str(batch_timeout),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        self.processes.append(process)
        assert process.stdout is not None
        async with asyncio.timeout(START_SECONDS):
            line = (await process.stdout.readline()).decode().strip()
        assert line == READY, f"worker did not start: {line!r}"
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
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
