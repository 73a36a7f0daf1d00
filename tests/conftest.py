"""Suite-wide policy: under ``CI=true`` a skipped test is a failed test.

Tests that need ``ffprobe`` or a browser may skip on a developer's machine with a clear reason;
CI installs both, so a skip there means a missing install step and must not pass silently.
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which must install everything: {report.longrepr}"
