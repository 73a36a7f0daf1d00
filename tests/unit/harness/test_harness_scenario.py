"""Scenario arithmetic, and the blocking probe checked with the loop-lag probe it is meant to trip.

The last two tests are each other's control: the service's async prober leaves the loop free
while a slow fake probe runs; the negative-control prober freezes it for the whole probe.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from loopwire.harness.blocking_probe import BlockingProber
from loopwire.harness.fake_ffprobe.fakes import Behaviour
from loopwire.harness.fixtures import FakeFfprobeFactory
from loopwire.harness.looplag import LoopLag
from loopwire.harness.poller import Poll, PollReport
from loopwire.harness.scenario import ScenarioOptions, progress_regressions
from service.probe import FfprobeProber


def report_of(answers: list[tuple[float, Any]]) -> PollReport:
    polls = tuple(
        Poll(0, answered - 0.01, answered - 0.01, answered, 200, {"status": "running",
             "progress": progress})
        for answered, progress in answers
    )  # fmt: skip
    return PollReport(polls=polls, started=0.0, finished=10.0)


def test_progress_regressions_ignores_near_simultaneous_answers() -> None:
    rising = report_of([(0.0, None), (1.0, 0.0), (2.0, 0.25), (2.05, 0.0), (3.0, 0.5)])
    assert progress_regressions(rising) == []
    falling = report_of([(1.0, 0.5), (2.0, 0.25)])
    assert progress_regressions(falling) == [(0.5, 0.25)]


def test_ideal_time_and_default_poll_requirement() -> None:
    options = ScenarioOptions(files=200, delay=1.5, concurrency=4, pollers=20, interval=0.05)
    assert options.ideal_seconds == 75.0
    assert options.required_running_polls == 15000
    assert ScenarioOptions(files=5, concurrency=4, delay=2.0).ideal_seconds == 4.0


def test_verdict_names_the_failure() -> None:
    slow = report_of([(1.0, 0.0), (2.0, 0.5)])
    late = PollReport(
        polls=(*slow.polls, Poll(1, 2.0, 2.0, 3.5, 200, {"status": "running", "progress": 0.5})),
        started=0.0,
        finished=4.0,
    )
    verdict = late.verdict(max_latency=0.5, min_answered=5, counted=lambda b: True)
    assert not verdict.passed
    assert str(verdict).startswith("fail: 1 polls slower than 0.5 s (max 1.500 s")
    assert "only 3 counted answers, need 5" in str(verdict)


async def test_async_prober_leaves_the_loop_free(
    tmp_path: Path, fake_ffprobe: FakeFfprobeFactory, loop_lag: Callable[..., LoopLag]
) -> None:
    fake = fake_ffprobe(default=Behaviour(delay=1.0))
    video = tmp_path / "a.mp4"
    video.touch()
    prober = FfprobeProber(str(fake.executable), concurrency=1, timeout=30)
    async with loop_lag(interval=0.01) as lag:
        info = await prober.probe(video)
    print(lag.summary())
    assert info.width == 320
    assert lag.max < 0.5


@pytest.mark.loopwire_stall(allow=True, reason="the negative-control prober blocks the loop")
async def test_blocking_prober_freezes_the_loop(
    tmp_path: Path, fake_ffprobe: FakeFfprobeFactory, loop_lag: Callable[..., LoopLag]
) -> None:
    fake = fake_ffprobe(default=Behaviour(delay=1.0))
    video = tmp_path / "a.mp4"
    video.touch()
    prober = BlockingProber(str(fake.executable), concurrency=1, timeout=30)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        for _ in range(1000):
            await asyncio.sleep(0.01)
            ticks += 1

    async with loop_lag(interval=0.01) as lag:
        task = asyncio.create_task(ticker())
        await asyncio.sleep(0.05)
        before = ticks
        info = await prober.probe(video)
        frozen_ticks = ticks - before
        task.cancel()
    print(lag.summary())
    assert info.width == 320
    assert lag.max >= 0.9
    assert frozen_ticks <= 1


def test_only_the_pollers_own_stall_is_subtracted() -> None:
    late = Poll(0, 1.0, 1.0, 1.8, 200, {"status": "running", "progress": 0.0})
    starved = PollReport(polls=(late,), started=0.0, finished=2.0, client_stalls=((1.1, 1.6),))
    assert starved.server_latency(late) == pytest.approx(0.3)
    assert starved.verdict(max_latency=0.5, min_answered=1).passed
    # A stall outside the poll's window explains nothing: the server was slow.
    elsewhere = PollReport(polls=(late,), started=0.0, finished=2.0, client_stalls=((0.1, 0.9),))
    assert elsewhere.server_latency(late) == pytest.approx(0.8)
    assert not elsewhere.verdict(max_latency=0.5, min_answered=1).passed
