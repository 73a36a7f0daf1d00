"""What one stall report says: its own share of the stall, and the stack it shows."""

from __future__ import annotations

import dataclasses

import pytest

from loopwire.loopwatch.frames import Frame
from loopwire.loopwatch.stall import Stall
from loopwire.stall.allow import UNSAMPLED, AllowRule
from loopwire.stall.ranking import Ranking

STACK = (
    Frame("/venv/pytest/main.py", 10, "main"),
    Frame("/py/asyncio/base_events.py", 1922, "_run_once"),
    Frame("/py/asyncio/events.py", 80, "_run"),
    Frame("/app/hooks.py", 5, "make_thumbnail"),
)


def stall(duration: float, waiting: float | None, collecting: float) -> Stall:
    return Stall(
        duration=duration,
        threshold=0.03,
        waiting_for_cpu=waiting,
        on_cpu=0.001,
        collecting_garbage=collecting,
        samples=10,
        agreed=9,
        site=STACK[-1],
        where="app/hooks.py:5 make_thumbnail",
        path="app/hooks.py",
        stack=STACK,
        thread="MainThread",
    )


@pytest.mark.parametrize(
    ("waiting", "collecting", "own", "over"),
    [
        (0.0, 0.0, 0.05, True),
        (None, 0.0, 0.05, True),  # no scheduler counters: the whole stall counts
        (0.03, 0.0, 0.02, False),  # mostly waiting for a CPU
        (0.0, 0.04, 0.01, False),  # mostly collecting garbage
        (0.04, 0.04, 0.0, False),  # both overlap: never below zero
    ],
)
def test_only_the_codes_share_counts(
    waiting: float | None, collecting: float, own: float, over: bool
) -> None:
    report = stall(0.05, waiting, collecting)
    assert report.own == pytest.approx(own)
    assert report.over is over


@pytest.mark.parametrize(
    ("waiting", "collecting", "gil", "excuses"),
    [
        (0.03, 0.0, 0.0, "waiting for a CPU"),
        (None, 0.04, 0.0, "collecting garbage"),
        (0.0, 0.0, 0.04, "waiting for the GIL"),
        (0.02, 0.01, 0.02, "waiting for a CPU, for the GIL, collecting garbage"),
        (0.0004, 0.0, 0.0, "under 1 ms excused"),
    ],
)
def test_a_stall_names_what_its_time_went_to_instead(
    waiting: float | None, collecting: float, gil: float, excuses: str
) -> None:
    # The verdict "not counted: ..." of the run's ranking says which, so a real stall wrongly
    # excused can be traced to the measurement that excused it.
    report = dataclasses.replace(stall(0.05, waiting, collecting), waiting_for_gil=gil)
    assert report.excuses == excuses


def test_the_report_shows_the_callbacks_frames_and_marks_the_blamed_one() -> None:
    text = stall(0.05, 0.0, 0.002).format()
    headline, *lines = text.splitlines()
    assert headline.startswith("event loop stalled 50 ms (threshold 30 ms) at app/hooks.py:5")
    assert "9 of 10 samples agree" in headline
    assert "collecting garbage 2 ms" in headline
    assert "(2 outer frames cut)" in lines[0]
    assert lines[1:] == [
        '    File "/py/asyncio/events.py", line 80, in _run',
        '    File "/app/hooks.py", line 5, in make_thumbnail  <-- blamed',
    ]


def test_the_unsampled_rule_allows_only_stalls_no_sample_saw() -> None:
    rule = AllowRule(UNSAMPLED, "fork of a large process holds the GIL")
    unseen = dataclasses.replace(
        stall(0.07, 0.0, 0.0), samples=0, agreed=0, site=None, where="an unknown line", stack=()
    )
    assert rule.matches(unseen)
    # Negative control: a stall the sampler saw (a sleep, a select, a Python loop) still counts.
    assert not rule.matches(stall(0.07, 0.0, 0.0))


def test_a_sites_verdicts_are_told_apart_in_the_ranking() -> None:
    ranking = Ranking()
    counted = stall(0.05, 0.0, 0.0)
    ranking.add(counted, "failed", "test_a")
    ranking.add(dataclasses.replace(counted, waiting_for_gil=0.04), "not counted: x, y", "test_b")
    _, line = ranking.lines()
    assert line.endswith("app/hooks.py:5 make_thumbnail  (2 tests; failed; not counted: x, y)")
