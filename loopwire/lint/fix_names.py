"""Name binding in a file being fixed, as CPython sees it: does ``asyncio`` name the module at a
call, and were the replaced calls the only uses of a name (so its import can go).

``symtable`` answers for scopes at C speed with CPython's exact semantics, where libcst's
ScopeProvider costs several times the parse; the linter's own resolver cannot serve here, since
it answers during its single pass over ``ast`` and the fixer asks about libcst nodes afterwards.
"""

from __future__ import annotations

import ast
import re
import symtable
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

import libcst as cst
from libcst.metadata import CodeRange


class AsyncioBinding(Enum):
    """What ``asyncio`` refers to at a call."""

    MODULE = "bound to the asyncio module"
    UNBOUND = "unbound: an import is added"
    OTHER = "bound to something else, or cannot tell"


@dataclass(frozen=True, slots=True)
class ImportSite:
    node: cst.Import | cst.ImportFrom
    # The function whose body holds it; None at module level.
    function: cst.FunctionDef | None
    # Directly in the module body: it always runs (not under ``if TYPE_CHECKING:`` or ``try``).
    top_level: bool
    ancestors: tuple[int, ...]
    # Names it binds.
    names: frozenset[str]
    # It binds ``asyncio`` to the asyncio module (``import asyncio``, ``import asyncio.x``).
    asyncio: bool


class Names:
    """Name binding as CPython sees it: ``symtable`` for scopes (C speed, exact semantics, where
    libcst's ScopeProvider costs several times the parse) and ``ast`` for uses."""

    def __init__(self, source: str) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.table = symtable.symtable(source, "<fix>", "exec")
            tree = ast.parse(source)
        self.functions: dict[tuple[str, int], symtable.SymbolTable] = {}
        pending = [self.table]
        while pending:
            table = pending.pop()
            if table.get_type() == "function":
                self.functions[(table.get_name(), table.get_lineno())] = table
            pending.extend(table.get_children())
        self.loads: dict[str, int] = {}
        self.strings: list[str] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                self.loads[node.id] = self.loads.get(node.id, 0) + 1
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                self.strings.append(node.value)

    @staticmethod
    def top_level(module: cst.Module) -> set[int]:
        return {
            id(small)
            for statement in module.body
            if isinstance(statement, cst.SimpleStatementLine)
            for small in statement.body
        }

    def asyncio_at(
        self,
        functions: Sequence[cst.FunctionDef],
        positions: Mapping[cst.CSTNode, CodeRange],
        imports: Sequence[ImportSite],
    ) -> AsyncioBinding:
        for function in reversed(functions):
            table = self.functions.get((function.name.value, positions[function.name].start.line))
            if table is None:
                return AsyncioBinding.OTHER
            if "asyncio" not in table.get_identifiers():
                continue
            symbol = table.lookup("asyncio")
            if symbol.is_global():
                break
            if symbol.is_local():
                mine = [item for item in imports if item.function is function]
                return imported_binding(symbol, mine)
        if "asyncio" not in self.table.get_identifiers():
            return AsyncioBinding.UNBOUND
        symbol = self.table.lookup("asyncio")
        if not symbol.is_imported() and not symbol.is_assigned():
            return AsyncioBinding.UNBOUND
        module_level = [item for item in imports if item.function is None]
        if not all(item.top_level for item in module_level if "asyncio" in item.names):
            return AsyncioBinding.OTHER
        return imported_binding(symbol, module_level)

    def only_uses(self, name: str, count: int) -> bool:
        """The replaced calls were the only uses of ``name``: its import can go (ruff would call
        it unused). A name in a string (``__all__``, a string annotation) counts as used."""
        if self.loads.get(name, 0) != count:
            return False
        word = re.compile(rf"\b{re.escape(name)}\b")
        return not any(word.search(text) for text in self.strings)


def imported_binding(symbol: symtable.Symbol, imports: Sequence[ImportSite]) -> AsyncioBinding:
    """MODULE when only ``import asyncio`` statements bind the name in this scope."""
    if symbol.is_assigned() or symbol.is_parameter() or not symbol.is_imported():
        return AsyncioBinding.OTHER
    binders = [item for item in imports if "asyncio" in item.names]
    if binders and all(item.asyncio for item in binders):
        return AsyncioBinding.MODULE
    return AsyncioBinding.OTHER
