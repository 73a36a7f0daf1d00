"""Replaying a whole ``loopwire lint`` run: real processes over real files.

A replayed run must print exactly what the recorded run printed, and must never be served once
anything the run read has changed: each negative control below records a run, changes one
input (a file's bytes at the same size, a name, a new module, the configuration, a package
marker above the linted files, the linter's own code) and asserts that the linter runs again and
sees the change.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from loopwire.lint import replay
from tests.unit.lint.lint_project import write_project

BLOCKING = "import time\n\nasync def f():\n    time.sleep(1)\n"
# Same size as BLOCKING, and clean: only the bytes tell them apart.
CLEAN_SAME_SIZE = "import time\n\nasync def f():\n    time.ctime(1)\n"
# What a run prints on stderr after the linter's own output, for the tests only.
_MARKER = "\nLINTER-IMPORTED "
_SCRIPT = (
    "import sys\n"
    "from loopwire.cli import main\n"
    "status = main(sys.argv[1:])\n"
    f"print({_MARKER!r}, 'loopwire.lint.engine' in sys.modules, file=sys.stderr)\n"
    "sys.exit(status)\n"
)


class Run:
    def __init__(self, done: subprocess.CompletedProcess[str]) -> None:
        stderr, _, imported = done.stderr.rpartition(_MARKER)
        self.status = done.returncode
        self.stdout = done.stdout
        self.stderr = stderr
        # The linter itself ran (not a replay).
        self.analysed = imported.strip() == "True"

    @property
    def output(self) -> tuple[int, str, str]:
        return self.status, self.stdout, self.stderr


def lint(
    cwd: Path, toolkit: Path, *args: str, replay_env: str | None = None, bytecode: bool = False
) -> Run:
    """``loopwire lint ARGS`` in ``cwd``, with the toolkit imported from ``toolkit`` (``bytecode``:
    writing its bytecode as an installed tool does, whatever this environment says)."""
    env = {**os.environ, "PYTHONPATH": str(toolkit)}
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("LOOPWIRE_REPLAY", None)
    if replay_env is not None:
        env["LOOPWIRE_REPLAY"] = replay_env
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, "lint", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return Run(done)


def age() -> None:
    """Let everything written so far become older than the racy-timestamp window, so that the
    next completed run is recorded."""
    time.sleep(replay.RACY_NS / 1e9 + 0.2)


def recorded(cwd: Path, toolkit: Path, *args: str) -> Run:
    """Run twice after ageing the inputs; assert the second run was a faithful replay."""
    age()
    first = lint(cwd, toolkit, *args)
    second = lint(cwd, toolkit, *args)
    assert first.analysed
    assert not second.analysed
    assert second.output == first.output
    return first


def copy_toolkit(destination: Path) -> Path:
    shutil.copytree(
        Path(replay.__file__).parents[1],
        destination / "loopwire",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return destination


@pytest.fixture(scope="module")
def toolkit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the linter: its modules are inputs of every recorded run, and the
    checkout's own may be being edited while these tests run."""
    return copy_toolkit(tmp_path_factory.mktemp("toolkit"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(
        tmp_path / "project",
        {
            "pkg/__init__.py": "",
            "pkg/app.py": "from pkg.helpers import wait\n\nasync def go():\n    wait()\n",
            "pkg/helpers.py": "import time\n\ndef wait():\n    time.sleep(1)\n",
            "pkg/blocking.py": BLOCKING,
            "pkg/empty/.keep": "",
        },
    )


def test_replay_prints_what_the_recorded_run_printed(project: Path, toolkit: Path) -> None:
    age()
    for fmt in ("text", "json", "sarif"):
        first = lint(project, toolkit, "--format", fmt, "pkg")
        second = lint(project, toolkit, "--format", fmt, "pkg")
        assert (first.analysed, second.analysed) == (True, False)
        assert second.output == first.output
        assert first.status == 1
        assert "LW110" in first.stdout
        assert "LW102" in first.stdout
    cache = project / ".loopwire_cache"
    assert (cache / "lint.json").is_file()
    assert [path.name for path in cache.glob("runs.*")] == [replay.RECORDS]


def test_loopwire_replay_0_always_analyses(project: Path, toolkit: Path) -> None:
    first = recorded(project, toolkit, "pkg")
    again = lint(project, toolkit, "pkg", replay_env="0")
    assert again.analysed
    assert again.output == first.output


def test_a_clean_run_outside_any_project_is_replayed(
    tmp_path: Path, toolkit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No pyproject.toml above the working directory: the cache goes to the user cache
    # directory, never into the linted tree (site-packages, the stdlib).
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    linted = tmp_path / "installed"
    linted.mkdir()
    (linted / "solo.py").write_text(
        "import asyncio\n\nasync def f():\n    await asyncio.sleep(0)\n"
    )
    first = recorded(linted, toolkit, "solo.py")
    assert first.status == 0
    assert (tmp_path / "user-cache" / "loopwire" / "lint.json").is_file()
    assert not (linted / ".loopwire_cache").exists()


def test_same_size_edit_is_not_replayed(project: Path, toolkit: Path) -> None:
    recorded(project, toolkit, "pkg")
    (project / "pkg" / "blocking.py").write_text(CLEAN_SAME_SIZE)
    after = lint(project, toolkit, "pkg")
    assert after.analysed
    assert "blocking.py" not in after.stdout


def test_rename_is_not_replayed(project: Path, toolkit: Path) -> None:
    recorded(project, toolkit, "pkg")
    (project / "pkg" / "blocking.py").rename(project / "pkg" / "renamed.py")
    after = lint(project, toolkit, "pkg")
    assert after.analysed
    assert "renamed.py" in after.stdout
    assert "blocking.py" not in after.stdout


def test_new_module_in_an_empty_directory_is_not_replayed(project: Path, toolkit: Path) -> None:
    recorded(project, toolkit, "pkg")
    (project / "pkg" / "empty" / "late.py").write_text(BLOCKING)
    after = lint(project, toolkit, "pkg")
    assert after.analysed
    assert "late.py" in after.stdout


def test_configuration_change_is_not_replayed(project: Path, toolkit: Path) -> None:
    recorded(project, toolkit, "pkg")
    with (project / "pyproject.toml").open("a") as fh:
        fh.write('exclude = ["blocking.py"]\n')
    after = lint(project, toolkit, "pkg")
    assert after.analysed
    assert "blocking.py" not in after.stdout


def test_new_package_marker_above_named_files_is_not_replayed(
    tmp_path: Path, toolkit: Path
) -> None:
    # Without lib/__init__.py the modules are "app" and "helpers", so `lib.helpers.wait` is no
    # project function; with it, the call reaches time.sleep.
    project = write_project(
        tmp_path / "project",
        {
            "lib/app.py": "from lib.helpers import wait\n\nasync def go():\n    wait()\n",
            "lib/helpers.py": "import time\n\ndef wait():\n    time.sleep(1)\n",
        },
    )
    files = ("lib/app.py", "lib/helpers.py")
    assert recorded(project, toolkit, *files).stdout == ""
    (project / "lib" / "__init__.py").write_text("")
    after = lint(project, toolkit, *files)
    assert after.analysed
    assert "LW110" in after.stdout


def test_change_to_the_linter_code_is_not_replayed(project: Path, tmp_path: Path) -> None:
    toolkit = copy_toolkit(tmp_path / "toolkit")
    recorded(project, toolkit, "pkg")
    with (toolkit / "loopwire" / "lint" / "transitive.py").open("a") as fh:
        fh.write("\n")
    assert lint(project, toolkit, "pkg").analysed


def test_linter_module_added_or_core_edited_is_not_replayed(project: Path, tmp_path: Path) -> None:
    toolkit = copy_toolkit(tmp_path / "toolkit")
    recorded(project, toolkit, "pkg")
    (toolkit / "loopwire" / "lint" / "rules" / "added.py").write_text("")
    assert lint(project, toolkit, "pkg").analysed
    recorded(project, toolkit, "pkg")
    with (toolkit / "loopwire" / "core" / "syntax.py").open("a") as fh:
        fh.write("\n")
    assert lint(project, toolkit, "pkg").analysed


def test_first_run_writing_the_linters_bytecode_is_recorded(project: Path, tmp_path: Path) -> None:
    """The first run of a linter installed without bytecode (an editable install, a checkout)
    creates ``__pycache__`` directories beside its modules, changing their directories' times in
    the very run being recorded: the next run must still be a replay."""
    toolkit = copy_toolkit(tmp_path / "toolkit")
    age()
    first = lint(project, toolkit, "pkg", bytecode=True)
    assert (toolkit / "loopwire" / "lint" / "__pycache__").is_dir()
    second = lint(project, toolkit, "pkg", bytecode=True)
    assert first.analysed
    assert not second.analysed
    assert second.output == first.output


def test_freshly_written_files_are_not_recorded(project: Path, toolkit: Path) -> None:
    age()
    (project / "pkg" / "blocking.py").write_text(BLOCKING)
    first = lint(project, toolkit, "pkg")
    second = lint(project, toolkit, "pkg")
    assert first.analysed
    assert second.analysed
    assert second.output == first.output


def test_runs_with_unanalysable_files_are_not_recorded(project: Path, toolkit: Path) -> None:
    (project / "pkg" / "broken.py").write_text("def f(:\n")
    age()
    first = lint(project, toolkit, "pkg")
    assert first.status == 2
    assert lint(project, toolkit, "pkg").analysed


def test_no_cache_and_unknown_options_are_never_replayed(project: Path, toolkit: Path) -> None:
    recorded(project, toolkit, "pkg")
    for args in (("--no-cache", "pkg"), ("--form", "text", "pkg")):
        # The second run of each would be a replay if the first had been recorded.
        assert lint(project, toolkit, *args).analysed
        assert lint(project, toolkit, *args).analysed


def test_replayable_command_lines() -> None:
    assert replay.replayable(["pkg", "--format", "json", "--select=LW1", "--jobs", "2"])
    assert replay.replayable([])
    assert not replay.replayable(["--no-cache", "pkg"])
    assert not replay.replayable(["--fix", "pkg"])
    assert not replay.replayable(["--format"])
    assert not replay.replayable(["--form", "json"])
    assert not replay.replayable(["-"])
