"""A frame job under a fake ffmpeg that is slow, hangs or floods: the out-of-process service
keeps answering polls, kills what hangs, fails what floods with bounded memory; each behaviour
with the broken service that the same check must catch.

The broken services are the reference service with one bug put back by a launcher
(:data:`~loopwire.harness.blocking_probe.BLOCKING_SERVICE`,
:mod:`tests.integration.responsiveness.mutant_service`), never by a switch in the service.
"""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path

import pytest

from loopwire.harness import blocking_probe
from loopwire.harness.blocking_probe import BLOCKING_SERVICE
from loopwire.harness.fake_program import Behaviour
from loopwire.harness.frame_scenario import (
    FrameScenarioOptions,
    FrameScenarioResult,
    problems,
    render_table,
    run_frame_job,
)
from loopwire.harness.scenario import progress_regressions
from tests.integration.responsiveness import mutant_service

pytestmark = pytest.mark.integration

# A 4 s video at 25 fps (100 frames) whose progress the fake reports over 4 s.
SLOW = Behaviour(delay=4.0, duration=4.0, frame_rate="25")
# Reports half the frames over 2 s, then hangs.
STUCK = dataclasses.replace(SLOW, mode="hang", delay=2.0)
# A second of quiet, then 128 MiB with no newline on ffmpeg's progress pipe.
FLOOD = dataclasses.replace(SLOW, mode="flood", delay=1.0, flood_bytes=128 * 2**20)
# Peak memory the service may gain while a flood runs: a quarter of the flood.
FLOOD_MEMORY_BOUND = 32 * 2**20

BLOCKING_LINE = "loopwire/harness/blocking_probe.py:{}".format(
    next(
        number
        for number, line in enumerate(inspect.getsource(blocking_probe).splitlines(), 1)
        if "subprocess.run(" in line
    )
)


async def run(name: str, options: FrameScenarioOptions, tmp_path: Path) -> FrameScenarioResult:
    result = await run_frame_job(options, tmp_path)
    print(render_table([(name, result)]))
    return result


@pytest.mark.parametrize("kind", ["thumbnails", "transcode"])
async def test_slow_ffmpeg_progress_is_followed_while_the_service_answers(
    tmp_path: Path, kind: str
) -> None:
    result = await run("slow", FrameScenarioOptions(ffmpeg=SLOW, kind=kind), tmp_path)

    assert problems(result, "completed") == [], result.server_output
    assert (result.job["current_frame"], result.job["total_frames"]) == (100, 100)
    assert result.job["progress"] == 1.0
    # Polls saw the bar move while ffmpeg ran, never backwards.
    assert len({value for value in result.running_progress if 0 < value < 1}) >= 3
    assert progress_regressions(result.report) == []


async def test_negative_control_a_blocking_frame_count_fails_the_verdict(tmp_path: Path) -> None:
    """The frame count through the blocking prober: 2 s of ffprobe freeze the service's loop."""
    options = FrameScenarioOptions(ffmpeg=SLOW, probe_delay=2.0, service=BLOCKING_SERVICE)
    result = await run("blocking frame count", options, tmp_path)

    assert not result.verdict.passed
    assert any("slower than" in reason for reason in result.verdict.reasons), result.verdict
    assert any(
        reason.startswith("server loop stalled") and f"at {BLOCKING_LINE} probe" in reason
        for reason in result.verdict.reasons
    ), result.verdict


async def test_a_hanging_ffmpeg_is_killed_by_the_job_timeout(tmp_path: Path) -> None:
    result = await run("hang", FrameScenarioOptions(ffmpeg=STUCK, job_timeout=3.0), tmp_path)

    assert problems(result, "timed_out") == [], result.server_output
    assert result.job["current_frame"] == 50
    assert result.job["output_note"] == "partial output deleted (1 file(s)); nothing left"


def hang_then_cancel(service: tuple[str, ...]) -> FrameScenarioOptions:
    """Cancelled once hung at half-way: still writing reports, a fake whose pipe closed would
    die of it and hide a missing kill."""
    return FrameScenarioOptions(ffmpeg=STUCK, cancel_at=0.5, service=service)


async def test_a_hanging_ffmpeg_is_killed_by_a_cancel(tmp_path: Path) -> None:
    options = hang_then_cancel(FrameScenarioOptions().service)
    result = await run("hang, cancel", options, tmp_path)

    assert problems(result, "cancelled") == [], result.server_output
    assert result.job["progress"] == 0.5


async def test_negative_control_a_cancel_that_leaves_ffmpeg_running_is_caught(
    tmp_path: Path,
) -> None:
    result = await run("no kill", hang_then_cancel(mutant_service.command("no-kill")), tmp_path)

    assert result.job["status"] == "cancelled"
    found = problems(result, "cancelled")
    assert any(problem.startswith("fake processes outlived the job") for problem in found), found


def flood_problems(result: FrameScenarioResult) -> list[str]:
    """A flood must fail its job at once, saying why, without the service's memory following."""
    found = problems(result, "failed")
    error = result.job.get("error") or {}
    if error.get("code") != "ffmpeg_output_unreadable":
        found.append(f"not failed for its unreadable output: {error}")
    if result.peak_memory_growth > FLOOD_MEMORY_BOUND:
        found.append(f"peak memory grew {result.peak_memory_growth / 2**20:.0f} MiB")
    return found


async def test_a_flooding_ffmpeg_fails_its_job_clearly_with_bounded_memory(tmp_path: Path) -> None:
    result = await run("flood", FrameScenarioOptions(ffmpeg=FLOOD, job_timeout=30.0), tmp_path)

    assert flood_problems(result) == [], result.server_output
    assert result.job["error"]["message"] == "ffmpeg's progress stream is not key=value lines"


async def test_negative_control_an_unbounded_progress_reader_grows_with_the_flood(
    tmp_path: Path,
) -> None:
    options = FrameScenarioOptions(
        ffmpeg=FLOOD, job_timeout=6.0, service=mutant_service.command("unbounded-progress")
    )
    result = await run("flood, unbounded reader", options, tmp_path)

    found = flood_problems(result)
    assert any(problem.startswith("peak memory grew") for problem in found), found
