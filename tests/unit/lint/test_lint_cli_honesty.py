"""What a first-time user gets wrong must be said, not silently passed: unknown codes and keys,
files that are not Python, targets with nothing to lint, and where the cache is written.

Each case is a negative control of its own: the input that used to pass (exit 0) or to fail
with a decoding error must now be a usage error (exit 2) that names the problem.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from loopwire.config import load_config
from tests.unit.lint.lint_project import run_cli, write_project

BLOCKING = "import time\n\nasync def f():\n    time.sleep(1)\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "project", {"app/__init__.py": "", "app/m.py": BLOCKING})


@pytest.mark.parametrize("guard", ["lint", "wiring"])
def test_an_unknown_code_on_the_command_line_is_a_usage_error(project: Path, guard: str) -> None:
    result = run_cli(guard, "--select", "LW999", "app", cwd=project)
    assert result.returncode == 2
    assert "unknown rule code 'LW999' in --select" in result.stderr
    ignored = run_cli(guard, "--ignore", "LW1O2", "app", cwd=project)
    assert ignored.returncode == 2
    assert "unknown rule code 'LW1O2'" in ignored.stderr


def test_a_misspelt_code_gets_the_nearest_one(project: Path) -> None:
    result = run_cli("lint", "--select", "LW1020", "app", cwd=project)
    assert "did you mean 'LW102'?" in result.stderr
    # Prefixes of real codes select families, as in ruff.
    assert run_cli("lint", "--select", "LW1", "app", cwd=project).returncode == 1


def test_a_peer_code_names_its_loopwire_equivalent(tmp_path: Path, project: Path) -> None:
    """A user coming from flake8-async writes its codes: say which loopwire code is meant."""
    result = run_cli("lint", "--select", "ASYNC251", "app", cwd=project)
    assert result.returncode == 2
    assert "unknown rule code 'ASYNC251' in --select (loopwire's equivalent: 'LW102')" in (
        result.stderr
    )
    other = write_project(tmp_path / "p", {"m.py": BLOCKING}, 'ignore = ["ASYNC230"]\n')
    result = run_cli("lint", ".", cwd=other)
    assert result.returncode == 2
    assert "in [tool.loopwire] ignore (loopwire's equivalent: 'LW104')" in result.stderr


def test_an_unknown_code_in_the_configuration_is_a_usage_error(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {"m.py": BLOCKING}, 'select = ["LW999"]\n')
    result = run_cli("lint", "m.py", cwd=project)
    assert result.returncode == 2
    assert "[tool.loopwire] select" in result.stderr


@pytest.mark.parametrize(
    ("table", "key", "nearest"),
    [
        ('exlude = ["build"]\n', "exlude", "exclude"),
        ('[tool.loopwire.wiring]\nprogresive = ["A.b"]\n', "progresive", "progressive"),
    ],
)
def test_an_unknown_configuration_key_is_a_usage_error(
    tmp_path: Path, table: str, key: str, nearest: str
) -> None:
    project = write_project(tmp_path / "p", {"m.py": BLOCKING}, table)
    for guard in ("lint", "wiring"):
        result = run_cli(guard, "m.py", cwd=project)
        assert result.returncode == 2
        assert f"unknown key {key!r}" in result.stderr
        assert f"did you mean {nearest!r}?" in result.stderr
        assert "Traceback" not in result.stderr


def test_a_file_that_is_not_python_is_named_as_such(project: Path) -> None:
    (project / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (project / "notes.txt").write_text("not code\n")
    for name in ("logo.png", "notes.txt"):
        result = run_cli("lint", name, cwd=project)
        assert result.returncode == 2
        assert f"not a Python file: {name}" in result.stderr
        assert "syntax error" not in result.stdout + result.stderr
    # A script named for what it does, with a Python shebang, is Python.
    (project / "run-job").write_text("#!/usr/bin/env python3\n" + BLOCKING)
    assert run_cli("lint", "run-job", cwd=project).returncode == 1


@pytest.mark.parametrize("guard", ["lint", "wiring"])
def test_a_target_without_python_files_says_so(project: Path, guard: str) -> None:
    (project / "empty").mkdir()
    (project / "empty" / "README").write_text("nothing here\n")
    result = run_cli(guard, "empty", cwd=project)
    assert result.returncode == 2
    assert "no Python files found in empty" in result.stderr


def _lint_from(cwd: Path, target: Path, cache_home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home), "LOOPWIRE_REPLAY": "0"}
    return subprocess.run(
        [sys.executable, "-m", "loopwire", "lint", str(target)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_cache_never_lands_in_a_linted_tree_that_is_not_the_project(
    project: Path, tmp_path: Path
) -> None:
    installed = tmp_path / "site-packages" / "lib"
    installed.mkdir(parents=True)
    (installed / "mod.py").write_text(BLOCKING)
    cache_home = tmp_path / "user-cache"
    # From inside a project: the project's own cache.
    assert _lint_from(project, installed, cache_home).returncode == 1
    assert (project / ".loopwire_cache").is_dir()
    # From outside any project: the user cache directory.
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    assert _lint_from(outside, installed, cache_home).returncode == 1
    assert (cache_home / "loopwire").is_dir()
    assert not any(path.name == ".loopwire_cache" for path in installed.parent.rglob("*"))
    assert not (outside / ".loopwire_cache").exists()


def test_this_repositorys_own_configuration_uses_only_known_keys() -> None:
    # Every key a guard reads must be registered, or the project's own run would be refused.
    root = Path(__file__).resolve().parents[3]
    assert load_config(explicit=root / "pyproject.toml").table
