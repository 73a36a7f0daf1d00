"""``loopwire rules``: list the linter's rule codes, slugs and flake8-async equivalents."""

from __future__ import annotations

import argparse

HELP = "list the blocking-call linter's rules"


def configure(parser: argparse.ArgumentParser) -> None:
    del parser  # no options


def run(args: argparse.Namespace) -> int:
    from checks.lint.rules import RULES

    del args
    for rule in RULES:
        aliases = f"  [{', '.join(rule.aliases)}]" if rule.aliases else ""
        print(f"{rule.code}  {rule.slug:<26} {rule.summary}{aliases}")
    return 0
