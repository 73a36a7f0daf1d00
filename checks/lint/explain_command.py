"""``loopwire explain CODE``: a rule's rationale, suggestion and examples."""

from __future__ import annotations

import argparse
import sys

from checks.reporting import EXIT_ERROR

HELP = "explain a linter rule (by code, slug or flake8-async code) with examples"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", help="e.g. LW101, blocking-subprocess or ASYNC221")


def run(args: argparse.Namespace) -> int:
    from checks.lint.docs import rule_markdown
    from checks.lint.rules import RULES

    wanted = args.code.strip()
    for rule in RULES:
        if wanted.upper() in (rule.code, *rule.aliases) or wanted.lower() == rule.slug:
            print(rule_markdown(rule), end="")
            return 0
    print(f"loopwire: unknown rule {wanted!r}; `loopwire rules` lists them", file=sys.stderr)
    return EXIT_ERROR
