"""What analysing one module yields, in plain data that pickles across processes and round-trips
through the JSON cache: direct findings, summaries of its sync functions for the cross-module
(transitive) pass, and the call sites on the loop that may reach a project function."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Stands between a class and a method in a call target for ``super().method()``: the method is
# looked up along the class's MRO after the class itself.
SUPER = "<super>"


@dataclass(frozen=True, slots=True)
class LocalFinding:
    line: int
    column: int
    code: str
    message: str
    # What the finding is about: the called name as spelled in the source.
    symbol: str | None = None
    # Qualified name of the async function the call is in (start-up functions are told apart).
    function: str = ""


# ``isinstance(path, (str, os.PathLike))`` around a call: (parameter name, qualified type names).
Guard = tuple[str, tuple[str, ...]]
# What a call passes, by position (``"0"``) or keyword: ``["param", name]``, one of the caller's
# parameters passed on as it is, or ``["types", [names]]``, a value known to be one of those
# types (a literal, or a name narrowed by an enclosing ``isinstance``).
Facts = dict[str, list[Any]]


@dataclass(slots=True)
class Edge:
    """What one call of a summarised function passes, and the guard it runs under."""

    facts: Facts = field(default_factory=dict)
    # Through an instance (``self.m(x)``, ``obj.m(x)``, ``cls.m(x)``, ``super().m(x)``): the
    # callee's first parameter is the instance, not the first argument.
    bound: bool = False
    guard: Guard | None = None

    def to_json(self) -> list[Any]:
        return [self.facts, self.bound, _guard_json(self.guard)]

    @classmethod
    def from_json(cls, data: list[Any]) -> Edge:
        return cls(data[0], data[1], _guard_of(data[2]))


@dataclass(slots=True)
class FunctionSummary:
    # Display name within its module, e.g. ``Scanner.probe``.
    name: str
    # The first blocking call made directly in the body: (qualified name, rule code).
    blocking: tuple[str, str] | None = None
    # Qualified names of what the body calls that may be project functions.
    calls: list[str] = field(default_factory=list)
    # A generator function or a ``@contextmanager``: calling it only builds a lazy object,
    # whose body runs later, on the loop, when it is iterated or entered.
    lazy: bool = False
    # Parallel to ``calls``: what each call passes, and the guard it runs under.
    edges: list[Edge] = field(default_factory=list)
    # Names of the positional parameters, then the keyword-only ones.
    params: list[str] = field(default_factory=list)
    # A method whose first parameter is the instance or class (not a staticmethod).
    implicit: bool = False
    # No unguarded blocking call, but one under ``isinstance(param, T)``: (qualified name,
    # rule code, guard). It blocks only when that parameter may be a T.
    guarded: tuple[str, str, Guard] | None = None

    def to_json(self) -> list[Any]:
        guarded = None
        if self.guarded is not None:
            guarded = [self.guarded[0], self.guarded[1], _guard_json(self.guarded[2])]
        return [
            self.name,
            list(self.blocking) if self.blocking else None,
            self.calls,
            self.lazy,
            [edge.to_json() for edge in self.edges],
            self.params,
            self.implicit,
            guarded,
        ]

    @classmethod
    def from_json(cls, data: list[Any]) -> FunctionSummary:
        name, blocking, calls, lazy, edges, params, implicit, guarded = data
        condition = None if guarded is None else _guard_of(guarded[2])
        return cls(
            name,
            tuple(blocking) if blocking else None,
            calls,
            lazy,
            [Edge.from_json(edge) for edge in edges],
            params,
            implicit,
            None if guarded is None or condition is None else (guarded[0], guarded[1], condition),
        )


def _guard_json(guard: Guard | None) -> list[Any] | None:
    return None if guard is None else [guard[0], list(guard[1])]


def _guard_of(data: list[Any] | None) -> Guard | None:
    return None if data is None else (data[0], tuple(data[1]))


@dataclass(frozen=True, slots=True)
class CallSite:
    """A call on the event loop to something that may be a sync project function."""

    # Position of the call in the walker's traversal order; locates it again for its line.
    index: int
    caller: str
    target: str
    # What it passes (a guarded helper blocks only for some arguments).
    edge: Edge = field(default_factory=Edge)


@dataclass(slots=True)
class ModuleReport:
    module: str
    findings: list[LocalFinding] = field(default_factory=list)
    # Qualified function name (``pkg.mod.Class.method``) -> summary; sync functions only.
    functions: dict[str, FunctionSummary] = field(default_factory=dict)
    # Module-level imported names -> what they refer to, so re-exports resolve.
    aliases: dict[str, str] = field(default_factory=dict)
    # Qualified class name -> qualified names of its bases, for inherited ``self.method()``.
    bases: dict[str, list[str]] = field(default_factory=dict)
    # Qualified class name -> every name its body defines (methods, sync or async, and other
    # attributes): a call through the class resolves to the first class in the MRO defining it.
    members: dict[str, list[str]] = field(default_factory=dict)
    sites: list[CallSite] = field(default_factory=list)
    # Line -> codes a ``noqa`` comment there suppresses (None: all of them).
    noqa: dict[int, list[str] | None] = field(default_factory=dict)
    # Call index -> (line, column), filled in when a call site is first reported.
    positions: dict[int, tuple[int, int]] = field(default_factory=dict)

    def noqa_map(self) -> dict[int, frozenset[str] | None]:
        return {
            line: None if codes is None else frozenset(codes) for line, codes in self.noqa.items()
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "module": self.module,
            "findings": [
                [f.line, f.column, f.code, f.message, f.symbol, f.function] for f in self.findings
            ],
            "functions": {key: s.to_json() for key, s in self.functions.items()},
            "aliases": self.aliases,
            "bases": self.bases,
            "members": self.members,
            "sites": [[s.index, s.caller, s.target, s.edge.to_json()] for s in self.sites],
            "noqa": {str(line): codes for line, codes in self.noqa.items()},
            "positions": {str(index): list(pos) for index, pos in self.positions.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModuleReport:
        return cls(
            module=data["module"],
            findings=[LocalFinding(*item) for item in data["findings"]],
            functions={
                key: FunctionSummary.from_json(item) for key, item in data["functions"].items()
            },
            aliases=data["aliases"],
            bases=data["bases"],
            members=data["members"],
            sites=[
                CallSite(index, caller, target, Edge.from_json(edge))
                for index, caller, target, edge in data["sites"]
            ],
            noqa={int(line): codes for line, codes in data["noqa"].items()},
            positions={int(index): (pos[0], pos[1]) for index, pos in data["positions"].items()},
        )
