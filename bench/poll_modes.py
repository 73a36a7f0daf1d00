"""The three ways the bench polls a job's status, one small record each: what to run (how many
files, which prober, whether the job is over before polling starts) and how to read the result
(the row's label, its reference and its verdict)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bench.report import MET, MISSED


@dataclass(frozen=True)
class PollMode:
    name: str
    label: str
    # Files to scan given the polling window, the probe delay and the concurrency.
    files: Callable[[float, float, int], int]
    # The job is waited to its end before polling: no scan runs while the polls are timed.
    polls_a_finished_job: bool = False
    # The service's deliberately blocking prober (negative control) instead of its own.
    blocking_probe: bool = False
    reference: str = ""
    # The verdict cell when the latency goal was met, and when it was not.
    when_met: str = ""
    when_missed: str = ""
    # Its p99 is one of the bench's targets.
    is_target: bool = False

    def verdict(self, met: bool) -> str:
        return self.when_met if met else self.when_missed


def poll_modes(goal: str) -> tuple[PollMode, PollMode, PollMode]:
    """Idle (the client's and machine's share of the latency), during a scan with the
    service's prober, and during a scan with the blocking prober, which must fail ``goal``."""
    idle = PollMode(
        "idle",
        "no scan running (baseline: client and machine)",
        # Polls a finished job: two files end the scan at once.
        lambda window, delay, concurrency: 2,
        polls_a_finished_job=True,
    )
    scan = PollMode(
        "scan",
        "during a scan, service prober",
        # The scan outlasts the polling window.
        lambda window, delay, concurrency: int(window / delay * concurrency * 2),
        reference=f"goal p99 <= {goal}",
        when_met=MET,
        when_missed=MISSED,
        is_target=True,
    )
    blocking = PollMode(
        "blocking",
        "during a scan, blocking probe (negative control)",
        # The blocking prober never yields between files, so its scan holds the loop from
        # start to end: keep it short.
        lambda window, delay, concurrency: 8,
        blocking_probe=True,
        reference="must fail the goal",
        when_met="**guard blind**",
        when_missed="shows the bug",
    )
    return idle, scan, blocking
