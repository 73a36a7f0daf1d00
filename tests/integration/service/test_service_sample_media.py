"""``python -m service.sample_media``: real videos, 50 of them, and a second run changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from service.sample_media import TOTAL_VIDEOS, generate

pytestmark = [pytest.mark.integration, pytest.mark.needs_ffmpeg]


def test_generates_fifty_videos_idempotently(tmp_path: Path) -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg not installed: apt-get install ffmpeg")
    folder = tmp_path / "sample"

    videos = generate(folder)
    stamps = {path: path.stat().st_mtime_ns for path in folder.rglob("*")}
    again = generate(folder)

    assert len(videos) == TOTAL_VIDEOS
    assert sorted(again) == sorted(videos)
    assert {p.suffix for p in videos} == {".mp4", ".mkv", ".webm", ".mov"}
    assert len({p.parent for p in videos}) > 3  # spread over sub-folders
    assert {path: path.stat().st_mtime_ns for path in folder.rglob("*")} == stamps
    assert not list(folder.glob(".partial-*"))
