"""Helpers to run inner pytest sessions under the stall guard and find lines in their sources."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

INI = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"


def line_of(source: str, marker: str) -> int:
    """The 1-based line of ``source`` holding ``marker`` (a comment naming the culprit), as
    ``pytester.makepyfile`` writes it (without the leading newline)."""
    lines = [n for n, text in enumerate(source.lstrip("\n").splitlines(), 1) if marker in text]
    assert len(lines) == 1, f"{marker!r} must mark exactly one line"
    return lines[0]


def run_guarded(
    pytester: pytest.Pytester, *args: str, allow: Sequence[str] = ()
) -> pytest.RunResult:
    """An in-process session of the files written so far; ``allow``: ini allow-rule lines."""
    rules = "".join(f"    {line}\n" for line in allow)
    pytester.makeini(INI + (f"loopwire_stall_allow =\n{rules}" if rules else ""))
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", *args)
