"""One pass over a module's ``ast`` that finds every blocking call and summarises sync functions.

CPython's own parser builds the tree in C, about ten times faster than libcst's concrete syntax
tree, and a linter needs no whitespace or tokens; a generic ``ast.NodeVisitor`` would cost as much
as the parse again, so this module walks the tree itself: a scope stack answers "is the nearest
enclosing function async?" and "what does this name refer to?", and only the fields that can hold
code are followed.
"""

from __future__ import annotations

import ast
import contextlib
import fnmatch
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from checks.lint import catalog
from checks.lint.model import CallSite, FunctionSummary, ModuleReport
from checks.lint.rules import BY_CODE

# Binding tags: what a name in a scope refers to.
IMPORT = "import"  # value: the qualified name it was imported as
SYNC_DEF = "def"  # value: qualified function name
ASYNC_DEF = "async-def"
CLASS = "class"  # value: qualified class name
KIND = "kind"  # value: a catalog kind (file, path, process, ...)
INSTANCE = "instance"  # value: qualified name of the project class it may be an instance of
OTHER = "other"  # a local value we know nothing about: never the stdlib function

Binding = tuple[str, str]
_OTHER: Binding = (OTHER, "")

# Fields that never hold code: expression contexts, operators, comments, flags.
_NON_CODE_FIELDS = frozenset({"ctx", "op", "type_comment", "kind", "is_async", "level", "simple"})
_CHILD_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}

_KIND_NAMES = {
    catalog.PROCESS: "Popen",
    catalog.FILE: "file",
    catalog.PATH: "Path",
    catalog.SQLITE_CONNECTION: "sqlite3.Connection",
    catalog.SQLITE_CURSOR: "sqlite3.Cursor",
    catalog.HTTP_CLIENT: "client",
    catalog.LOCK: "lock",
    catalog.EVENT: "event",
    catalog.BARRIER: "barrier",
    catalog.THREAD: "thread",
    catalog.QUEUE: "queue",
    catalog.FUTURE: "future",
    catalog.EXECUTOR: "executor",
}

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
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


def dotted(node: ast.expr) -> list[str] | None:
    """``a.b.c`` -> ``["a", "b", "c"]``; None for anything that is not a plain dotted name."""
    parts: list[str] = []
    while type(node) is ast.Attribute:
        parts.append(node.attr)
        node = node.value
    if type(node) is not ast.Name:
        return None
    parts.append(node.id)
    parts.reverse()
    return parts


