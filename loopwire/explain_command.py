"""``loopwire explain CODE``: a rule's rationale, suggestion and every example, for either guard."""

from __future__ import annotations

import argparse
import sys

from loopwire.reporting import EXIT_ERROR


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", help="e.g. LW101, blocking-subprocess, ASYNC221 or LW201")


def run(args: argparse.Namespace) -> int:
    from loopwire.core.docs import rule_markdown
    from loopwire.registry import find

    rule = find(args.code)
    if rule is None:
        wanted = args.code.strip()
        print(f"loopwire: unknown rule {wanted!r}; `loopwire rules` lists them", file=sys.stderr)
        return EXIT_ERROR
    print(rule_markdown(rule), end="")
    return 0
