"""Hostile requests against the real service process: each is a JSON 4xx, never a 500."""

from __future__ import annotations

from pathlib import Path

import pytest

from loopwire.harness.attacks import request, start_service
from loopwire.harness.fixtures import ServiceFactory

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/api/v1/scans", b'{"path": "/\\ud800"}', 400),
        ("POST", "/api/v1/scans", b'{"path": "MEDIA/\\ud800x"}', 400),
        ("GET", "/static/app.js%00", None, 404),
        ("GET", "/static/" + "a" * 5000, None, 404),
        ("GET", "/static/" + "a/" * 2500, None, 404),
    ],
    ids=["lone-surrogate", "lone-surrogate-inside-root", "nul", "long-name", "deep-name"],
)
def test_hostile_request_is_a_json_4xx(
    service_process: ServiceFactory,
    tmp_path: Path,
    media: Path,
    method: str,
    path: str,
    body: bytes | None,
    status: int,
) -> None:
    server = start_service(service_process, media, tmp_path / "service.db")
    if body is not None:
        body = body.replace(b"MEDIA", str(media).encode())
    got, headers, answer = request(server, method, path, body)
    assert got == status, answer
    assert headers["Content-Type"].startswith("application/json")
    assert set(answer) == {"error"}
    assert answer["error"]["code"]
    assert "Traceback" not in server.output()
