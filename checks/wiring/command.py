"""``loopwire wiring [PATH ...]``: the static wiring check on the command line.

Imported to build the parser for every ``loopwire`` invocation, so libcst is imported in ``run``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from checks.config import load_config
from checks.discovery import Excludes, iter_python_files
from checks.reporting import EXIT_ERROR, add_common_options, finish, split_codes
from checks.suppression import select_codes


def configure(parser: argparse.ArgumentParser) -> None:
    add_common_options(parser)


def run(args: argparse.Namespace) -> int:
    from checks.wiring.analysis import analyse, read_sources
    from checks.wiring.rules import RULES
    from checks.wiring.settings import WiringSettings

    paths: list[Path] = args.paths or [Path(".")]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        print(f"loopwire wiring: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return EXIT_ERROR
    config = load_config(start=paths[0], explicit=args.config)
    settings = WiringSettings.from_config(config)
    excludes = Excludes([*config.strings("exclude"), *(args.exclude or [])], config.root)
    sources, errors = read_sources(iter_python_files(paths, excludes))
    findings = errors + analyse(sources, settings)
    select = split_codes(args.select)
    ignore = split_codes(args.ignore)
    findings = select_codes(
        findings,
        config.strings("select", "wiring") if select is None else select,
        config.strings("ignore", "wiring") if ignore is None else ignore,
    )
    return finish(findings, len(sources) + len(errors), args.format, RULES)
