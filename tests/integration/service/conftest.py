"""Fixtures for the service's integration tests: a media folder, a real app over a real job
queue and SQLite file, and helpers to follow a job to its end.

``backend`` says where scans are probed: ``"embedded"`` (in the app, the default) or
``"redis"`` (a real redis-server and ``python -m service.worker`` processes, one per unit of
``concurrency``, each probing one file at a time). A test module runs its tests on both by
overriding ``backend`` with a parametrised fixture.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient

from loopwire.harness.redis_backend import Workers, redis_server
from service.app import create_app
from service.config import ServiceConfig
from tests.integration.service.service_support import Client, ClientFactory


@pytest.fixture
def media(tmp_path: Path) -> Path:
    """An empty media root (its real path, as the service reports paths resolved)."""
    root = tmp_path / "media"
    root.mkdir()
    return root.resolve()


@pytest.fixture
def backend() -> str:
    return "embedded"


@pytest.fixture
async def distributed(backend: str, tmp_path: Path, media: Path) -> AsyncIterator[Workers | None]:
    """Under the redis backend, a fresh redis-server of this test's own and the worker processes
    the test starts on it, all stopped after; None under the embedded backend."""
    if backend != "redis":
        yield None
        return
    async with redis_server(tmp_path) as url:
        started = Workers(url, (media,))
        try:
            yield started
        finally:
            await started.stop_all()


@pytest.fixture
def make_client(
    aiohttp_client: AiohttpClient, tmp_path: Path, media: Path, distributed: Workers | None
) -> ClientFactory:
    """``await make_client(concurrency=1, ...)``: a test client of the real app; keyword
    arguments override the :class:`ServiceConfig` fields (db in tmp_path, root = ``media``).
    Under the redis backend, ``concurrency`` workers are started first, on a queue (a Redis
    database) of this ``db_path``'s own: history lives in the queue's Redis, so an app made
    again with the same ``db_path`` is the same service restarted (``ffprobe``, ``ffmpeg`` and
    ``probe_timeout`` apply to the workers; ``batch_size`` defaults to 1, so that files spread
    over workers like local probes)."""
    queues: dict[Path, int] = {}

    async def make(**overrides: Any) -> Client:
        settings: dict[str, Any] = {
            "media_roots": (media,),
            "db_path": tmp_path / "service.db",
            "concurrency": 2,
            "job_timeout": 60.0,
            "probe_timeout": 30.0,
        }
        settings.update(overrides)
        if distributed is not None:
            settings.setdefault("batch_size", 1)
            db = queues.setdefault(settings["db_path"], len(queues))
            settings["queue"] = distributed.url(db)
            for _ in range(settings["concurrency"]):
                await distributed.start(
                    db=db,
                    ffprobe=settings.get("ffprobe", "ffprobe"),
                    ffmpeg=settings.get("ffmpeg", "ffmpeg"),
                    probe_timeout=settings["probe_timeout"],
                )
        return await aiohttp_client(create_app(ServiceConfig(**settings)))

    return make
