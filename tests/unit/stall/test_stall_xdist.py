"""The stall guard under pytest-xdist: a stalled test fails on its worker, and the controller's
end-of-run ranking holds every worker's stall sites (before the handover it said none stalled)."""

from __future__ import annotations

import pytest

from tests.unit.stall.stall_sessions import INI, line_of

pytest_plugins = ["pytester"]

STALLS = """
import time

HOOKS = {"probe": time.sleep}


async def test_stalls_through_a_dict():
    HOOKS["probe"](0.2)  # culprit
"""

CALM = """
import asyncio


async def test_awaits():
    await asyncio.sleep(0.2)
"""


def test_a_stall_on_a_worker_fails_its_test_and_is_ranked_by_the_controller(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(test_stalls=STALLS, test_calm=CALM)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-n", "2", "--loopwire-stall=50ms"
    )
    result.assert_outcomes(passed=1, failed=1)
    culprit = f"test_stalls.py:{line_of(STALLS, '# culprit')} test_stalls_through_a_dict"
    result.stdout.fnmatch_lines(
        [
            "FAILED test_stalls.py::test_stalls_through_a_dict - loopwire stall guard*",
        ],
        consecutive=False,
    )
    summary = result.stdout.str().split("loopwire stall guard ==")[-1]
    assert "no event loop stalled" not in summary
    assert f"{culprit}  (1 test; failed)" in summary
