"""The guide's example project (``examples/export_service``), run as its own pytest session.

Its tests use only loopwire's documented API. On the good variant every guard passes; the same
tests on the bad variant (blocking ``subprocess.run`` in an ``async def``, a ``progress`` field
nothing sets) are the negative controls: the linter, the static and the dynamic wiring check and
the out-of-process responsiveness test must each fail. The project is copied first, so its runs
write nothing into the repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "export_service"


def run_example(tmp_path: Path, variant: str) -> subprocess.CompletedProcess[str]:
    project = tmp_path / "export_service"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__", ".*cache"))
    env = {**os.environ, "EXPORTER_VARIANT": variant}
    # The outer session's own settings must not leak into the example's run.
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rfE"],
        capture_output=True,
        text=True,
        cwd=project,
        env=env,
        timeout=300,
        check=False,
    )


def test_every_guard_passes_the_good_variant(tmp_path: Path) -> None:
    result = run_example(tmp_path, "good")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "loopwire wiring passed" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("4 passed")


def test_every_guard_fails_the_bad_variant(tmp_path: Path) -> None:
    result = run_example(tmp_path, "bad")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    for line in (
        "FAILED tests/test_static_guards.py::test_no_blocking_call_on_the_event_loop",
        "FAILED tests/test_static_guards.py::test_every_declared_field_is_set_by_some_code",
        "FAILED tests/test_responsiveness.py::test_status_answers_while_files_render",
        "ERROR loopwire wiring - loopwire wiring FAILED: ExportJob.progress",
    ):
        assert line in output, output
    assert "LW101 blocking call subprocess.run" in output
    assert "LW201 ExportJob.progress" in output
    assert "slower than 0.5 s" in output
    assert result.stdout.splitlines()[-1].startswith("3 failed, 1 passed, 1 error")
