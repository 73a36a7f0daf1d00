"""``urlopen`` of a ``data:`` URL: urllib decodes it in memory, nothing waits.

urllib's ``DataHandler`` answers a ``data:`` URL itself, with no socket and no file. Code that
takes "a URL or a data URI" checks the prefix first (``if not uri.startswith("data:"): raise``)
and hands the string to ``urlopen``; reading that call as an HTTP round trip was a class of
false chain on real projects (``guarded`` in the judged sample). So an opener called with a
``data:`` literal (or an f-string that starts with one), or with a local name the
function checked to start with ``data:`` and has not rebound since, does not block. The check
holds inside ``if name.startswith("data:")`` (also as one term of an ``and``), and after
``if not name.startswith("data:")`` whose body leaves the block (``return``, ``raise``,
``continue``, ``break``). Anything else (another prefix, a computed one, a name rebound in a
loop, a global, a use in a nested function or a comprehension) stays reported.

As in ``guards``, the facts are the enclosing function's own: nothing is passed across calls.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Sequence

# The ``urllib.request`` openers that read a ``data:`` URL in memory. Not ``urlretrieve``: it
# writes what it decoded to a file.
OPENERS = frozenset({"urllib.request.urlopen"})
PREFIX = "data:"

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
# Nodes whose insides run in a frame of their own (or later): not followed for calls.
_OWN_FRAME = (*_FUNCTIONS, ast.Lambda, ast.ClassDef)
# Where a call is not looked for: nested frames, and comprehensions (their own scope).
_CLOSED = (*_OWN_FRAME, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_EXITS = (ast.Return, ast.Raise, ast.Continue, ast.Break)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)

Known = frozenset[str]


def url_argument(node: ast.Call) -> ast.expr | None:
    """What ``urlopen(url, ...)`` is given for ``url``."""
    for keyword in node.keywords:
        if keyword.arg == "url":
            return keyword.value
    if node.args and type(node.args[0]) is not ast.Starred:
        return node.args[0]
    return None


def is_data_literal(value: ast.expr) -> bool:
    """``"data:,x"`` or ``f"data:image/png;base64,{b}"`` (not ``"data:," + x``: an ``x``
    that is no string may answer ``+`` with anything)."""
    if type(value) is ast.Constant:
        return type(value.value) is str and value.value.startswith(PREFIX)
    if type(value) is ast.JoinedStr:
        return bool(value.values) and is_data_literal(value.values[0])
    return False


def decoded_calls(function: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[ast.Call]:
    """The calls in ``function``'s own frame given, as their first argument (or ``url=``), a
    local name known there to hold a string that starts with ``data:``."""
    flow = _Flow(_locals(function))
    flow.block(function.body, frozenset())
    return frozenset(flow.found)


class _Flow:
    """Walks a function's statements in order with the names known to start with ``data:``;
    each statement gives the names still known after it."""

    def __init__(self, local: Known) -> None:
        self.local = local
        self.found: set[ast.Call] = set()

    def block(self, body: Sequence[ast.stmt], known: Known) -> Known:
        for statement in body:
            known = self.statement(statement, known)
        return known

    def statement(self, statement: ast.stmt, known: Known) -> Known:
        if type(statement) is ast.If:
            return self._if(statement, known)
        if isinstance(statement, _LOOPS):
            # A name rebound anywhere in the loop may hold something else on the next turn.
            inside = known - bound(statement)
            if isinstance(statement, ast.While):
                self.collect(statement.test, inside)
            else:
                self.collect(statement.iter, known - _walrus(statement.iter))
            self.block(statement.body, inside)
            self.block(statement.orelse, inside)
            return inside
        if isinstance(statement, ast.With | ast.AsyncWith):
            for item in statement.items:
                self.collect(item.context_expr, known - _walrus(item.context_expr))
                known = known - _bound_in([item])
            self.block(statement.body, known)
            # The context manager may swallow an exception raised anywhere in the body (a
            # failed check's ``raise`` too): after it, only what the body does not rebind.
            return known - _bound_in(statement.body)
        if isinstance(statement, ast.Try | ast.TryStar):
            return self._try(statement, known)
        if isinstance(statement, ast.Match):
            self.collect(statement.subject, known)
            inside = known - bound(statement)
            for case in statement.cases:
                self.block(case.body, inside)
            return inside
        if isinstance(statement, _OWN_FRAME):
            return known - bound(statement)  # its own analysis, when it is a function
        after = known - bound(statement)
        if (
            isinstance(statement, ast.Assign | ast.AnnAssign)
            and statement.value is not None
            and all(type(target) is ast.Name for target in _targets(statement))
        ):
            # ``x = f(x)``: the value is computed before the name is rebound.
            self.collect(statement.value, known - _walrus(statement.value))
        else:
            self.collect(statement, after)
        return after

    def _if(self, statement: ast.If, known: Known) -> Known:
        rebound = _walrus(statement.test)
        self.collect(statement.test, known - rebound)
        known = known - rebound
        body = self.block(statement.body, known | (self._checked(statement.test) - rebound))
        orelse = self.block(
            statement.orelse, known | (self._checked_false(statement.test) - rebound)
        )
        return _merge([(body, exits(statement.body)), (orelse, exits(statement.orelse))], known)

    def _try(self, statement: ast.Try | ast.TryStar, known: Known) -> Known:
        body = self.block(statement.body, known)
        # A handler may run after any statement of the body: only what none of them rebinds.
        handling = known - _bound_in(statement.body)
        leaves = exits(statement.body) or exits(statement.orelse)
        ends = [(self.block(statement.orelse, body), leaves)]
        for handler in statement.handlers:
            caught = handling - {handler.name} if handler.name else handling
            ends.append((self.block(handler.body, caught), exits(handler.body)))
        everything = _bound_in([statement])
        self.block(statement.finalbody, known - everything)
        return _merge(ends, known - everything) - _bound_in(statement.finalbody)

    def _checked(self, test: ast.expr) -> Known:
        """Names ``test`` being true says start with ``data:``."""
        if type(test) is ast.BoolOp and type(test.op) is ast.And:
            return frozenset().union(*(self._checked(value) for value in test.values))
        name = _prefix_check(test)
        return frozenset() if name is None or name not in self.local else frozenset({name})

    def _checked_false(self, test: ast.expr) -> Known:
        """Names ``test`` being false says start with ``data:`` (``not x.startswith(...)``,
        also as one term of an ``or``)."""
        if type(test) is ast.BoolOp and type(test.op) is ast.Or:
            return frozenset().union(*(self._checked_false(value) for value in test.values))
        if type(test) is ast.UnaryOp and type(test.op) is ast.Not:
            return self._checked(test.operand)
        return frozenset()

    def collect(self, node: ast.AST, known: Known) -> None:
        """Record the calls in ``node`` (not in nested frames or comprehensions) given a known
        name as their URL."""
        if not known:
            return
        for child in _own_nodes(node):
            if type(child) is ast.Call:
                argument = url_argument(child)
                if type(argument) is ast.Name and argument.id in known:
                    self.found.add(child)


def _prefix_check(test: ast.expr) -> str | None:
    """``name.startswith("data:...")``: the name."""
    if not (
        type(test) is ast.Call
        and type(test.func) is ast.Attribute
        and test.func.attr == "startswith"
        and type(test.func.value) is ast.Name
        and len(test.args) == 1
        and not test.keywords
    ):
        return None
    prefix = test.args[0]
    if type(prefix) is ast.Constant and type(prefix.value) is str:
        return test.func.value.id if prefix.value.startswith(PREFIX) else None
    return None


def exits(body: Sequence[ast.stmt]) -> bool:
    """Whether a block never falls through to the statement after it."""
    for statement in body:
        if isinstance(statement, _EXITS):
            return True
        if (
            type(statement) is ast.If
            and statement.orelse
            and exits(statement.body)
            and exits(statement.orelse)
        ):
            return True
    return False


def _merge(ends: Sequence[tuple[Known, bool]], unreachable: Known) -> Known:
    """What is known after a branching statement: on every path (what is known at its end,
    whether it leaves) that falls through to it; ``unreachable`` when none does."""
    through = [known for known, leaves in ends if not leaves]
    return frozenset.intersection(*through) if through else unreachable


def _targets(statement: ast.Assign | ast.AnnAssign) -> list[ast.expr]:
    return statement.targets if isinstance(statement, ast.Assign) else [statement.target]


def _own_nodes(node: ast.AST, closed: tuple[type[ast.AST], ...] = _CLOSED) -> Iterator[ast.AST]:
    """``node`` and what is under it; a node of a ``closed`` type inside is yielded, not
    entered."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if current is not node and isinstance(current, closed):
            continue
        stack.extend(ast.iter_child_nodes(current))


