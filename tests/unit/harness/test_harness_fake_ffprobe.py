"""The fake ffprobe is a real executable: run it as the service would and check what it did.

Behaviour tests run against both engines: the shell fake every test gets by default and the
Python fake it hands over to (``fast=False`` makes every run the Python one).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from loopwire.cli import main as loopwire_main
from loopwire.harness.fake_ffprobe.fakes import Behaviour, FakeFfprobe, write_fake_ffprobe
from loopwire.harness.fake_ffprobe.script import probed_path
from loopwire.harness.fixtures import FakeFfprobeFactory
from loopwire.harness.processes import process_alive

ARGS = ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", "--"]
ENGINES = pytest.mark.parametrize("fast", [True, False], ids=["shell", "python"])


def probe(fake: FakeFfprobe, path: str, timeout: float = 10) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(fake.executable), *ARGS, path], capture_output=True, text=True, timeout=timeout
    )


def wait_until(condition: object, timeout: float = 10) -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


@ENGINES
def test_ok_output_is_shaped_like_real_ffprobe(tmp_path: Path, fast: bool) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"x" * 5000)
    fake = write_fake_ffprobe(
        tmp_path / "fake", default=Behaviour(duration=4.0, width=640, height=360), fast=fast
    )
    result = probe(fake, str(video))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    fmt = document["format"]
    assert fmt["filename"] == str(video)
    assert fmt["nb_streams"] == 2
    assert fmt["format_name"] == "mov,mp4,m4a,3gp,3g2,mj2"
    assert fmt["duration"] == "4.000000"
    assert fmt["size"] == "5000"
    assert fmt["bit_rate"] == str(5000 * 8 // 4)
    video_stream, audio_stream = document["streams"]
    assert video_stream["codec_type"] == "video"
    assert video_stream["codec_name"] == "h264"
    assert (video_stream["width"], video_stream["height"]) == (640, 360)
    assert video_stream["r_frame_rate"] == "30/1"
    assert video_stream["nb_frames"] == "120"
    assert audio_stream["codec_type"] == "audio"
    assert audio_stream["codec_name"] == "aac"


@ENGINES
def test_invocation_is_logged_with_argv_path_start_and_end(tmp_path: Path, fast: bool) -> None:
    fake = write_fake_ffprobe(tmp_path / "fake", default=Behaviour(delay=0.3), fast=fast)
    before = time.time()
    result = probe(fake, "/media/a.mkv")
    assert result.returncode == 0
    (invocation,) = fake.invocations()
    assert invocation.argv == (*ARGS, "/media/a.mkv")
    assert invocation.path == "/media/a.mkv"
    assert invocation.end is not None
    assert before <= invocation.start
    assert invocation.end - invocation.start >= 0.3
    assert json.loads(result.stdout)["format"]["format_name"] == "matroska,webm"
    assert fake.alive_pids() == []


@ENGINES
def test_rules_match_basename_and_first_match_wins(tmp_path: Path, fast: bool) -> None:
    fake = write_fake_ffprobe(
        tmp_path / "fake",
        rules={
            "bad*": Behaviour(mode="garbage"),
            "*.avi": Behaviour(mode="fail", exit_code=7, stderr="moov atom not found"),
            "bad.avi": Behaviour(mode="hang"),
        },
        fast=fast,
    )
    garbage = probe(fake, "/bad/dir/bad.avi")
    assert garbage.returncode == 0
    with pytest.raises(json.JSONDecodeError):
        json.loads(garbage.stdout)
    failed = probe(fake, "/bad/dir/clip.avi")
    assert failed.returncode == 7
    assert "moov atom not found" in failed.stderr
    assert failed.stdout == ""
    assert probe(fake, "/bad/dir/clip.mp4").returncode == 0


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["-v", "error", "--", "-odd-name.mp4"], "-odd-name.mp4"),
        (["-show_format", "-i", "in.mp4"], "in.mp4"),
        (["-show_format", "-print_format", "json", "last.mp4"], "last.mp4"),
        (["-version"], None),
    ],
)
def test_probed_path(argv: list[str], expected: str | None) -> None:
    assert probed_path(argv) == expected


@ENGINES
def test_hang_runs_until_killed_and_is_reported_alive(tmp_path: Path, fast: bool) -> None:
    fake = write_fake_ffprobe(tmp_path / "fake", default=Behaviour(mode="hang"), fast=fast)
    process = subprocess.Popen(
        [str(fake.executable), "--", "x.mp4"], stdout=subprocess.DEVNULL, start_new_session=True
    )
    try:
        wait_until(lambda: len(fake.invocations()) == 1)
        time.sleep(0.3)
        assert process.poll() is None
        assert fake.alive_pids() == [process.pid]
        assert fake.alive_pids("x.mp4") == [process.pid]
        assert fake.alive_pids("y.mp4") == []
        assert fake.invocations()[0].end is None
        assert fake.kill_survivors() == [process.pid]
        process.wait(timeout=10)
        assert fake.alive_pids() == []
    finally:
        process.kill()
        process.wait(timeout=10)


@ENGINES
def test_grandchild_holds_stdout_until_the_process_group_is_killed(
    tmp_path: Path, fast: bool
) -> None:
    fake = write_fake_ffprobe(tmp_path / "fake", default=Behaviour(mode="grandchild"), fast=fast)
    process = subprocess.Popen(
        [str(fake.executable), "--", "x.mp4"], stdout=subprocess.PIPE, start_new_session=True
    )
    assert process.stdout is not None
    try:
        # The fake itself answers and exits...
        assert process.wait(timeout=10) == 0
        (invocation,) = fake.invocations()
        assert invocation.end is not None
        assert invocation.grandchild_pid is not None
        # ...but its grandchild still holds the pipe, so a reader would wait for EOF forever.
        assert fake.alive_pids() == [invocation.grandchild_pid]
        assert os.getpgid(invocation.grandchild_pid) == process.pid
        os.killpg(process.pid, signal.SIGKILL)
        json.loads(process.stdout.read())  # EOF arrives once the group is gone
        wait_until(lambda: fake.alive_pids() == [])
    finally:
        process.stdout.close()
        process.kill()


@ENGINES
def test_max_concurrency_counts_overlapping_runs(tmp_path: Path, fast: bool) -> None:
    fake = write_fake_ffprobe(tmp_path / "fake", default=Behaviour(delay=1.0), fast=fast)
    processes = [
        subprocess.Popen([str(fake.executable), "--", f"{n}.mp4"], stdout=subprocess.DEVNULL)
        for n in range(3)
    ]
    for process in processes:
        assert process.wait(timeout=20) == 0
    assert fake.max_concurrency() == 3
    assert probe(fake, "after.mp4").returncode == 0
    assert fake.max_concurrency() == 3
    assert len(fake.invocations()) == 4


def test_sequential_runs_do_not_overlap(tmp_path: Path) -> None:
    fake = write_fake_ffprobe(tmp_path / "fake", default=Behaviour(delay=0.1))
    for n in range(3):
        assert probe(fake, f"{n}.mp4").returncode == 0
    assert fake.max_concurrency() == 1


def test_process_alive_rejects_dead_and_zombie_processes() -> None:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    wait_until(lambda: not process_alive(process.pid))  # a zombie until reaped
    process.wait(timeout=10)
    assert not process_alive(process.pid)
    assert process_alive(os.getpid())


def test_behaviour_rejects_unknown_mode() -> None:
    with pytest.raises(ValueError, match="unknown mode"):
        Behaviour(mode="sleepy")  # type: ignore[arg-type]


def test_fixture_puts_the_fake_first_on_path(fake_ffprobe: FakeFfprobeFactory) -> None:
    fake = fake_ffprobe(default=Behaviour(delay=0.1))
    assert shutil.which("ffprobe") == str(fake.executable)
    assert subprocess.run(["ffprobe", "--", "a.mp4"], capture_output=True).returncode == 0
    assert len(fake.invocations()) == 1


def test_fixture_teardown_kills_survivors(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    test_file = tmp_path / "test_inner_survivor.py"
    test_file.write_text(
        textwrap.dedent(
            f"""
            import subprocess
            import time
            from loopwire.harness.fake_ffprobe.fakes import Behaviour

            def test_leaves_a_hanging_probe(fake_ffprobe):
                fake = fake_ffprobe(default=Behaviour(mode="hang"))
                process = subprocess.Popen(["ffprobe", "--", "x.mp4"], start_new_session=True)
                open({str(pid_file)!r}, "w").write(str(process.pid))
                deadline = time.monotonic() + 30
                while not fake.invocations() and time.monotonic() < deadline:
                    time.sleep(0.02)
                assert fake.invocations()
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    pid = int(pid_file.read_text())
    wait_until(lambda: not process_alive(pid))


