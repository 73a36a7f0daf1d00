"""The body of every fake ``ffprobe`` that :mod:`loopwire.harness.fake_ffprobe.fakes` writes.

It is copied verbatim beside the fake and run as ``python -I`` on it, a standalone script, so it
imports only the standard library (never ``checks``): it must start fast and work whatever
``PYTHONPATH`` the service under test was given. Its configuration is the JSON file beside it.

The fast fake (:mod:`loopwire.harness.fake_ffprobe.shell`) hands over to this script for what a
shell cannot do cheaply (see there), so both write the same output and the same invocation log:
one record file per run (format in :mod:`loopwire.harness.fake_ffprobe.log`), started before
anything slow, so a test can prove the slow path ran, how many probes overlapped and whether any
process outlived a timeout or a cancel.
"""

from __future__ import annotations

import fnmatch
import json
import math
import os
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

CONFIG_NAME = "fake_ffprobe.json"
SCRIPT_NAME = "fake_ffprobe.py"
# Extension of the per-invocation record files in the log directory.
RECORD_SUFFIX = ".rec"
VERSION_LINE = "ffprobe version 6.1-loopwire-fake Copyright (c) the loopwire harness"

# What real ffprobe reports for a container, keyed by file extension.
FORMAT_NAMES = {
    ".mkv": ("matroska,webm", "Matroska / WebM"),
    ".webm": ("matroska,webm", "Matroska / WebM"),
    ".avi": ("avi", "AVI (Audio Video Interleaved)"),
}
MP4_FORMAT = ("mov,mp4,m4a,3gp,3g2,mj2", "QuickTime / MOV")
# The ffmpeg preset reports about this often (real ffmpeg: every 0.5 s by default).
REPORT_INTERVAL = 0.1
FLOOD_CHUNK = 64 * 1024


def probed_path(argv: list[str]) -> str | None:
    """The input ffprobe would open: after ``--``, after ``-i``, else the last non-option word."""
    for marker in ("--", "-i"):
        if marker in argv[:-1]:
            return argv[argv.index(marker) + 1]
    words = [arg for arg in argv if not arg.startswith("-")]
    return words[-1] if words else None


def process_start_ticks(pid: int) -> int | None:
    """Kernel start time of ``pid`` (field 22 of /proc/PID/stat): tells a reused pid apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may contain spaces; the fields after its ")" do not.
    return int(stat.rsplit(")", 1)[1].split()[19])


def claim_turn(log_dir: Path) -> int:
    """This run's place in start order, 0 first: the first free ``turn-N`` name, created
    exclusively, so concurrent runs never share a turn."""
    turn = 0
    while True:
        try:
            os.close(os.open(log_dir / f"turn-{turn}", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            turn += 1
        else:
            return turn


def inherited_file(path: str | None) -> str | None:
    """The file behind ``/dev/fd/N`` (how a confined service hands ffprobe an open file), as
    its real path, so rules and output follow the file; None for any other path."""
    if path is None or not path.startswith("/dev/fd/") or not path[8:].isdigit():
        return None
    try:
        return os.readlink(f"/proc/self/fd/{path[8:]}")
    except OSError:
        return None


def choose(config: dict[str, Any], path: str | None) -> dict[str, Any]:
    schedule = config.get("schedule") or []
    if schedule:
        turn = claim_turn(Path(config["log_dir"]))
        if turn < len(schedule):
            return dict(schedule[turn])
    name = os.path.basename(path) if path else ""
    for pattern, behaviour in config["rules"]:
        if fnmatch.fnmatchcase(name, pattern):
            return dict(behaviour)
    return dict(config["default"])


def record(log_file: Path, *fields: str | bytes) -> None:
    """Append one record: NUL-terminated fields, so a reader can tell a half-written one."""
    data = b"".join((f if isinstance(f, bytes) else f.encode()) + b"\0" for f in fields)
    with log_file.open("ab") as stream:
        stream.write(data)


def bit_rate(size: int, duration: float) -> int:
    """Bits per second over the decimal duration, in integers (as the shell fake computes it)."""
    if duration <= 0:
        return 0
    exact = Fraction(repr(duration))
    return size * 8 * exact.denominator // exact.numerator


def format_names(path: str) -> tuple[str, str]:
    return FORMAT_NAMES.get(os.path.splitext(path)[1].lower(), MP4_FORMAT)


def ok_document(path: str, behaviour: dict[str, Any], opened: str | None = None) -> dict[str, Any]:
    """A document shaped like ``ffprobe -print_format json -show_format -show_streams``.

    ``opened`` is what to measure when it differs from ``path`` (the ``/dev/fd/N`` handed over):
    the open file, not whatever its path names by now."""
    try:
        size = os.stat(opened or path).st_size
    except OSError:
        size = 0
    rate = bit_rate(size, float(behaviour["duration"]))
    format_name, long_name = format_names(path)
    per_file = {
        "filename": path,
        "size": str(size),
        "bit_rate": str(rate),
        "video_bit_rate": str(max(rate - 128000, 0)),
        "format_name": format_name,
        "format_long_name": long_name,
    }
    return document(per_file, behaviour)


def frame_rate(behaviour: dict[str, Any]) -> float:
    numerator, _, denominator = str(behaviour["frame_rate"]).partition("/")
    return float(numerator) / float(denominator or 1)


def frame_count(behaviour: dict[str, Any]) -> int:
    """The video's frames: what the ffprobe document says and the ffmpeg preset reaches."""
    return round(float(behaviour["duration"]) * frame_rate(behaviour))


