"""The collector's hand-written walk must see what libcst's generic visitor sees, in its order.

The walk enters only the fields listed in ``CODE_FIELDS``; a field missing there would silently
hide setters or emissions, and a wrong order would change what an import resolves to. Two
guards: the table is re-derived from libcst itself, and the facts of real modules are compared
with those the same collector gathers under libcst's own traversal.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import sysconfig
import textwrap
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import libcst as cst
import pytest

from loopwire.wiring.collector import CODE_FIELDS, Collector
from loopwire.wiring.facts import ModuleFacts
from loopwire.wiring.settings import WiringSettings

ROOT = Path(__file__).resolve().parents[3]
STDLIB = Path(sysconfig.get_paths()["stdlib"])

# Syntax the project's own code rarely uses, each form holding a setter or an event reference.
SYNTAX_TOUR = """
from __future__ import annotations
import enum
from .events import Kind as K

class Job:
    total: int | None = None

@register(K.DECORATED)
def handler[T](job: Job = Job(total=K.DEFAULT), *a: T, k: int = K.KW, **kw: int) -> "Job":
    lam = lambda x=K.LAMBDA_DEFAULT: x.attr
    match job:
        case Job(total=K.PATTERN) if check(K.GUARD):
            job.matched = [K.IN_CASE_BODY]
    try:
        job.tried = 1
    except* (ValueError, K.EXC) as group:
        job.failed = group
    finally:
        del job.gone
    with open(K.PATH) as (a.first, b.second):
        job.total += 1
    async def inner():
        async for item in K.STREAM:
            await bus.emit(K.AWAITED)
        return {"key": K.RETURNED}
    while (n := K.WALRUS):
        yield from (K.GEN for _ in range(n) if K.COND)
    print(f"{K.FSTRING!r:>{K.SPEC}}", {K.SET}, [*K.STAR], {**K.SPREAD}, K.A[K.B:K.C:K.D])
    assert K.ASSERTED, K.MESSAGE
    raise K.RAISED from K.CAUSE
type Alias[U: K.BOUND = K.DEFAULT_TYPE] = list[K.ALIASED]
bus.on(K.LISTENED, lambda: K.FROM_LISTENER)
table = {K.KEY: K.VALUE, **{k: K.COMP for k in K.ITER}}
if K.TESTED is not None: setattr(job, "named", 1)
"""


def _facts(source: str, generic: bool) -> tuple[ModuleFacts, list[str]]:
    """The collector's facts and anchor kinds, by its walk or by libcst's generic traversal
    (what the check did before the walk)."""
    anchors: list[cst.CSTNode] = []
    collector = Collector("m.py", "pkg.m", WiringSettings(), anchors)

    class Generic(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            collector._quiet.append(collector._is_quiet(node))
            visit = getattr(collector, f"visit_{type(node).__name__}", None)
            if visit is not None:
                visit(node)
            return True

        def on_leave(self, original_node: cst.CSTNode) -> None:
            leave = getattr(collector, f"leave_{type(original_node).__name__}", None)
            if leave is not None:
                leave(original_node)
            collector._quiet.pop()

    tree = cst.parse_module(source)
    if generic:
        tree.visit(Generic())
    else:
        collector.walk(tree)
    return collector.facts, [type(node).__name__ for node in anchors]


def _same_walk(source: str) -> bool:
    return _facts(source, generic=False) == _facts(source, generic=True)


def _corpus() -> Iterator[Path]:
    yield from sorted((ROOT / "service").rglob("*.py"))
    yield from sorted((ROOT / "tests" / "fixtures" / "wiring").rglob("*.py"))
    for name in ("dataclasses.py", "enum.py", "asyncio/events.py", "asyncio/tasks.py"):
        yield STDLIB / name


@pytest.mark.parametrize("path", list(_corpus()), ids=lambda p: p.name)
def test_walk_gathers_the_facts_the_generic_visitor_gathers(path: Path) -> None:
    assert _same_walk(path.read_text(encoding="utf-8"))


def test_walk_gathers_the_same_facts_over_a_syntax_tour() -> None:
    facts, _ = _facts(SYNTAX_TOUR, generic=False)
    assert _same_walk(SYNTAX_TOUR)
    emitted = {use.member for use in facts.event_uses}
    # Deep corners really are entered, and listening positions stay quiet.
    assert {"SPEC", "BOUND", "GUARD", "FROM_LISTENER", "STAR", "CAUSE", "COMP"} <= emitted
    assert not {"LISTENED", "KEY", "PATTERN", "TESTED", "DECORATED"} & emitted


def test_a_walk_missing_a_field_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    # Negative control: a table that skips call arguments loses setters and emissions.
    monkeypatch.setitem(CODE_FIELDS, cst.Call, ("func",))
    assert not _same_walk(SYNTAX_TOUR)


def _node_classes() -> dict[str, type[cst.CSTNode]]:
    found: dict[str, type[cst.CSTNode]] = {}
    pending: list[type] = [cst.CSTNode]
    while pending:
        subclasses: list[type] = pending.pop().__subclasses__()
        for sub in subclasses:
            pending.append(sub)
            public = getattr(cst, sub.__name__, None) is sub
            if public and dataclasses.is_dataclass(sub) and not inspect.isabstract(sub):
                found[sub.__name__] = typing.cast(type[cst.CSTNode], sub)
    return found


def _visit_order(kind: type[cst.CSTNode]) -> list[str]:
    """Field names in the order ``_visit_and_replace_children`` visits them (source order)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(kind._visit_and_replace_children)))
    calls = [
        (node.lineno, node.col_offset, node.args[1].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id.startswith("visit_")
        and len(node.args) > 1
        and isinstance(node.args[1], ast.Constant)
    ]
    # A field visited in two branches (``ImportFrom.names``: a list or ``*``) counts once.
    return list(dict.fromkeys(str(field) for _, _, field in sorted(calls)))


def _holds(annotation: Any, classes: dict[str, type[cst.CSTNode]]) -> set[str]:
    """Concrete node classes a field annotated ``annotation`` can hold."""
    args = typing.get_args(annotation)
    if args:
        return set().union(*(_holds(arg, classes) for arg in args))
    if not isinstance(annotation, type):
        return set()
    return {name for name, kind in classes.items() if issubclass(kind, annotation)}


def test_code_fields_table_matches_libcst() -> None:
    """Re-derive the table: node types that can (transitively) hold a node the collector
    handles, each with its fields that can, in libcst's visit order."""
    classes = _node_classes()
    handled = {
        kind.__name__
        for kind in classes.values()
        if hasattr(Collector, f"visit_{kind.__name__}")
        or kind in (cst.Comparison, cst.Decorator, cst.Annotation)
    }
    fields: dict[str, list[tuple[str, set[str]]]] = {}
    for name, kind in classes.items():
        hints = typing.get_type_hints(kind, vars(cst) | vars(inspect.getmodule(kind)))
        fields[name] = [(field, _holds(hints[field], classes)) for field in _visit_order(kind)]
    relevant = set(handled)
    grown = True
    while grown:
        grown = False
        for name, entries in fields.items():
            if name not in relevant and any(held & relevant for _, held in entries):
                relevant.add(name)
                grown = True
    derived = {
        classes[name]: tuple(field for field, held in fields[name] if held & relevant)
        for name in relevant
    }
    assert derived == CODE_FIELDS
