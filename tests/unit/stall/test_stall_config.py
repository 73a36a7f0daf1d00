"""Thresholds, per-test markers and allow rules of the stall guard, and their usage errors."""

from __future__ import annotations

import pytest

from loopwire.stall.threshold import parse_threshold
from tests.unit.stall.stall_sessions import INI, run_guarded

pytest_plugins = ["pytester"]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("50ms", 0.05), ("50", 0.05), ("0.2s", 0.2), (" 120 ms ", 0.12), ("off", None), ("0", None)],
)
def test_thresholds_parse(text: str, seconds: float | None) -> None:
    assert parse_threshold(text) == (pytest.approx(seconds) if seconds else None)


@pytest.mark.parametrize("text", ["fast", "-5ms", "50 minutes", "0ms", "1e3"])
def test_bad_thresholds_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="expected a duration"):
        parse_threshold(text)


STALLING = """
import time

import pytest


async def helper_that_blocks():
    time.sleep(0.2)


async def test_unmarked():
    await helper_that_blocks()


@pytest.mark.loopwire_stall(allow=True, reason="measures a blocking call on purpose")
async def test_allowed_by_marker():
    time.sleep(0.2)


@pytest.mark.loopwire_stall(ms=1000)
async def test_higher_threshold():
    time.sleep(0.2)


@pytest.mark.loopwire_stall(ms=50)
async def test_marker_alone_turns_it_on():
    time.sleep(0.2)
"""


def test_marker_allows_or_sets_the_threshold(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_marked=STALLING)
    result = run_guarded(pytester)
    # Without a run-wide threshold only the test whose marker sets one is watched.
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["FAILED test_marked.py::test_marker_alone_turns_it_on*"])

    result = run_guarded(pytester, "--loopwire-stall=50ms")
    result.assert_outcomes(passed=2, failed=2)
    output = result.stdout.str()
    assert "FAILED test_marked.py::test_unmarked" in output
    assert "allowed: measures a blocking call on purpose" in output


# The blamed frame itself, or any frame of its stack (here the test that called it).
@pytest.mark.parametrize("site", ["test_marked.py:helper_that_blocks", "*.py:test_unmarked"])
def test_sites_are_allowed_from_ini_and_pyproject(pytester: pytest.Pytester, site: str) -> None:
    pytester.makepyfile(test_marked=STALLING)
    pytester.makepyprojecttoml(
        f'[tool.loopwire.stall]\nallow = [{{site = "{site}", '
        'reason = "fixture data is built synchronously"}]\n'
    )
    result = run_guarded(pytester, "--loopwire-stall=50ms")
    result.assert_outcomes(passed=3, failed=1)
    assert "allowed: fixture data is built synchronously" in result.stdout.str()

    pytester.makepyprojecttoml("")
    pytester.makeini(
        INI + "loopwire_stall = 50ms\nloopwire_stall_allow =\n"
        "    test_marked.py:* = every stall of this file is known\n"
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("--loopwire-stall=soon", "expected a duration such as 50ms"),
        ("--loopwire-stall=50ms", "allow=True needs reason="),
    ],
)
def test_usage_errors_are_clear(pytester: pytest.Pytester, setting: str, message: str) -> None:
    pytester.makepyfile(
        test_bad="import pytest\n\n@pytest.mark.loopwire_stall(allow=True)\n"
        "async def test_x():\n    pass\n"
    )
    result = run_guarded(pytester, setting)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert message in result.stderr.str()


def test_allow_rules_need_a_reason(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_ok="async def test_x():\n    pass\n")
    pytester.makepyprojecttoml('[tool.loopwire.stall]\nallow = [{site = "a.py:f", reason = ""}]\n')
    result = run_guarded(pytester, "--loopwire-stall=50ms")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "allowing 'a.py:f' needs a reason" in result.stderr.str()
