"""Suite-wide policy: under ``CI=true`` a skipped test is a failed test; child processes find
the reference service.

Tests that need ``ffprobe`` or a browser may skip on a developer's machine with a clear reason;
CI installs both, so a skip there means a missing install step and must not pass silently.

The reference service is this checkout's own app, not part of the installed package: pytest's
``pythonpath`` gives it to this process, and ``PYTHONPATH`` to the servers the tests start (a
launcher script in a temporary folder, ``python -m service`` from any working directory).
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which must install everything: {report.longrepr}"
