"""The guide's example project (``examples/export_service``), run as its own pytest session
in a fresh venv where loopwire is installed from its wheel, as a user installs it.

Its tests use only loopwire's documented API. On the good variant every guard passes; the same
tests on the bad variant (blocking ``subprocess.run`` in an ``async def``, a ``progress`` field
nothing sets) are the negative controls: the linter, the static and the dynamic wiring check and
the out-of-process responsiveness test must each fail. The project is copied first, so its runs
write nothing into the repository.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.integration.installed.conftest import InstalledLoopwire

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "export_service"


def run_example(installed: InstalledLoopwire, tmp_path: Path, variant: str) -> list[str]:
    project = tmp_path / "export_service"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__", ".*cache"))
    output = installed.run(
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-q",
        "-rfE",
        cwd=project,
        extra_env={"EXPORTER_VARIANT": variant},
    )
    return output.splitlines()


def test_every_guard_passes_the_good_variant(
    installed_loopwire: InstalledLoopwire, tmp_path: Path
) -> None:
    lines = run_example(installed_loopwire, tmp_path, "good")
    output = "\n".join(lines)
    assert lines[0] == "exit 0", output
    assert "loopwire wiring passed" in output
    summary = [line for line in lines if " passed" in line]
    assert summary[-1].startswith("4 passed"), output


def test_every_guard_fails_the_bad_variant(
    installed_loopwire: InstalledLoopwire, tmp_path: Path
) -> None:
    lines = run_example(installed_loopwire, tmp_path, "bad")
    output = "\n".join(lines)
    assert lines[0] == "exit 1", output
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
    summary = [line for line in lines if " failed" in line and " passed" in line]
    assert summary[-1].startswith("3 failed, 1 passed, 1 error"), output
