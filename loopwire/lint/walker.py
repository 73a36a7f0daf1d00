"""One pass over a module's ``ast`` that finds every blocking call and summarises sync functions.

CPython's own parser builds the tree in C, about ten times faster than libcst's concrete syntax
tree, and a linter needs no whitespace or tokens; a generic ``ast.NodeVisitor`` would cost as much
as the parse again, so this module walks the tree itself: a scope stack answers "is the nearest
enclosing function async?" and "what does this name refer to?", and only the fields that can hold
code are followed. What a name refers to is the resolver's (``resolver.py``, over the
scope model in ``scope.py``); whether a call blocks is the classifier's (``classifier.py``).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from loopwire.lint import guards
from loopwire.lint.classifier import Classifier
from loopwire.lint.model import FunctionSummary, ModuleReport
from loopwire.lint.scope import NO_CONTEXT, UNKNOWN, Binding, Context, Scope, ScopeKind, Tag

# Fields that never hold code: expression contexts, operators, comments, flags.
_NON_CODE_FIELDS = frozenset({"ctx", "op", "type_comment", "kind", "is_async", "level", "simple"})
_CHILD_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
# Values whose type is plainly not one the catalog tracks.
_LITERALS = (
    ast.Constant,
    ast.JoinedStr,
    ast.List,
    ast.Tuple,
    ast.Dict,
    ast.Set,
    ast.ListComp,
    ast.DictComp,
    ast.SetComp,
)
_COMPOUND = (
    ast.If,
    ast.Try,
    ast.TryStar,
    ast.With,
    ast.AsyncWith,
    ast.For,
    ast.AsyncFor,
    ast.While,
)


def _child_fields(node_type: type[ast.AST]) -> tuple[str, ...]:
    names = _CHILD_FIELDS.get(node_type)
    if names is None:
        names = tuple(name for name in node_type._fields if name not in _NON_CODE_FIELDS)
        _CHILD_FIELDS[node_type] = names
    return names


_NODE_TYPES: dict[type, bool] = {}


def _is_node(value_type: type) -> bool:
    # A dict hit instead of an isinstance check per field: this runs for every node.
    known = _NODE_TYPES.get(value_type)
    if known is None:
        known = _NODE_TYPES[value_type] = issubclass(value_type, ast.AST)
    return known


class Walker(Classifier):
    """The single pass: walks definitions and statements, keeps the scope stack, and hands
    every call in a function's frame to the classifier."""

    def __init__(
        self,
        module: str,
        is_package: bool,
        blocking_calls: Mapping[str, str],
        offload: Sequence[str] = (),
    ) -> None:
        super().__init__(module, is_package, blocking_calls, offload)
        # Sync function key -> the line of its ``def`` (a ``noqa`` there covers the helper).
        # Function key -> the lines of its signature (``def`` through the colon): a helper's
        # ``noqa`` may sit on any of them, as a formatter puts it on ``):`` of a long one.
        self.def_lines: dict[str, range] = {}
        self._special: dict[type[ast.AST], Callable[[Any], None]] = {
            ast.FunctionDef: self._function,
            ast.AsyncFunctionDef: self._function,
            ast.Lambda: self._lambda,
            ast.ClassDef: self._class,
            ast.ListComp: self._comprehension,
            ast.SetComp: self._comprehension,
            ast.GeneratorExp: self._comprehension,
            ast.DictComp: self._comprehension,
            ast.Call: self._call,
            ast.Assign: self._assign,
            ast.AnnAssign: self._ann_assign,
            ast.AugAssign: self._aug_assign,
            ast.NamedExpr: self._named_expr,
            ast.If: self._if,
            ast.For: self._for,
            ast.AsyncFor: self._for,
            ast.With: self._with,
            ast.AsyncWith: self._with,
            ast.Import: self._import,
            ast.ImportFrom: self._import_from,
            ast.Global: self._global,
            ast.ExceptHandler: self._except,
            ast.BinOp: self._binary,
            ast.Yield: self._yield,
            ast.YieldFrom: self._yield,
            ast.Constant: self._leaf,
            ast.Name: self._leaf,
            ast.Pass: self._leaf,
        }

    # -- entry point ---------------------------------------------------------------------

    def run(self, tree: ast.Module) -> ModuleReport:
        scope = Scope(ScopeKind.MODULE, self.module, NO_CONTEXT)
        self.scopes.append(scope)
        self._prescan(tree.body, scope)
        self.report.aliases = {
            name: value for name, (tag, value) in scope.bindings.items() if tag is Tag.IMPORT
        }
        self._walk_all(tree.body)
        self.scopes.pop()
        return self.report

    # -- traversal -----------------------------------------------------------------------

    def _walk(self, node: ast.AST) -> None:
        special = self._special.get(type(node))
        if special is not None:
            special(node)
            return
        self._children(node)

    def _children(self, node: ast.AST) -> None:
        for name in _child_fields(type(node)):
            value = getattr(node, name)
            value_type = type(value)
            if value_type is list:
                for child in value:
                    if _is_node(type(child)):
                        self._walk(child)
            elif _is_node(value_type):
                self._walk(value)

    def _walk_all(self, nodes: Iterable[ast.AST | None]) -> None:
        for node in nodes:
            if node is not None:
                self._walk(node)

    def _binary(self, node: ast.BinOp) -> None:
        # Iterative down the left spine: a generated 5,000-term sum is one chain that deep.
        rights: list[ast.expr] = []
        left: ast.expr = node
        while type(left) is ast.BinOp:
            rights.append(left.right)
            left = left.left
        self._walk(left)
        for right in reversed(rights):
            self._walk(right)

    def _yield(self, node: ast.Yield | ast.YieldFrom) -> None:
        summary = self.scopes[-1].context.summary if self.scopes[-1].context else None
        if summary is not None:
            summary.lazy = True  # a generator function: its body runs when iterated
        self._children(node)

    def _leaf(self, node: ast.AST) -> None:
        del node  # a literal, a plain name or ``pass`` holds no call

    def _prescan(self, body: Sequence[ast.stmt], scope: Scope) -> None:
        """Collect the names a module or class body binds, before walking it: functions defined
        later in the module and imports at the bottom are what function bodies see."""
        self.scopes.append(scope)
        self._prescanning = True
        try:
            self._prescan_block(body, scope)
        finally:
            self._prescanning = False
            self.scopes.pop()

    def _prescan_block(self, body: Sequence[ast.stmt], scope: Scope) -> None:
        for statement in body:
            if isinstance(statement, _FUNCTIONS):
                name = statement.name
                tag = Tag.ASYNC_DEF if type(statement) is ast.AsyncFunctionDef else Tag.SYNC_DEF
                self._prescan_bind(scope, name, (tag, f"{scope.key}.{name}"))
                returned = self.annotation_kind(statement.returns)
                if returned is not None and tag is Tag.SYNC_DEF:
                    self.return_kinds[f"{scope.key}.{name}"] = returned
            elif isinstance(statement, ast.ClassDef):
                name = statement.name
                self._prescan_bind(scope, name, (Tag.CLASS, f"{scope.key}.{name}"))
            elif isinstance(statement, _COMPOUND):
                # ``if TYPE_CHECKING: import x``, ``try: import a except ImportError: import b``
                self._prescan_block(statement.body, scope)
                self._prescan_block(getattr(statement, "orelse", ()), scope)
                for handler in getattr(statement, "handlers", ()):
                    with self._fallback():
                        self._prescan_block(handler.body, scope)
                self._prescan_block(getattr(statement, "finalbody", ()), scope)
            elif isinstance(statement, ast.Import):
                self._import(statement)
            elif isinstance(statement, ast.ImportFrom):
                self._import_from(statement)
            elif isinstance(statement, ast.Assign):
                binding = self.value_binding(statement.value)
                for target in statement.targets:
                    self._prescan_target(target, binding, scope)
            elif isinstance(statement, ast.AnnAssign):
                binding = self.assigned_binding(statement.value, statement.annotation)
                self._prescan_target(statement.target, binding, scope)

    def _prescan_bind(self, scope: Scope, name: str, binding: Binding) -> None:
        if not self._keeps_import(scope, name, binding):
            scope.bindings[name] = binding

    def _prescan_target(self, target: ast.expr, binding: Binding, scope: Scope) -> None:
        if isinstance(target, ast.Name):
            self._prescan_bind(scope, target.id, binding)
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self._prescan_target(element, UNKNOWN, scope)

    # -- calls ---------------------------------------------------------------------------

    def _call(self, node: ast.Call) -> None:
        context = self.scopes[-1].context
        if context is not None and (context.is_async or context.summary is not None):
            self._classify(node, context)
        self._children(node)

    # -- definitions ---------------------------------------------------------------------

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer = self.scopes[-1]
        self._walk_all(node.decorator_list)
        self._walk_parameter_defaults(node.args)
        if node.returns is not None:
            self._walk(node.returns)
        name = node.name
        key = f"{outer.key}.{name}"
        is_async = type(node) is ast.AsyncFunctionDef
        self.bind(name, (Tag.ASYNC_DEF if is_async else Tag.SYNC_DEF, key))
        display = key[len(self.module) + 1 :]
        summary: FunctionSummary | None = None
        # A function offloaded to a worker thread by its decorator, or memoised without
        # arguments (its body runs once), is no step of a chain.
        decorators = node.decorator_list
        if not is_async and not self.offloads(decorators) and not self.runs_once(node):
            summary = FunctionSummary(display, lazy=self.makes_context_manager(node))
            arguments = node.args
            summary.params = [
                param.arg
                for param in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)
            ]
            summary.implicit = outer.kind is ScopeKind.CLASS and not any(
                isinstance(decorator, ast.Name) and decorator.id == "staticmethod"
                for decorator in decorators
            )
            self.report.functions[key] = summary
        if summary is not None:
            body_line = node.body[0].lineno
            last = body_line - 1 if body_line > node.lineno else node.lineno
            self.def_lines[key] = range(node.lineno, last + 1)
        scope = Scope(ScopeKind.FUNCTION, key, Context(display, is_async, summary, key, node))
        if outer.kind is ScopeKind.CLASS:
            scope.self_name = self._instance_parameter(node)
        self.scopes.append(scope)
        self._bind_parameters(node.args)
        self._walk_all(node.body)
        self.scopes.pop()

    def _walk_parameter_defaults(self, args: ast.arguments) -> None:
        self._walk_all(args.defaults)
        self._walk_all(args.kw_defaults)
        for param in _parameters(args):
            if param.annotation is not None:
                self._walk(param.annotation)

    def _bind_parameters(self, args: ast.arguments) -> None:
        for param in _parameters(args):
            self.bind(param.arg, self.assigned_binding(None, param.annotation))
        self.scopes[-1].parameters = frozenset(param.arg for param in _parameters(args))

    def _lambda(self, node: ast.Lambda) -> None:
        self._walk_parameter_defaults(node.args)
        self.scopes.append(Scope(ScopeKind.LAMBDA, f"{self.scope.key}.<lambda>", NO_CONTEXT))
        self._bind_parameters(node.args)
        self._walk(node.body)
        self.scopes.pop()

    def _class(self, node: ast.ClassDef) -> None:
        outer = self.scopes[-1]
        self._walk_all(node.decorator_list)
        self._walk_all(node.bases)
        self._walk_all(keyword.value for keyword in node.keywords)
        key = f"{outer.key}.{node.name}"
        self.bind(node.name, (Tag.CLASS, key))
        bases = [name for base in node.bases if (name := self.qualify(base)) is not None]
        if bases:
            self.report.bases[key] = bases
        # A class body runs inline, in the frame (and on the loop) of its enclosing function.
        scope = Scope(ScopeKind.CLASS, key, outer.context)
        scope.class_key = key
        self._prescan(node.body, scope)
        self.report.members[key] = sorted(scope.bindings)
        scope.attributes = self._attribute_bindings(node, scope)
        self.scopes.append(scope)
        self._walk_all(node.body)
        self.scopes.pop()

    def _attribute_bindings(self, node: ast.ClassDef, scope: Scope) -> dict[str, Binding]:
        """What each instance attribute holds, when every assignment agrees: class-level
        annotations and values (dataclass fields too), and ``self.x = ...`` in its methods."""
        seen: dict[str, Binding] = {
            name: binding
            for name, binding in scope.bindings.items()
            if binding[0] in (Tag.KIND, Tag.INSTANCE)
        }
        conflicting: set[str] = set()
        self.scopes.append(scope)
        for method in node.body:
            if not isinstance(method, _FUNCTIONS):
                continue
            instance = self._instance_parameter(method)
            if instance is None:
                continue
            # Parameters are bound so ``self.root = root`` takes ``root: Path``'s kind.
            frame = Scope(ScopeKind.FUNCTION, scope.key, NO_CONTEXT)
            self.scopes.append(frame)
            self._bind_parameters(method.args)
            for target, value, annotation in _assignments(method.body):
                if isinstance(target, ast.Name):
                    # ``p = where(); self.sheet = p``: the local carries the kind to the
                    # attribute. In source order, so a later untyped rebinding forgets it.
                    if not self._keeps_kind(target, value):
                        self.bind_target(target, self.assigned_binding(value, annotation))
                    continue
                if not (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == instance
                ):
                    continue
                if isinstance(value, ast.Constant) and value.value is None and not annotation:
                    continue  # ``self.proc = None`` until it is started says nothing
                binding = self.assigned_binding(value, annotation)
                if binding[0] is Tag.OTHER and not isinstance(value, _LITERALS):
                    # An untyped value (a parameter, a call's result) says nothing: where the
                    # attribute is used, it may still hold the kind another assignment gives it.
                    continue
                # Assigned different known things in different places: unknown.
                if seen.setdefault(target.attr, binding) != binding:
                    conflicting.add(target.attr)
            self.scopes.pop()
        self.scopes.pop()
        return {
            name: binding
            for name, binding in seen.items()
            if binding[0] is not Tag.OTHER and name not in conflicting
        }

    @staticmethod
    def _instance_parameter(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Name) and decorator.id in ("staticmethod", "classmethod"):
                return None
        positional = [*node.args.posonlyargs, *node.args.args]
        return positional[0].arg if positional else None

    def _comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
    ) -> None:
        self.scopes.append(Scope(ScopeKind.COMPREHENSION, self.scope.key, self.scope.context))
        for generator in node.generators:
            self._walk(generator.iter)
            self.bind_target(generator.target, self.element_binding(generator.iter))
            self._walk_all(generator.ifs)
        if isinstance(node, ast.DictComp):
            self._walk(node.key)
            self._walk(node.value)
        else:
            self._walk(node.elt)
        self.scopes.pop()

    # -- statements that bind names ------------------------------------------------------

    def _assign(self, node: ast.Assign) -> None:
        self._walk(node.value)
        binding = self.value_binding(node.value)
        for target in node.targets:
            self._walk_target(target)
            if not self._keeps_kind(target, node.value):
                self.bind_target(target, binding if type(target) is ast.Name else UNKNOWN)

    def _keeps_kind(self, target: ast.expr, value: ast.expr | None) -> bool:
        """``path = None`` after ``path = Path(x)`` (in one branch, say): where the name is
        used as a path, it still holds the path (a None there would fail), so it keeps the
        kind. Any other value replaces it."""
        if type(target) is not ast.Name or not (
            type(value) is ast.Constant and value.value is None
        ):
            return False
        binding = self.lookup(target.id)
        return binding is not None and binding[0] in (Tag.KIND, Tag.INSTANCE)

    def _ann_assign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._walk(node.value)
        self._walk(node.annotation)
        self._walk_target(node.target)
        self.bind_target(node.target, self.assigned_binding(node.value, node.annotation))

    def _aug_assign(self, node: ast.AugAssign) -> None:
        self._walk(node.value)
        self._walk_target(node.target)
        self.bind_target(node.target)

    def _named_expr(self, node: ast.NamedExpr) -> None:
        self._walk(node.value)
        # The walrus binds in the enclosing function, even inside a comprehension.
        scope = self._enclosing_function_scope()
        if scope.kind is not ScopeKind.MODULE:
            scope.bindings[node.target.id] = self.value_binding(node.value)

    def _walk_target(self, target: ast.expr) -> None:
        """Subscripts and attributes in an assignment target are evaluated (``a[f()] = x``)."""
        if type(target) is not ast.Name:
            self._walk(target)

    def _if(self, node: ast.If) -> None:
        self._walk(node.test)
        guard = guards.narrowing(self, node.test)
        scope = guards.function_scope(self.scopes)
        if guard is None or scope is None:
            self._walk_all(node.body)
        else:
            # Inside the body the name is one of the types: what it is passed as, and what a
            # blocking call on a parameter there depends on.
            depth = len(scope.narrowed)
            scope.narrowed.append(guard)
            self._walk_all(node.body)
            del scope.narrowed[depth:]
        self._walk_all(node.orelse)

    def _for(self, node: ast.For | ast.AsyncFor) -> None:
        self._walk(node.iter)
        self._walk_target(node.target)
        self.bind_target(node.target, self.element_binding(node.iter))
        self._walk_all(node.body)
        self._walk_all(node.orelse)

    def _with(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self._walk(item.context_expr)
            target = item.optional_vars
            if target is not None:
                self._walk_target(target)
                binding = self.value_binding(item.context_expr)
                self.bind_target(target, binding if type(target) is ast.Name else UNKNOWN)
        self._walk_all(node.body)

    def _except(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self._walk(node.type)
        if node.name is not None:
            self.bind(node.name, UNKNOWN)
        with self._fallback():
            self._walk_all(node.body)

    def _global(self, node: ast.Global) -> None:
        scope = self.scopes[-1]
        if scope.kind is not ScopeKind.MODULE:
            scope.globals.update(node.names)


def _parameters(args: ast.arguments) -> Iterable[ast.arg]:
    yield from args.posonlyargs
    yield from args.args
    if args.vararg is not None:
        yield args.vararg
    yield from args.kwonlyargs
    if args.kwarg is not None:
        yield args.kwarg


def _assignments(
    body: Sequence[ast.stmt],
) -> Iterable[tuple[ast.expr, ast.expr | None, ast.expr | None]]:
    """(target, value, annotation) of the assignments in a block and the blocks nested in it,
    not inside nested functions or classes."""
    for statement in body:
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                yield target, statement.value, None
        elif isinstance(statement, ast.AnnAssign):
            yield statement.target, statement.value, statement.annotation
        elif isinstance(statement, _COMPOUND):
            yield from _assignments(statement.body)
            yield from _assignments(getattr(statement, "orelse", ()))
            for handler in getattr(statement, "handlers", ()):
                yield from _assignments(handler.body)
            yield from _assignments(getattr(statement, "finalbody", ()))