def document(per_file: dict[str, str], behaviour: dict[str, Any]) -> dict[str, Any]:
    """The ``ok`` document from the values of the probed file and those the behaviour fixes.

    Every per-file value is a string, so that the shell fake can print this very document with
    markers in their place.
    """
    duration = float(behaviour["duration"])
    video = {
        "index": 0,
        "codec_name": "h264",
        "codec_long_name": "H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10",
        "profile": "High",
        "codec_type": "video",
        "width": behaviour["width"],
        "height": behaviour["height"],
        "pix_fmt": "yuv420p",
        "r_frame_rate": behaviour["frame_rate"],
        "avg_frame_rate": behaviour["frame_rate"],
        "time_base": "1/15360",
        "start_time": "0.000000",
        "duration": f"{duration:.6f}",
        "bit_rate": per_file["video_bit_rate"],
        "nb_frames": str(frame_count(behaviour)),
    }
    audio = {
        "index": 1,
        "codec_name": "aac",
        "codec_long_name": "AAC (Advanced Audio Coding)",
        "codec_type": "audio",
        "sample_rate": "44100",
        "channels": 2,
        "channel_layout": "stereo",
        "time_base": "1/44100",
        "start_time": "0.000000",
        "duration": f"{duration:.6f}",
        "bit_rate": "128000",
        "nb_frames": str(round(duration * 44100 / 1024)),
    }
    return {
        "streams": [video, audio],
        "format": {
            "filename": per_file["filename"],
            "nb_streams": 2,
            "nb_programs": 0,
            "format_name": per_file["format_name"],
            "format_long_name": per_file["format_long_name"],
            "start_time": "0.000000",
            "duration": f"{duration:.6f}",
            "size": per_file["size"],
            "bit_rate": per_file["bit_rate"],
            "probe_score": 100,
        },
    }


def spawn_grandchild(seconds: float) -> subprocess.Popen[bytes]:
    """A process that inherits stdout/stderr (so the reader never sees EOF) and just sleeps."""
    return subprocess.Popen(
        [sys.executable, "-I", "-c", f"import time; time.sleep({seconds!r})"],
        stdin=subprocess.DEVNULL,
    )


def ffmpeg_output(argv: list[str]) -> str | None:
    """The file ffmpeg writes: its last argument, an image sequence's pattern as its first."""
    if not argv or argv[-1].startswith("-") or argv[-1] == "-":
        return None
    return argv[-1].replace("%05d", "00001").replace("%d", "1")


