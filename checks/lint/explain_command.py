"""``loopwire explain CODE``: a rule's rationale, suggestion and examples, for either guard."""

from __future__ import annotations

import argparse
import sys

from checks.reporting import EXIT_ERROR


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", help="e.g. LW101, blocking-subprocess, ASYNC221 or LW201")


def run(args: argparse.Namespace) -> int:
    from checks.lint.docs import rule_markdown
    from checks.lint.rules import RULES
    from checks.wiring.docs import rule_markdown as wiring_rule_markdown
    from checks.wiring.rules import RULES as WIRING_RULES

    wanted = args.code.strip()
    for rule in RULES:
        if wanted.upper() in (rule.code, *rule.aliases) or wanted.lower() == rule.slug:
            print(rule_markdown(rule), end="")
            return 0
    for wiring_rule in WIRING_RULES.values():
        if wanted.upper() == wiring_rule.code or wanted.lower() == wiring_rule.slug:
            print(wiring_rule_markdown(wiring_rule), end="")
            return 0
    print(f"loopwire: unknown rule {wanted!r}; `loopwire rules` lists them", file=sys.stderr)
    return EXIT_ERROR
