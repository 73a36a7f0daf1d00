"""Inputs of the service scenarios: empty ``*.mp4`` files and tiny real videos.

The real videos are generated once with ffmpeg's ``testsrc`` and kept in the bench cache
(a ``complete`` marker says the set is whole), because generating 200 of them costs more than
probing them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

COMPLETE = "complete"


def empty_files(directory: Path, count: int, suffix: str = ".mp4") -> list[Path]:
    """``count`` empty files named ``file000000.mp4``... in ``directory`` (created)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / f"file{index:06d}{suffix}" for index in range(count)]
    for path in paths:
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o644))
    return paths


def _generate(ffmpeg: str, target: Path, index: int) -> None:
    # Varied sizes and lengths, all tiny: the bench times probing, not decoding.
    width, height = (64, 48) if index % 2 else (96, 64)
    seconds = 1 + index % 3
    subprocess.run(
        [
            ffmpeg, "-nostdin", "-v", "error", "-y", "-f", "lavfi",
            "-i", f"testsrc=duration={seconds}:size={width}x{height}:rate=10",
            "-c:v", "mpeg4", "-pix_fmt", "yuv420p", str(target),
        ],
        check=True,
        timeout=60,
    )  # fmt: skip


def tiny_videos(cache_dir: Path, count: int) -> Path:
    """A directory of ``count`` generated videos, reused from the cache when complete."""
    directory = cache_dir / f"videos-{count}"
    if (directory / COMPLETE).is_file():
        return directory
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise FileNotFoundError("ffmpeg not installed: apt-get install ffmpeg")
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    targets = [directory / f"video{index:03d}.mp4" for index in range(count)]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(
            pool.map(lambda pair: _generate(ffmpeg, *pair), zip(targets, range(count), strict=True))
        )
    (directory / COMPLETE).write_text(f"{count}\n")
    return directory
