"""The rules of every guard in one registry, for ``loopwire rules``, ``explain`` and the pages.

It sits above both guards (it imports their rule packages); the guards never import each other.
"""

from __future__ import annotations

from loopwire.core.rule import Rule


def lint_rules() -> tuple[Rule, ...]:
    from loopwire.lint.rules import RULES

    return RULES


def wiring_rules() -> tuple[Rule, ...]:
    from loopwire.wiring.rules import RULES

    return tuple(RULES.values())


def all_rules() -> tuple[Rule, ...]:
    return (*lint_rules(), *wiring_rules())


def find(name: str) -> Rule | None:
    """The rule a code, slug or flake8-async alias names (any case), or None."""
    wanted = name.strip()
    for rule in all_rules():
        if wanted.upper() in (rule.code, *rule.aliases) or wanted.lower() == rule.slug:
            return rule
    return None
