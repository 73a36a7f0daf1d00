"""Helpers shared by the service's integration tests: start a scan, follow a job, wait for a
condition, tell whether a process is fully gone."""

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
FINAL = {"completed", "failed", "cancelled", "timed_out"}


def touch_videos(folder: Path, *names: str) -> list[Path]:
    """Small placeholder files (the fake ffprobe never reads them)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / name for name in names]
    for path in paths:
        path.write_bytes(b"\0" * 1024)
    return paths


async def start_scan(client: Client, path: Path | str, recursive: bool = True) -> dict[str, Any]:
    response = await client.post("/api/v1/scans", json={"path": str(path), "recursive": recursive})
    body: dict[str, Any] = await response.json()
    assert response.status == 202, body
    return body


async def get_job(client: Client, job_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/jobs/{job_id}")
    assert response.status == 200
    body: dict[str, Any] = await response.json()
    return body


async def wait_finished(
    client: Client, job_id: str, within: float = 20.0, interval: float = 0.05
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Poll the job until it is final; return the final job and every snapshot seen."""
    seen: list[dict[str, Any]] = []
    async with asyncio.timeout(within):
        while True:
            job = await get_job(client, job_id)
            seen.append(job)
            if job["status"] in FINAL:
                return job, seen
            await asyncio.sleep(interval)


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
