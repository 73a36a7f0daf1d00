"""What ``lint`` and ``wiring`` share on the command line: options, rendering and exit status."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from loopwire.config import ConfigError, suggestion
from loopwire.findings import UNANALYSABLE, Finding, RuleInfo
from loopwire.formats import FORMATS, render, summary

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


def add_common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, help="files or directories (default: .)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format")
    parser.add_argument(
        "--select",
        action="append",
        default=None,
        metavar="CODES",
        help="only report these codes or prefixes (comma-separated, repeatable)",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        default=None,
        metavar="CODES",
        help="never report these codes or prefixes (comma-separated, repeatable)",
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=None,
        metavar="PATTERN",
        help="gitignore-style pattern to skip (adds to [tool.loopwire] exclude)",
    )
    parser.add_argument(
        "--config", type=Path, default=None, help="pyproject.toml to read (default: nearest)"
    )


def split_codes(values: Sequence[str] | None) -> list[str] | None:
    """``--select A,B --select C`` -> ``["A", "B", "C"]``; ``None`` when the flag was not given."""
    if values is None:
        return None
    return [code.strip().upper() for value in values for code in value.split(",") if code.strip()]


def check_codes(
    codes: Sequence[str],
    known: Sequence[str],
    where: str,
    equivalents: Mapping[str, Sequence[str]] | None = None,
) -> list[str]:
    """``codes`` when each is a rule code or a prefix of one (``LW1``); otherwise a usage error
    naming the nearest code, or the equivalent of a peer's code (``ASYNC251``) a migrating user
    wrote. A selection of nothing would pass every run without checking."""
    for code in codes:
        if any(rule.startswith(code) for rule in known):
            continue
        ours = (equivalents or {}).get(code)
        hint = (
            f" (loopwire's equivalent: {', '.join(map(repr, ours))})"
            if ours
            else suggestion(code, known)
        )
        raise ConfigError(f"unknown rule code {code!r} in {where}{hint}")
    return list(codes)


def finish(
    findings: Sequence[Finding],
    files_checked: int,
    fmt: str,
    rules: Mapping[str, RuleInfo] | None = None,
) -> int:
    """Print findings (stdout) and the summary (stderr); return the exit status."""
    ordered = sorted(findings)
    render(ordered, fmt, sys.stdout, rules)
    sys.stdout.flush()
    print(summary(ordered, files_checked), file=sys.stderr)
    if any(f.code == UNANALYSABLE for f in ordered):
        return EXIT_ERROR
    return EXIT_FINDINGS if ordered else EXIT_CLEAN
