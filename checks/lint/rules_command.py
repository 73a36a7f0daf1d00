"""``loopwire rules``: list every guard's rule codes, slugs and flake8-async equivalents."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    del parser  # no options


def run(args: argparse.Namespace) -> int:
    from checks.lint.rules import RULES as LINT_RULES
    from checks.wiring.rules import RULES as WIRING_RULES

    del args
    for rule in LINT_RULES:
        aliases = f"  [{', '.join(rule.aliases)}]" if rule.aliases else ""
        print(f"{rule.code}  {rule.slug:<26} {rule.summary}{aliases}")
    for wiring_rule in WIRING_RULES.values():
        print(f"{wiring_rule.code}  {wiring_rule.slug:<26} {wiring_rule.summary}")
    return 0
