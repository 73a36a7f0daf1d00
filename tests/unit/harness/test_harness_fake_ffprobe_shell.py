"""The shell fake ffprobe does what the Python fake does, byte for byte, in a few milliseconds.

Both engines run as real executables on the same inputs; where the shell hands over to Python
(odd paths, odd configurations) the result must still be the same, under the same pid.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import os
import signal
import subprocess
import time
from dataclasses import asdict
from pathlib import Path

import pytest

from loopwire.harness.fake_ffprobe.fakes import Behaviour, FakeFfprobe, write_fake_ffprobe
from loopwire.harness.fake_ffprobe.log import Invocation, parse_record_file
from loopwire.harness.fake_ffprobe.script import probed_path
from loopwire.harness.fake_ffprobe.shell import (
    SHELL,
    ShellTools,
    fast_script,
    find_shell_tools,
    shell_pattern,
    shell_quote,
)

TOOLS = find_shell_tools()
pytestmark = pytest.mark.skipif(
    TOOLS is None, reason="needs /bin/sh, GNU date and stat: apt-get install coreutils"
)

ARGS = ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", "--"]
# Paths the shell prints itself, then paths it hands over to Python.
SHELL_PATHS = ["clip.mkv", "CLIP.WEBM", "x.avi", "..mkv", ".a.mkv", "noext", "it's (1) [b].mp4"]
PYTHON_PATHS = ['we"ird.mp4', "back\\slash.mp4", "tab\t.mp4", "caf\u00e9.mp4"]


def run(fake: FakeFfprobe, argv: list[str], cwd: Path) -> tuple[int, bytes, bytes]:
    result = subprocess.run(
        [str(fake.executable), *argv], capture_output=True, cwd=cwd, timeout=30, check=False
    )
    return result.returncode, result.stdout, result.stderr


def both_engines(
    tmp_path: Path, rules: dict[str, Behaviour], default: Behaviour | None = None
) -> tuple[FakeFfprobe, FakeFfprobe]:
    shell = write_fake_ffprobe(tmp_path / "shell", rules, default)
    python = write_fake_ffprobe(tmp_path / "python", rules, default, fast=False)
    assert "behaviour_0()" in shell.executable.read_text()
    assert "behaviour_0()" not in python.executable.read_text()
    return shell, python


@pytest.fixture
def media(tmp_path: Path) -> Path:
    directory = tmp_path / "media"
    directory.mkdir()
    for size, name in enumerate(SHELL_PATHS + PYTHON_PATHS):
        (directory / name).write_bytes(b"x" * (1000 * size + 7))
    return directory


def test_engines_print_the_same_bytes_for_every_mode_and_argv(tmp_path: Path, media: Path) -> None:
    rules = {
        "gar*": Behaviour(mode="garbage"),
        "fail-*": Behaviour(mode="fail", exit_code=300, stderr='it\'s 100% \\n "bad" \u00e9'),
        "neg-*": Behaviour(mode="fail", exit_code=-1),
        "rate-*": Behaviour(duration=0.1, frame_rate="30000/1001", width=1920, height=1080),
        "odd-*": Behaviour(duration=1.5, frame_rate="25"),
        "zero-*": Behaviour(duration=0),
        "kid-*": Behaviour(mode="grandchild", hang_seconds=0.2),
    }
    shell, python = both_engines(tmp_path, rules, Behaviour(duration=4.0))
    names = [*SHELL_PATHS, *PYTHON_PATHS, "missing.mp4"]
    names += [f"{prefix}{name}" for prefix in ("rate-", "odd-", "zero-") for name in names[:2]]
    for prefix in ("gar", "fail-", "neg-", "kid-"):
        (media / f"{prefix}x.mkv").write_bytes(b"y" * 4096)
        names.append(f"{prefix}x.mkv")
    argvs = [[*ARGS, str(media / name)] for name in names]
    argvs += [
        ["-version"],
        ["-show_format"],
        ["--"],
        ["-i"],
        ["-i", "clip.mkv", "-show_format"],
        ["-show_format", "noext"],
        ["clip.mkv", "--"],
        ["--", "--"],
        ["--", "-i"],
        ["-v", "error", "--", "-odd-name.mp4"],
        ["-i", "fail-x.mkv"],
        [""],
    ]
    for argv in argvs:
        expected = run(python, argv, media)
        assert run(shell, argv, media) == expected, argv
    assert len(shell.invocations()) == len(python.invocations()) == len(argvs)
    for logged_shell, logged_python in zip(shell.invocations(), python.invocations(), strict=True):
        assert logged_shell.argv == logged_python.argv
        assert logged_shell.path == logged_python.path == probed_path(list(logged_shell.argv))
        assert logged_shell.end is not None
        assert (logged_shell.grandchild_pid is None) == (logged_python.grandchild_pid is None)


def test_shell_fake_hands_odd_paths_to_python_under_the_same_pid(tmp_path: Path) -> None:
    fake = write_fake_ffprobe(tmp_path / "fake", default=Behaviour(mode="hang"))
    process = subprocess.Popen(
        [str(fake.executable), "--", 'we"ird.mp4'],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not fake.invocations():
            assert time.monotonic() < deadline, "the fake never logged itself"
            time.sleep(0.02)
        (invocation,) = fake.invocations()
        assert invocation.pid == process.pid
        assert invocation.path == 'we"ird.mp4'
        assert (
            Path(f"/proc/{process.pid}/cmdline")
            .read_bytes()
            .split(b"\0")[2]
            .endswith(b"fake_ffprobe.py")
        )
        assert fake.kill_survivors() == [process.pid]
    finally:
        process.kill()
        process.wait(timeout=10)


def test_shell_fake_needs_nothing_from_the_callers_path(tmp_path: Path, media: Path) -> None:
    fake = write_fake_ffprobe(tmp_path / "fake", default=Behaviour(delay=0.1))
    result = subprocess.run(
        [str(fake.executable), *ARGS, str(media / "clip.mkv")],
        capture_output=True,
        env={"PATH": str(tmp_path / "nowhere")},
        timeout=30,
        check=True,
    )
    assert json.loads(result.stdout)["format"]["size"] == str((media / "clip.mkv").stat().st_size)
    (invocation,) = fake.invocations()
    assert invocation.end is not None
    assert invocation.end - invocation.start >= 0.1


PATTERNS = [
    "*", "?", "a*", "*.mp4", "*.MP4", "[ab]*", "[!ab]*", "[a-c]x", "*[0-9]", "[.]*", "x'y*",
    "a b*", "$HOME*", "`x`*", "a\\b", "[", "a[", "[a-", "*[!.]", "??", "*[A-Z_]", "a*b?c",
]  # fmt: skip
UNTRANSLATABLE = ["[]a]", "[!]a]", "[a-]", "[^a]", "[z-a]", "[[:alpha:]]", "[a-Z]", "[\\]]"]
NAMES = [
    "", "a", "ab", "abc", "b.mp4", "c.MP4", "x'y.mp4", "a b.mkv", "$HOME.mp4", "`x`.mp4", "a\\b",
    "[", "a[", "[a-", "bx", "dx", ".hidden", "file9", "file_", "aXbYc", "-", "!",
]  # fmt: skip


def test_translated_patterns_match_exactly_what_fnmatch_matches() -> None:
    translated = [shell_pattern(pattern) for pattern in PATTERNS]
    lines = ["for name do", "    r="]
    for pattern in translated:
        assert pattern is not None
        lines.append(f'    case $name in {pattern}) r="${{r}}1" ;; *) r="${{r}}0" ;; esac')
    lines += ['    printf "%s\\n" "$r"', "done"]
    result = subprocess.run(
        [SHELL, "-c", "set -f\n" + "\n".join(lines), SHELL, *NAMES],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    expected = [
        "".join("1" if fnmatch.fnmatchcase(name, p) else "0" for p in PATTERNS) for name in NAMES
    ]
    assert result.stdout.splitlines() == expected


@pytest.mark.parametrize("pattern", UNTRANSLATABLE)
def test_untranslatable_pattern_makes_the_whole_fake_python(tmp_path: Path, pattern: str) -> None:
    assert shell_pattern(pattern) is None
    fake = write_fake_ffprobe(tmp_path / "fake", rules={pattern: Behaviour(mode="garbage")})
    assert "behaviour_0()" not in fake.executable.read_text()
    name = "]" if pattern == "[\\]]" else "a"
    garbage = fnmatch.fnmatchcase(name, pattern)
    output = run(fake, ["--", name], tmp_path)[1]
    assert output.startswith(b"this is not JSON") == garbage


def test_duration_too_fine_for_integer_arithmetic_makes_the_whole_fake_python() -> None:
    config = {"log_dir": "/nowhere", "rules": [], "default": {}}
    fine = Behaviour(duration=1 / 3)
    coarse = Behaviour(duration=2.5)
    tools = ShellTools(date="date", stat="stat", sleep="sleep")
    assert fast_script({**config, "default": asdict(fine)}, "python3", Path("x.py"), tools) is None
    coarse_script = fast_script(
        {**config, "default": asdict(coarse)}, "python3", Path("x.py"), tools
    )
    assert coarse_script is not None


@pytest.mark.parametrize("text", ["", "plain", "it's", "'", "a\nb", "$x `y` \\z %s"])
def test_shell_quote_round_trips(text: str) -> None:
    echoed = subprocess.run(
        [SHELL, "-c", f"printf '%s' {shell_quote(text)}"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert echoed.stdout == text


def test_a_record_file_read_while_written_is_never_misread(tmp_path: Path) -> None:
    fake = write_fake_ffprobe(
        tmp_path / "fake", default=Behaviour(mode="grandchild", hang_seconds=0)
    )
    assert run(fake, ["-v", "error", "--", "g.mp4"], tmp_path)[0] == 0
    (record_file,) = fake.log_dir.iterdir()
    data = record_file.read_bytes()
    (complete,) = fake.invocations()
    assert complete.grandchild_pid is not None
    assert complete.end is not None
    # Every prefix is a moment a reader could see: no run yet, or a run missing only its tail.
    seen: list[Invocation] = []
    for length in range(len(data) + 1):
        partial = parse_record_file(data[:length])
        if partial is None:
            assert not seen, f"the run vanished again at byte {length}"
            continue
        seen.append(partial)
        assert (partial.pid, partial.argv, partial.start) == (
            complete.pid,
            complete.argv,
            complete.start,
        )
        assert partial.end in (None, complete.end)
        assert partial.grandchild_pid in (None, complete.grandchild_pid)
    assert seen[-1] == complete
    with pytest.raises(ValueError, match="unknown record"):
        parse_record_file(data + b"X\0")


def test_shell_fake_leaves_no_delay_sleeper_on_the_output_pipe(tmp_path: Path) -> None:
    fake = write_fake_ffprobe(tmp_path / "fake", default=Behaviour(delay=30))
    process = subprocess.Popen(
        [str(fake.executable), "--", "a.mp4"], stdout=subprocess.PIPE, start_new_session=True
    )
    assert process.stdout is not None
    try:
        deadline = time.monotonic() + 30
        while not fake.invocations():
            assert time.monotonic() < deadline, "the fake never logged itself"
            time.sleep(0.02)
        # A service that kills only the probe (not its group) must still see EOF at once.
        process.kill()
        started = time.monotonic()
        assert process.stdout.read() == b""
        assert time.monotonic() - started < 5
    finally:
        process.stdout.close()
        # The fake's delay sleeper outlives it in its group, as any orphan would.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
