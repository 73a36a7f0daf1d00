"""A soak stopped with ``kill`` or Ctrl-C interrupts its running pytest and lets it tear down
(its servers, fake probes and workers run in sessions of their own: killed with pytest, they
would keep running)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.soak import ROOT, STOP_SECONDS

SOAK = """
import sys
from pathlib import Path
from bench.soak import interrupt_on_signals, interruptible
interrupt_on_signals()
interruptible([sys.executable, sys.argv[1], sys.argv[2]], Path(sys.argv[3]), {})
"""
# Stands for pytest: tears down on KeyboardInterrupt, as pytest runs its fixtures' finalizers.
RUN = """
import os, sys, time
from pathlib import Path
print("running", os.getpid(), flush=True)
try:
    time.sleep(120)
except KeyboardInterrupt:
    Path(sys.argv[1]).write_text("torn down")
"""


# How a soak may be started: from a terminal, or as ``nohup ... &`` from a shell without job
# control (a script, CI), which starts it with SIGINT ignored; that disposition is inherited
# through exec, and a Python started with it ignores Ctrl-C.
STARTS = {
    "from a terminal": [],
    "in the background of a script": ["sh", "-c", 'trap "" INT; exec "$@"', "sh"],
}


@pytest.mark.parametrize("start", STARTS.values(), ids=STARTS.keys())
def test_a_killed_soak_lets_its_running_pytest_tear_down(tmp_path: Path, start: list[str]) -> None:
    run = tmp_path / "run.py"
    run.write_text(RUN)
    marker, log = tmp_path / "teardown", tmp_path / "run.log"
    soak = subprocess.Popen(
        [*start, sys.executable, "-c", SOAK, str(run), str(marker), str(log)], cwd=ROOT
    )
    try:
        deadline = time.monotonic() + 60
        while not (log.exists() and "running" in log.read_text()):
            assert soak.poll() is None, "the soak ended before its run started"
            assert time.monotonic() < deadline, "the run never started"
            time.sleep(0.05)

        soak.send_signal(signal.SIGTERM)

        # Past STOP_SECONDS: a run that ignored its SIGINT is killed, and the marker says so.
        assert soak.wait(timeout=STOP_SECONDS + 30) != 0
        # Written only if the run was interrupted, not killed, and was waited for.
        assert marker.exists(), "the run was killed, not interrupted: it never tore down"
        assert marker.read_text() == "torn down"
    finally:
        # A run the soak left behind, if it started.
        with contextlib.suppress(FileNotFoundError, IndexError, ProcessLookupError):
            os.kill(int(log.read_text().split()[1]), signal.SIGKILL)
        soak.kill()
        soak.wait()
