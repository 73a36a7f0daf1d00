"""Every wiring rule (LW2xx), one module each (``lwNNN_slug.py`` defining ``RULE``)."""

from __future__ import annotations

import sys

from checks.core.registry import collect
from checks.core.rule import Rule

RULES: dict[str, Rule] = {rule.code: rule for rule in collect(sys.modules[__name__])}
