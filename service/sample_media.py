"""``python -m service.sample_media DIR``: a sample media folder for ``nox -s serve``.

Four real one-second videos (mp4, mkv, webm, mov) made by ffmpeg's ``testsrc``, copied into
sub-folders up to 50 files, plus a broken "video" and a text file so that a scan shows per-file
errors and skipped files too. Idempotent (existing files are kept) and quick (ffmpeg runs four
times at most). A command-line tool, not service code: it runs before any event loop exists.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

TESTSRC = ["-f", "lavfi", "-i", "testsrc=duration=1:size=160x120:rate=10"]
ORIGINALS: dict[str, list[str]] = {
    "testsrc.mp4": [*TESTSRC, "-pix_fmt", "yuv420p", "-c:v", "libx264"],
    "testsrc.mkv": [*TESTSRC, "-pix_fmt", "yuv420p", "-c:v", "libx264"],
    "testsrc.webm": [*TESTSRC, "-c:v", "libvpx-vp9", "-deadline", "realtime"],
    "testsrc.mov": [*TESTSRC, "-pix_fmt", "yuv420p", "-c:v", "libx264"],
}
FOLDERS = ("holidays", "holidays/2024", "talks", "talks/archive", "misc")
TOTAL_VIDEOS = 50


def generate(folder: Path, ffmpeg: str = "ffmpeg") -> list[Path]:
    """Create (or complete) the sample folder; return every video file in it."""
    folder.mkdir(parents=True, exist_ok=True)
    originals = []
    for name, arguments in ORIGINALS.items():
        target = folder / name
        if not target.exists():
            partial = target.with_name(f".partial-{name}")
            command = [ffmpeg, "-nostdin", "-v", "error", "-y", *arguments, str(partial)]
            subprocess.run(command, check=True, timeout=120)
            partial.replace(target)  # a killed run never leaves a half-written video behind
        originals.append(target)
    videos = list(originals)
    for index in range(TOTAL_VIDEOS - len(originals) - 1):
        source = originals[index % len(originals)]
        sub = folder / FOLDERS[index % len(FOLDERS)]
        sub.mkdir(parents=True, exist_ok=True)
        copy = sub / f"clip-{index:02d}{source.suffix}"
        if not copy.exists():
            shutil.copyfile(source, copy)
        videos.append(copy)
    broken = folder / "misc" / "broken.mp4"
    if not broken.exists():
        broken.write_bytes(b"not really a video\n")
    videos.append(broken)
    notes = folder / "README.txt"
    if not notes.exists():
        notes.write_text("Sample media for loopwire's reference service (nox -s serve).\n")
    return videos


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m service.sample_media", description="write a sample media folder"
    )
    parser.add_argument("folder", type=Path)
    parser.add_argument("--ffmpeg", default="ffmpeg", help="ffmpeg executable (%(default)s)")
    args = parser.parse_args(argv)
    if shutil.which(args.ffmpeg) is None:
        parser.error(f"{args.ffmpeg} not found; install it (Debian: apt-get install ffmpeg)")
    videos = generate(args.folder, args.ffmpeg)
    print(f"{len(videos)} sample videos in {args.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
