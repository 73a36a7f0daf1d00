"""The code the linters are timed on: installed aiohttp, CPython's asyncio, the whole stdlib.

Every tool gets the same explicit list of files, because each one has its own directory
excludes (ruff and loopwire skip ``venv`` and ``build`` directories, which the stdlib has, and
standalone flake8-async does not recurse at all). Files that do not parse under this Python
(the stdlib ships a few on purpose, as test data) are left out for every tool: they would only
time error reporting.
"""

from __future__ import annotations

import ast
import importlib
import os
import sysconfig
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Corpus:
    name: str
    root: Path
    files: tuple[Path, ...]
    lines: int
    unparseable: tuple[Path, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "root": str(self.root),
            "files": len(self.files),
            "lines": self.lines,
            "unparseable": [str(path) for path in self.unparseable],
        }


def line_count_if_parseable(path: Path) -> int | None:
    """Lines of ``path``, or ``None`` when this Python cannot parse it."""
    source = path.read_bytes()
    try:
        with warnings.catch_warnings():
            # Test data in the stdlib has invalid escapes; parsing it must not warn.
            warnings.simplefilter("ignore")
            ast.parse(source, filename=str(path))
    except (SyntaxError, ValueError):
        return None
    return source.count(b"\n")


def collect(name: str, root: Path, skip_dirs: frozenset[str] = frozenset()) -> Corpus:
    """Every parseable ``*.py`` under ``root``, sorted, skipping directories named in
    ``skip_dirs`` and ``__pycache__``."""
    candidates = [
        path
        for path in sorted(root.rglob("*.py"))
        if not {"__pycache__", *skip_dirs}.intersection(path.relative_to(root).parts[:-1])
    ]
    # Parsing the whole stdlib takes a core half a minute; spread it over all of them.
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        counts = list(pool.map(line_count_if_parseable, candidates, chunksize=32))
    files = tuple(path for path, count in zip(candidates, counts, strict=True) if count is not None)
    unparseable = tuple(
        path for path, count in zip(candidates, counts, strict=True) if count is None
    )
    lines = sum(count for count in counts if count is not None)
    return Corpus(name, root, files, lines, unparseable)


def package_root(module: str) -> Path:
    file = importlib.import_module(module).__file__
    if file is None:
        raise RuntimeError(f"{module} has no source file")
    return Path(file).parent


def stdlib_root() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


def linter_corpora(names: tuple[str, ...]) -> list[Corpus]:
    """The named corpora among ``asyncio``, ``aiohttp`` and ``stdlib``, in that order."""
    builders = {
        "asyncio": lambda: collect("asyncio", package_root("asyncio")),
        "aiohttp": lambda: collect("aiohttp", package_root("aiohttp")),
        # Installed third-party packages live under the stdlib directory; they are not CPython.
        "stdlib": lambda: collect(
            "stdlib", stdlib_root(), frozenset({"site-packages", "dist-packages"})
        ),
    }
    return [builders[name]() for name in builders if name in names]
