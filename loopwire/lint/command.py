"""``loopwire lint``: report blocking calls reachable on the event loop, and fix them on request
(``--fix``, ``--diff``; the fixer and libcst are imported only then)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from loopwire.config import ConfigError, load_config
from loopwire.discovery import Excludes, iter_python_files, target_problems
from loopwire.findings import UNANALYSABLE
from loopwire.lint.cache_home import default_cache_dir
from loopwire.reporting import (
    EXIT_CLEAN,
    EXIT_ERROR,
    EXIT_FINDINGS,
    add_common_options,
    check_codes,
    finish,
    split_codes,
)

if TYPE_CHECKING:
    from loopwire.lint.engine import Options, Result


def configure(parser: argparse.ArgumentParser) -> None:
    add_common_options(parser)
    parser.add_argument("--no-cache", action="store_true", help="analyse every file afresh")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="where to keep the content-hash cache (default: .loopwire_cache in the project "
        "found from the current directory, else the user cache directory)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=0,
        metavar="N",
        help="worker processes for parsing (default: one per core)",
    )
    parser.add_argument(
        "--fix",
        action="store_true",
        help="rewrite files in place with the safe fixes, then report what remains",
    )
    parser.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help="with --fix or --diff: also move blocking calls to a thread (asyncio.to_thread)",
    )
    parser.add_argument(
        "--diff",
        action="store_true",
        help="print a unified diff of what --fix would change; write nothing (exit 1 if any)",
    )


def run(args: argparse.Namespace) -> int:
    # Imported here: building the CLI parser must stay cheap for every sub-command.
    from loopwire.lint.engine import Options, lint_files
    from loopwire.lint.rules import BY_CODE

    paths: list[Path] = args.paths or [Path(".")]
    problems = target_problems(paths)
    for problem in problems:
        print(f"loopwire: {problem}", file=sys.stderr)
    if problems:
        return EXIT_ERROR
    if args.jobs < 0:
        print("loopwire: --jobs must be 0 (one per core) or more", file=sys.stderr)
        return EXIT_ERROR
    if args.unsafe_fixes and not (args.fix or args.diff):
        print("loopwire: --unsafe-fixes needs --fix or --diff", file=sys.stderr)
        return EXIT_ERROR
    config = load_config(start=paths[0], explicit=args.config)
    excludes = Excludes([*config.strings("exclude"), *(args.exclude or [])], config.root)
    files = list(iter_python_files(paths, excludes))
    if not files:
        # A gate over nothing would pass forever; say so instead.
        named = ", ".join(map(str, paths))
        print(f"loopwire: no Python files found in {named}", file=sys.stderr)
        return EXIT_ERROR
    config_name = None if args.config is None else str(args.config)
    cache_dir = None if args.no_cache else (args.cache_dir or Path(default_cache_dir(config_name)))
    codes = [UNANALYSABLE, *BY_CODE]
    options = Options(
        blocking_calls=_blocking_calls(config.section("blocking-calls")),
        offload=config.strings("offload-decorators"),
        startup=config.strings("startup"),
        select=_codes(split_codes(args.select), config.strings("select"), codes, "select"),
        ignore=_codes(split_codes(args.ignore), config.strings("ignore"), codes, "ignore"),
        cache_dir=cache_dir,
        jobs=args.jobs,
    )
    if args.diff:
        return _diff(files, options, unsafe=args.unsafe_fixes)
    result = (
        _fix(files, options, unsafe=args.unsafe_fixes) if args.fix else lint_files(files, options)
    )
    return finish(result.findings, result.files_checked, args.format, BY_CODE)


def _codes(
    given: list[str] | None, configured: list[str], known: list[str], option: str
) -> list[str]:
    """The codes of ``--select``/``--ignore`` (or of the configuration when the flag is not
    given), each checked to name a rule."""
    from loopwire.lint.rules import RULES

    equivalents: dict[str, list[str]] = {}
    for rule in RULES:
        for alias in rule.aliases:
            equivalents.setdefault(alias, []).append(rule.code)
    if given:
        return check_codes(given, known, f"--{option}", equivalents)
    return check_codes(configured, known, f"[tool.loopwire] {option}", equivalents)


def _diff(files: list[Path], options: Options, *, unsafe: bool) -> int:
    """Print what ``--fix`` would change; exit 1 when that is anything."""
    from loopwire.lint.engine import lint_files
    from loopwire.lint.fix_files import plan_fixes, stamps

    taken = stamps(files)
    result = lint_files(files, options)
    run = plan_fixes(result.findings, taken, unsafe=unsafe)
    for plan in run.plans:
        sys.stdout.write(plan.diff())
    sys.stdout.flush()
    _summary(run.problems, "would fix", run.fixed, len(result.findings), len(run.plans))
    return EXIT_FINDINGS if run.plans else EXIT_CLEAN


def _fix(files: list[Path], options: Options, *, unsafe: bool) -> Result:
    """Apply the fixes, then lint again: what is reported (and the exit status) is what remains."""
    from loopwire.lint.engine import lint_files
    from loopwire.lint.fix_files import plan_fixes, stamps, write_plan

    # Taken before linting: a file edited after this point is left as it is.
    taken = stamps(files)
    result = lint_files(files, options)
    run = plan_fixes(result.findings, taken, unsafe=unsafe)
    problems = list(run.problems)
    fixed = changed = 0
    for plan in run.plans:
        problem = write_plan(plan)
        if problem is None:
            fixed += len(plan.findings)
            changed += 1
        else:
            problems.append(problem)
    _summary(problems, "fixed", fixed, len(result.findings), changed)
    return lint_files(files, options) if changed else result


def _summary(problems: list[str], verb: str, fixed: int, total: int, files: int) -> None:
    for problem in problems:
        print(f"loopwire: {problem}", file=sys.stderr)
    noun = "file" if files == 1 else "files"
    print(f"{verb} {fixed} of {total} findings in {files} {noun}", file=sys.stderr)


def _blocking_calls(table: Mapping[str, object]) -> dict[str, str]:
    calls: dict[str, str] = {}
    for name, replacement in table.items():
        if not isinstance(replacement, str):
            raise ConfigError(
                f"[tool.loopwire.blocking-calls] {name!r} must map to a replacement string"
            )
        calls[name] = replacement
    return calls
