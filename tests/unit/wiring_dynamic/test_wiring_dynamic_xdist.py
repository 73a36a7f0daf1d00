"""The dynamic wiring check under pytest-xdist: the controller judges the whole run.

Each worker sees only its share of the responses and the controller runs no test, so a check
judged per process would pass a never-set field on the controller (it saw nothing) and misjudge
it on each worker. The negative control is the production bug run with ``-n 2``; before the
workers handed their observations over, that run passed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from loopwire.wiring.pytest_wiring import WiringRecorder
from tests.unit.wiring_dynamic import demo_app_source

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def outer_recording_paused(wiring_recorder: WiringRecorder) -> Iterator[None]:
    with wiring_recorder.paused():
        yield


def run_on_two_workers(pytester: pytest.Pytester, mode: str) -> tuple[pytest.RunResult, Any]:
    """Two test files of the demo service (one per worker), run in a child pytest with -n 2."""
    pytester.makefile(".toml", pyproject=demo_app_source.PYPROJECT.format(allow=""))
    test = demo_app_source.TEST.format(marker="", use_sse=False)
    pytester.makepyfile(
        demo_schemas=demo_app_source.SCHEMAS,
        demo_app=demo_app_source.APP.format(mode=mode),
        test_first=test,
        test_second=test,
    )
    report = pytester.path / "wiring.json"
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-n", "2", "--loopwire-wiring", f"--loopwire-wiring-json={report}"
    )
    return result, json.loads(report.read_text())


def test_negative_control_never_set_progress_fails_a_run_on_two_workers(
    pytester: pytest.Pytester,
) -> None:
    result, document = run_on_two_workers(pytester, "never")
    result.assert_outcomes(passed=2, errors=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["loopwire wiring FAILED: Job.progress"])
    progress = next(f for f in document["fields"] if f["field"] == "Job.progress")
    assert (progress["seen"], progress["non_null"]) == (12, 0)


def test_a_run_on_two_workers_is_judged_on_both_workers_responses(
    pytester: pytest.Pytester,
) -> None:
    result, document = run_on_two_workers(pytester, "fixed")
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["loopwire wiring passed"])
    # Both workers' responses, the way one process would have seen them.
    assert document["routes"] == {"GET /jobs/{id}": 10, "POST /jobs": 2}
    progress = next(f for f in document["fields"] if f["field"] == "Job.progress")
    assert progress["progressive"]["judged_jobs"] == 2
    assert progress["progressive"]["passing_jobs"] == 2
