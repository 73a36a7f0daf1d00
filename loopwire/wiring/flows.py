"""Where the values each function builds go, gathered in the collector's one walk.

The wiring rules judge a class only when an instance of it leaves the process (``outflow``). To
follow instances through the project's own helpers, the walk records per function, without
types and without order: what each local is bound to, what the function returns, what it sends
out (serialises, responds with, publishes), what it hands to which argument of which call, and
what it stores on ``self``. ``Atom`` says what a value can be.
"""

from __future__ import annotations

import builtins
import contextlib
from collections.abc import Sequence
from typing import cast

import libcst as cst

from loopwire.wiring.facts import Atom, Flow, ModuleFacts, Passed
from loopwire.wiring.literals import string
from loopwire.wiring.names import ImportTable, last
from loopwire.wiring.settings import WiringSettings

# Calls that send what they are given out of the process, by last name: responses, serialisers,
# transports. A class whose name ends in "Response" is a response too (``JSONResponse(...)``).
SINK_CALLS = frozenset(
    {
        "json_response",
        "dumps",
        "dump",
        "asdict",
        "astuple",
        "jsonable_encoder",
        "to_jsonable_python",
        "encode",
        "send",
        "send_json",
        "send_str",
        "send_text",
        "send_bytes",
        "emit",
        "broadcast",
        "publish",
        "put",
        "put_nowait",
        "write",
        "sse",
        "send_event",
    }
)
# Methods that serialise their receiver: ``status.model_dump()`` carries every field out.
SERIALISERS = frozenset(
    {"model_dump", "model_dump_json", "dict", "json", "to_dict", "to_json", "as_dict"}
)
# Route decorators (``@routes.get(...)``, ``@app.post``, ``@get(...)``): the function is a handler.
_ROUTE_DECORATORS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "route", "websocket", "api_route"}
)
# Class methods that return a new instance of their class.
_BUILDERS = frozenset(
    {
        "model_validate",
        "model_validate_json",
        "model_validate_strings",
        "model_construct",
        "parse_obj",
        "parse_raw",
        "parse_file",
        "_make",
    }
)
# Methods that return a copy of their receiver, and functions whose result carries their first
# argument (a copy, or its fields as a dict).
_COPIERS = frozenset({"model_copy", "copy", "_replace", "__replace__"})
_SAME_AS_FIRST_ARGUMENT = frozenset(
    {"asdict", "astuple", "jsonable_encoder", "vars", "replace", "evolve", "deepcopy"}
)
# Calls whose result is data decoded from the wire: ``json.loads(text)``, ``await request.json()``.
_DECODERS = frozenset({"loads", "from_json", "decode", "decode_json"})
_READERS = frozenset({"json", "text", "read", "aread", "body", "content"})
# Methods of the builtin containers and strings: ``headers.get("Host")``, with a literal first
# argument, is taken to be ``dict.get``, and returns none of what the project's own ``get``
# returns; ``jobs.get(job_id)`` may be the project's registry.
_BUILTIN_METHODS = frozenset(
    name
    for kind in (dict, list, set, frozenset, tuple, str, bytes)
    for name in dir(kind)
    if not name.startswith("_")
)
# Methods that fill a container in place: ``jobs.append(job)`` puts ``job`` in ``jobs``.
_FILLERS = frozenset({"append", "extend", "add", "insert", "appendleft", "extendleft"})
BUILTIN_FUNCTIONS = frozenset(dir(builtins)) | {"cast"}


def is_class_name(name: str) -> bool:
    """``Video``, ``_Private``: the spelling of a class, which a call constructs."""
    return name.lstrip("_")[:1].isupper()


def local(flow: Flow, atoms: Sequence[Atom] | set[Atom] | frozenset[Atom]) -> set[Atom]:
    """``atoms`` with the function's locals replaced by what they are bound to; a name it does
    not bind is its enclosing function's, or the module's (``return DEFAULT_STATUS``)."""
    resolved: set[Atom] = set()
    seen: set[str] = set()
    stack = list(atoms)
    while stack:
        atom = stack.pop()
        if atom[0] != "var":
            resolved.add(atom)
        elif atom[1] not in seen:
            seen.add(atom[1])
            scope: Flow | None = flow
            while scope is not None and atom[1] not in scope.bindings:
                scope = scope.outer
            if scope is not None:
                stack.extend(scope.bindings[atom[1]])
    return resolved