def act_ffmpeg(argv: list[str], behaviour: dict[str, Any], hang: bool) -> None:
    """``ffmpeg -progress pipe:1``: the output file at once, then a report every
    :data:`REPORT_INTERVAL` up to the last frame (half-way for a ``hang``, which then stops)."""
    output = ffmpeg_output(argv)
    if output is not None:
        with open(output, "wb") as stream:
            stream.write(b"fake ffmpeg output\n")
    frames = frame_count(behaviour) // (2 if hang else 1)
    delay = float(behaviour["delay"])
    reports = max(1, math.ceil(delay / REPORT_INTERVAL))
    start = time.monotonic()
    for index in range(1, reports + 1):
        time.sleep(max(0.0, start + delay * index / reports - time.monotonic()))
        frame = frames * index // reports
        end = index == reports and not hang
        sys.stdout.write(
            f"frame={frame}\nfps={frame / max(time.monotonic() - start, 1e-3):.2f}\n"
            f"out_time_us={round(frame / frame_rate(behaviour) * 1e6)}\n"
            f"progress={'end' if end else 'continue'}\n"
        )
        sys.stdout.flush()
    if hang:
        time.sleep(float(behaviour["hang_seconds"]))


def flood(behaviour: dict[str, Any]) -> None:
    """``flood_bytes`` bytes with no newline on stdout, then a hang; ends quietly once the
    reader is gone."""
    left = int(behaviour["flood_bytes"])
    chunk = b"x" * FLOOD_CHUNK
    try:
        while left > 0:
            left -= os.write(sys.stdout.fileno(), chunk[:left])
    except BrokenPipeError:
        return
    time.sleep(float(behaviour["hang_seconds"]))


def main() -> int:
    here = Path(__file__).resolve().parent
    config = json.loads((here / CONFIG_NAME).read_text())
    argv = sys.argv[1:]
    path = probed_path(argv)
    pid = os.getpid()
    start = repr(time.time())
    ticks = process_start_ticks(pid)
    log_file = Path(config["log_dir"]) / f"{start}-{pid}{RECORD_SUFFIX}"
    record(
        log_file,
        "S",
        str(pid),
        start,
        "" if ticks is None else str(ticks),
        str(len(argv)),
        *map(os.fsencode, argv),
    )

    opened = path
    resolved = inherited_file(path)
    if resolved is not None:
        path = resolved
        record(log_file, "P", os.fsencode(path))

    if "-version" in argv:
        print(VERSION_LINE)
        sys.stdout.flush()
        record(log_file, "E", repr(time.time()))
        return 0

    behaviour = choose(config, path)
    mode = behaviour["mode"]
    acts_ffmpeg = config.get("preset") == "ffmpeg" and behaviour.get("output") is None
    if acts_ffmpeg and mode in ("ok", "hang"):
        act_ffmpeg(argv, behaviour, hang=mode == "hang")
        record(log_file, "E", repr(time.time()))
        return 0
    if mode == "grandchild":
        child = spawn_grandchild(float(behaviour["hang_seconds"]))
        child_ticks = process_start_ticks(child.pid)
        record(log_file, "G", str(child.pid), "" if child_ticks is None else str(child_ticks))
    time.sleep(float(behaviour["delay"]))
    if mode == "flood":
        flood(behaviour)
        record(log_file, "E", repr(time.time()))
        return 1
    if mode == "hang" or (mode == "grandchild" and behaviour["after_spawn"] == "hang"):
        time.sleep(float(behaviour["hang_seconds"]))

    status = 0
    if mode == "garbage":
        sys.stdout.write("this is not JSON {\x00 ]]\n")
    elif mode == "fail":
        sys.stderr.write(f"{path}: {behaviour['stderr']}\n")
        status = int(behaviour["exit_code"])
    elif behaviour.get("output") is not None:
        sys.stdout.write(behaviour["output"])
    else:
        json.dump(ok_document(path or "", behaviour, opened), sys.stdout, indent=4)
        sys.stdout.write("\n")
    sys.stdout.flush()
    sys.stderr.flush()
    record(log_file, "E", repr(time.time()))
    return status


if __name__ == "__main__":
    sys.exit(main())
