"""Type guards on a helper's parameters, and what its callers pass for them.

``def metadata(file): if isinstance(file, str): open(file)`` blocks only when ``file`` may be a
string; a caller that passes ``None``, or a value an enclosing ``isinstance`` narrowed to some
other class, never reaches the ``open``. Reading it as blocking for every caller was a class of
false chain on real projects (``guarded``). The walker records the guard of each blocking call
and of each call into the project, and for each call what it passes; the cross-module pass
(``transitive``) then follows a guarded chain only through calls that may pass such a value.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Literal

from loopwire.lint.model import Edge, Facts, FunctionSummary, Guard
from loopwire.lint.resolver import Resolver, dotted
from loopwire.lint.scope import Scope, ScopeKind

# The type of a literal argument, by the name ``isinstance`` would be given.
_LITERALS: dict[type, str] = {
    type(None): "None",
    str: "str",
    bytes: "bytes",
    int: "int",
    float: "float",
    bool: "bool",
}
# Types no project class is taken to derive from: a class passed for one of these is not one.
_BUILTIN_TYPES = frozenset({*_LITERALS.values(), "dict", "list", "tuple", "set", "frozenset"})
# A guard on one of these accepts anything.
_ANY_TYPE = frozenset({"object", "typing.Any"})


def narrowing(resolver: Resolver, test: ast.expr) -> Guard | None:
    """``isinstance(name, T)`` (or ``(T1, T2)``, possibly the first of an ``and``): the name and
    the qualified type names it is narrowed to inside the ``if`` body."""
    if type(test) is ast.BoolOp and type(test.op) is ast.And:
        for value in test.values:
            found = narrowing(resolver, value)
            if found is not None:
                return found
        return None
    if not (
        type(test) is ast.Call
        and type(test.func) is ast.Name
        and test.func.id == "isinstance"
        and resolver.lookup("isinstance") is None
        and len(test.args) == 2
        and not test.keywords
        and type(test.args[0]) is ast.Name
    ):
        return None
    kinds = test.args[1]
    elements = kinds.elts if type(kinds) is ast.Tuple else [kinds]
    names: list[str] = []
    for element in elements:
        parts = dotted(element)
        if parts is None:
            return None  # a computed type: nothing is known
        names.append(resolver.qualify(element) or ".".join(parts))
    return (test.args[0].id, tuple(names))


def function_scope(scopes: Sequence[Scope]) -> Scope | None:
    """The function whose frame the walk is in (through comprehensions), if any."""
    for scope in reversed(scopes):
        if scope.kind is ScopeKind.COMPREHENSION:
            continue
        return scope if scope.kind is ScopeKind.FUNCTION else None
    return None


def parameter_guard(scopes: Sequence[Scope]) -> Guard | None:
    """The innermost ``isinstance`` guard on one of the function's parameters around here."""
    scope = function_scope(scopes)
    if scope is None:
        return None
    for name, kinds in reversed(scope.narrowed):
        if name in scope.parameters and kinds:
            return (name, kinds)
    return None


def _fact(value: ast.expr, scope: Scope) -> list[object] | None:
    if type(value) is ast.Constant:
        literal = _LITERALS.get(type(value.value))
        return None if literal is None else ["types", [literal]]
    if type(value) is not ast.Name:
        return None
    for name, kinds in reversed(scope.narrowed):
        if name == value.id:
            # Emptied: rebound inside the check, so nothing is known of it.
            return ["types", list(kinds)] if kinds else None
    if value.id in scope.parameters:
        return ["param", value.id]
    return None


def edge(scopes: Sequence[Scope], node: ast.Call, bound: bool) -> Edge:
    """What the call ``node`` passes, and the guard it runs under."""
    scope = function_scope(scopes)
    if scope is None:
        return Edge(bound=bound)
    facts: Facts = {}
    for position, argument in enumerate(node.args):
        if type(argument) is ast.Starred:
            break  # positions after ``*args`` cannot be told
        found = _fact(argument, scope)
        if found is not None:
            facts[str(position)] = found
    for keyword in node.keywords:
        if keyword.arg is not None:
            found = _fact(keyword.value, scope)
            if found is not None:
                facts[keyword.arg] = found
    return Edge(facts, bound, parameter_guard(scopes))


def may_be(given: Sequence[str], wanted: Sequence[str]) -> bool:
    """Whether a value known to be one of ``given`` may pass ``isinstance(value, wanted)``."""
    if _ANY_TYPE.intersection(wanted) or set(given).intersection(wanted):
        return True
    # A project class may derive from a project or library class it is not named as; it is
    # not taken to derive from a builtin such as ``str``.
    return any(kind not in _BUILTIN_TYPES and not set(wanted) <= _BUILTIN_TYPES for kind in given)


def passed(
    callee: FunctionSummary, key: str, through: Edge, guard: Guard
) -> Guard | Literal[False] | None:
    """Through the call ``through``, does ``callee`` (guarded by ``guard``) block?

    ``False``: never (the call passes something the guard rejects); ``None``: it may, whatever
    the caller was given; a guard: when the caller's own parameter may pass it."""
    parameter, kinds = guard
    if parameter not in callee.params:
        return None
    index = callee.params.index(parameter)
    # The instance (or class) fills the first parameter of a bound call, and of a constructor.
    offset = 1 if callee.implicit and (through.bound or key.endswith(".__init__")) else 0
    fact = through.facts.get(parameter) or through.facts.get(str(index - offset))
    if fact is None or index < offset:
        return None
    if fact[0] == "param":
        return (str(fact[1]), kinds)
    return None if may_be(fact[1], kinds) else False
