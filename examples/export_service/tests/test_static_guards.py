"""The static guards, run as the project's CI would: ``loopwire lint`` and ``loopwire wiring``."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOOPWIRE = shutil.which("loopwire") or str(Path(sys.executable).with_name("loopwire"))


def loopwire(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([LOOPWIRE, *args], capture_output=True, text=True, cwd=ROOT, check=False)


def test_no_blocking_call_on_the_event_loop(app_file: str) -> None:
    result = loopwire("lint", "--no-cache", app_file)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_declared_field_is_set_by_some_code(app_file: str) -> None:
    result = loopwire("wiring", "exporter/schemas.py", "exporter/web.py", app_file)
    assert result.returncode == 0, result.stdout + result.stderr
