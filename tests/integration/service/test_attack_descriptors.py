"""File-descriptor exhaustion, against the real service process started under ``prlimit``:
hundreds of idle event streams must not starve the API or fail the probes of a running scan."""

from __future__ import annotations

import http.client
import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from loopwire.harness.attacks import post_scan, request, wait_job
from loopwire.harness.fake_ffprobe.fakes import Behaviour
from loopwire.harness.fixtures import FakeFfprobeFactory
from loopwire.harness.server import ServerProcess
from tests.integration.service.service_support import touch_videos

pytestmark = pytest.mark.integration

FD_LIMIT = 200
STREAMS = 260


@pytest.fixture
def limited_service(
    tmp_path: Path, media: Path, fake_ffprobe: FakeFfprobeFactory
) -> Iterator[ServerProcess]:
    prlimit = shutil.which("prlimit")
    if prlimit is None:
        pytest.skip("prlimit (util-linux) is not installed")
    fake = fake_ffprobe(rules={"slow-*": Behaviour(delay=3.0)})
    touch_videos(media, "slow-1.mp4", *(f"v{index}.mp4" for index in range(20)))
    command = [
        prlimit, f"--nofile={FD_LIMIT}:{FD_LIMIT}", sys.executable, "-m", "service",
        "--host", "127.0.0.1", "--port", "0", "--media-root", str(media),
        "--db", str(tmp_path / "service.db"), "--ffprobe", str(fake.executable),
        "--max-event-streams", "1000",
    ]  # fmt: skip
    with ServerProcess(command) as server:
        yield server


def test_idle_event_streams_cannot_starve_the_api_or_the_probes(
    limited_service: ServerProcess,
) -> None:
    server = limited_service
    job = post_scan(server, server.command[server.command.index("--media-root") + 1])
    url = urlsplit(server.url(""))
    streams: list[http.client.HTTPConnection] = []
    statuses: list[int] = []
    retry_after: set[str | None] = set()
    try:
        for _ in range(STREAMS):
            connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
            streams.append(connection)
            connection.request("GET", f"/api/v1/jobs/{job['id']}/events")
            response = connection.getresponse()
            statuses.append(response.status)
            if response.status == 503:
                retry_after.add(response.getheader("Retry-After"))
                assert json.loads(response.read())["error"]["code"] == "too_many_streams"
        assert statuses.count(200) > 50
        assert statuses.count(503) > 0
        assert retry_after == {"5"}
        # Under the fd limit, health must still answer (before the fix it timed out); the
        # request's own timeout is the generous bound.
        status, _, health = request(server, "GET", "/api/v1/health", timeout=10)
        assert status == 200, health
        final = wait_job(server, job["id"])
    finally:
        for connection in streams:
            connection.close()
    assert final["status"] == "completed", final
    assert final["result"]["errors"] == []
    assert len(final["result"]["videos"]) == 21
    assert "Traceback" not in server.output()
