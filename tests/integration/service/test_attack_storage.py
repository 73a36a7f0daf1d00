"""What the service stores, under attack, against the real service process: non-UTF-8 file
names round-trip byte for byte across a restart, a database that stops taking writes is
reported and recovered from, corrupt rows are set aside, and history is paged and bounded."""

from __future__ import annotations

import base64
import json
import os
import sqlite3
from pathlib import Path

import pytest

from loopwire.harness.attacks import (
    post_scan,
    request,
    start_service,
    wait_for,
    wait_job,
)
from loopwire.harness.fixtures import FakeFfprobeFactory, ServiceFactory

pytestmark = pytest.mark.integration

NAMES = [b"plain.mp4", b"caf\xe9-latin1.mp4", b"\xff\xfe-not-utf8.mkv"]


def test_non_utf8_names_round_trip_byte_for_byte_across_a_restart(
    tmp_path: Path,
    media: Path,
    fake_ffprobe: FakeFfprobeFactory,
    service_process: ServiceFactory,
) -> None:
    fake = fake_ffprobe()
    for name in NAMES:
        with open(os.path.join(bytes(media), name), "wb") as stream:
            stream.write(b"\0" * 1024)
    fifo = os.path.join(bytes(media), b"\xe9-fifo.mp4")
    os.mkfifo(fifo)  # never probed: an error row with an undecodable name
    db = tmp_path / "service.db"
    server = start_service(service_process, media, db, ffprobe=fake.executable)
    job = wait_job(server, post_scan(server, media)["id"])
    assert job["status"] == "completed", job
    expected = sorted(os.path.join(bytes(media), name) for name in NAMES)

    def exact(items: list[dict[str, str]]) -> list[bytes]:
        for item in items:
            item["path"].encode()  # readable: valid Unicode, no lone surrogates
        return sorted(base64.b64decode(item["path_b64"]) for item in items)

    assert exact(job["result"]["videos"]) == expected
    assert any("\ufffd" in video["path"] for video in job["result"]["videos"])
    assert exact(job["result"]["errors"]) == [fifo]
    wait_for(lambda: request(server, "GET", f"/api/v1/jobs/{job['id']}")[2]["saved"])
    server.stop()

    again = start_service(service_process, media, db, ffprobe=fake.executable)
    _, _, library = request(again, "GET", "/api/v1/videos")
    assert exact(library["videos"]) == expected
    _, _, stored = request(again, "GET", f"/api/v1/jobs/{job['id']}")
    assert exact(stored["result"]["videos"]) == expected


def test_unwritable_database_is_reported_refuses_scans_and_recovers(
    tmp_path: Path,
    media: Path,
    fake_ffprobe: FakeFfprobeFactory,
    service_process: ServiceFactory,
) -> None:
    fake = fake_ffprobe()
    (media / "a.mp4").write_bytes(b"\0" * 1024)
    db = tmp_path / "service.db"
    server = start_service(service_process, media, db, ffprobe=fake.executable)
    # SQLite cannot create its rollback journal where a folder stands: every write fails, for
    # root too (which file permissions would not stop).
    journal = tmp_path / "service.db-journal"
    journal.mkdir()

    job = wait_job(server, post_scan(server, media)["id"])
    assert job["status"] == "completed"
    assert job["saved"] is False
    status, _, health = request(server, "GET", "/api/v1/health")
    assert status == 503
    assert health["status"] == "degraded"
    assert "not writable" in health["reason"]
    status, _, refused = request(
        server, "POST", "/api/v1/scans", json.dumps({"path": str(media)}).encode()
    )
    assert status == 503
    assert refused["error"]["code"] == "storage_unavailable"

    journal.rmdir()
    wait_for(lambda: request(server, "GET", "/api/v1/health")[0] == 200, what="recovery")
    wait_for(lambda: request(server, "GET", f"/api/v1/jobs/{job['id']}")[2]["saved"])
    server.stop()
    again = start_service(service_process, media, db, ffprobe=fake.executable)
    _, _, stored = request(again, "GET", f"/api/v1/jobs/{job['id']}")
    assert stored["status"] == "completed"
    assert [v["size_bytes"] for v in stored["result"]["videos"]] == [1024]


def test_corrupt_rows_are_quarantined_and_the_service_starts(
    tmp_path: Path,
    media: Path,
    fake_ffprobe: FakeFfprobeFactory,
    service_process: ServiceFactory,
) -> None:
    fake = fake_ffprobe()
    (media / "a.mp4").write_bytes(b"\0" * 1024)
    db = tmp_path / "service.db"
    server = start_service(service_process, media, db, ffprobe=fake.executable)
    good = wait_job(server, post_scan(server, media)["id"])
    wait_for(lambda: request(server, "GET", f"/api/v1/jobs/{good['id']}")[2]["saved"])
    server.stop()
    document = {**good, "id": "x"}
    missing = {key: value for key, value in document.items() if key != "created_at"}
    with sqlite3.connect(db) as connection:
        connection.executemany(
            "INSERT INTO jobs (id, status, created_at, document) VALUES (?, ?, ?, ?)",
            [
                ("bad-json", "completed", "2026-01-01", "{not json"),
                ("missing-key", "completed", "2026-01-01", json.dumps(missing)),
                ("bad-status", "exploded", "2026-01-01", json.dumps({**document, "status": "x"})),
            ],
        )
        connection.execute("INSERT INTO videos (path, document) VALUES ('/v', '[1, 2')")

    again = start_service(service_process, media, db, ffprobe=fake.executable)
    _, _, page = request(again, "GET", "/api/v1/jobs")
    assert [job["id"] for job in page["jobs"]] == [good["id"]]
    for bad in ("bad-json", "missing-key", "bad-status"):
        assert request(again, "GET", f"/api/v1/jobs/{bad}")[0] == 404
        assert sum(f"'{bad}'" in line for line in again.output().splitlines()) == 1
    assert "Traceback" not in again.output()
    _, _, library = request(again, "GET", "/api/v1/videos")
    assert [video["path"] for video in library["videos"]] == [str(media / "a.mp4")]


def test_job_history_is_paged_summarised_and_bounded(
    tmp_path: Path,
    media: Path,
    fake_ffprobe: FakeFfprobeFactory,
    service_process: ServiceFactory,
) -> None:
    fake = fake_ffprobe()
    (media / "a.mp4").write_bytes(b"\0" * 1024)
    server = start_service(
        service_process, media, tmp_path / "service.db", "--retain-jobs", "3",
        ffprobe=fake.executable,
    )  # fmt: skip
    ids = []
    for _ in range(5):
        ids.append(wait_job(server, post_scan(server, media)["id"])["id"])
        wait_for(lambda: request(server, "GET", f"/api/v1/jobs/{ids[-1]}")[2]["saved"])

    seen: list[str] = []
    cursor = None
    while True:
        query = "/api/v1/jobs?limit=2" + ("" if cursor is None else f"&cursor={cursor}")
        status, _, page = request(server, "GET", query)
        assert status == 200, page
        assert len(page["jobs"]) <= 2
        assert all("result" not in job for job in page["jobs"])
        seen += [job["id"] for job in page["jobs"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids[::-1][:3]  # newest first, the two oldest dropped
    _, _, full = request(server, "GET", f"/api/v1/jobs/{ids[-1]}")
    assert len(full["result"]["videos"]) == 1
    assert request(server, "GET", "/api/v1/jobs?limit=0")[0] == 400
    assert request(server, "GET", "/api/v1/jobs?cursor=nonsense")[0] == 400
