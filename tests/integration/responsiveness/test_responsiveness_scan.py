"""A real service scanning slow files stays responsive; the same harness fails a blocking one.

The service runs as its own process (``python -m service``), probes with a fake ffprobe that
takes 2 s per file, and is polled on a fixed schedule from this process.
"""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path

import pytest

from loopwire.harness import blocking_probe
from loopwire.harness.client import is_running
from loopwire.harness.scenario import (
    ScenarioOptions,
    progress_regressions,
    render_table,
    run_scan,
)

pytestmark = pytest.mark.integration

# The deliberate bug's line, as the service's stall report names it (relative to the cwd).
BLOCKING_LINE = "loopwire/harness/blocking_probe.py:{}".format(
    next(
        number
        for number, line in enumerate(inspect.getsource(blocking_probe).splitlines(), 1)
        if "subprocess.run(" in line
    )
)

# Ideal scan: 2 batches of 4 probes x 2 s = 4 s; about 160 polls land while it runs.
# A poll may take 1 s: a healthy service answered within 0.53 s beside the rest of the suite on
# two xdist workers and two CPU burners, and one blocking on a probe holds polls for 2 s.
SCAN = ScenarioOptions(
    files=8,
    delay=2.0,
    concurrency=4,
    pollers=4,
    interval=0.1,
    max_latency=1.0,
    min_running_polls=20,
)


@pytest.mark.parametrize("burners", [0, 2], ids=["idle", "two-cpu-burners"])
# Probed in the service, or by two arq worker processes through a real redis-server.
@pytest.mark.parametrize("workers", [0, 2], ids=["embedded", "redis"])
async def test_scan_stays_responsive_with_slow_probes(
    tmp_path: Path, burners: int, workers: int
) -> None:
    result = await run_scan(dataclasses.replace(SCAN, burners=burners, workers=workers), tmp_path)
    print(render_table([result]))
    report = result.report

    assert result.job.get("status") == "completed", result.server_output
    assert result.verdict.passed, result.verdict
    # The slow path really ran, concurrently, never above the configured limit.
    assert result.invocations == SCAN.files
    assert result.max_concurrency == SCAN.concurrency
    # Progress was observed rising while running, and never went back.
    running_progress = {p.body["progress"] for p in report.answered_where(is_running)}
    assert len(running_progress - {None}) >= 2, running_progress
    assert progress_regressions(report) == []
    assert result.job["progress"] == 1.0
    assert result.survivors == []


async def test_negative_control_harness_fails_a_blocking_probe(tmp_path: Path) -> None:
    """The same harness, pointed at the service's deliberately blocking probe, must fail."""
    options = dataclasses.replace(SCAN, files=4, blocking=True, max_duration=12.0)
    result = await run_scan(options, tmp_path)
    print(render_table([result]), result.verdict, sep="\n")

    assert not result.verdict.passed
    assert any("slower than" in r or "unanswered" in r for r in result.verdict.reasons)
    # The service's stall report names the line that blocked, in the verdict itself.
    assert any(
        r.startswith("server loop stalled") and f"at {BLOCKING_LINE} probe" in r
        for r in result.verdict.reasons
    ), result.verdict
    # It failed for the right reason: the probes ran, one at a time, on the service's loop.
    assert result.invocations >= 1
    assert result.max_concurrency == 1
