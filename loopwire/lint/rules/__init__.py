"""Every rule of ``loopwire lint``, one module each (``lwNNN_slug.py`` defining ``RULE``)."""

from __future__ import annotations

import sys

from loopwire.core.registry import collect
from loopwire.core.rule import Rule

RULES: tuple[Rule, ...] = collect(sys.modules[__name__])
BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}


def aliases_of(code: str) -> tuple[str, ...]:
    rule = BY_CODE.get(code)
    return rule.aliases if rule is not None else ()
