"""Fixtures for the service's integration tests: a media folder, a real app over a real job
queue and SQLite file, and helpers to follow a job to its end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient

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
def make_client(aiohttp_client: AiohttpClient, tmp_path: Path, media: Path) -> ClientFactory:
    """``await make_client(concurrency=1, ...)``: a test client of the real app; keyword
    arguments override the :class:`ServiceConfig` fields (db in tmp_path, root = ``media``)."""

    async def make(**overrides: Any) -> Client:
        settings: dict[str, Any] = {
            "media_roots": (media,),
            "db_path": tmp_path / "service.db",
            "concurrency": 2,
            "job_timeout": 60.0,
            "probe_timeout": 30.0,
        }
        settings.update(overrides)
        return await aiohttp_client(create_app(ServiceConfig(**settings)))

    return make
