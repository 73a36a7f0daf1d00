"""Every 4xx the API promises, and that errors are always JSON (never HTML, never a traceback)."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import pytest

from loopwire.harness.client import ServiceClient
from loopwire.harness.fixtures import FakeFfprobeFactory
from tests.integration.service.service_support import (
    Client,
    ClientFactory,
    touch_videos,
)

pytestmark = pytest.mark.integration


async def error_of(response: Any, status: int) -> str:
    assert response.status == status, await response.text()
    assert response.content_type == "application/json"
    body = await response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["message"]
    code: str = body["error"]["code"]
    return code


def service_errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r for r in caplog.records if r.name.startswith("service") and r.levelno >= logging.ERROR
    ]


@pytest.fixture
async def client(make_client: ClientFactory) -> Client:
    return await make_client()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "malformed_json"),
        (b"", "malformed_json"),
        (b"\xff\xfe\xfa", "malformed_json"),
        (b"[" * 100_000, "malformed_json"),
        (b'["a list"]', "invalid_body"),
        (b"{}", "missing_field"),
        (b'{"recursive": true}', "missing_field"),
        (b'{"path": 123}', "invalid_field"),
        (b'{"path": null}', "invalid_field"),
        (b'{"path": ""}', "invalid_field"),
        (b'{"path": "x", "recursive": "yes"}', "invalid_field"),
        (b'{"path": "x", "recursive": 1}', "invalid_field"),
    ],
)
async def test_bad_scan_bodies_are_400(client: Client, body: bytes, code: str) -> None:
    response = await client.post(
        "/api/v1/scans", data=body, headers={"Content-Type": "application/json"}
    )
    assert await error_of(response, 400) == code


async def test_scan_path_outside_roots_is_403(client: Client, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    for path in (outside, "/", tmp_path, f"{tmp_path}/media/../elsewhere", "/no/such/place"):
        response = await client.post("/api/v1/scans", json={"path": str(path)})
        assert await error_of(response, 403) == "outside_media_roots", path


async def test_symlink_escaping_the_root_is_403(
    client: Client, media: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (media / "link").symlink_to(outside, target_is_directory=True)
    response = await client.post("/api/v1/scans", json={"path": str(media / "link")})
    assert await error_of(response, 403) == "outside_media_roots"


async def test_missing_path_is_404_and_a_file_is_400(client: Client, media: Path) -> None:
    [video] = touch_videos(media, "a.mp4")
    missing = await client.post("/api/v1/scans", json={"path": str(media / "nope")})
    assert await error_of(missing, 404) == "not_found"
    file = await client.post("/api/v1/scans", json={"path": str(video)})
    assert await error_of(file, 400) == "not_a_directory"


async def test_relative_path_is_400_not_resolved_against_the_working_directory(
    client: Client, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Even when the server's working directory makes the relative path land inside the root.
    monkeypatch.chdir(media.parent)
    response = await client.post("/api/v1/scans", json={"path": "media"})
    assert await error_of(response, 400) == "invalid_field"
    assert "absolute" in (await response.json())["error"]["message"]


async def test_unknown_job_is_404_everywhere(client: Client) -> None:
    for method, url in (
        ("GET", "/api/v1/jobs/nope"),
        ("POST", "/api/v1/jobs/nope/cancel"),
        ("GET", "/api/v1/jobs/nope/events"),
    ):
        response = await client.request(method, url)
        assert await error_of(response, 404) == "job_not_found", url


async def test_cancel_finished_job_is_409(
    client: Client, media: Path, fake_ffprobe: FakeFfprobeFactory
) -> None:
    fake_ffprobe()
    touch_videos(media, "a.mp4")
    job = await ServiceClient(client).start_scan(media)
    await ServiceClient(client).wait_finished(job["id"])

    response = await client.post(f"/api/v1/jobs/{job['id']}/cancel")

    assert await error_of(response, 409) == "job_finished"


async def test_unknown_route_and_wrong_method_are_json(client: Client) -> None:
    assert await error_of(await client.get("/api/v1/nothing-here"), 404) == "not_found"
    assert await error_of(await client.get("/static/missing.js"), 404) == "not_found"
    assert await error_of(await client.get("/static/%2E%2E/app.py"), 404) == "not_found"
    wrong = await client.delete("/api/v1/jobs")
    assert await error_of(wrong, 405) == "method_not_allowed"
    assert "GET" in wrong.headers["Allow"]


async def test_oversized_body_is_413_json(client: Client) -> None:
    body = io.BytesIO(b"{" + b" " * (2 * 1024 * 1024) + b"}")
    response = await client.post("/api/v1/scans", data=body)
    assert await error_of(response, 413) == "request_too_large"


async def test_index_and_static_are_served(client: Client) -> None:
    index = await client.get("/")
    assert index.status == 200
    assert index.content_type == "text/html"
    static = await client.get("/static/index.html")
    assert static.status == 200


async def test_undecodable_body_is_400_not_500(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    # aiohttp fails the body read itself here (RequestPayloadError): the client's fault.
    response = await client.post(
        "/api/v1/scans",
        data=b'{"path": "/"}',
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert await error_of(response, 400) == "bad_request"
    # aiohttp itself still logs the payload error once more when it drains the body after the
    # answer (its own lingering read); the service must not report it as its own failure.
    assert not service_errors(caplog)