def test_command_writes_a_fake_with_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = loopwire_main(
        [
            "fake-ffprobe",
            "--dir", str(tmp_path / "cli"),
            "--default-delay", "0.2",
            "--rule", "bad*=fail,exit_code=3,stderr=broken",
            "--rule", "*.txt=garbage",
        ]
    )  # fmt: skip
    assert status == 0
    directory = Path(capsys.readouterr().out.strip())
    assert directory == (tmp_path / "cli").resolve()
    fake = FakeFfprobe(directory, directory / "ffprobe", directory / "log")
    failed = probe(fake, "bad.mp4")
    assert (failed.returncode, "broken" in failed.stderr) == (3, True)
    assert probe(fake, "notes.txt").stdout.startswith("this is not JSON")
    assert json.loads(probe(fake, "good.mp4").stdout)["format"]["filename"] == "good.mp4"
    # Rules are complete behaviours; the unmatched file got the default delay.
    delays = {inv.path: inv.end - inv.start for inv in fake.invocations() if inv.end is not None}
    assert delays["good.mp4"] >= 0.2


@pytest.mark.parametrize("rule", ["nopattern", "x=bogus", "x=ok,colour=red", "x=ok,hang"])
def test_command_rejects_bad_rules(rule: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert loopwire_main(["fake-ffprobe", "--rule", rule]) == 2
    assert "loopwire fake-ffprobe:" in capsys.readouterr().err
