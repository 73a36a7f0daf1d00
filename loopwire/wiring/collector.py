"""The single libcst pass over one module that gathers every fact the wiring rules need.

Parse once, walk once (by hand, see ``CODE_FIELDS``): schema declarations, construction sites,
attribute/key assignments and event references are all collected here, so adding a setter form
never adds a pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

import libcst as cst

from loopwire.wiring.facts import (
    ClassFacts,
    Construction,
    EventUse,
    FieldValue,
    ModuleFacts,
    Passed,
    RawField,
    Sets,
    Site,
)
from loopwire.wiring.flows import BUILTIN_FUNCTIONS, FlowRecorder, argument_slots, is_class_name
from loopwire.wiring.literals import dict_items, is_none, string
from loopwire.wiring.names import ImportTable, last
from loopwire.wiring.settings import WiringSettings

# Annotation qualifiers that change what a field is (ClassVar: not a field; NotRequired: has a
# default); the wrapping ones are looked through to find the others.
_QUALIFIERS = frozenset(
    {"Annotated", "ClassVar", "NotRequired", "Required", "InitVar", "Final", "ReadOnly", "KW_ONLY"}
)
# ``x = attr.ib(...)`` declares an attrs field without an annotation.
_UNANNOTATED_FIELD_CALLS = frozenset({"ib", "attrib", "field"})
# Copy-with-changes helpers: dataclasses/copy.replace, attrs.evolve, NamedTuple._replace.
_REPLACERS = frozenset({"replace", "evolve", "_replace", "__replace__"})
# Methods that fill a container in place: ``job.videos.append(v)`` produces ``videos``.
_MUTATORS = frozenset(
    {"append", "extend", "add", "update", "insert", "setdefault", "appendleft", "extendleft"}
)
# Class methods that build an instance from one mapping or payload argument.
_FROM_MAPPING = frozenset({"model_validate", "parse_obj"})
_FROM_PAYLOAD = frozenset(
    {"model_validate_json", "model_validate_strings", "parse_raw", "parse_file", "_make"}
)
# Class methods that parse raw text or bytes: what they build came off the wire.
_FROM_WIRE = frozenset({"model_validate_json", "model_validate_strings", "parse_raw"})
# Library functions that build an instance of a class argument from data:
# function -> (keyword naming the class, its positional index).
_CONVERTERS = {
    "msgspec.convert": ("type", 1),
    "msgspec.json.decode": ("type", -1),
    "msgspec.msgpack.decode": ("type", -1),
    "msgspec.yaml.decode": ("type", -1),
    "msgspec.toml.decode": ("type", -1),
    "dacite.from_dict": ("data_class", 0),
    "cattrs.structure": ("cl", 1),
    "cattr.structure": ("cl", 1),
    "pydantic.TypeAdapter": ("type", 0),
}
# References inside these nodes listen for an event (or only describe it); they never emit it.
_QUIET_NODES: frozenset[type] = frozenset({cst.Comparison, cst.Decorator, cst.Annotation})
# The node types that can hold a wiring fact, each with its fields that can, in the order libcst's
# own visitor enters them (source order). libcst's generic traversal rebuilds every node it
# leaves and enters every whitespace, token and bare name: most of the check's time went there.
# Everything missing here (Name, strings, operators, whitespace) is never entered.
# tests/unit/wiring_static/test_wiring_walk.py derives this table from libcst and compares.
# By name: an older libcst lacks the newest nodes (t-strings, lazy imports) and cannot parse them.
_CODE_FIELDS_BY_NAME: dict[str, tuple[str, ...]] = {
    "AnnAssign": ("target", "annotation", "value"),
    "Annotation": ("annotation",),
    "Arg": ("value",),
    "AsName": ("name",),
    "Assert": ("test", "msg"),
    "Assign": ("targets", "value"),
    "AssignTarget": ("target",),
    "Attribute": ("value",),
    "AugAssign": ("target", "value"),
    "Await": ("expression",),
    "BinaryOperation": ("left", "right"),
    "BooleanOperation": ("left", "right"),
    "Call": ("func", "args"),
    "ClassDef": ("decorators", "type_parameters", "bases", "keywords", "body"),
    "CompFor": ("target", "iter", "ifs", "inner_for_in"),
    "CompIf": ("test",),
    "Comparison": ("left", "comparisons"),
    "ComparisonTarget": ("comparator",),
    "ConcatenatedString": ("left", "right"),
    "Decorator": ("decorator",),
    "Del": ("target",),
    "Dict": ("elements",),
    "DictComp": ("key", "value", "for_in"),
    "DictElement": ("key", "value"),
    "Element": ("value",),
    "Else": ("body",),
    "ExceptHandler": ("type", "name", "body"),
    "ExceptStarHandler": ("type", "name", "body"),
    "Expr": ("value",),
    "Finally": ("body",),
    "For": ("target", "iter", "body", "orelse"),
    "FormattedString": ("parts",),
    "FormattedStringExpression": ("expression", "format_spec"),
    "From": ("item",),
    "FunctionDef": ("decorators", "type_parameters", "params", "returns", "body"),
    "GeneratorExp": ("elt", "for_in"),
    "If": ("test", "body", "orelse"),
    "IfExp": ("body", "test", "orelse"),
    "Import": ("names",),
    "ImportAlias": ("name", "asname"),
    "ImportFrom": ("module", "names"),
    "IndentedBlock": ("body",),
    "Index": ("value",),
    "Lambda": ("params", "body"),
    "LazyImport": ("names",),
    "LazyImportFrom": ("module", "names"),
    "List": ("elements",),
    "ListComp": ("elt", "for_in"),
    "Match": ("subject", "cases"),
    "MatchAs": ("pattern",),
    "MatchCase": ("pattern", "guard", "body"),
    "MatchClass": ("cls", "patterns", "kwds"),
    "MatchKeywordElement": ("pattern",),
    "MatchList": ("patterns",),
    "MatchMapping": ("elements",),
    "MatchMappingElement": ("key", "pattern"),
    "MatchOr": ("patterns",),
    "MatchOrElement": ("pattern",),
    "MatchSequenceElement": ("value",),
    "MatchTuple": ("patterns",),
    "MatchValue": ("value",),
    "Module": ("body",),
    "NamedExpr": ("target", "value"),
    "Param": ("annotation", "default"),
    "Parameters": ("posonly_params", "params", "star_arg", "kwonly_params", "star_kwarg"),
    "Raise": ("exc", "cause"),
    "Return": ("value",),
    "Set": ("elements",),
    "SetComp": ("elt", "for_in"),
    "SimpleStatementLine": ("body",),
    "SimpleStatementSuite": ("body",),
    "Slice": ("lower", "upper", "step"),
    "StarredDictComp": ("value", "for_in"),
    "StarredDictElement": ("value",),
    "StarredElement": ("value",),
    "Subscript": ("value", "slice"),
    "SubscriptElement": ("slice",),
    "TemplatedString": ("parts",),
    "TemplatedStringExpression": ("expression", "format_spec"),
    "Try": ("body", "handlers", "orelse", "finalbody"),
    "TryStar": ("body", "handlers", "orelse", "finalbody"),
    "Tuple": ("elements",),
    "TypeAlias": ("type_parameters", "value"),
    "TypeParam": ("param", "default"),
    "TypeParameters": ("params",),
    "TypeVar": ("bound",),
    "UnaryOperation": ("expression",),
    "While": ("test", "body", "orelse"),
    "With": ("items", "body"),
    "WithItem": ("item", "asname"),
    "Yield": ("value",),
}
CODE_FIELDS: dict[type, tuple[str, ...]] = {
    getattr(cst, name): fields
    for name, fields in _CODE_FIELDS_BY_NAME.items()
    if hasattr(cst, name)
}


class Collector:
    def __init__(
        self,
        path: str,
        module: str,
        settings: WiringSettings,
        anchors: list[cst.CSTNode] | None = None,
    ) -> None:
        # The nodes behind each Site, kept only when positions are wanted (they pin the tree).
        self.anchors = anchors
        self._next_anchor = 0
        self.facts = ModuleFacts(path=path, module=module)
        self.imports = ImportTable(module, is_package=path.endswith("__init__.py"))
        self.settings = settings
        # "class" or "function" per enclosing scope: a class body declares, a function sets.
        self._scopes: list[str] = []
        self._classes: list[str] = []
        # Schema classes a function is annotated to return: its dict literals build them.
        self._returns: list[tuple[str, ...]] = []
        self._quiet_roots: set[int] = set()
        self.flows = FlowRecorder(self.facts, self.imports, settings, self._classes)
        # Per node being visited: is an event reference here listening rather than emitting?
        self._quiet: list[bool] = [False]
        # Dispatch by exact node type, as libcst does by class name.
        self._visits: dict[type, Callable[[Any], None]] = {}
        self._leaves: dict[type, Callable[[Any], None]] = {}
        for kind in CODE_FIELDS:
            visit = getattr(self, f"visit_{kind.__name__}", None)
            if visit is not None:
                self._visits[kind] = visit
            leave = getattr(self, f"leave_{kind.__name__}", None)
            if leave is not None:
                self._leaves[kind] = leave

    def walk(self, node: object) -> None:
        """Visit ``node`` and its descendants depth first in libcst's order, entering only those
        that can hold a wiring fact (see ``CODE_FIELDS``)."""
        kind = type(node)
        fields = CODE_FIELDS.get(kind)
        if fields is None:
            return
        self._quiet.append(self._is_quiet(node))
        visit = self._visits.get(kind)
        if visit is not None:
            visit(node)
        for name in fields:
            value = getattr(node, name)
            if type(value) is tuple or type(value) is list:
                for child in value:
                    self.walk(child)
            else:
                self.walk(value)
        leave = self._leaves.get(kind)
        if leave is not None:
            leave(node)
        self._quiet.pop()

    # -- helpers -------------------------------------------------------------------------------

    def _site(self, node: cst.CSTNode) -> Site:
        if self.anchors is not None:
            self.anchors.append(node)
        self._next_anchor += 1
        return Site(self.facts.path, self.facts.module, self._next_anchor - 1)

    def _annotation_classes(self, node: cst.BaseExpression) -> tuple[str, ...]:
        """Class names an annotation allows: ``Td | None`` and ``Optional[Td]`` give ``Td``."""
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
            return self._annotation_classes(node.left) + self._annotation_classes(node.right)
        if isinstance(node, cst.Subscript):
            head = self.imports.resolve(node.value)
            if head is None or last(head) not in {"Optional", "Union", "Annotated"}:
                return ()
            elements = [e.slice.value for e in node.slice if isinstance(e.slice, cst.Index)]
            if last(head) == "Annotated":
                elements = elements[:1]
            return tuple(name for e in elements for name in self._annotation_classes(e))
        if isinstance(node, cst.SimpleString):
            text = string(node)
            if text:
                try:
                    return self._annotation_classes(cst.parse_expression(text))
                except cst.ParserSyntaxError:
                    return ()
            return ()
        resolved = self.imports.resolve(node)
        return () if resolved is None else (last(resolved),)

    def _qualifiers(self, node: cst.BaseExpression) -> frozenset[str]:
        found: set[str] = set()
        while True:
            target = node.value if isinstance(node, cst.Subscript) else node
            resolved = self.imports.resolve(target)
            if resolved is None or last(resolved) not in _QUALIFIERS:
                return frozenset(found)
            found.add(last(resolved))
            if not isinstance(node, cst.Subscript) or not isinstance(
                node.slice[0].slice, cst.Index
            ):
                return frozenset(found)
            node = node.slice[0].slice.value

    def _field_value(self, node: cst.BaseExpression | None) -> FieldValue | None:
        if node is None:
            return None
        if isinstance(node, cst.Ellipsis):
            return FieldValue(is_ellipsis=True)
        if not isinstance(node, cst.Call):
            return FieldValue(default_is_none=is_none(node))
        positional = [a for a in node.args if a.keyword is None and not a.star]
        keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
        init = keywords.get("init")
        default = keywords.get("default", positional[0].value if positional else None)
        alias = keywords.get("validation_alias", keywords.get("alias"))
        return FieldValue(
            default_is_none=is_none(default),
            alias=None if alias is None else string(alias),
            call=self.imports.resolve(node.func),
            keywords=frozenset(keywords),
            positional=len(positional),
            first_is_ellipsis=bool(positional) and isinstance(positional[0].value, cst.Ellipsis),
            init_false=isinstance(init, cst.Name) and init.value == "False",
        )

    def _note(self, name: str, value: cst.BaseExpression | None, key: bool = False) -> None:
        """Record that ``name`` (an attribute, or with ``key`` a TypedDict key) is set to
        ``value``; ``None`` stands for a computed value (``+=``, ``.append``)."""
        (self.facts.keys if key else self.facts.attributes).add(name, is_none(value))

    def _set_target(self, target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        if isinstance(target, cst.Attribute):
            self._note(target.attr.value, value)
        elif isinstance(target, cst.Subscript) and isinstance(target.value, cst.Attribute):
            # ``job.totals[key] = n`` fills the ``totals`` field.
            self._note(target.value.attr.value, None)
        elif isinstance(target, cst.Subscript) and len(target.slice) == 1:
            index = target.slice[0].slice
            key = string(index.value) if isinstance(index, cst.Index) else None
            if key is not None:
                self._note(key, value, key=True)
        elif isinstance(target, cst.Tuple | cst.List):
            for element in target.elements:
                self._set_target(element.value, None)

    def _literal(
        self, name: str, node: cst.CSTNode, items: Mapping[str, cst.BaseExpression]
    ) -> None:
        """A dict literal that builds a TypedDict (or a validated model) of class ``name``."""
        named = {key: is_none(value) for key, value in items.items()}
        self.facts.constructions.append(Construction(name, self._site(node), named))

    # -- quiet regions (listening, comparing, annotating) ----------------------------------------

    def _is_quiet(self, node: object) -> bool:
        # Exact type tests: the parser builds no subclasses, and ``isinstance`` against libcst's
        # ABCs costs as much as the rest of the walk.
        kind = type(node)
        if kind is cst.FunctionDef or kind is cst.Lambda:
            # A handler body runs later and may emit, even when it is registered as a listener.
            return False
        if kind in _QUIET_NODES or id(node) in self._quiet_roots:
            return True
        if kind is cst.Call:
            func = cast(cst.Call, node).func
            name = func.attr.value if type(func) is cst.Attribute else None
            if type(func) is cst.Name:
                name = func.value
            if name is not None and self.settings.is_listener_call(name):
                return True
        return self._quiet[-1]

    def visit_DictElement(self, node: cst.DictElement) -> None:
        # A dict keyed by event type is a dispatch table: it routes events, it does not emit.
        self._quiet_roots.add(id(node.key))

    def visit_MatchCase(self, node: cst.MatchCase) -> None:
        self._quiet_roots.add(id(node.pattern))

    # -- imports and scopes ---------------------------------------------------------------------

    def visit_Import(self, node: cst.Import) -> None:
        self.imports.add_import(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self.imports.add_import_from(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        toplevel = not self._scopes
        self._scopes.append("function")
        returns = () if node.returns is None else self._annotation_classes(node.returns.annotation)
        self._returns.append(returns)
        self.flows.enter_function(node, toplevel)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._scopes.pop()
        self._returns.pop()
        self.flows.leave_function()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._scopes.append("function")
        self._returns.append(())

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._scopes.pop()
        self._returns.pop()

    # -- declarations ---------------------------------------------------------------------------

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        bases = []
        for arg in node.bases:
            if arg.keyword is None:
                value = arg.value.value if isinstance(arg.value, cst.Subscript) else arg.value
                resolved = self.imports.resolve(value)
                if resolved is not None:
                    bases.append(resolved)
        decorators = []
        for decorator in node.decorators:
            expr = decorator.decorator
            resolved = self.imports.resolve(expr.func if isinstance(expr, cst.Call) else expr)
            if resolved is not None:
                decorators.append(resolved)
        empty = cst.Module(body=[])
        facts = ClassFacts(
            name=node.name.value,
            site=self._site(node.name),
            bases=tuple(bases),
            decorators=tuple(decorators),
            keywords={
                arg.keyword.value: empty.code_for_node(arg.value)
                for arg in node.keywords
                if arg.keyword is not None
            },
        )
        for statement in node.body.body:
            smalls = statement.body if isinstance(statement, cst.SimpleStatementLine) else ()
            if isinstance(statement, cst.BaseSmallStatement):
                smalls = (statement,)
            for small in smalls:
                self._declare(facts, small)
        self.facts.classes.append(facts)
        self._scopes.append("class")
        self._classes.append(node.name.value)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._scopes.pop()
        self._classes.pop()

    def _declare(self, facts: ClassFacts, small: cst.BaseSmallStatement) -> None:
        if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
            facts.fields.append(
                RawField(
                    name=small.target.value,
                    site=self._site(small.target),
                    annotated=True,
                    qualifiers=self._qualifiers(small.annotation.annotation),
                    value=self._field_value(small.value),
                )
            )
        elif (
            isinstance(small, cst.Assign)
            and len(small.targets) == 1
            and isinstance(small.targets[0].target, cst.Name)
        ):
            name = small.targets[0].target.value
            site = self._site(small.targets[0].target)
            value = self._field_value(small.value)
            if value is not None and value.call and last(value.call) in _UNANNOTATED_FIELD_CALLS:
                facts.fields.append(RawField(name, site, False, frozenset(), value))
            if not name.startswith("_"):
                facts.assigned.append((name, site))
                facts.values[name] = self._member_value(small.value)

    def _member_value(self, value: cst.BaseExpression) -> str | None:
        """What an enum member's value is sent as: its string, "" for ``auto()`` (the name,
        lowercased, for a ``StrEnum``), None for anything else."""
        literal = string(value)
        if literal is not None:
            return literal
        if isinstance(value, cst.Call):
            resolved = self.imports.resolve(value.func)
            if resolved is not None and last(resolved) == "auto":
                return ""
        return None

    # -- setters --------------------------------------------------------------------------------

    def _export(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        """``__all__ = [...]`` / ``+= (...)`` at module level: what the module publishes."""
        if self._scopes or not (isinstance(target, cst.Name) and target.value == "__all__"):
            return
        if isinstance(value, cst.List | cst.Tuple):
            for element in value.elements:
                name = string(element.value)
                if name is not None:
                    self.facts.exported.add(name)

    def visit_Assign(self, node: cst.Assign) -> None:
        for assign_target in node.targets:
            self._export(assign_target.target, node.value)
        atoms = self.flows.atoms(node.value)
        for assign_target in node.targets:
            self._set_target(assign_target.target, node.value)
            self.flows.bind(assign_target.target, atoms)
        if not self._scopes and len(node.targets) == 1:
            target = node.targets[0].target
            if isinstance(target, cst.Name):
                self.imports.add_alias(target.value, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._set_target(node.target, None)
        self._export(node.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is None or (self._scopes and self._scopes[-1] == "class"):
            return  # a declaration; in a class body its value is the default, not a set
        self._set_target(node.target, node.value)
        # ``status: Status = {...}`` builds a Status; ``status: Status = load()`` declares one.
        kind = "new" if dict_items(node.value) is not None else "typed"
        typed = {(kind, n) for n in self.flows.mentioned(node.annotation.annotation)}
        self.flows.bind(node.target, self.flows.atoms(node.value) | typed)
        items = dict_items(node.value)
        if items is not None:
            for name in self._annotation_classes(node.annotation.annotation):
                self._literal(name, node, items)

    def visit_Return(self, node: cst.Return) -> None:
        self.flows.returns(node.value)
        if node.value is None or not self._returns:
            return
        items = dict_items(node.value)
        if items is not None:
            for name in self._returns[-1]:
                self._literal(name, node, items)
                self.flows.current.returned.add(("new", name))

    def visit_Yield(self, node: cst.Yield) -> None:
        value = node.value
        if isinstance(value, cst.From):
            value = value.item
        self.flows.returns(value)

    def visit_For(self, node: cst.For) -> None:
        self.flows.bind(node.target, self.flows.atoms(node.iter))

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self.flows.bind(node.target, self.flows.atoms(node.iter))

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self.flows.bind(node.asname.name, self.flows.atoms(node.item))

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self.flows.bind(node.target, self.flows.atoms(node.value))

    def _literal_arguments(self, node: cst.Call, name: str) -> None:
        """String literals a call is given, directly or as dict values (``{"type": "end"}``):
        sent to an emitter, or to a helper that emits its parameter, they name an event."""
        bound = type(node.func) is cst.Attribute
        for arg, slot in zip(node.args, argument_slots(node), strict=True):
            literal = string(arg.value)
            values = [literal] if literal is not None else []
            for value in (dict_items(arg.value) or {}).values():
                text = string(value)
                if text is not None:
                    values.append(text)
            for text in values:
                self.facts.literal_args.append(
                    Passed(name, bound, slot, frozenset({("str", text)}))
                )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        resolved = self.imports.resolve(func)
        if resolved == "cls" and self._classes:
            # ``cls(...)`` in a classmethod (an alternative constructor) builds that class.
            resolved = self._classes[-1]
        method = func.attr.value if isinstance(func, cst.Attribute) else None
        name = last(resolved) if resolved is not None else method
        if name is None:
            return
        self.flows.call(node, name, method)
        # For constructions that forward this function's ``**kwargs``: what its callers pass.
        forwarded = self.facts.call_keywords.setdefault(name, Sets())
        for arg in node.args:
            if arg.keyword is not None:
                forwarded.add(arg.keyword.value, is_none(arg.value))
        if not self._quiet[-1]:
            self._literal_arguments(node, name)
            self._dynamic_enum(node, name)
        positional = [a.value for a in node.args if a.keyword is None and not a.star]
        keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
        self._copy_or_set(name, method, positional, keywords)
        if method in _MUTATORS and isinstance(func, cst.Attribute):
            receiver = func.value
            if isinstance(receiver, cst.Attribute):
                self._note(receiver.attr.value, None)
        if resolved in _CONVERTERS:
            self._converter(node, resolved, positional, keywords)
        elif isinstance(func, cst.Attribute) and method in _FROM_MAPPING | _FROM_PAYLOAD:
            self._from_data(node, func, method, positional)
        elif is_class_name(name) and resolved is not None:
            self._call_construction(name, node, keywords, positional, resolved)
        elif method == "model_construct" and isinstance(func, cst.Attribute):
            owner = self.imports.resolve(func.value)
            if owner is not None and is_class_name(last(owner)):
                self._call_construction(last(owner), node, keywords, positional, owner)

    def _copy_or_set(
        self,
        name: str,
        method: str | None,
        positional: list[cst.BaseExpression],
        keywords: Mapping[str, cst.BaseExpression],
    ) -> None:
        """setattr, replace/evolve, model_copy(update=...) and TypedDict ``update``."""
        if name in ("setattr", "__setattr__"):
            for index, arg in enumerate(positional[:2]):
                literal = string(arg)
                if literal is not None:
                    following = positional[index + 1 : index + 2]
                    self._note(literal, following[0] if following else None)
                    return
        elif name in _REPLACERS:
            for field_name, value in keywords.items():
                self._note(field_name, value)
        elif method in ("model_copy", "copy") and "update" in keywords:
            for field_name, value in (dict_items(keywords["update"]) or {}).items():
                self._note(field_name, value)
        elif method == "setdefault" and positional and string(positional[0]) is not None:
            key = string(positional[0]) or ""
            self._note(key, positional[1] if len(positional) > 1 else None, key=True)
        elif method == "update":
            first = (dict_items(positional[0]) or {}) if positional else {}
            for key, value in [*keywords.items(), *first.items()]:
                self._note(key, value, key=True)

    def _call_construction(
        self,
        name: str,
        node: cst.Call,
        keywords: Mapping[str, cst.BaseExpression],
        positional: list[cst.BaseExpression],
        reference: str = "",
    ) -> None:
        items = dict(keywords)
        opaque = None
        forwarded_by = None
        parsed = False
        for arg in node.args:
            if arg.star == "**":
                spread = dict_items(arg.value)
                value = arg.value
                if self.flows.forwards(value):
                    # The caller's keywords, passed on: they set fields at the caller.
                    forwarded_by = self.flows.current.name
                elif spread is None:
                    opaque = f"{name}(**...)"
                    parsed = parsed or self.flows.off_the_wire(value)
                else:
                    items.update(spread)
            elif arg.star == "*":
                opaque = f"{name}(*...)"
        self.facts.constructions.append(
            Construction(
                name,
                self._site(node),
                {key: is_none(value) for key, value in items.items()},
                tuple(is_none(value) for value in positional),
                opaque,
                forwarded_by,
                reference,
                parsed,
            )
        )

    def _converter(
        self,
        node: cst.Call,
        function: str,
        positional: list[cst.BaseExpression],
        keywords: Mapping[str, cst.BaseExpression],
    ) -> None:
        keyword, index = _CONVERTERS[function]
        target = keywords.get(keyword)
        if target is None and 0 <= index < len(positional):
            target = positional[index]
        owner = None if target is None else self.imports.resolve(target)
        if owner is not None and last(owner)[:1].isupper():
            opaque = f"{last(function)}(..., {last(owner)})"
            data = [value for value in positional if value is not target][:1]
            parsed = last(function) == "decode" or self.flows.off_the_wire(
                data[0] if data else None
            )
            self.facts.constructions.append(
                Construction(
                    last(owner),
                    self._site(node),
                    {},
                    opaque=opaque,
                    reference=owner,
                    parsed=parsed,
                )
            )

    def _from_data(
        self, node: cst.Call, func: cst.Attribute, method: str, positional: list[cst.BaseExpression]
    ) -> None:
        owner = self.imports.resolve(func.value)
        if owner is None or not last(owner)[:1].isupper():
            return
        items = dict_items(positional[0]) if positional and method in _FROM_MAPPING else None
        if items is not None:
            self._literal(last(owner), node, items)
            return
        data = positional[0] if positional else None
        self.facts.constructions.append(
            Construction(
                last(owner),
                self._site(node),
                {},
                opaque=f"{last(owner)}.{method}(...)",
                reference=owner,
                parsed=method in _FROM_WIRE or self.flows.off_the_wire(data),
            )
        )

    # -- events ---------------------------------------------------------------------------------

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if self._quiet[-1]:
            return
        resolved = self.imports.resolve(node)
        if resolved is None:
            return
        enum_name, _, member = resolved.rpartition(".")
        enum_name = last(enum_name)
        if enum_name[:1].isupper() and enum_name not in self._classes:
            self.facts.event_uses.append(EventUse(enum_name, member))

    def visit_Subscript(self, node: cst.Subscript) -> None:
        # ``JobEventType["PROGRESS"]`` names a member as surely as the attribute does;
        # ``JobEventType[name]`` may name any of them.
        if (
            self._quiet[-1]
            or len(node.slice) != 1
            or not isinstance(node.slice[0].slice, cst.Index)
        ):
            return
        index = node.slice[0].slice.value
        owner = self.imports.resolve(node.value)
        if owner is None:
            return
        member = string(index)
        if member is None and not isinstance(index, cst.Name | cst.Call | cst.Attribute):
            return
        enum_name = last(owner)
        if is_class_name(enum_name) and enum_name not in self._classes:
            self.facts.event_uses.append(EventUse(enum_name, "*" if member is None else member))

    def _dynamic_enum(self, node: cst.Call, name: str) -> None:
        """``Kind(value)``, ``getattr(Kind, name)``, ``try_enum(Kind, data)``, ``list(Kind)``:
        a member chosen by data, by value or by name, reaches whoever gets it."""
        args = [arg.value for arg in node.args if arg.keyword is None]
        if is_class_name(name) and name not in self._classes and len(args) == 1:
            # ``Kind("progress")`` picks by value; ``Kind(data)`` any member.
            literal = string(args[0])
            if literal is not None:
                self.facts.literals.add(literal)
            elif not isinstance(args[0], cst.Integer):
                self.facts.event_uses.append(EventUse(name, "*"))
        if name == "getattr" and len(args) >= 2:
            owner = self.imports.resolve(args[0])
            if owner is not None and is_class_name(last(owner)):
                member = string(args[1])
                self.facts.event_uses.append(EventUse(last(owner), member or "*"))
            return
        if name in BUILTIN_FUNCTIONS:
            return  # ``isinstance(x, Kind)``, ``list(Kind)``: looking, not emitting
        for value in args:
            owner = self.imports.resolve(value) if isinstance(value, cst.Name) else None
            if owner is not None and is_class_name(last(owner)) and last(owner) != name:
                # ``try_enum(Kind, data)``: a helper picks the member from data.
                self.facts.event_uses.append(EventUse(last(owner), "*"))
