"""The generic fake program: any name, output of its own, behaviour chosen per file."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from loopwire.harness.fake_program import Behaviour, FakeProgram


def test_fake_program_has_its_name_and_prints_its_output(
    fake_program: Callable[..., FakeProgram],
) -> None:
    fake = fake_program(
        "convert",
        rules={"bad*": Behaviour(mode="fail", exit_code=3, stderr="broken")},
        default=Behaviour(output="converted\n"),
    )
    assert shutil.which("convert") == str(fake.executable)
    good = subprocess.run(["convert", "-q", "in.png"], capture_output=True, text=True, check=False)
    assert (good.returncode, good.stdout) == (0, "converted\n")
    bad = subprocess.run(["convert", "bad.png"], capture_output=True, text=True, check=False)
    assert bad.returncode == 3
    assert "bad.png: broken" in bad.stderr
    assert [inv.argv[-1] for inv in fake.invocations()] == ["in.png", "bad.png"]


def test_ffprobe_preset_still_prints_the_ffprobe_document(
    fake_ffprobe: Callable[..., FakeProgram],
) -> None:
    fake = fake_ffprobe()
    run = subprocess.run(
        [str(fake.executable), "-of", "json", "clip.mp4"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0
    assert '"streams"' in run.stdout


def test_schedule_gives_each_run_in_turn_its_behaviour_then_the_rules(
    fake_program: Callable[..., FakeProgram],
) -> None:
    fake_program(
        "upload",
        default=Behaviour(output="default\n"),
        schedule=[Behaviour(output="first\n"), Behaviour(mode="fail", exit_code=4)],
    )
    runs = [
        subprocess.run(["upload", "same.bin"], capture_output=True, text=True, check=False)
        for _ in range(3)
    ]
    assert [(run.returncode, run.stdout) for run in runs] == [
        (0, "first\n"),
        (4, ""),
        (0, "default\n"),
    ]


def progress_reports(stdout: str) -> list[dict[str, str]]:
    """``-progress`` output as reports, each ended by its ``progress=`` line."""
    reports, report = [], {}
    for line in stdout.splitlines():
        key, _, value = line.partition("=")
        report[key] = value
        if key == "progress":
            reports.append(report)
            report = {}
    return reports


def run_ffmpeg(fake: FakeProgram, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(fake.executable), "-progress", "pipe:1", *args]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=30)


def test_ffmpeg_preset_reports_progress_to_the_frame_count_ffprobe_gives(
    fake_program: Callable[..., FakeProgram], tmp_path: Path
) -> None:
    shape = Behaviour(delay=0.3, duration=2.0, frame_rate="25")
    fake = fake_program("ffmpeg", default=shape)
    probe = fake_program("ffprobe", default=shape)

    run = run_ffmpeg(fake, "-i", "in.mp4", "-vf", "fps=1", str(tmp_path / "thumb-%05d.jpg"))

    assert run.returncode == 0, run.stderr
    frames = [int(report["frame"]) for report in progress_reports(run.stdout)]
    assert len(frames) >= 3
    assert frames == sorted(frames)
    assert frames[-1] == 50
    assert progress_reports(run.stdout)[-1]["progress"] == "end"
    assert (tmp_path / "thumb-00001.jpg").is_file()
    document = subprocess.run([str(probe.executable), "in.mp4"], capture_output=True, check=True)
    assert json.loads(document.stdout)["streams"][0]["nb_frames"] == "50"


def test_ffmpeg_preset_hang_stops_half_way_without_an_end(
    fake_program: Callable[..., FakeProgram], tmp_path: Path
) -> None:
    fake = fake_program(
        "ffmpeg",
        default=Behaviour(mode="hang", delay=0.2, duration=2.0, frame_rate="25", hang_seconds=0.5),
    )
    started = time.monotonic()
    run = run_ffmpeg(fake, "-i", "in.mp4", str(tmp_path / "out.mp4"))

    assert time.monotonic() - started >= 0.5  # it sat there after its last report
    reports = progress_reports(run.stdout)
    assert reports[-1] == {**reports[-1], "frame": "25", "progress": "continue"}
    assert (tmp_path / "out.mp4").is_file()


def test_flood_writes_its_bytes_with_no_newline(fake_program: Callable[..., FakeProgram]) -> None:
    fake = fake_program(
        "ffmpeg", default=Behaviour(mode="flood", flood_bytes=300_000, hang_seconds=0)
    )
    run = subprocess.run(
        [str(fake.executable), "-i", "in.mp4", "out.mp4"], capture_output=True, check=False
    )
    assert (len(run.stdout), run.stdout.count(b"\n")) == (300_000, 0)