class Scope:
    __slots__ = (
        "attributes",
        "bindings",
        "class_key",
        "context",
        "globals",
        "key",
        "kind",
        "self_name",
    )

    def __init__(self, kind: str, key: str, context: Context | None) -> None:
        self.kind = kind  # module, class, function, lambda, comprehension
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
        # Calls on the loop that may reach a project function, by the index of their site.
        self.site_calls: list[ast.Call] = []
        # (call node, rule code, message, called name as spelled) of direct findings.
        self.direct: list[tuple[ast.Call, str, str, str]] = []
        self.scopes: list[Scope] = []
        self._prescanning = False
        # Depth of ``except`` bodies being walked: see ``_keeps_import``.
        self._fallbacks = 0
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
            ast.For: self._for,
            ast.AsyncFor: self._for,
            ast.With: self._with,
            ast.AsyncWith: self._with,
            ast.Import: self._import,
            ast.ImportFrom: self._import_from,
            ast.Global: self._global,
            ast.ExceptHandler: self._except,
            ast.BinOp: self._binary,
            ast.Constant: self._leaf,
            ast.Name: self._leaf,
            ast.Pass: self._leaf,
        }

    # -- entry point ---------------------------------------------------------------------

    def run(self, tree: ast.Module) -> ModuleReport:
        scope = Scope("module", self.module, _NO_CONTEXT)
        self.scopes.append(scope)
        self._prescan(tree.body, scope)
        self.report.aliases = {
            name: value for name, (tag, value) in scope.bindings.items() if tag == IMPORT
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

    def _leaf(self, node: ast.AST) -> None:
        del node  # a literal, a plain name or ``pass`` holds no call

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
        if name in scope.globals or self._keeps_import(scope, name, binding):
            return
        scope.bindings[name] = binding

    def _keeps_import(self, scope: Scope, name: str, binding: Binding) -> bool:
        """``try: import requests`` / ``except ImportError: requests = None``: the fallback runs
        only when the import failed, and then the call fails too; wherever the call can block,
        the name is the module. So a rebinding in an ``except`` body leaves an import standing."""
        if not self._fallbacks or binding[0] == IMPORT:
            return False
        existing = scope.bindings.get(name)
        return existing is not None and existing[0] == IMPORT

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
            if scope.kind != "comprehension":
                return scope
        return self.scopes[0]

    def bind_target(self, target: ast.expr, binding: Binding = _OTHER) -> None:
        if isinstance(target, ast.Name):
            self.bind(target.id, binding)
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self.bind_target(element)
        elif isinstance(target, ast.Starred):
            self.bind_target(target.value)

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
                tag = ASYNC_DEF if type(statement) is ast.AsyncFunctionDef else SYNC_DEF
                self._prescan_bind(scope, name, (tag, f"{scope.key}.{name}"))
            elif isinstance(statement, ast.ClassDef):
                name = statement.name
                self._prescan_bind(scope, name, (CLASS, f"{scope.key}.{name}"))
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
                self._prescan_target(element, _OTHER, scope)

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

    def qualify(self, node: ast.expr) -> str | None:
        parts = dotted(node)
        if parts is None:
            return None
        return self.resolve(parts)[0]

    def kind_of(self, node: ast.expr) -> str | None:
        """The catalog kind of the object an expression evaluates to, when it is known."""
        if isinstance(node, ast.Name):
            binding = self.lookup(node.id)
            return binding[1] if binding is not None and binding[0] == KIND else None
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                receiver = self.kind_of(func.value)
                if receiver is not None:
                    return catalog.RETURNS.get(receiver, {}).get(func.attr)
            name = self.qualify(func)
            return catalog.CONSTRUCTORS.get(name) if name is not None else None
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Div):
                left = self.kind_of(node.left)
                return catalog.PATH if left == catalog.PATH else None
            return None
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name):
                owner_class = self._instance_class(node.value.id)
                if owner_class is not None:
                    binding = owner_class.attributes.get(node.attr, _OTHER)
                    return binding[1] if binding[0] == KIND else None
            owner = self.kind_of(node.value)
            if owner is not None:
                return catalog.ATTRIBUTES.get(owner, {}).get(node.attr)
        return None

    def _instance_class(self, name: str) -> Scope | None:
        """The class scope when ``name`` is the instance parameter of the method being walked
        (also from a nested function or comprehension that sees it)."""
        for depth in range(len(self.scopes) - 1, 0, -1):
            scope = self.scopes[depth]
            if scope.kind == "class" or name not in scope.bindings:
                continue
            return self.scopes[depth - 1] if scope.self_name == name else None
        return None

    def annotation_kind(self, annotation: ast.expr | None) -> str | None:
        if annotation is None or type(annotation) is ast.Constant:
            return None  # none, or a string annotation
        if type(annotation) is ast.BinOp and type(annotation.op) is ast.BitOr:
            # ``Path | None``: whatever is not None is the kind.
            return self.annotation_kind(annotation.left) or self.annotation_kind(annotation.right)
        if type(annotation) is ast.Subscript:
            if self.qualify(annotation.value) == "typing.Optional":
                return self.annotation_kind(annotation.slice)
            annotation = annotation.value
        name = self.qualify(annotation)
        return catalog.ANNOTATIONS.get(name) if name is not None else None

    def class_of(self, node: ast.expr) -> str | None:
        """The project class an expression may be an instance of: a call of a class defined
        here, or of an imported CapWords name (whether it is a project class is settled later,
        when the cross-module pass looks its methods up)."""
        if isinstance(node, ast.Call):
            return self._named_class(node.func)
        if isinstance(node, ast.Name):
            binding = self.lookup(node.id)
            return binding[1] if binding is not None and binding[0] == INSTANCE else None
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            owner_class = self._instance_class(node.value.id)
            if owner_class is not None:
                binding = owner_class.attributes.get(node.attr, _OTHER)
                return binding[1] if binding[0] == INSTANCE else None
        return None

    def _named_class(self, node: ast.expr) -> str | None:
        parts = dotted(node)
        if parts is None:
            return None
        binding = self.lookup(parts[0])
        if binding is None:
            return None
        tag, value = binding
        if tag == CLASS and len(parts) == 1:
            return value
        if tag == OTHER and parts == ["cls"]:
            # ``cls()`` in a classmethod builds an instance of the class (or of a subclass).
            return self._method_owner()
        if tag == IMPORT and parts[-1][:1].isupper():
            return ".".join([value, *parts[1:]])
        return None

    def annotation_class(self, annotation: ast.expr | None) -> str | None:
        if annotation is None or type(annotation) is ast.Constant:
            return None
        if type(annotation) is ast.BinOp and type(annotation.op) is ast.BitOr:
            return self.annotation_class(annotation.left) or self.annotation_class(annotation.right)
        if type(annotation) is ast.Subscript:
            if self.qualify(annotation.value) == "typing.Optional":
                return self.annotation_class(annotation.slice)
            return None
        return self._named_class(annotation)

    def value_binding(self, value: ast.expr) -> Binding:
        """What a name assigned this value refers to, as far as the linter tracks it."""
        kind = self.kind_of(value)
        if kind is not None:
            return (KIND, kind)
        owner = self.class_of(value)
        if owner is not None:
            return (INSTANCE, owner)
        return self._alias(value)

    def _alias(self, value: ast.expr) -> Binding:
        """``pause = time.sleep``, ``run = helper``: the new name calls what the old one does."""
        if type(value) is not ast.Name and type(value) is not ast.Attribute:
            return _OTHER
        parts = dotted(value)
        if parts is None:
            return _OTHER
        binding = self.lookup(parts[0])
        if binding is None:
            # A builtin (``reader = open``) or a module imported out of sight.
            return (IMPORT, ".".join(parts))
        tag, target = binding
        if tag == IMPORT:
            return (IMPORT, ".".join([target, *parts[1:]]))
        if tag == SYNC_DEF and len(parts) == 1:
            return binding
        return _OTHER

    def assigned_binding(self, value: ast.expr | None, annotation: ast.expr | None) -> Binding:
        """An annotated assignment (or parameter): the annotation first, then the value."""
        kind = self.annotation_kind(annotation)
        if kind is not None:
            return (KIND, kind)
        owner = self.annotation_class(annotation)
        if owner is not None:
            return (INSTANCE, owner)
        return self.value_binding(value) if value is not None else _OTHER

    # -- calls ---------------------------------------------------------------------------

    def _call(self, node: ast.Call) -> None:
        context = self.scopes[-1].context
        if context is not None and (context.is_async or context.summary is not None):
            self._classify(node, context)
        self._children(node)

    def _classify(self, node: ast.Call, context: Context) -> None:
        func = node.func
        if type(func) is ast.Attribute:
            receiver = self.kind_of(func.value)
            if receiver is not None:
                blocking = catalog.METHODS.get(receiver, {}).get(func.attr)
                if blocking is not None and not _returns_at_once(node, blocking):
                    parts = dotted(func.value)
                    prefix = ".".join(parts) if parts is not None else _KIND_NAMES[receiver]
                    self._blocking(node, context, f"{prefix}.{func.attr}", None, blocking)
                return
            owner = self.class_of(func.value)
            if owner is not None:
                self._site(node, context, f"{owner}.{func.attr}")
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
            if blocking is not None and _returns_at_once(node, blocking):
                return
            if blocking is None:
                blocking = self._configured(name)
            if blocking is not None:
                self._blocking(node, context, ".".join(parts), name, blocking)
                return
        if target is not None:
            self._site(node, context, target)

    def _site(self, node: ast.Call, context: Context, target: str) -> None:
        """A call that may be to a sync project function: a site on the loop, or an edge of a
        sync function's summary."""
        if context.is_async:
            self.report.sites.append(CallSite(len(self.site_calls), context.display, target))
            self.site_calls.append(node)
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
        node: ast.Call,
        context: Context,
        spelled: str,
        qualified: str | None,
        blocking: catalog.Blocking,
    ) -> None:
        if context.is_async:
            shown = spelled if qualified in (None, spelled) else f"{spelled} ({qualified})"
            message = BY_CODE[blocking.code].message.format(
                call=shown, function=context.display, suggestion=blocking.suggestion
            )
            self.direct.append((node, blocking.code, message, spelled))
        elif context.summary is not None and context.summary.blocking is None:
            context.summary.blocking = (qualified or spelled, blocking.code)

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
        self.bind(name, (ASYNC_DEF if is_async else SYNC_DEF, key))
        display = key[len(self.module) + 1 :]
        summary: FunctionSummary | None = None
        if not is_async:
            summary = FunctionSummary(display)
            self.report.functions[key] = summary
        scope = Scope("function", key, Context(display, is_async, summary))
        if outer.kind == "class":
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

    def _lambda(self, node: ast.Lambda) -> None:
        self._walk_parameter_defaults(node.args)
        self.scopes.append(Scope("lambda", f"{self.scope.key}.<lambda>", _NO_CONTEXT))
        self._bind_parameters(node.args)
        self._walk(node.body)
        self.scopes.pop()

    def _class(self, node: ast.ClassDef) -> None:
        outer = self.scopes[-1]
        self._walk_all(node.decorator_list)
        self._walk_all(node.bases)
        self._walk_all(keyword.value for keyword in node.keywords)
        key = f"{outer.key}.{node.name}"
        self.bind(node.name, (CLASS, key))
        bases = [name for base in node.bases if (name := self.qualify(base)) is not None]
        if bases:
            self.report.bases[key] = bases
        # A class body runs inline, in the frame (and on the loop) of its enclosing function.
        scope = Scope("class", key, outer.context)
        scope.class_key = key
        self._prescan(node.body, scope)
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
            if binding[0] in (KIND, INSTANCE)
        }
        self.scopes.append(scope)
        for method in node.body:
            if not isinstance(method, _FUNCTIONS):
                continue
            instance = self._instance_parameter(method)
            if instance is None:
                continue
            # Parameters are bound so ``self.root = root`` takes ``root: Path``'s kind.
            frame = Scope("function", scope.key, _NO_CONTEXT)
            self.scopes.append(frame)
            self._bind_parameters(method.args)
            for target, value, annotation in _assignments(method.body):
                if not (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == instance
                ):
                    continue
                if isinstance(value, ast.Constant) and value.value is None and not annotation:
                    continue  # ``self.proc = None`` until it is started says nothing
                binding = self.assigned_binding(value, annotation)
                # Assigned different things in different places: unknown.
                seen[target.attr] = binding if seen.get(target.attr, binding) == binding else _OTHER
            self.scopes.pop()
        self.scopes.pop()
        return {name: binding for name, binding in seen.items() if binding[0] != OTHER}

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
        self.scopes.append(Scope("comprehension", self.scope.key, self.scope.context))
        for generator in node.generators:
            self._walk(generator.iter)
            self.bind_target(generator.target)
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
            self.bind_target(target, binding if type(target) is ast.Name else _OTHER)

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
        if scope.kind != "module":
            scope.bindings[node.target.id] = self.value_binding(node.value)

    def _walk_target(self, target: ast.expr) -> None:
        """Subscripts and attributes in an assignment target are evaluated (``a[f()] = x``)."""
        if type(target) is not ast.Name:
            self._walk(target)

    def _for(self, node: ast.For | ast.AsyncFor) -> None:
        self._walk(node.iter)
        self._walk_target(node.target)
        self.bind_target(node.target)
        self._walk_all(node.body)
        self._walk_all(node.orelse)

    def _with(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self._walk(item.context_expr)
            target = item.optional_vars
            if target is not None:
                self._walk_target(target)
                binding = self.value_binding(item.context_expr)
                self.bind_target(target, binding if type(target) is ast.Name else _OTHER)
        self._walk_all(node.body)

    def _except(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self._walk(node.type)
        if node.name is not None:
            self.bind(node.name, _OTHER)
        with self._fallback():
            self._walk_all(node.body)

    def _global(self, node: ast.Global) -> None:
        scope = self.scopes[-1]
        if scope.kind != "module":
            scope.globals.update(node.names)

    def _import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname is not None:
                self._bind_import(alias.asname, alias.name)
            else:
                # ``import a.b`` binds ``a``, and ``a.b.f`` then resolves to ``a.b.f``.
                root = alias.name.partition(".")[0]
                self._bind_import(root, root)

    def _import_from(self, node: ast.ImportFrom) -> None:
        module = self._absolute_module(node)
        for alias in node.names:
            if alias.name == "*":
                continue
            local = alias.asname if alias.asname is not None else alias.name
            self._bind_import(local, f"{module}.{alias.name}" if module else alias.name)

    def _absolute_module(self, node: ast.ImportFrom) -> str:
        module = node.module or ""
        level = node.level or 0
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


def _argument(node: ast.Call, position: int | None, keyword: str) -> ast.expr | None:
    for item in node.keywords:
        if item.arg == keyword:
            return item.value
    if position is None or position >= len(node.args):
        return None
    if any(type(arg) is ast.Starred for arg in node.args[: position + 1]):
        return None
    return node.args[position]


def _returns_at_once(node: ast.Call, blocking: catalog.Blocking) -> bool:
    """``lock.acquire(blocking=False)``, ``queue.get(False)``, ``future.result(timeout=0)``:
    the call asks not to wait, so it does not block."""
    if blocking.block_flag is not None:
        flag = _argument(node, *blocking.block_flag)
        if type(flag) is ast.Constant and flag.value is False:
            return True
    if blocking.timeout is not None:
        timeout = _argument(node, *blocking.timeout)
        if (
            type(timeout) is ast.Constant
            and type(timeout.value) in (int, float)
            and not timeout.value
        ):
            return True
    return False


def _spawn_does_not_wait(node: ast.Call) -> bool:
    """``os.spawn*(os.P_NOWAIT, ...)`` starts a process and returns at once."""
    mode = _argument(node, 0, "mode")
    if mode is None:
        return False
    parts = dotted(mode)
    return parts is not None and parts[-1] in catalog.NON_WAITING_SPAWN_MODES
