"""Content-hash cache of per-file analysis results, so an unchanged file is never parsed twice.

An entry is keyed by the loopwire version and code, the settings that change the analysis, the
file's module name and the sha256 of its bytes, so editing, renaming or reconfiguring invalidates
exactly what it must. All entries live in one JSON file: one read on a warm run, and an atomic
replace on write so concurrent runs never see half a file.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from loopwire import __version__
from loopwire.lint.model import ModuleReport

# Past this many entries, entries this run did not use are dropped.
_MAX_ENTRIES = 20_000


def settings_hash(blocking_calls: Mapping[str, str], offload: Sequence[str] = ()) -> str:
    """Everything besides the file itself that changes its analysis: the settings, the linter's
    own code (so an edited rule never serves results of the old one) and the Python version
    (what is a syntax error depends on it)."""
    digest = hashlib.sha256(f"{__version__} {sys.version}".encode())
    digest.update(json.dumps([dict(blocking_calls), list(offload)], sort_keys=True).encode())
    for path in analysis_sources():
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def analysis_sources() -> list[Path]:
    """The code a cached report depends on: the lint package (its rules too), the shared core,
    and the shared modules its worker imports (``noqa`` comments are read into the report)."""
    here = Path(__file__).parent
    shared = here.parent
    return [
        *sorted(here.rglob("*.py")),
        *sorted((shared / "core").rglob("*.py")),
        shared / "findings.py",
        shared / "suppression.py",
    ]


def entry_key(settings: str, module: str, is_package: bool, content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()
    return f"{settings}:{module}:{int(is_package)}:{digest}"


class Cache:
    def __init__(self, directory: Path | None) -> None:
        self.path = directory / "lint.json" if directory is not None else None
        self._entries: dict[str, Any] = {}
        self._used: set[str] = set()
        self._dirty = False
        if self.path is not None:
            try:
                with self.path.open("rb") as fh:
                    loaded = json.load(fh)
                if isinstance(loaded, dict):
                    self._entries = loaded
            except (OSError, ValueError):
                self._entries = {}

    def get(self, key: str) -> ModuleReport | None:
        data = self._entries.get(key)
        if data is None:
            return None
        try:
            report = ModuleReport.from_json(data)
        except (KeyError, TypeError, ValueError):
            return None
        self._used.add(key)
        return report

    def put(self, key: str, report: ModuleReport) -> None:
        if self.path is None:
            return
        self._entries[key] = report.to_json()
        self._used.add(key)
        self._dirty = True

    def syntax(self, key: str) -> tuple[bool, tuple[int, int, str] | None]:
        """A skipped file's syntax check, if cached: (known, problem or None)."""
        data: Any = self._entries.get(f"syntax:{key}")
        if not isinstance(data, list) or len(data) not in (0, 3):
            return False, None
        self._used.add(f"syntax:{key}")
        if not data:
            return True, None
        line, column, message = data
        return True, (int(line), int(column), str(message))

    def put_syntax(self, key: str, problem: tuple[int, int, str] | None) -> None:
        if self.path is None:
            return
        self._entries[f"syntax:{key}"] = list(problem) if problem is not None else []
        self._used.add(f"syntax:{key}")
        self._dirty = True

    def save(self) -> None:
        if self.path is None or not self._dirty:
            return
        entries = self._entries
        if len(entries) > _MAX_ENTRIES:
            entries = {key: entries[key] for key in self._used if key in entries}
        document = json.dumps(entries, separators=(",", ":")).encode()
        write_atomically(str(self.path.parent), self.path.name, document)


def write_atomically(directory: str, name: str, data: bytes) -> None:
    """Replace ``directory/name`` in one step (concurrent runs never read half a file), creating
    the cache directory, git-ignored, on first use."""
    # Imported here: only a run that analysed something writes, and a warm run stays cheap.
    import tempfile

    try:
        os.makedirs(directory, exist_ok=True)
        gitignore = os.path.join(directory, ".gitignore")
        if not os.path.exists(gitignore):
            with open(gitignore, "w") as fh:
                fh.write("*\n")
        fd, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(temporary, os.path.join(directory, name))
    except OSError:
        # A read-only checkout still gets its findings; only the speed-up is lost.
        return
