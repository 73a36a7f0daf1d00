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

from bench.soak import ROOT

SOAK = """
import sys
from pathlib import Path
from bench.soak import interrupt_on_sigterm, interruptible
interrupt_on_sigterm()
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


def test_a_killed_soak_lets_its_running_pytest_tear_down(tmp_path: Path) -> None:
    run = tmp_path / "run.py"
    run.write_text(RUN)
    marker, log = tmp_path / "teardown", tmp_path / "run.log"
    soak = subprocess.Popen([sys.executable, "-c", SOAK, str(run), str(marker), str(log)], cwd=ROOT)
    deadline = time.monotonic() + 60
    while not (log.exists() and "running" in log.read_text()):
        assert soak.poll() is None, "the soak ended before its run started"
        assert time.monotonic() < deadline, "the run never started"
        time.sleep(0.05)

    soak.send_signal(signal.SIGTERM)

    try:
        assert soak.wait(timeout=60) != 0
        # Written only if the run was interrupted, not killed, and was waited for.
        assert marker.read_text() == "torn down"
    finally:
        with contextlib.suppress(ProcessLookupError):  # a run the soak left behind
            os.kill(int(log.read_text().split()[1]), signal.SIGKILL)
