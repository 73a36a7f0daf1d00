"""Fixtures of the browser tests: Debian's chromium through Playwright, and a served media folder.

The browser is never downloaded: Playwright drives ``/usr/bin/chromium`` (``executable_path``).
Without it the tests skip with the install command (a failure under ``CI=true``).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, sync_playwright

from loopwire.harness.fake_ffprobe.fakes import Behaviour, FakeFfprobe
from loopwire.harness.server import ServerProcess

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Stopping the distributed backend waits for its workers to stop their runs: seconds under load.
LAUNCHER_STOP_SECONDS = 30.0


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip("chromium not installed: apt-get install -y --no-install-recommends chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass(frozen=True)
class ServedMedia:
    server: ServerProcess
    media: Path
    files: list[Path]
    fake: FakeFfprobe

    @property
    def base_url(self) -> str:
        assert self.server.base_url is not None
        return self.server.base_url

    def wait_for_hanging_probe(self, timeout: float = 10.0) -> None:
        """Wait until a probe of a hanging file runs (it then needs a kill to end)."""
        deadline = time.monotonic() + timeout
        while not any("zz-hang" in (inv.path or "") for inv in self.fake.invocations()):
            assert time.monotonic() < deadline, "no probe of a hanging file ever started"
            time.sleep(0.05)

    def get_json(self, path: str) -> Any:
        with urllib.request.urlopen(self.server.url(path), timeout=10) as response:
            return json.loads(response.read())


ServeMedia = Callable[..., ServedMedia]


@pytest.fixture
def backend() -> str:
    """Where scans are probed: "embedded" (in the service) or "redis" (a worker process fed
    through a redis-server, both started by :mod:`loopwire.harness.redis_backend`)."""
    return "embedded"


@pytest.fixture
def distributed_queue(
    backend: str, tmp_path: Path, fake_ffprobe: Callable[..., FakeFfprobe]
) -> Iterator[Callable[[Path, FakeFfprobe], list[str]]]:
    """The service arguments of the chosen backend for a media folder and fake: none, or a
    queue URL served by one worker of concurrency 1 (the embedded tests' ``--concurrency 1``)."""
    launched: list[subprocess.Popen[bytes]] = []

    def arguments(media: Path, fake: FakeFfprobe) -> list[str]:
        if backend == "embedded":
            return []
        launcher = subprocess.Popen(
            [sys.executable, "-m", "loopwire.harness.redis_backend", "--media-root", str(media),
             "--ffprobe", str(fake.executable), "--workers", "1"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        launched.append(launcher)
        assert launcher.stdout is not None
        url = launcher.stdout.readline().decode().strip()
        assert url.startswith("redis://"), f"the distributed backend did not start: {url!r}"
        return ["--queue", url, "--batch-size", "1"]

    yield arguments
    for launcher in launched:
        # SIGTERM lets the launcher stop its workers and redis-server and remove its temporary
        # directory (a SIGKILL left one behind in /tmp per test); the group's SIGKILL ends
        # whatever a stuck shutdown leaves.
        launcher.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            launcher.wait(timeout=LAUNCHER_STOP_SECONDS)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(launcher.pid, signal.SIGKILL)
        launcher.wait()
        if launcher.stdout is not None:
            launcher.stdout.close()


@pytest.fixture
def serve_media(
    tmp_path: Path,
    fake_ffprobe: Callable[..., FakeFfprobe],
    service_process: Callable[..., ServerProcess],
    distributed_queue: Callable[[Path, FakeFfprobe], list[str]],
) -> ServeMedia:
    """Factory: ``count`` files behind a fake ffprobe taking ``delay`` s each; ``broken`` of them
    make it fail (they end up as per-file errors) and ``hanging`` of them (probed last) make it
    hang until it is killed. Scans are probed where ``backend`` says."""

    def serve(count: int = 8, delay: float = 0.4, broken: int = 0, hanging: int = 0) -> ServedMedia:
        media = tmp_path / "media"
        (media / "empty-subfolder").mkdir(parents=True)
        files = [media / f"clip{i:02d}.mp4" for i in range(count - broken - hanging)]
        files += [media / f"broken{i:02d}.mp4" for i in range(broken)]
        files += [media / f"zz-hang{i:02d}.mp4" for i in range(hanging)]
        for file in files:
            file.write_bytes(b"not really a video; the fake ffprobe answers for it")
        fake = fake_ffprobe(
            rules={
                "broken*": Behaviour(delay=delay, mode="fail"),
                "zz-hang*": Behaviour(mode="hang"),
            },
            default=Behaviour(delay=delay),
        )
        server = service_process(
            "--media-root", str(media),
            "--db", str(tmp_path / "service.db"),
            "--ffprobe", str(fake.executable),
            "--concurrency", "1",
            *distributed_queue(media, fake),
        )  # fmt: skip
        return ServedMedia(server=server, media=media, files=sorted(files), fake=fake)

    return serve
