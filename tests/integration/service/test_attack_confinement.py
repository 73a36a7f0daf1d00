"""Confinement at probe time, against the real service process: files and folders inside the
media root are swapped for symlinks to outside (``renameat2`` exchange) in a tight loop while
scans run; nothing from outside (name or metadata) may ever reach a job or the library."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from loopwire.harness.attacks import post_scan, request, start_service, wait_job
from loopwire.harness.attacks import swapping as swapping_paths
from loopwire.harness.fixtures import FakeFfprobeFactory, ServiceFactory

pytestmark = pytest.mark.integration

INSIDE_SIZE = 1000
SECRET_SIZE = 7777
SCANS = 6


@pytest.fixture
def swapping(tmp_path: Path, media: Path) -> Iterator[None]:
    """``media`` holds 10 videos and a folder; each video and the folder keep trading places
    with a symlink to outside (a secret video, a folder of secret videos)."""
    outside = tmp_path / "outside"
    (outside / "secret-folder").mkdir(parents=True)
    (outside / "secret.mp4").write_bytes(b"s" * SECRET_SIZE)
    for index in range(5):
        (outside / "secret-folder" / f"secret-{index}.mp4").write_bytes(b"s" * SECRET_SIZE)
    pairs = []
    for index in range(10):
        real = media / f"v{index}.mp4"
        real.write_bytes(b"i" * INSIDE_SIZE)
        link = media / f"v{index}-link.mp4"
        link.symlink_to(outside / "secret.mp4")
        pairs.append((real, link))
    (media / "sub").mkdir()
    (media / "sub" / "inside.mp4").write_bytes(b"i" * INSIDE_SIZE)
    (media / "sub-link").symlink_to(outside / "secret-folder")
    pairs.append((media / "sub", media / "sub-link"))
    with swapping_paths(pairs):
        yield


def test_swapped_symlinks_never_leak_outside_files(
    swapping: None,
    tmp_path: Path,
    media: Path,
    fake_ffprobe: FakeFfprobeFactory,
    service_process: ServiceFactory,
) -> None:
    fake = fake_ffprobe()
    server = start_service(
        service_process, media, tmp_path / "service.db", "--concurrency", "2",
        ffprobe=fake.executable,
    )  # fmt: skip
    probed = 0
    for _ in range(SCANS):
        job = wait_job(server, post_scan(server, media)["id"])
        assert job["status"] == "completed", job
        text = json.dumps(job)
        assert "secret" not in text, text
        sizes = {video["size_bytes"] for video in job["result"]["videos"]}
        assert sizes <= {INSIDE_SIZE}, sizes
        probed += len(job["result"]["videos"])
    _, _, library = request(server, "GET", "/api/v1/videos")
    assert "secret" not in json.dumps(library)
    assert {video["size_bytes"] for video in library["videos"]} <= {INSIDE_SIZE}
    # The swaps did not simply stop every probe: files were probed while the loop ran.
    assert probed > 0
    assert all(
        inv.path is None or not os.path.basename(inv.path).startswith("secret")
        for inv in fake.invocations()
    )
