"""Validation of ``POST /scans`` bodies and the service configuration."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from service.config import ServiceConfig
from service.schemas import InvalidRequest, ScanRequest, parse_scan_request


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"path": "/m"}, ScanRequest(path="/m", recursive=True)),
        ({"path": "/m", "recursive": False}, ScanRequest(path="/m", recursive=False)),
        ({"path": "/m", "extra": 1}, ScanRequest(path="/m", recursive=True)),
    ],
)
def test_valid_bodies(body: object, expected: ScanRequest) -> None:
    assert parse_scan_request(body) == expected


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (None, "invalid_body"),
        ("path", "invalid_body"),
        ([], "invalid_body"),
        ({}, "missing_field"),
        ({"path": 1}, "invalid_field"),
        ({"path": ["/m"]}, "invalid_field"),
        ({"path": "   "}, "invalid_field"),
        ({"path": "/m\x00"}, "invalid_field"),
        ({"path": "m"}, "invalid_field"),
        ({"path": "../m"}, "invalid_field"),
        ({"path": "~/m"}, "invalid_field"),
        ({"path": "/m", "recursive": None}, "invalid_field"),
        ({"path": "/m", "recursive": 0}, "invalid_field"),
        ({"path": "/m", "recursive": "true"}, "invalid_field"),
    ],
)
def test_invalid_bodies(body: object, code: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_scan_request(body)
    assert caught.value.code == code


def test_config_defaults_are_safe() -> None:
    config = ServiceConfig()
    assert config.host == "127.0.0.1"
    assert config.media_roots == ()
    assert config.ffprobe == "ffprobe"
    assert config.db_path == Path("loopwire.db")
    assert config.concurrency == (os.cpu_count() or 1)


@pytest.mark.parametrize(
    "bad", [{"concurrency": 0}, {"job_timeout": 0}, {"probe_timeout": -1}, {"port": 70000}]
)
def test_config_rejects_nonsense(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must"):
        ServiceConfig(**bad)
