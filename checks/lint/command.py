"""``loopwire lint``: report blocking calls reachable on the event loop."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path

from checks.config import ConfigError, load_config
from checks.discovery import Excludes, iter_python_files
from checks.reporting import EXIT_ERROR, add_common_options, finish, split_codes


def configure(parser: argparse.ArgumentParser) -> None:
    add_common_options(parser)
    parser.add_argument("--no-cache", action="store_true", help="analyse every file afresh")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="where to keep the content-hash cache (default: <project root>/.loopwire_cache)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=0,
        metavar="N",
        help="worker processes for parsing (default: one per core)",
    )


def run(args: argparse.Namespace) -> int:
    # Imported here: building the CLI parser must stay cheap for every sub-command.
    from checks.lint.engine import Options, lint_files
    from checks.lint.rules import BY_CODE

    paths: list[Path] = args.paths or [Path(".")]
    missing = [path for path in paths if not path.exists()]
    if missing:
        for path in missing:
            print(f"loopwire: no such file or directory: {path}", file=sys.stderr)
        return EXIT_ERROR
    if args.jobs < 0:
        print("loopwire: --jobs must be 0 (one per core) or more", file=sys.stderr)
        return EXIT_ERROR
    config = load_config(start=paths[0], explicit=args.config)
    excludes = Excludes([*config.strings("exclude"), *(args.exclude or [])], config.root)
    files = list(iter_python_files(paths, excludes))
    cache_dir = None if args.no_cache else (args.cache_dir or config.root / ".loopwire_cache")
    options = Options(
        blocking_calls=_blocking_calls(config.section("blocking-calls")),
        select=split_codes(args.select) or config.strings("select"),
        ignore=split_codes(args.ignore) or config.strings("ignore"),
        cache_dir=cache_dir,
        jobs=args.jobs,
    )
    result = lint_files(files, options)
    return finish(result.findings, result.files_checked, args.format, BY_CODE)


def _blocking_calls(table: Mapping[str, object]) -> dict[str, str]:
    calls: dict[str, str] = {}
    for name, replacement in table.items():
        if not isinstance(replacement, str):
            raise ConfigError(
                f"[tool.loopwire.blocking-calls] {name!r} must map to a replacement string"
            )
        calls[name] = replacement
    return calls
