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


@dataclass(frozen=True, slots=True)
class CallSite:
    """A call on the event loop to something that may be a sync project function."""

    # Position of the call in the walker's traversal order; locates it again for its line.
    index: int
    caller: str
    target: str


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
            "functions": {
                key: [s.name, list(s.blocking) if s.blocking else None, s.calls, s.lazy]
                for key, s in self.functions.items()
            },
            "aliases": self.aliases,
            "bases": self.bases,
            "members": self.members,
            "sites": [[s.index, s.caller, s.target] for s in self.sites],
            "noqa": {str(line): codes for line, codes in self.noqa.items()},
            "positions": {str(index): list(pos) for index, pos in self.positions.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModuleReport:
        return cls(
            module=data["module"],
            findings=[LocalFinding(*item) for item in data["findings"]],
            functions={
                key: FunctionSummary(name, tuple(blocking) if blocking else None, calls, lazy)
                for key, (name, blocking, calls, lazy) in data["functions"].items()
            },
            aliases=data["aliases"],
            bases=data["bases"],
            members=data["members"],
            sites=[CallSite(*item) for item in data["sites"]],
            noqa={int(line): codes for line, codes in data["noqa"].items()},
            positions={int(index): (pos[0], pos[1]) for index, pos in data["positions"].items()},
        )
