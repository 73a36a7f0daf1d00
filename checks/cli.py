"""The ``loopwire`` command: one sub-command per guard, each defined in its own module.

A sub-command module exposes ``HELP``, ``configure(parser)`` and ``run(args) -> int``; it is
imported only to build the parser, so it must keep heavy imports (libcst) inside ``run``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from checks import __version__
from checks.config import ConfigError
from checks.reporting import EXIT_ERROR

COMMANDS = {
    "lint": "checks.lint.command",
    "rules": "checks.lint.rules_command",
    "explain": "checks.lint.explain_command",
    "wiring": "checks.wiring.command",
    "fake-ffprobe": "checks.harness.fake_ffprobe_command",
}


def _load(module: str) -> ModuleType | None:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module.startswith(exc.name):
            return None  # that guard is not part of this build
        raise


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, ModuleType]]:
    parser = argparse.ArgumentParser(
        prog="loopwire", description="Quality gates for asyncio services."
    )
    parser.add_argument("--version", action="version", version=f"loopwire {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    modules: dict[str, ModuleType] = {}
    for name, module_name in COMMANDS.items():
        module = _load(module_name)
        if module is None:
            continue
        modules[name] = module
        command = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.configure(command)
    return parser, modules


def main(argv: Sequence[str] | None = None) -> int:
    parser, modules = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = modules[args.command].run(args)
    except ConfigError as exc:
        print(f"loopwire: configuration error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    return status


if __name__ == "__main__":
    sys.exit(main())
