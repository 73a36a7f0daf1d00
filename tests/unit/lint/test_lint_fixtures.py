"""flake8-async-style fixture tables: ``# error: CODE`` marks each expected finding, and every
other line of the file must stay clean."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from loopwire.lint.engine import lint_source

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "lint"
# The configured calls lint_configured.py exercises.
BLOCKING_CALLS = {"legacy.fetch": "legacy.fetch_async", "vendor.sdk.*": "vendor.aio"}
# The project's own offloading decorators and start-up functions the fixtures exercise.
OFFLOAD = ("tasks.in_*",)
STARTUP = ("lint_startup.Server.start", "lint_startup.*.on_shutdown")
_EXPECTED = re.compile(r"# error: (?P<codes>LW\d+(?:,\s*LW\d+)*)\s*$")


def _expected(text: str) -> Counter[tuple[int, str]]:
    expected: Counter[tuple[int, str]] = Counter()
    for number, line in enumerate(text.splitlines(), start=1):
        match = _EXPECTED.search(line)
        if match:
            expected.update((number, code.strip()) for code in match["codes"].split(","))
    return expected


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("lint_*.py")), ids=lambda p: p.stem)
def test_fixture(path: Path) -> None:
    text = path.read_text()
    findings = lint_source(text, BLOCKING_CALLS, path.stem, offload=OFFLOAD, startup=STARTUP)
    found = Counter((f.line, f.code) for f in findings)
    expected = _expected(text)
    assert expected, "a fixture without expectations proves nothing"
    missing = sorted((expected - found).elements())
    unexpected = sorted((found - expected).elements())
    assert (missing, unexpected) == ([], [])
