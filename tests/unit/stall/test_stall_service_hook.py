"""Negative control on the reference service: a 50 ms per-file hook reached through a dict.

This is the bug the linter cannot see (a call through a registry) and the responsiveness
harness's poll bound lets through. The broken service is built the way a user would build it,
through ``create_app``'s prober injection, never through a switch in the product. Run under the
project's own stall threshold, its scan test fails and the report names the hook's line; the
same test against the unmodified service passes.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from loopwire.wiring.pytest_wiring import WiringRecorder
from tests.unit.stall.stall_sessions import line_of, run_guarded

pytest_plugins = ["pytester"]

PYPROJECT = Path(__file__).resolve().parents[3] / "pyproject.toml"

SERVICE_SCAN = """
import asyncio
import time
from pathlib import Path

from loopwire.harness.fake_ffprobe.fakes import Behaviour
from service.app import create_app
from service.config import ServiceConfig
from service.probe import FfprobeProber


def make_thumbnail(path):
    time.sleep(0.05)  # culprit: per-file hook


PER_FILE_HOOKS = {".mp4": make_thumbnail}


class HookedProber(FfprobeProber):
    async def probe(self, path):
        PER_FILE_HOOKS[path.suffix](path)
        return await super().probe(path)


async def scan(tmp_path, aiohttp_client, fake_ffprobe, prober_class):
    fake = fake_ffprobe(default=Behaviour(delay=0.05))
    media = tmp_path / "media"
    media.mkdir()
    for index in range(6):
        (media / f"clip-{index}.mp4").touch()
    config = ServiceConfig(
        media_roots=(media,), db_path=tmp_path / "jobs.db", ffprobe=str(fake.executable),
        concurrency=2,
    )
    prober = prober_class(config.ffprobe, config.concurrency, config.probe_timeout)
    client = await aiohttp_client(create_app(config, prober=prober))
    job = await (await client.post("/api/v1/scans", json={"path": str(media)})).json()
    for _ in range(200):
        job = await (await client.get(f"/api/v1/jobs/{job['id']}")).json()
        if job["status"] == "completed":
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"scan did not complete: {job}")


async def test_scan_with_the_hook(tmp_path, aiohttp_client, fake_ffprobe):
    await scan(tmp_path, aiohttp_client, fake_ffprobe, HookedProber)


async def test_scan_without_the_hook(tmp_path, aiohttp_client, fake_ffprobe):
    await scan(tmp_path, aiohttp_client, fake_ffprobe, FfprobeProber)
"""


@pytest.fixture
def outer_recording_paused(wiring_recorder: WiringRecorder) -> Iterator[None]:
    """The inner session's apps are not the outer run's: keep them out of its wiring report."""
    with wiring_recorder.paused():
        yield


def project_settings() -> tuple[str, list[str]]:
    """The project's own threshold and allowed sites, as ini values."""
    with PYPROJECT.open("rb") as file:
        document = tomllib.load(file)
    threshold = document["tool"]["pytest"]["ini_options"]["loopwire_stall"]
    allowed = document["tool"]["loopwire"]["stall"]["allow"]
    return threshold, [f"{rule['site']} = {rule['reason']}" for rule in allowed]


@pytest.mark.usefixtures("outer_recording_paused")
def test_hooked_service_fails_naming_the_hook(pytester: pytest.Pytester) -> None:
    """Under the settings of this project's own suite."""
    pytester.makepyfile(test_service_scan=SERVICE_SCAN)
    threshold, allowed = project_settings()
    result = run_guarded(pytester, f"--loopwire-stall={threshold}", allow=allowed)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["FAILED test_service_scan.py::test_scan_with_the_hook*"])
    hook = f"test_service_scan.py:{line_of(SERVICE_SCAN, 'culprit: per-file hook')}"
    assert f"at {hook} make_thumbnail (" in result.stdout.str()
