"""Which Python files a guard reads: directory recursion with gitignore-style excludes."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

# Never worth analysing: tool caches, virtual environments and VCS metadata.
DEFAULT_EXCLUDES = (
    ".git",
    ".hg",
    ".nox",
    ".tox",
    ".venv",
    "venv",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".loopwire_cache",
    "build",
    "dist",
    "*.egg-info",
)


class Excludes:
    """Gitignore-style patterns: a pattern without ``/`` matches any path component; one with
    ``/`` matches the path relative to the project root (a leading ``/`` anchors it there)."""

    def __init__(self, patterns: Iterable[str], root: Path) -> None:
        self.root = root.resolve()
        self.component: list[str] = []
        self.anchored: list[str] = []
        for raw in patterns:
            pattern = raw.strip().rstrip("/")
            if not pattern or pattern.startswith("#"):
                continue
            if "/" in pattern:
                self.anchored.append(pattern.lstrip("/"))
            else:
                self.component.append(pattern)

    def matches(self, path: Path) -> bool:
        if any(fnmatch.fnmatchcase(path.name, p) for p in self.component):
            return True
        if not self.anchored:
            return False
        try:
            relative = path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return False
        return any(
            fnmatch.fnmatchcase(relative, p) or relative.startswith(p.rstrip("*") + "/")
            for p in self.anchored
        )


PYTHON_SUFFIXES = (".py", ".pyi")


def is_python_file(path: Path) -> bool:
    """A ``.py``/``.pyi`` file, or a script whose first line runs Python (``#!/usr/bin/env
    python3``): what a file named on the command line must be to be read as Python."""
    if path.suffix in PYTHON_SUFFIXES:
        return True
    try:
        with path.open("rb") as handle:
            first = handle.readline(256)
    except OSError:
        return False
    return first.startswith(b"#!") and b"python" in first


def target_problems(paths: Sequence[Path]) -> list[str]:
    """Why the paths named on the command line cannot be linted, one message each."""
    problems: list[str] = []
    for path in paths:
        if not path.exists():
            problems.append(f"no such file or directory: {path}")
        elif not path.is_dir() and not is_python_file(path):
            problems.append(f"not a Python file: {path}")
    return problems


def iter_python_files(
    paths: Sequence[Path], excludes: Excludes, walked: list[str] | None = None
) -> Iterator[Path]:
    """Yield ``.py`` files under ``paths`` in a stable order. A file named explicitly is always
    yielded (as linters do), even if an exclude pattern would skip it during recursion.
    Directories read on the way are appended to ``walked`` (a run's replay depends on them)."""
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            for found in _walk(path, excludes, walked):
                if found not in seen:
                    seen.add(found)
                    yield found
        elif path not in seen:
            seen.add(path)
            yield path


def _walk(top: Path, excludes: Excludes, walked: list[str] | None) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(top):
        if walked is not None:
            walked.append(dirpath)
        base = Path(dirpath)
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not any(fnmatch.fnmatchcase(d, p) for p in DEFAULT_EXCLUDES)
            and not excludes.matches(base / d)
        )
        for name in sorted(filenames):
            if name.endswith(".py") and not excludes.matches(base / name):
                yield base / name
