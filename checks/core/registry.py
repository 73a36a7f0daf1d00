"""Rules are registered by being a module: every module of a guard's rules package that defines
``RULE`` is one rule, so adding a rule means adding one file (its tests and its docs follow)."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from checks.core.rule import Rule


def collect(package: ModuleType) -> tuple[Rule, ...]:
    """The ``RULE`` of every module in ``package``, ordered by code."""
    rules = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        rule = getattr(module, "RULE", None)
        if isinstance(rule, Rule):
            rules.append(rule)
    rules.sort(key=lambda rule: rule.code)
    codes = [rule.code for rule in rules]
    if len(codes) != len(set(codes)):
        raise RuntimeError(f"{package.__name__}: two rules share a code: {codes}")
    return tuple(rules)