class FlowRecorder:
    """The flow half of the collector: it shares the collector's import table and its stack of
    enclosing classes, and keeps its own stack of enclosing functions."""

    def __init__(
        self,
        facts: ModuleFacts,
        imports: ImportTable,
        settings: WiringSettings,
        classes: list[str],
    ) -> None:
        self.facts = facts
        self.imports = imports
        self.settings = settings
        self._classes = classes
        # The flow of the function being walked, innermost last; module code is the first.
        self._flows = [Flow("")]
        facts.flows.append(self._flows[0])
        # The ``**`` parameter of each enclosing function, or None.
        self._kwargs: list[str | None] = []

    @property
    def current(self) -> Flow:
        return self._flows[-1]

    def forwards(self, node: cst.BaseExpression) -> bool:
        """Is ``node`` the enclosing function's own ``**kwargs`` (passed on to a call)?"""
        return bool(self._kwargs) and type(node) is cst.Name and node.value == self._kwargs[-1]

    # -- functions ------------------------------------------------------------------------------

    def enter_function(self, node: cst.FunctionDef, toplevel: bool) -> None:
        flow = Flow(node.name.value, toplevel=toplevel, outer=self.current)
        if node.returns is not None:
            flow.returned.update(("typed", n) for n in self.mentioned(node.returns.annotation))
        params = node.params
        named = (*params.posonly_params, *params.params, *params.kwonly_params)
        flow.params = tuple(param.name.value for param in named)
        star = params.star_kwarg
        self._kwargs.append(star.name.value if star is not None else None)
        for param in named:
            name = param.name.value
            if name not in ("self", "cls"):
                # The receiver is not an argument a helper is handed.
                flow.bind(name, {("param", name)})
            if param.annotation is not None:
                mentioned = self.mentioned(param.annotation.annotation)
                flow.bind(name, {("typed", n) for n in mentioned})
                flow.handler |= any(n.endswith("Request") for n in mentioned)
            flow.handler |= name == "request"
        for decorator in node.decorators:
            expr = decorator.decorator
            call = expr if isinstance(expr, cst.Call) else None
            target = self.imports.resolve(call.func if call is not None else expr)
            flow.handler |= target is not None and last(target) in _ROUTE_DECORATORS
            for arg in () if call is None else call.args:
                if arg.keyword is not None and arg.keyword.value == "response_model":
                    flow.handler = True
                    flow.sunk.update(("typed", n) for n in self.mentioned(arg.value))
        self.facts.flows.append(flow)
        self._flows.append(flow)

    def leave_function(self) -> None:
        self._flows.pop()
        self._kwargs.pop()

    # -- values ---------------------------------------------------------------------------------

    def mentioned(self, node: cst.BaseExpression) -> set[str]:
        """Class names anywhere in an annotation: ``list[Video] | None`` gives ``Video``."""
        found: set[str] = set()
        stack: list[cst.CSTNode] = [node]
        while stack:
            item = stack.pop()
            if isinstance(item, cst.Name | cst.Attribute):
                resolved = self.imports.resolve(item)
                if resolved is not None and is_class_name(last(resolved)):
                    found.add(resolved)
            elif isinstance(item, cst.SimpleString):
                # A string annotation that does not parse names no class.
                with contextlib.suppress(cst.ParserSyntaxError):
                    stack.append(cst.parse_expression(string(item) or "None"))
            elif isinstance(item, cst.Subscript):
                stack.append(item.value)
                stack.extend(e.slice.value for e in item.slice if isinstance(e.slice, cst.Index))
            elif isinstance(item, cst.BinaryOperation):
                stack.extend((item.left, item.right))
            elif isinstance(item, cst.List | cst.Tuple):
                stack.extend(e.value for e in item.elements)
        return found

    def atoms(self, node: cst.BaseExpression | None) -> set[Atom]:
        """Where the value of ``node`` comes from (see ``Atom``): through containers, awaits,
        conditionals and serialisers, but not into other calls' arguments."""
        kind = type(node)
        if node is None:
            return set()
        if kind is cst.Name:
            return {("var", cast(cst.Name, node).value)}
        if kind is cst.Call:
            return self._call_atoms(cast(cst.Call, node))
        if kind is cst.Attribute:
            owned = self._own_attribute(cast(cst.Attribute, node))
            return set() if owned is None else {("attr", owned)}
        if kind is cst.Await:
            return self.atoms(cast(cst.Await, node).expression)
        if kind is cst.Subscript:
            subscript = cast(cst.Subscript, node)
            index = subscript.slice[0].slice if len(subscript.slice) == 1 else None
            if isinstance(index, cst.Index) and string(index.value) is not None:
                return set()  # ``payload["code"]`` reads a field, not the payload
            return self.atoms(subscript.value)
        if kind is cst.NamedExpr:
            return self.atoms(cast(cst.NamedExpr, node).value)
        if kind is cst.IfExp:
            branches = cast(cst.IfExp, node)
            return self.atoms(branches.body) | self.atoms(branches.orelse)
        if kind is cst.BooleanOperation:
            both = cast(cst.BooleanOperation, node)
            return self.atoms(both.left) | self.atoms(both.right)
        if kind is cst.List or kind is cst.Tuple or kind is cst.Set:
            elements = cast(cst.List, node).elements
            return {a for e in elements for a in self.atoms(e.value)}
        if kind is cst.Dict:
            return {a for e in cast(cst.Dict, node).elements for a in self.atoms(e.value)}
        if kind is cst.ListComp or kind is cst.SetComp or kind is cst.GeneratorExp:
            return self.atoms(cast(cst.ListComp, node).elt)
        if kind is cst.DictComp:
            return self.atoms(cast(cst.DictComp, node).value)
        return set()

    def _call_atoms(self, node: cst.Call) -> set[Atom]:
        func = node.func
        method = func.attr.value if type(func) is cst.Attribute else None
        resolved = self.imports.resolve(func)
        name = last(resolved) if resolved is not None else method
        if (method in _READERS and not node.args) or name in _DECODERS:
            return {("wire", "")}
        if method in SERIALISERS or method in _COPIERS:
            return self.atoms(cast(cst.Attribute, func).value)
        if method in _BUILDERS:
            # ``Status.model_validate({...})`` builds a Status, as ``Status(...)`` does.
            owner = self.imports.resolve(cast(cst.Attribute, func).value)
            if owner is not None and is_class_name(last(owner)):
                return {("new", owner)}
        if name is None:
            return set()
        if resolved == "cls" and self._classes:
            return {("new", self._classes[-1])}
        if name in _SAME_AS_FIRST_ARGUMENT and node.args:
            return self.atoms(node.args[0].value)
        if is_class_name(name):
            return {("new", resolved or name)}
        if method is not None and method in _BUILTIN_METHODS and _by_literal_key(node):
            return set()
        return {("call", name)}

    def _own_attribute(self, node: cst.Attribute) -> str | None:
        """``Class.attr`` for ``self.attr`` in a method of ``Class``: what an object keeps, and
        serves back later; None for any other attribute."""
        receiver = node.value
        if type(receiver) is cst.Name and receiver.value == "self" and self._classes:
            return f"{self._classes[-1]}.{node.attr.value}"
        return None

    def off_the_wire(self, node: cst.BaseExpression | None) -> bool:
        """Is ``node`` data decoded from a payload (directly, or through a local)?"""
        return ("wire", "") in local(self.current, self.atoms(node))

    def bind(self, target: cst.BaseExpression, atoms: set[Atom]) -> None:
        """``target = value`` where ``value`` carries ``atoms``: a local, or a store on self."""
        flow = self.current
        if isinstance(target, cst.Name):
            flow.bind(target.value, atoms)
        elif isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
            flow.bind(target.value.value, atoms)
        elif isinstance(target, cst.Attribute | cst.Subscript) and atoms:
            holder = target.value if isinstance(target, cst.Subscript) else target
            owned = self._own_attribute(holder) if isinstance(holder, cst.Attribute) else None
            if owned is not None:
                flow.stored.append((owned, frozenset(atoms)))
        elif isinstance(target, cst.Tuple | cst.List):
            for element in target.elements:
                self.bind(element.value, atoms)

    def returns(self, node: cst.BaseExpression | None) -> None:
        self.current.returned.update(self.atoms(node))

    # -- calls ----------------------------------------------------------------------------------

    def call(self, node: cst.Call, name: str, method: str | None) -> None:
        """What the call does with the values it is given: sends them out, serialises them,
        hands them to a helper, or puts them in a container."""
        flow = self.current
        self.facts.called.add(name)
        per_arg = [self.atoms(arg.value) for arg in node.args]
        carried = {a for atoms in per_arg for a in atoms}
        if method in SERIALISERS and isinstance(node.func, cst.Attribute):
            flow.sunk.update(self.atoms(node.func.value))
        if self.settings.is_emitter_call(name):
            flow.emits.update(carried)
        if (
            name in SINK_CALLS
            or (is_class_name(name) and name.endswith("Response"))
            or self.settings.is_sink_call(name)
        ):
            flow.sunk.update(carried)
        elif method in _FILLERS and isinstance(node.func, cst.Attribute):
            self.bind(node.func.value, carried)
        elif carried:
            bound = type(node.func) is cst.Attribute
            for slot, atoms in zip(argument_slots(node), per_arg, strict=True):
                if atoms:
                    flow.passed.append(Passed(name, bound, slot, frozenset(atoms)))


def _by_literal_key(node: cst.Call) -> bool:
    """Is the call's first argument a literal (``.get("Host")``, ``.split(",")``), or has it
    none (``.copy()``, ``.values()``)?"""
    if not node.args:
        return True
    first = node.args[0].value
    return type(first) in (cst.SimpleString, cst.Integer, cst.ConcatenatedString)


def argument_slots(node: cst.Call) -> list[str | int | None]:
    """Each argument's keyword, or its position among the positional ones; None for ``*a`` and
    ``**kw``."""
    slots: list[str | int | None] = []
    position = 0
    for arg in node.args:
        if arg.keyword is not None:
            slots.append(arg.keyword.value)
        elif arg.star:
            slots.append(None)
        else:
            slots.append(position)
            position += 1
    return slots
