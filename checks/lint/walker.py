"""One pass over a libcst module that finds every blocking call and summarises sync functions.

libcst's metadata providers (scopes, qualified names) cost about ten times the parse, and its
generic visitor about as much as the parse again, so this module walks the tree itself: a scope
stack answers "is the nearest enclosing function async?" and "what does this name refer to?",
and only the fields that can hold code are followed. Positions are computed afterwards, only for
the calls that are reported.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import libcst as cst

from checks.lint import catalog
from checks.lint.model import CallSite, FunctionSummary, ModuleReport

# Binding tags: what a name in a scope refers to.
IMPORT = "import"  # value: the qualified name it was imported as
SYNC_DEF = "def"  # value: qualified function name
ASYNC_DEF = "async-def"
CLASS = "class"  # value: qualified class name
KIND = "kind"  # value: a catalog kind (file, path, process, ...)
OTHER = "other"  # a local value we know nothing about: never the stdlib function

Binding = tuple[str, str]
_OTHER: Binding = (OTHER, "")

# Fields that only ever hold tokens and whitespace, never code.
_TOKEN_FIELDS = frozenset(
    {
        "lpar",
        "rpar",
        "comma",
        "semicolon",
        "leading_lines",
        "lines_after_decorators",
        "header",
        "footer",
        "newline",
        "equal",
        "colon",
        "dot",
        "star",
        "operator",
        "lbracket",
        "rbracket",
        "lbrace",
        "rbrace",
        "asynchronous",
        "indent",
        "default_indent",
        "default_newline",
        "encoding",
        "has_trailing_newline",
        "arrow",
        "relative",
        "quote",
        "prefix",
        "start",
        "end",
    }
)
_CHILD_FIELDS: dict[type[cst.CSTNode], tuple[str, ...]] = {}

_KIND_NAMES = {
    catalog.PROCESS: "Popen",
    catalog.FILE: "file",
    catalog.PATH: "Path",
    catalog.SQLITE_CONNECTION: "sqlite3.Connection",
    catalog.SQLITE_CURSOR: "sqlite3.Cursor",
    catalog.HTTP_CLIENT: "client",
}


def _child_fields(node_type: type[cst.CSTNode]) -> tuple[str, ...]:
    names = _CHILD_FIELDS.get(node_type)
    if names is None:
        names = tuple(
            f.name
            for f in dataclasses.fields(node_type)
            if f.name not in _TOKEN_FIELDS and "whitespace" not in f.name
        )
        _CHILD_FIELDS[node_type] = names
    return names


_NODE_TYPES: dict[type, bool] = {}


def _is_node(value_type: type) -> bool:
    # A dict hit instead of an ABC isinstance check per field: this runs for every node.
    known = _NODE_TYPES.get(value_type)
    if known is None:
        known = _NODE_TYPES[value_type] = issubclass(value_type, cst.CSTNode)
    return known


def dotted(node: cst.BaseExpression) -> list[str] | None:
    """``a.b.c`` -> ``["a", "b", "c"]``; None for anything that is not a plain dotted name."""
    parts: list[str] = []
    while type(node) is cst.Attribute:
        parts.append(node.attr.value)
        node = node.value
    if type(node) is not cst.Name:
        return None
    parts.append(node.value)
    parts.reverse()
    return parts


class Scope:
    __slots__ = ("bindings", "class_key", "context", "globals", "key", "kind")

    def __init__(self, kind: str, key: str, context: Context | None) -> None:
        self.kind = kind  # module, class, function, lambda, comprehension
        self.key = key  # qualified name of the module, class or function
        self.bindings: dict[str, Binding] = {}
        self.globals: set[str] = set()
        # Functions defined directly in a class body: ``self.x()`` resolves to ``class_key.x``.
        self.class_key: str | None = None
        self.context = context


class Context:
    """The function whose frame a call runs in: async (on the loop), sync (summarised), or none
    (module level and lambdas: neither reported nor summarised)."""

    __slots__ = ("display", "is_async", "summary")

    def __init__(self, display: str, is_async: bool, summary: FunctionSummary | None) -> None:
        self.display = display
        self.is_async = is_async
        self.summary = summary


_NO_CONTEXT = Context("", False, None)


class Walker:
    def __init__(self, module: str, is_package: bool, blocking_calls: Mapping[str, str]) -> None:
        self.module = module
        self.package = module if is_package else module.rpartition(".")[0]
        self.configured_exact = {k: v for k, v in blocking_calls.items() if not _is_pattern(k)}
        self.configured_patterns = [(k, v) for k, v in blocking_calls.items() if _is_pattern(k)]
        self.report = ModuleReport(module=module)
        self.calls: list[cst.Call] = []
        # (call node, rule code, message) of direct findings, positioned later.
        self.direct: list[tuple[cst.Call, str, str]] = []
        self.scopes: list[Scope] = []
        self._prescanning = False
        self._special: dict[type[cst.CSTNode], Callable[[Any], None]] = {
            cst.FunctionDef: self._function,
            cst.Lambda: self._lambda,
            cst.ClassDef: self._class,
            cst.ListComp: self._comprehension,
            cst.SetComp: self._comprehension,
            cst.GeneratorExp: self._comprehension,
            cst.DictComp: self._comprehension,
            cst.Call: self._call,
            cst.Assign: self._assign,
            cst.AnnAssign: self._ann_assign,
            cst.AugAssign: self._aug_assign,
            cst.NamedExpr: self._named_expr,
            cst.For: self._for,
            cst.With: self._with,
            cst.Import: self._import,
            cst.ImportFrom: self._import_from,
            cst.Global: self._global,
            cst.ExceptHandler: self._except,
            cst.ExceptStarHandler: self._except,
            cst.ConcatenatedString: self._concatenated,
            cst.BinaryOperation: self._operation,
            cst.BooleanOperation: self._operation,
            cst.SimpleString: self._leaf,
            cst.Integer: self._leaf,
            cst.Float: self._leaf,
            cst.Name: self._leaf,
        }

    # -- entry point ---------------------------------------------------------------------

    def run(self, tree: cst.Module) -> ModuleReport:
        scope = Scope("module", self.module, _NO_CONTEXT)
        self.scopes.append(scope)
        self._prescan(tree.body, scope)
        self.report.aliases = {
            name: value for name, (tag, value) in scope.bindings.items() if tag == IMPORT
        }
        for statement in tree.body:
            self._walk(statement)
        self.scopes.pop()
        return self.report

    # -- traversal -----------------------------------------------------------------------

    def _walk(self, node: cst.CSTNode) -> None:
        special = self._special.get(type(node))
        if special is not None:
            special(node)
            return
        self._children(node)

    def _children(self, node: cst.CSTNode) -> None:
        for name in _child_fields(type(node)):
            value = getattr(node, name)
            value_type = type(value)
            if value_type is tuple or value_type is list:
                for child in value:
                    if _is_node(type(child)):
                        self._walk(child)
            elif _is_node(value_type):
                self._walk(value)

    def _concatenated(self, node: cst.ConcatenatedString) -> None:
        # Iterative: generated modules concatenate thousands of literals in one right-leaning chain.
        right: cst.BaseExpression = node
        while isinstance(right, cst.ConcatenatedString):
            self._walk(right.left)
            right = right.right
        self._walk(right)

    def _operation(self, node: cst.BinaryOperation | cst.BooleanOperation) -> None:
        # Iterative down the left spine: a generated 5,000-term sum is one chain that deep.
        rights: list[cst.BaseExpression] = []
        left: cst.BaseExpression = node
        while isinstance(left, cst.BinaryOperation | cst.BooleanOperation):
            rights.append(left.right)
            left = left.left
        self._walk(left)
        for right in reversed(rights):
            self._walk(right)

    def _leaf(self, node: cst.CSTNode) -> None:
        del node  # a plain literal holds no code

    def _walk_all(self, nodes: Iterable[cst.CSTNode | None]) -> None:
        for node in nodes:
            if node is not None:
                self._walk(node)

    # -- scopes and bindings -------------------------------------------------------------

    @property
    def scope(self) -> Scope:
        return self.scopes[-1]

    def lookup(self, name: str) -> Binding | None:
        innermost = self.scopes[-1]
        for scope in reversed(self.scopes):
            if scope.kind == "module":
                return scope.bindings.get(name)
            if scope.kind == "class" and scope is not innermost:
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
        if scope.kind == "module":
            return
        if scope.kind == "comprehension" and binding[0] != OTHER:
            scope = self._enclosing_function_scope()
        if name in scope.globals:
            return
        scope.bindings[name] = binding

    def _enclosing_function_scope(self) -> Scope:
        for scope in reversed(self.scopes):
            if scope.kind != "comprehension":
                return scope
        return self.scopes[0]

    def bind_target(self, target: cst.BaseExpression, binding: Binding = _OTHER) -> None:
        if isinstance(target, cst.Name):
            self.bind(target.value, binding)
        elif isinstance(target, cst.Tuple | cst.List):
            for element in target.elements:
                self.bind_target(element.value)
        elif isinstance(target, cst.StarredElement):
            self.bind_target(target.value)

    def _prescan(self, body: Sequence[cst.CSTNode], scope: Scope) -> None:
        """Collect the names a module or class body binds, before walking it: functions defined
        later in the module and imports at the bottom are what function bodies see."""
        self.scopes.append(scope)
        self._prescanning = True
        try:
            self._prescan_block(body, scope)
        finally:
            self._prescanning = False
            self.scopes.pop()

    def _prescan_block(self, body: Sequence[cst.CSTNode], scope: Scope) -> None:
        for statement in body:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    self._prescan_small(small, scope)
            elif isinstance(statement, cst.FunctionDef):
                name = statement.name.value
                tag = ASYNC_DEF if statement.asynchronous else SYNC_DEF
                scope.bindings[name] = (tag, f"{scope.key}.{name}")
            elif isinstance(statement, cst.ClassDef):
                name = statement.name.value
                scope.bindings[name] = (CLASS, f"{scope.key}.{name}")
            elif isinstance(
                statement, cst.If | cst.Try | cst.TryStar | cst.With | cst.For | cst.While
            ):
                self._prescan_compound(statement, scope)
            elif isinstance(statement, cst.BaseSmallStatement):
                self._prescan_small(statement, scope)  # the body of ``if x: import y``

    def _prescan_compound(self, statement: cst.CSTNode, scope: Scope) -> None:
        for name in ("body", "orelse", "handlers", "finalbody"):
            part = getattr(statement, name, None)
            if part is None:
                continue
            if isinstance(part, Sequence):
                for handler in part:
                    self._prescan_block(handler.body.body, scope)
            elif isinstance(part, cst.If):
                self._prescan_compound(part, scope)
            elif isinstance(part, cst.BaseSuite | cst.Else | cst.Finally):
                inner = part.body
                if isinstance(inner, cst.BaseSuite):
                    inner = inner.body
                if isinstance(inner, Sequence):
                    self._prescan_block(inner, scope)

    def _prescan_small(self, small: cst.BaseSmallStatement, scope: Scope) -> None:
        if isinstance(small, cst.Import):
            self._import(small)
        elif isinstance(small, cst.ImportFrom):
            self._import_from(small)
        elif isinstance(small, cst.Assign):
            value_kind = self.kind_of(small.value)
            binding = (KIND, value_kind) if value_kind else _OTHER
            for target in small.targets:
                self._prescan_target(target.target, binding, scope)
        elif isinstance(small, cst.AnnAssign):
            ann_kind = self.annotation_kind(small.annotation)
            if ann_kind is None and small.value is not None:
                ann_kind = self.kind_of(small.value)
            binding = (KIND, ann_kind) if ann_kind else _OTHER
            self._prescan_target(small.target, binding, scope)

    def _prescan_target(self, target: cst.BaseExpression, binding: Binding, scope: Scope) -> None:
        if isinstance(target, cst.Name):
            scope.bindings[target.value] = binding
        elif isinstance(target, cst.Tuple | cst.List):
            for element in target.elements:
                self._prescan_target(element.value, _OTHER, scope)

    # -- resolution ----------------------------------------------------------------------

    def resolve(self, parts: list[str]) -> tuple[str | None, str | None]:
        """A dotted name -> (qualified name if it may be a library function, qualified name if
        it may be a sync project function)."""
        binding = self.lookup(parts[0])
        rest = parts[1:]
        if binding is None:
            # Not bound anywhere in sight: a builtin, or a module imported out of sight.
            return ".".join(parts), None
        tag, value = binding
        if tag == IMPORT:
            name = ".".join([value, *rest])
            return name, name
        if tag == SYNC_DEF:
            return (value, value) if not rest else (None, None)
        if tag == CLASS:
            if not rest:
                return value, f"{value}.__init__"
            if len(rest) == 1:
                return f"{value}.{rest[0]}", f"{value}.{rest[0]}"
            return None, None
        if tag == OTHER and len(parts) == 2 and parts[0] in ("self", "cls"):
            owner = self._method_owner()
            if owner is not None:
                return None, f"{owner}.{parts[1]}"
        return None, None

    def _method_owner(self) -> str | None:
        """The class whose method body the walk is in (through comprehensions), if any."""
        for depth in range(len(self.scopes) - 1, 0, -1):
            scope = self.scopes[depth]
            if scope.kind == "comprehension":
                continue
            if scope.kind == "function":
                return self.scopes[depth - 1].class_key
            return None
        return None

    def qualify(self, node: cst.BaseExpression) -> str | None:
        parts = dotted(node)
        if parts is None:
            return None
        return self.resolve(parts)[0]

    def kind_of(self, node: cst.BaseExpression) -> str | None:
        """The catalog kind of the object an expression evaluates to, when it is known."""
        if isinstance(node, cst.Name):
            binding = self.lookup(node.value)
            return binding[1] if binding is not None and binding[0] == KIND else None
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute):
                receiver = self.kind_of(func.value)
                if receiver is not None:
                    return catalog.RETURNS.get(receiver, {}).get(func.attr.value)
            name = self.qualify(func)
            return catalog.CONSTRUCTORS.get(name) if name is not None else None
        if isinstance(node, cst.BinaryOperation):
            if isinstance(node.operator, cst.Divide):
                left = self.kind_of(node.left)
                return catalog.PATH if left == catalog.PATH else None
            return None
        if isinstance(node, cst.Attribute):
            owner = self.kind_of(node.value)
            if owner is not None:
                return catalog.ATTRIBUTES.get(owner, {}).get(node.attr.value)
        return None

    def annotation_kind(self, annotation: cst.Annotation | None) -> str | None:
        if annotation is None:
            return None
        expression = annotation.annotation
        if type(expression) is cst.SimpleString:
            return None
        if type(expression) is cst.Subscript:
            expression = expression.value
        name = self.qualify(expression)
        return catalog.ANNOTATIONS.get(name) if name is not None else None

    # -- calls ---------------------------------------------------------------------------

    def _call(self, node: cst.Call) -> None:
        index = len(self.calls)
        self.calls.append(node)
        context = self.scopes[-1].context
        if context is not None and (context.is_async or context.summary is not None):
            self._classify(node, index, context)
        self._children(node)

    def _classify(self, node: cst.Call, index: int, context: Context) -> None:
        func = node.func
        if type(func) is cst.Attribute:
            receiver = self.kind_of(func.value)
            if receiver is not None:
                blocking = catalog.METHODS.get(receiver, {}).get(func.attr.value)
                if blocking is not None:
                    owner = func.value
                    prefix = owner.value if type(owner) is cst.Name else _KIND_NAMES[receiver]
                    self._blocking(node, context, f"{prefix}.{func.attr.value}", None, blocking)
                return
        parts = dotted(func)
        if parts is None:
            return
        name, target = self.resolve(parts)
        if name is not None:
            blocking = catalog.FUNCTIONS.get(name)
            spawn = blocking is not None and name.startswith(catalog.SPAWN_PREFIX)
            if spawn and _spawn_does_not_wait(node):
                return
            if blocking is None:
                blocking = self._configured(name)
            if blocking is not None:
                self._blocking(node, context, ".".join(parts), name, blocking)
                return
        if target is None:
            return
        if context.is_async:
            self.report.sites.append(CallSite(index, context.display, target))
        elif context.summary is not None:
            context.summary.calls.append(target)

    def _configured(self, name: str) -> catalog.Blocking | None:
        replacement = self.configured_exact.get(name)
        if replacement is None:
            for pattern, suggestion in self.configured_patterns:
                if fnmatch.fnmatchcase(name, pattern):
                    replacement = suggestion
                    break
        if replacement is None:
            return None
        return catalog.Blocking(catalog.CONFIGURED, replacement)

    def _blocking(
        self,
        node: cst.Call,
        context: Context,
        spelled: str,
        qualified: str | None,
        blocking: catalog.Blocking,
    ) -> None:
        if context.is_async:
            shown = spelled if qualified in (None, spelled) else f"{spelled} ({qualified})"
            message = (
                f"blocking call {shown} in async function {context.display}; "
                f"use {blocking.suggestion}"
            )
            self.direct.append((node, blocking.code, message))
        elif context.summary is not None and context.summary.blocking is None:
            context.summary.blocking = (qualified or spelled, blocking.code)

    # -- definitions ---------------------------------------------------------------------

    def _function(self, node: cst.FunctionDef) -> None:
        outer = self.scopes[-1]
        for decorator in node.decorators:
            self._walk(decorator.decorator)
        self._walk_parameter_defaults(node.params)
        if node.returns is not None:
            self._walk(node.returns.annotation)
        name = node.name.value
        key = f"{outer.key}.{name}"
        is_async = node.asynchronous is not None
        self.bind(name, (ASYNC_DEF if is_async else SYNC_DEF, key))
        display = key[len(self.module) + 1 :]
        summary: FunctionSummary | None = None
        if not is_async:
            summary = FunctionSummary(display)
            self.report.functions[key] = summary
        scope = Scope("function", key, Context(display, is_async, summary))
        self.scopes.append(scope)
        self._bind_parameters(node.params)
        self._walk(node.body)
        self.scopes.pop()

    def _walk_parameter_defaults(self, params: cst.Parameters) -> None:
        for param in _parameters(params):
            if param.default is not None:
                self._walk(param.default)
            if param.annotation is not None:
                self._walk(param.annotation.annotation)

    def _bind_parameters(self, params: cst.Parameters) -> None:
        for param in _parameters(params):
            kind = self.annotation_kind(param.annotation)
            self.bind(param.name.value, (KIND, kind) if kind else _OTHER)

    def _lambda(self, node: cst.Lambda) -> None:
        self._walk_parameter_defaults(node.params)
        self.scopes.append(Scope("lambda", f"{self.scope.key}.<lambda>", _NO_CONTEXT))
        self._bind_parameters(node.params)
        self._walk(node.body)
        self.scopes.pop()

    def _class(self, node: cst.ClassDef) -> None:
        outer = self.scopes[-1]
        for decorator in node.decorators:
            self._walk(decorator.decorator)
        self._walk_all(arg.value for arg in (*node.bases, *node.keywords))
        key = f"{outer.key}.{node.name.value}"
        self.bind(node.name.value, (CLASS, key))
        bases = [name for arg in node.bases if (name := self.qualify(arg.value)) is not None]
        if bases:
            self.report.bases[key] = bases
        # A class body runs inline, in the frame (and on the loop) of its enclosing function.
        scope = Scope("class", key, outer.context)
        scope.class_key = key
        body = node.body.body
        if isinstance(body, Sequence):
            self._prescan(body, scope)
        self.scopes.append(scope)
        self._walk(node.body)
        self.scopes.pop()

    def _comprehension(self, node: cst.BaseComp) -> None:
        self.scopes.append(Scope("comprehension", self.scope.key, self.scope.context))
        self._comp_for(node.for_in)
        if isinstance(node, cst.DictComp):
            self._walk(node.key)
            self._walk(node.value)
        elif isinstance(node, cst.ListComp | cst.SetComp | cst.GeneratorExp):
            self._walk(node.elt)
        self.scopes.pop()

    def _comp_for(self, node: cst.CompFor) -> None:
        self._walk(node.iter)
        self.bind_target(node.target)
        for condition in node.ifs:
            self._walk(condition.test)
        if node.inner_for_in is not None:
            self._comp_for(node.inner_for_in)

    # -- statements that bind names ------------------------------------------------------

    def _assign(self, node: cst.Assign) -> None:
        self._walk(node.value)
        kind = self.kind_of(node.value)
        binding = (KIND, kind) if kind else _OTHER
        for target in node.targets:
            self._walk_target(target.target)
            self.bind_target(target.target, binding if type(target.target) is cst.Name else _OTHER)

    def _ann_assign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._walk(node.value)
        self._walk(node.annotation.annotation)
        kind = self.annotation_kind(node.annotation)
        if kind is None and node.value is not None:
            kind = self.kind_of(node.value)
        self._walk_target(node.target)
        self.bind_target(node.target, (KIND, kind) if kind else _OTHER)

    def _aug_assign(self, node: cst.AugAssign) -> None:
        self._walk(node.value)
        self._walk_target(node.target)
        self.bind_target(node.target)

    def _named_expr(self, node: cst.NamedExpr) -> None:
        self._walk(node.value)
        kind = self.kind_of(node.value)
        target = node.target
        if type(target) is cst.Name:
            # The walrus binds in the enclosing function, even inside a comprehension.
            scope = self._enclosing_function_scope()
            if scope.kind != "module":
                scope.bindings[target.value] = (KIND, kind) if kind else _OTHER

    def _walk_target(self, target: cst.BaseExpression) -> None:
        """Subscripts and attributes in an assignment target are evaluated (``a[f()] = x``)."""
        if type(target) is not cst.Name:
            self._walk(target)

    def _for(self, node: cst.For) -> None:
        self._walk(node.iter)
        self._walk_target(node.target)
        self.bind_target(node.target)
        self._walk(node.body)
        if node.orelse is not None:
            self._walk(node.orelse)

    def _with(self, node: cst.With) -> None:
        for item in node.items:
            self._walk(item.item)
            if item.asname is not None:
                target = item.asname.name
                self._walk_target(target)
                kind = self.kind_of(item.item)
                self.bind_target(
                    target, (KIND, kind) if kind and type(target) is cst.Name else _OTHER
                )
        self._walk(node.body)

    def _except(self, node: cst.ExceptHandler | cst.ExceptStarHandler) -> None:
        if node.type is not None:
            self._walk(node.type)
        if node.name is not None:
            self.bind_target(node.name.name)
        self._walk(node.body)

    def _global(self, node: cst.Global) -> None:
        scope = self.scopes[-1]
        if scope.kind != "module":
            scope.globals.update(item.name.value for item in node.names)

    def _import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = _full_name(alias.name)
            if alias.asname is not None and type(alias.asname.name) is cst.Name:
                self._bind_import(alias.asname.name.value, full)
            else:
                # ``import a.b`` binds ``a``, and ``a.b.f`` then resolves to ``a.b.f``.
                root = full.partition(".")[0]
                self._bind_import(root, root)

    def _import_from(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        module = self._absolute_module(node)
        for alias in node.names:
            name = _full_name(alias.name)
            local = name
            if alias.asname is not None and type(alias.asname.name) is cst.Name:
                local = alias.asname.name.value
            self._bind_import(local, f"{module}.{name}" if module else name)

    def _absolute_module(self, node: cst.ImportFrom) -> str:
        module = _full_name(node.module) if node.module is not None else ""
        level = len(node.relative)
        if level == 0:
            return module
        package = self.package.split(".") if self.package else []
        if level > 1:
            package = package[: len(package) - (level - 1)]
        base = ".".join(package)
        if not module:
            return base
        return f"{base}.{module}" if base else module

    def _bind_import(self, local: str, qualified: str) -> None:
        scope = self.scopes[-1]
        if scope.kind == "module":
            if self._prescanning:
                scope.bindings[local] = (IMPORT, qualified)
        else:
            self.bind(local, (IMPORT, qualified))


def _is_pattern(name: str) -> bool:
    return any(char in name for char in "*?[")


def _full_name(node: cst.BaseExpression) -> str:
    parts = dotted(node)
    return ".".join(parts) if parts is not None else ""


def _parameters(params: cst.Parameters) -> Iterable[cst.Param]:
    yield from params.posonly_params
    yield from params.params
    if isinstance(params.star_arg, cst.Param):
        yield params.star_arg
    yield from params.kwonly_params
    if params.star_kwarg is not None:
        yield params.star_kwarg


def _spawn_does_not_wait(node: cst.Call) -> bool:
    """``os.spawn*(os.P_NOWAIT, ...)`` starts a process and returns at once."""
    mode: cst.BaseExpression | None = None
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value == "mode":
            mode = arg.value
            break
    if mode is None and node.args and node.args[0].keyword is None and not node.args[0].star:
        mode = node.args[0].value
    if mode is None:
        return False
    parts = dotted(mode)
    return parts is not None and parts[-1] in catalog.NON_WAITING_SPAWN_MODES
