"""Rules are registered by being a module: every module of a guard's rules package that defines
``RULE`` is one rule, so adding a rule means adding one file (its tests and its docs follow)."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from loopwire.core.rule import Rule


def rule_modules(package: ModuleType) -> list[ModuleType]:
    """Every module of ``package`` that defines a ``RULE``, ordered by the rule's code."""
    modules = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        if isinstance(getattr(module, "RULE", None), Rule):
            modules.append(module)
    modules.sort(key=lambda module: module.RULE.code)
    codes = [module.RULE.code for module in modules]
    if len(codes) != len(set(codes)):
        raise RuntimeError(f"{package.__name__}: two rules share a code: {codes}")
    return modules


def collect(package: ModuleType) -> tuple[Rule, ...]:
    """The ``RULE`` of every rule module in ``package``, ordered by code."""
    return tuple(module.RULE for module in rule_modules(package))