def _walrus(node: ast.AST) -> Known:
    return frozenset(child.target.id for child in _own_nodes(node) if type(child) is ast.NamedExpr)


def bound(statement: ast.stmt) -> Known:
    """Every name a statement may bind or delete in the function's frame."""
    return _bound_in([statement])


def _bound_in(nodes: Iterable[ast.AST]) -> Known:
    names: set[str] = set()
    for top in nodes:
        # A nested definition binds its name, not what its body binds. A comprehension is
        # entered: its walrus binds here (its targets do not, and counting them only forgets).
        for node in _own_nodes(top, _OWN_FRAME):
            if type(node) is ast.Name and type(node.ctx) in (ast.Store, ast.Del):
                names.add(node.id)
            elif isinstance(node, (*_FUNCTIONS, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Import | ast.ImportFrom):
                names.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar):
                if node.name is not None:
                    names.add(node.name)
            elif type(node) is ast.MatchMapping and node.rest is not None:
                names.add(node.rest)
    return frozenset(names)


def _locals(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Known:
    """The function's local names no other code can rebind between a check and a call: its
    parameters and names it binds, less those it declares ``global`` or ``nonlocal`` and those
    a nested function declares ``nonlocal``."""
    arguments = function.args
    parameters = {
        param.arg
        for param in (
            *arguments.posonlyargs,
            *arguments.args,
            *arguments.kwonlyargs,
            *(p for p in (arguments.vararg, arguments.kwarg) if p is not None),
        )
    }
    shared: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Global | ast.Nonlocal):
            shared.update(node.names)
    return frozenset((parameters | _bound_in(function.body)) - shared)
