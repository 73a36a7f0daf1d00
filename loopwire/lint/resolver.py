"""Name resolution for the lint walk: what a dotted name, an expression or an annotation refers to.

Answers from the scope model: the qualified name a call may reach (a library function, a project
function or method), the catalog kind of an object (a file, a lock, a ``Path``), the project
class an expression may be an instance of, and what an import binds. Precision work (the MRO of
project classes, types flowing through assignments and returns) belongs here.
"""

from __future__ import annotations

import ast

from loopwire.core.source import absolute_module
from loopwire.lint import catalog
from loopwire.lint.scope import UNKNOWN, Binding, ScopeKind, Scopes, Tag


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


class Resolver(Scopes):
    """What names, expressions and annotations refer to, asked of the scope stack as the walk
    stands at the node being looked at."""

    def __init__(self, module: str, is_package: bool) -> None:
        super().__init__()
        self.module = module
        self.package = module if is_package else module.rpartition(".")[0]
        # Module-level imports bind while the module body is prescanned, not in walk order.
        self._prescanning = False
        # Function and method key -> the kind its return annotation declares (``-> Path``).
        self.return_kinds: dict[str, str] = {}

    def resolve(self, parts: list[str]) -> tuple[str | None, str | None]:
        """A dotted name -> (qualified name if it may be a library function, qualified name if
        it may be a sync project function)."""
        binding = self.lookup(parts[0])
        rest = parts[1:]
        if binding is None:
            # Not bound anywhere in sight: a builtin, or a module imported out of sight.
            return ".".join(parts), None
        tag, value = binding
        if tag is Tag.IMPORT:
            name = ".".join([value, *rest])
            return name, name
        if tag is Tag.SYNC_DEF:
            return (value, value) if not rest else (None, None)
        if tag is Tag.CLASS:
            if not rest:
                return value, f"{value}.__init__"
            if len(rest) == 1:
                return f"{value}.{rest[0]}", f"{value}.{rest[0]}"
            return None, None
        if tag is Tag.OTHER and len(parts) == 2 and parts[0] in ("self", "cls"):
            owner = self._method_owner()
            if owner is not None:
                return None, f"{owner}.{parts[1]}"
        return None, None

    def qualify(self, node: ast.expr) -> str | None:
        parts = dotted(node)
        if parts is None:
            return None
        return self.resolve(parts)[0]

    def kind_of(self, node: ast.expr) -> str | None:
        """The catalog kind of the object an expression evaluates to, when it is known."""
        if isinstance(node, ast.Name):
            binding = self.lookup(node.id)
            return binding[1] if binding is not None and binding[0] is Tag.KIND else None
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                receiver = self.kind_of(func.value)
                if receiver is not None:
                    return catalog.RETURNS.get(receiver, {}).get(func.attr)
            parts = dotted(func)
            if parts is None:
                return None
            name, target = self.resolve(parts)
            if name is not None and name in catalog.CONSTRUCTORS:
                return catalog.CONSTRUCTORS[name]
            return self.return_kinds.get(target) if target is not None else None
        if isinstance(node, ast.IfExp):
            # ``Path(x) if local else None``: where it is used, it may be that kind.
            return self.kind_of(node.body) or self.kind_of(node.orelse)
        if isinstance(node, ast.BoolOp):
            return next((k for v in node.values if (k := self.kind_of(v)) is not None), None)
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Div):
                left = self.kind_of(node.left)
                return catalog.PATH if left == catalog.PATH else None
            return None
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name):
                owner_class = self._instance_class(node.value.id)
                if owner_class is not None:
                    binding = owner_class.attributes.get(node.attr, UNKNOWN)
                    return binding[1] if binding[0] is Tag.KIND else None
            owner = self.kind_of(node.value)
            if owner is not None:
                return catalog.attribute_kind(owner, node.attr)
        if isinstance(node, ast.Subscript):
            owner = self.kind_of(node.value)
            return catalog.ITEMS.get(owner) if owner is not None else None
        return None

    def element_kind(self, iterable: ast.expr) -> str | None:
        """The kind of what iterating ``iterable`` yields (``Path.iterdir()`` yields paths)."""
        if type(iterable) is ast.Call and type(iterable.func) is ast.Attribute:
            receiver = self.kind_of(iterable.func.value)
            if receiver is not None:
                return catalog.YIELDS.get(receiver, {}).get(iterable.func.attr)
        return None

    def element_binding(self, iterable: ast.expr) -> Binding:
        kind = self.element_kind(iterable)
        return UNKNOWN if kind is None else (Tag.KIND, kind)

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
            return binding[1] if binding is not None and binding[0] is Tag.INSTANCE else None
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            owner_class = self._instance_class(node.value.id)
            if owner_class is not None:
                binding = owner_class.attributes.get(node.attr, UNKNOWN)
                return binding[1] if binding[0] is Tag.INSTANCE else None
        return None

    def super_class(self, node: ast.expr) -> str | None:
        """``super()`` (or ``super(C, self)``) in a method: the class after which the lookup
        continues along the MRO."""
        if not (
            type(node) is ast.Call
            and type(node.func) is ast.Name
            and node.func.id == "super"
            and self.lookup("super") is None
        ):
            return None
        if not node.args:
            return self._method_owner()
        return self._named_class(node.args[0])

    def _named_class(self, node: ast.expr) -> str | None:
        parts = dotted(node)
        if parts is None:
            return None
        binding = self.lookup(parts[0])
        if binding is None:
            return None
        tag, value = binding
        if tag is Tag.CLASS and len(parts) == 1:
            return value
        if tag is Tag.OTHER and parts == ["cls"]:
            # ``cls()`` in a classmethod builds an instance of the class (or of a subclass).
            return self._method_owner()
        if tag is Tag.IMPORT and parts[-1][:1].isupper():
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
            return (Tag.KIND, kind)
        owner = self.class_of(value)
        if owner is not None:
            return (Tag.INSTANCE, owner)
        return self._alias(value)

    def _alias(self, value: ast.expr) -> Binding:
        """``pause = time.sleep``, ``run = helper``: the new name calls what the old one does."""
        if type(value) is not ast.Name and type(value) is not ast.Attribute:
            return UNKNOWN
        parts = dotted(value)
        if parts is None:
            return UNKNOWN
        binding = self.lookup(parts[0])
        if binding is None:
            # A builtin (``reader = open``) or a module imported out of sight.
            return (Tag.IMPORT, ".".join(parts))
        tag, target = binding
        if tag is Tag.IMPORT:
            return (Tag.IMPORT, ".".join([target, *parts[1:]]))
        if tag is Tag.SYNC_DEF and len(parts) == 1:
            return binding
        return UNKNOWN

    def assigned_binding(self, value: ast.expr | None, annotation: ast.expr | None) -> Binding:
        """An annotated assignment (or parameter): the annotation first, then the value."""
        kind = self.annotation_kind(annotation)
        if kind is not None:
            return (Tag.KIND, kind)
        owner = self.annotation_class(annotation)
        if owner is not None:
            return (Tag.INSTANCE, owner)
        return self.value_binding(value) if value is not None else UNKNOWN

    # -- imports -------------------------------------------------------------------------

    def _import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname is not None:
                self._bind_import(alias.asname, alias.name)
            else:
                # ``import a.b`` binds ``a``, and ``a.b.f`` then resolves to ``a.b.f``.
                root = alias.name.partition(".")[0]
                self._bind_import(root, root)

    def _import_from(self, node: ast.ImportFrom) -> None:
        module = absolute_module(self.package, node.module or "", node.level or 0)
        for alias in node.names:
            if alias.name == "*":
                continue
            local = alias.asname if alias.asname is not None else alias.name
            self._bind_import(local, f"{module}.{alias.name}" if module else alias.name)

    def _bind_import(self, local: str, qualified: str) -> None:
        scope = self.scopes[-1]
        if scope.kind is ScopeKind.MODULE:
            if self._prescanning:
                scope.bindings[local] = (Tag.IMPORT, qualified)
        else:
            self.bind(local, (Tag.IMPORT, qualified))
