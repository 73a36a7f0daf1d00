"""``loopwire wiring [PATH ...]``: the static wiring check on the command line.

Imported to build the parser for every ``loopwire`` invocation, so libcst is imported in ``run``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from loopwire.config import load_config
from loopwire.discovery import Excludes, iter_python_files, target_problems
from loopwire.findings import UNANALYSABLE
from loopwire.reporting import EXIT_ERROR, add_common_options, check_codes, finish, split_codes
from loopwire.suppression import select_codes


def configure(parser: argparse.ArgumentParser) -> None:
    add_common_options(parser)


def run(args: argparse.Namespace) -> int:
    from loopwire.wiring.analysis import analyse, read_sources
    from loopwire.wiring.rules import RULES
    from loopwire.wiring.settings import WiringSettings

    paths: list[Path] = args.paths or [Path(".")]
    problems = target_problems(paths)
    for problem in problems:
        print(f"loopwire wiring: {problem}", file=sys.stderr)
    if problems:
        return EXIT_ERROR
    config = load_config(start=paths[0], explicit=args.config)
    settings = WiringSettings.from_config(config)
    excludes = Excludes([*config.strings("exclude"), *(args.exclude or [])], config.root)
    files = list(iter_python_files(paths, excludes))
    if not files:
        named = ", ".join(map(str, paths))
        print(f"loopwire wiring: no Python files found in {named}", file=sys.stderr)
        return EXIT_ERROR
    sources, errors = read_sources(files)
    findings = errors + analyse(sources, settings)
    known = [UNANALYSABLE, *RULES]
    chosen = {}
    for option in ("select", "ignore"):
        given = split_codes(getattr(args, option))
        where = f"--{option}" if given is not None else f"[tool.loopwire.wiring] {option}"
        codes = config.strings(option, "wiring") if given is None else given
        chosen[option] = check_codes(codes, known, where)
    findings = select_codes(findings, chosen["select"], chosen["ignore"])
    return finish(findings, len(sources) + len(errors), args.format, RULES)
