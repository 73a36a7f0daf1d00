"""The generic fake program: any name, output of its own, behaviour chosen per file."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable

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
