"""One typed client for the reference service's HTTP API, used by the harness scenario, the
integration tests and the bench: starting a scan or a frame job, reading, cancelling and
following a job.

It runs over any aiohttp-style session: an ``aiohttp.ClientSession`` with the server's base URL
(a real server process), or pytest-aiohttp's ``TestClient`` with none (an in-process app). Which
statuses are final comes from the service's own ``JobStatus``, not from a copy of the list.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Protocol

import aiohttp

from service.schemas import JobStatus

Job = dict[str, Any]

FINISHED = frozenset(status.value for status in JobStatus if status.finished)


def is_finished(body: object) -> bool:
    """The body is a job in a final status (completed, failed, cancelled, timed out)."""
    return isinstance(body, Mapping) and body.get("status") in FINISHED


def is_running(body: object) -> bool:
    return isinstance(body, Mapping) and body.get("status") == JobStatus.RUNNING.value


class Session(Protocol):
    """What the client needs of a session: ``aiohttp.ClientSession`` and ``TestClient`` both
    have it."""

    def request(
        self, method: str, url: str, /, *, json: Any = ...
    ) -> AbstractAsyncContextManager[aiohttp.ClientResponse]: ...


class ServiceError(RuntimeError):
    """The service answered a request with an unexpected status."""

    def __init__(self, what: str, status: int, body: object) -> None:
        super().__init__(f"{what}: {status} {body}")
        self.status = status
        self.body = body


class ServiceClient:
    def __init__(self, session: Session, base_url: str = "", interval: float = 0.05) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        # How often ``wait_for`` looks at a job: far below what would load the server.
        self.interval = interval

    async def request(self, method: str, path: str, body: object = None) -> tuple[int, Any]:
        """(status, decoded JSON body or None) of one request to ``/api/v1`` + ``path``."""
        url = f"{self.base_url}/api/v1{path}"
        async with self.session.request(method, url, json=body) as response:
            return response.status, await response.json(content_type=None)

    async def start_scan(self, path: Path | str, *, recursive: bool | None = None) -> Job:
        """POST a scan of ``path``; the accepted job (``ServiceError`` unless 202)."""
        body: dict[str, object] = {"path": str(path)}
        if recursive is not None:
            body["recursive"] = recursive
        status, job = await self.request("POST", "/scans", body)
        if status != 202 or not isinstance(job, dict):
            raise ServiceError(f"scan of {path} refused", status, job)
        return job

    async def start_frame_job(self, kind: str, path: Path | str, **params: object) -> Job:
        """POST a frame job of ``kind`` on the file ``path`` with the kind's ``params``; the
        accepted job (``ServiceError`` unless 202)."""
        status, job = await self.request(
            "POST", "/jobs", {**params, "kind": kind, "path": str(path)}
        )
        if status != 202 or not isinstance(job, dict):
            raise ServiceError(f"{kind} job on {path} refused", status, job)
        return job

    async def job(self, job_id: str) -> Job:
        status, job = await self.request("GET", f"/jobs/{job_id}")
        if status != 200 or not isinstance(job, dict):
            raise ServiceError(f"job {job_id}", status, job)
        return job

    async def cancel(self, job_id: str) -> tuple[int, Any]:
        """(status, body) of a cancel request: 200 with the job, 404 or 409 with an error."""
        return await self.request("POST", f"/jobs/{job_id}/cancel")

    async def wait_for(self, job_id: str, predicate: Callable[[Job], bool]) -> tuple[Job, float]:
        """The first state of the job satisfying ``predicate`` and when it was seen
        (``time.perf_counter``); callers bound the wait with ``asyncio.timeout``."""
        while True:
            job = await self.job(job_id)
            seen = time.perf_counter()
            if predicate(job):
                return job, seen
            await asyncio.sleep(self.interval)

    async def wait_finished(self, job_id: str, within: float = 20.0) -> tuple[Job, list[Job]]:
        """The job once final, and every state seen on the way (``TimeoutError`` after
        ``within`` seconds)."""
        seen: list[Job] = []

        def record(job: Job) -> bool:
            seen.append(job)
            return is_finished(job)

        async with asyncio.timeout(within):
            job, _ = await self.wait_for(job_id, record)
        return job, seen

    async def scan_to_end(
        self, path: Path | str, *, recursive: bool | None = None, within: float = 20.0
    ) -> tuple[Job, list[Job]]:
        """Start a scan of ``path`` and follow it to its end: ``wait_finished`` of its job."""
        job = await self.start_scan(path, recursive=recursive)
        return await self.wait_finished(job["id"], within)


@contextlib.asynccontextmanager
async def connect(base_url: str, request_seconds: float = 30.0) -> AsyncIterator[ServiceClient]:
    """A client of the server at ``base_url`` on its own session; every request is bounded by
    ``request_seconds``."""
    limit = aiohttp.ClientTimeout(total=request_seconds)
    async with aiohttp.ClientSession(timeout=limit) as session:
        yield ServiceClient(session, base_url)
