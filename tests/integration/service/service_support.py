"""Helpers shared by the service's integration tests: placeholder videos, waiting for a condition,
telling whether a process is fully gone. The API itself is driven through
:class:`loopwire.harness.client.ServiceClient`."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

Client = TestClient[Any, Any]
ClientFactory = Callable[..., Awaitable[Client]]


def touch_videos(folder: Path, *names: str) -> list[Path]:
    """Small placeholder files (the fake ffprobe never reads them)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / name for name in names]
    for path in paths:
        path.write_bytes(b"\0" * 1024)
    return paths


async def wait_until(predicate: Callable[[], bool], within: float = 10.0) -> float:
    """Poll ``predicate`` (outside state: files, /proc) until true; return how long it took.
    Fails the test with TimeoutError after ``within`` seconds."""
    start = time.monotonic()
    async with asyncio.timeout(within):
        while True:
            if predicate():
                return time.monotonic() - start
            await asyncio.sleep(0.02)


def pid_gone(pid: int) -> bool:
    """True once the process is fully gone: not running and not a zombie waiting to be reaped."""
    return not os.path.exists(f"/proc/{pid}")
