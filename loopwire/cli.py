"""The ``loopwire`` command: one sub-command per guard, each defined in its own module.

A sub-command module exposes ``configure(parser)`` and ``run(args) -> int``; only the module of
the sub-command being run is imported, and it keeps heavy imports (libcst) inside ``run``.
"""

from __future__ import annotations

import sys

# Not ``typing.TYPE_CHECKING``: a replayed ``lint`` run (``loopwire.lint.replay``) must not pay for
# importing typing, argparse or the configuration; mypy treats any constant of this name as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from types import ModuleType

# name -> (module, one-line help). The help lives here so that ``loopwire --help`` and every
# run import only the module of the sub-command actually used (a warm lint run stays cheap).
COMMANDS = {
    "lint": ("loopwire.lint.command", "lint for blocking calls reachable from async functions"),
    "rules": ("loopwire.rules_command", "list the rules of every guard"),
    "explain": ("loopwire.explain_command", "explain a rule, with examples"),
    "wiring": ("loopwire.wiring.command", "check that every declared schema field is set"),
    "fake-ffprobe": (
        "loopwire.harness.fake_ffprobe.command",
        "write a fake ffprobe executable for responsiveness tests",
    ),
}


def build_parser(argv: Sequence[str]) -> tuple[argparse.ArgumentParser, ModuleType | None]:
    """Build the parser, configuring only the sub-command named in ``argv`` (if any)."""
    import argparse
    import importlib

    from loopwire import __version__

    parser = argparse.ArgumentParser(
        prog="loopwire", description="Quality gates for asyncio services."
    )
    parser.add_argument("--version", action="version", version=f"loopwire {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    chosen = next((arg for arg in argv if not arg.startswith("-")), None)
    module: ModuleType | None = None
    for name, (module_name, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            module = importlib.import_module(module_name)
            module.configure(command)
    return parser, module


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    except BrokenPipeError:
        # The reader went away (``loopwire lint --format json | head``). Point stdout at devnull
        # so the interpreter's final flush does not raise again, and exit like a killed writer.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def _main(arguments: list[str]) -> int:
    replayable = False
    if arguments[:1] == ["lint"]:
        # A lint run identical to a recorded one, with nothing it read changed, is replayed
        # before anything else is imported: it then costs little more than the interpreter.
        from loopwire.lint import replay

        replayable = replay.replayable(arguments[1:])
        status = replay.replay(arguments[1:]) if replayable else None
        if status is not None:
            return status
    return _run(arguments, record=replayable)


def _run(arguments: list[str], record: bool) -> int:
    from loopwire.config import ConfigError
    from loopwire.reporting import EXIT_ERROR

    parser, module = build_parser(arguments)
    args = parser.parse_args(arguments)
    assert module is not None  # argparse exits unless a known sub-command was named
    try:
        if record:
            from loopwire.lint import replay

            status = replay.run_recorded(arguments[1:], args, lambda: int(module.run(args)))
        else:
            status = module.run(args)
    except ConfigError as exc:
        print(f"loopwire: configuration error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    return status


if __name__ == "__main__":
    sys.exit(main())
