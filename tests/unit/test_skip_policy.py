"""The suite's no-skip policy (tests/conftest.py) fails a skipped test under ``CI=true``."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

POLICY = (Path(__file__).resolve().parents[1] / "conftest.py").read_text(encoding="utf-8")
SKIPPING = """
import pytest

def test_skips_in_the_body():
    pytest.skip("ffprobe not installed")

@pytest.mark.skipif(True, reason="chromium not installed")
def test_skips_by_marker():
    pass
"""


# Under CI a skip in the body fails the test, and a skip mark fails its set-up (an error).
@pytest.mark.parametrize(
    ("ci", "outcomes"), [("true", {"failed": 1, "errors": 1}), ("", {"skipped": 2})]
)
def test_skips_fail_only_under_ci(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ci: str, outcomes: dict[str, int]
) -> None:
    monkeypatch.setenv("CI", ci)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makeconftest(POLICY)
    pytester.makepyfile(SKIPPING)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(**outcomes)
    assert (result.ret != 0) == (ci == "true")
