"""The scope model of the lint walk: what a name refers to in each scope on the stack.

A binding is a tag (what kind of thing the name holds) and a value (its qualified name, or the
catalog kind of the object); the stack answers "what does this name refer to here?" with
Python's rules (class bodies are not visible from their methods, ``global`` reaches the module,
comprehension targets stay in the comprehension) and "which function's frame runs this code?".
"""

from __future__ import annotations

import ast
import contextlib
from collections.abc import Iterator
from enum import Enum

from loopwire.lint.model import FunctionSummary


class Tag(Enum):
    """What a name in a scope refers to; the binding's value says which one."""

    IMPORT = "import"  # value: the qualified name it was imported as
    SYNC_DEF = "def"  # value: qualified function name
    ASYNC_DEF = "async-def"
    CLASS = "class"  # value: qualified class name
    KIND = "kind"  # value: a catalog kind (file, path, process, ...)
    INSTANCE = "instance"  # value: qualified name of the project class it may be an instance of
    OTHER = "other"  # a local value we know nothing about: never the stdlib function


class ScopeKind(Enum):
    MODULE = "module"
    CLASS = "class"
    FUNCTION = "function"
    LAMBDA = "lambda"
    COMPREHENSION = "comprehension"


Binding = tuple[Tag, str]
UNKNOWN: Binding = (Tag.OTHER, "")


class Scope:
    __slots__ = (
        "attributes",
        "bindings",
        "class_key",
        "context",
        "globals",
        "key",
        "kind",
        "narrowed",
        "parameters",
        "self_name",
    )

    def __init__(self, kind: ScopeKind, key: str, context: Context | None) -> None:
        self.kind = kind
        self.key = key  # qualified name of the module, class or function
        self.bindings: dict[str, Binding] = {}
        self.globals: set[str] = set()
        # Functions defined directly in a class body: ``self.x()`` resolves to ``class_key.x``.
        self.class_key: str | None = None
        self.context = context
        # A class: what its instances' attributes hold (``self.root = Path(...)``).
        self.attributes: dict[str, Binding] = {}
        # A method: the name its first parameter (the instance) goes by.
        self.self_name: str | None = None
        # A function: its parameter names, and the ``isinstance`` checks around the statement
        # being walked, innermost last: (name, qualified type names).
        self.parameters: frozenset[str] = frozenset()
        self.narrowed: list[tuple[str, tuple[str, ...]]] = []


class Context:
    """The function whose frame a call runs in: async (on the loop), sync (summarised), or none
    (module level and lambdas: neither reported nor summarised)."""

    __slots__ = ("data_urls", "display", "function", "is_async", "key", "summary")

    def __init__(
        self,
        display: str,
        is_async: bool,
        summary: FunctionSummary | None,
        key: str = "",
        function: ast.FunctionDef | ast.AsyncFunctionDef | None = None,
    ) -> None:
        self.display = display
        self.key = key  # qualified name of the function
        self.is_async = is_async
        self.summary = summary
        self.function = function
        # The calls in its frame given a ``data:`` URL (see ``data_urls``), once asked.
        self.data_urls: frozenset[ast.Call] | None = None


NO_CONTEXT = Context("", False, None)


class Scopes:
    """The stack of scopes the walk is in, and the binding rules over it."""

    def __init__(self) -> None:
        self.scopes: list[Scope] = []
        # Depth of ``except`` bodies being walked: see ``_keeps_import``.
        self._fallbacks = 0

    @property
    def scope(self) -> Scope:
        return self.scopes[-1]

    def lookup(self, name: str) -> Binding | None:
        innermost = self.scopes[-1]
        for scope in reversed(self.scopes):
            if scope.kind is ScopeKind.MODULE:
                return scope.bindings.get(name)
            if scope.kind is ScopeKind.CLASS and scope is not innermost:
                continue  # class bodies are not visible from the functions inside them
            if name in scope.globals:
                return self.scopes[0].bindings.get(name)
            binding = scope.bindings.get(name)
            if binding is not None:
                return binding
        return None

    def bind(self, name: str, binding: Binding) -> None:
        scope = self.scopes[-1]
        # Module-level names were collected up front (function bodies run after the whole
        # module has executed, so they see its final bindings); do not overwrite them in order.
        if scope.kind is ScopeKind.MODULE:
            return
        if scope.kind is ScopeKind.COMPREHENSION and binding[0] is not Tag.OTHER:
            scope = self._enclosing_function_scope()
        if name in scope.globals or self._keeps_import(scope, name, binding):
            return
        scope.bindings[name] = binding
        if name in scope.parameters:
            # Rebound: from here on it no longer holds what the caller passed.
            scope.parameters = scope.parameters - {name}
        if scope.narrowed:
            # Nor what an enclosing ``isinstance`` checked (the guard entry stays, emptied).
            scope.narrowed[:] = [(n, () if n == name else k) for n, k in scope.narrowed]

    def _keeps_import(self, scope: Scope, name: str, binding: Binding) -> bool:
        """``try: import requests`` / ``except ImportError: requests = None``: the fallback runs
        only when the import failed, and then the call fails too; wherever the call can block,
        the name is the module. So a rebinding in an ``except`` body leaves an import standing."""
        if not self._fallbacks or binding[0] is Tag.IMPORT:
            return False
        existing = scope.bindings.get(name)
        return existing is not None and existing[0] is Tag.IMPORT

    @contextlib.contextmanager
    def _fallback(self) -> Iterator[None]:
        """Walking an ``except`` body."""
        self._fallbacks += 1
        try:
            yield
        finally:
            self._fallbacks -= 1

    def _enclosing_function_scope(self) -> Scope:
        for scope in reversed(self.scopes):
            if scope.kind is not ScopeKind.COMPREHENSION:
                return scope
        return self.scopes[0]

    def bind_target(self, target: ast.expr, binding: Binding = UNKNOWN) -> None:
        if isinstance(target, ast.Name):
            self.bind(target.id, binding)
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self.bind_target(element)
        elif isinstance(target, ast.Starred):
            self.bind_target(target.value)

    def _method_owner(self) -> str | None:
        """The class whose method body the walk is in (through comprehensions), if any."""
        for depth in range(len(self.scopes) - 1, 0, -1):
            scope = self.scopes[depth]
            if scope.kind is ScopeKind.COMPREHENSION:
                continue
            if scope.kind is ScopeKind.FUNCTION:
                return self.scopes[depth - 1].class_key
            return None
        return None

    def _instance_class(self, name: str) -> Scope | None:
        """The class scope when ``name`` is the instance parameter of the method being walked
        (also from a nested function or comprehension that sees it)."""
        for depth in range(len(self.scopes) - 1, 0, -1):
            scope = self.scopes[depth]
            if scope.kind is ScopeKind.CLASS or name not in scope.bindings:
                continue
            return self.scopes[depth - 1] if scope.self_name == name else None
        return None
