"""Every wiring rule (LW2xx), one module each (``lwNNN_slug.py``): its ``RULE`` (description,
message, examples) and its ``judge`` (the verdicts it draws from the project's evidence)."""

from __future__ import annotations

import sys
from typing import cast

from loopwire.core.registry import rule_modules
from loopwire.core.rule import Rule
from loopwire.wiring.evidence import Judge

_MODULES = rule_modules(sys.modules[__name__])
RULES: dict[str, Rule] = {module.RULE.code: module.RULE for module in _MODULES}
JUDGES: dict[str, Judge] = {module.RULE.code: cast(Judge, module.judge) for module in _MODULES}
