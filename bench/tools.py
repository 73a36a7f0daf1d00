"""The commands under test: loopwire's two guards and the peer linters, as argv builders.

Executables are taken from the running interpreter's environment first (the nox session's
virtualenv), then from ``PATH``, so the bench times the versions the session installed.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

# ``path:line:col: CODE message`` — the text format every tool here shares.
LOOPWIRE_COMPLETED = frozenset({0, 1, 2})
FINDING = re.compile(r"^\S.*?:\d+:\d+:? ([A-Z]+[0-9]+)\b", re.MULTILINE)


def executable(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return str(beside)
    return shutil.which(name)


def count_codes(output: str) -> Counter[str]:
    return Counter(FINDING.findall(output))


@dataclass(frozen=True)
class Tool:
    """One way of linting a list of files; ``prepare`` runs once, untimed, before the runs."""

    name: str
    # The command as a reader would type it, for the table's legend.
    command: str
    argv: Callable[[Sequence[Path]], list[str]] | None
    slow: bool = False
    prepare: bool = False
    # Set in the tool's environment on top of the bench's.
    env: tuple[tuple[str, str], ...] = ()
    # Exit statuses of a completed run: loopwire's 2 means "some file could not be analysed"
    # (reported as LW001, the other files still checked); for ruff 2 is a crash.
    completed: frozenset[int] = frozenset({0, 1})

    @property
    def available(self) -> bool:
        return self.argv is not None


def _loopwire(*options: str) -> Callable[[Sequence[Path]], list[str]]:
    found = executable("loopwire")
    prefix = [found] if found else [sys.executable, "-m", "loopwire"]
    return lambda files: [*prefix, *options, *map(str, files)]


def linter_tools(work: Path) -> list[Tool]:
    """loopwire cold, warm (replayed) and warm without replay (what a run after an edit costs,
    short of analysing the edited file), ruff cold and warm, flake8-async (blocking-call codes
    only)."""
    ruff = executable("ruff")
    flake8_async = executable("flake8-async")
    ruff_options = ["check", "--select", "ASYNC", "--isolated", "--output-format", "concise"]
    return [
        Tool(
            "loopwire cold",
            "loopwire lint --no-cache",
            _loopwire("lint", "--no-cache"),
            completed=LOOPWIRE_COMPLETED,
        ),
        Tool(
            "loopwire warm",
            "loopwire lint --cache-dir DIR (primed, nothing changed)",
            _loopwire("lint", "--cache-dir", str(work / "loopwire-cache")),
            prepare=True,
            completed=LOOPWIRE_COMPLETED,
        ),
        Tool(
            "loopwire warm, no replay",
            "LOOPWIRE_REPLAY=0 loopwire lint --cache-dir DIR (primed: content-hash cache only)",
            _loopwire("lint", "--cache-dir", str(work / "loopwire-cache")),
            prepare=True,
            completed=LOOPWIRE_COMPLETED,
            env=(("LOOPWIRE_REPLAY", "0"),),
        ),
        Tool(
            "ruff cold",
            "ruff check --select ASYNC --isolated --no-cache",
            None
            if ruff is None
            else lambda files: [ruff, *ruff_options, "--no-cache", *map(str, files)],
        ),
        Tool(
            "ruff warm",
            "ruff check --select ASYNC --isolated --cache-dir DIR (primed)",
            None
            if ruff is None
            else lambda files: [
                ruff,
                *ruff_options,
                "--cache-dir",
                str(work / "ruff-cache"),
                *map(str, files),
            ],
            prepare=True,
        ),
        Tool(
            "flake8-async",
            "flake8-async --enable ASYNC2 (standalone, blocking-call codes only)",
            None
            if flake8_async is None
            else lambda files: [flake8_async, "--enable", "ASYNC2", *map(str, files)],
            slow=True,
        ),
    ]


def wiring_tool() -> Tool:
    return Tool(
        "loopwire wiring", "loopwire wiring", _loopwire("wiring"), completed=LOOPWIRE_COMPLETED
    )
