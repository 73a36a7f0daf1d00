"""``loopwire rules``: list every guard's rule codes, slugs and flake8-async equivalents."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    del parser  # no options


def run(args: argparse.Namespace) -> int:
    from loopwire.registry import all_rules

    del args
    for rule in all_rules():
        aliases = f"  [{', '.join(rule.aliases)}]" if rule.aliases else ""
        print(f"{rule.code}  {rule.slug:<26} {rule.summary}{aliases}")
    return 0
