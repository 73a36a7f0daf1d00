"""``loopwire fake-ffprobe``: write a fake ``ffprobe`` for trying a service by hand.

Example::

    export PATH="$(loopwire fake-ffprobe --default-delay 2 --rule 'bad*=garbage'):$PATH"

A behaviour spec is ``MODE[,KEY=VALUE...]`` with keys from
:class:`~loopwire.harness.fake_ffprobe.Behaviour`, e.g. ``fail,exit_code=2,stderr=moov atom not
found`` or ``ok,delay=5,width=1920,height=1080``.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from pathlib import Path
from typing import Any

from loopwire.harness.fake_ffprobe.fakes import MODES, Behaviour, write_fake_ffprobe
from loopwire.reporting import EXIT_CLEAN, EXIT_ERROR

# How to read each Behaviour field from text; derived from the dataclass so the two cannot drift.
_CONVERTERS: dict[str, type] = {
    field.name: {"float": float, "int": int}.get(str(field.type), str)
    for field in dataclasses.fields(Behaviour)
}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="directory to write into (default: a new temporary directory)",
    )
    parser.add_argument(
        "--default",
        dest="default_spec",
        default="ok",
        metavar="SPEC",
        help=f"behaviour for files no rule matches (modes: {', '.join(MODES)}; default: ok)",
    )
    parser.add_argument(
        "--default-delay",
        type=float,
        default=None,
        metavar="SECONDS",
        help="delay of the default behaviour (shortcut for --default ok,delay=SECONDS)",
    )
    parser.add_argument(
        "--rule",
        action="append",
        default=[],
        metavar="PATTERN=SPEC",
        help="behaviour for files whose basename matches the fnmatch PATTERN (repeatable, "
        "first match wins), e.g. '*.mkv=hang' or 'slow*=ok,delay=5'",
    )


def parse_spec(spec: str) -> Behaviour:
    """``"fail,exit_code=2"`` -> ``Behaviour(mode="fail", exit_code=2)``."""
    values: dict[str, Any] = {}
    for position, token in enumerate(part.strip() for part in spec.split(",")):
        key, sep, value = token.partition("=")
        if not sep:
            if position != 0:
                raise ValueError(f"{spec!r}: only the first item may be a bare mode")
            key, value = "mode", token
        key = key.strip()
        if key not in _CONVERTERS:
            raise ValueError(f"{spec!r}: unknown key {key!r}; known: {', '.join(_CONVERTERS)}")
        values[key] = _CONVERTERS[key](value.strip())
    return Behaviour(**values)


def run(args: argparse.Namespace) -> int:
    try:
        default = parse_spec(args.default_spec)
        if args.default_delay is not None:
            default = dataclasses.replace(default, delay=args.default_delay)
        rules: dict[str, Behaviour] = {}
        for rule in args.rule:
            pattern, sep, spec = rule.partition("=")
            if not sep or not pattern:
                raise ValueError(f"--rule {rule!r}: expected PATTERN=SPEC")
            rules[pattern] = parse_spec(spec)
    except ValueError as exc:
        print(f"loopwire fake-ffprobe: {exc}", file=sys.stderr)
        return EXIT_ERROR
    directory = args.dir or Path(tempfile.mkdtemp(prefix="loopwire-fake-ffprobe-"))
    fake = write_fake_ffprobe(directory, rules, default)
    print(fake.directory)
    print(
        f"fake ffprobe: {fake.executable}\ninvocation log: {fake.log_dir}\n"
        f'use it: export PATH="{fake.directory}:$PATH"',
        file=sys.stderr,
    )
    return EXIT_CLEAN
