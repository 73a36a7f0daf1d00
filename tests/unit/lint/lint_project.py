"""Helpers that lay out small throw-away projects for the linter's tests."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from textwrap import dedent


def write_project(root: Path, files: Mapping[str, str], pyproject: str = "") -> Path:
    """Write ``files`` (relative path -> source, dedented) under ``root`` with a pyproject."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "sample"\nversion = "0"\n\n[tool.loopwire]\n' + dedent(pyproject)
    )
    for relative, source in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(source).lstrip("\n"))
    return root


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m loopwire ...`` as a user runs it: a real process, real exit status."""
    return subprocess.run(
        [sys.executable, "-m", "loopwire", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
