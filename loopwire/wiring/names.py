"""Name resolution without libcst's metadata providers: imports and simple aliases.

The wiring check matches classes by name across the project, so it only needs to know what a
local name was imported as; tracking that by hand costs nothing next to ``QualifiedNameProvider``.
"""

from __future__ import annotations

import libcst as cst

from loopwire.core.names import dotted
from loopwire.core.source import absolute_module


def last(name: str) -> str:
    return name.rpartition(".")[2]


class ImportTable:
    """Maps local names to the dotted names they were imported (or aliased) from."""

    def __init__(self, module: str, is_package: bool = False) -> None:
        self.module = module
        # A relative import in ``pkg/__init__.py`` is relative to ``pkg`` itself.
        self.package = module if is_package else module.rpartition(".")[0]
        self.names: dict[str, str] = {}

    def resolve(self, node: cst.BaseExpression) -> str | None:
        name = dotted(node)
        if name is None:
            return None
        head, dot, rest = name.partition(".")
        target = self.names.get(head, head)
        return f"{target}{dot}{rest}"

    def add_import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = dotted(alias.name)
            if full is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.names[alias.asname.name.value] = full
            else:
                head = full.partition(".")[0]
                self.names[head] = head

    def add_import_from(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        base = self._absolute(node)
        for alias in node.names:
            name = dotted(alias.name)
            if name is None:
                continue
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.names[local] = f"{base}.{name}" if base else name

    def add_alias(self, target: str, value: cst.BaseExpression) -> None:
        """``Response = JobStatusResponse`` at module level: calls to ``Response`` construct it."""
        resolved = self.resolve(value)
        if resolved is not None and resolved != target:
            self.names[target] = resolved

    def _absolute(self, node: cst.ImportFrom) -> str:
        module = "" if node.module is None else (dotted(node.module) or "")
        return absolute_module(self.package, module, len(node.relative))
