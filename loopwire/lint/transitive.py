"""Follow calls from the event loop into the project's own sync functions, across modules.

Works on the per-module summaries only (no syntax trees), so it runs in the main process, also
when every summary came from the cache. Blocking-ness spreads backwards from the functions that
block directly, breadth first, so every function gets its shortest chain and cycles cannot loop.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from loopwire.lint.guards import passed
from loopwire.lint.model import SUPER, Edge, FunctionSummary, Guard, ModuleReport
from loopwire.lint.mro import linearize, resolve

# Bound on alias hops (re-export chains): deeper ones are not real code.
_MAX_HOPS = 32


@dataclass(frozen=True, slots=True)
class Reach:
    """How a sync function reaches a blocking call: the names along the way, and its code."""

    chain: tuple[str, ...]
    code: str
    # The same steps by qualified name (function keys, then the blocking call).
    path: tuple[str, ...] = ()
    # Blocks only when this parameter may pass this ``isinstance`` check (see ``guards``).
    guard: Guard | None = None


class Project:
    def __init__(self, reports: Iterable[ModuleReport]) -> None:
        self.functions: dict[str, FunctionSummary] = {}
        self.aliases: dict[str, Mapping[str, str]] = {}
        self.bases: dict[str, list[str]] = {}
        self.members: dict[str, frozenset[str]] = {}
        for report in reports:
            self.functions.update(report.functions)
            self.aliases[report.module] = report.aliases
            self.bases.update(report.bases)
            self.members.update((key, frozenset(names)) for key, names in report.members.items())
        self._canonical: dict[str, str | None] = {}
        self._classes: dict[str, str] = {}
        self._orders: dict[str, list[str]] = {}
        self.reach = self._spread()

    def canonical(self, target: str) -> str | None:
        """The project function a qualified name refers to, through re-exports and bases."""
        if target not in self._canonical:
            self._canonical[target] = self._find(target, 0)
        return self._canonical[target]

    def _find(self, target: str, hops: int) -> str | None:
        if target in self.functions:
            return target
        if hops > _MAX_HOPS:
            return None
        parts = target.split(".")
        if len(parts) > 2 and parts[-2] == SUPER:
            owner = self.class_named(".".join(parts[:-2]))
            return self._method(owner, parts[-1], after=owner)
        for split in range(len(parts) - 1, 0, -1):
            owner = ".".join(parts[:split])
            rest = parts[split:]
            aliases = self.aliases.get(owner)
            if aliases is not None and rest[0] in aliases:
                return self._find(".".join([aliases[rest[0]], *rest[1:]]), hops + 1)
            if owner in self.members and len(rest) == 1:
                return self._method(owner, rest[0])
        return None

    def _method(self, owner: str, name: str, after: str | None = None) -> str | None:
        """The sync project method ``owner().name`` runs: the first class along the MRO that
        defines the name decides (an async override, or any other attribute, is not one)."""
        order = self._orders.get(owner)
        if order is None:
            order = self._orders[owner] = linearize(owner, self._bases_of)
        definer = resolve(order, name, self.members, after)
        if definer is None:
            return None
        key = f"{definer}.{name}"
        return key if key in self.functions else None

    def _bases_of(self, owner: str) -> list[str] | None:
        bases = self.bases.get(owner)
        return None if bases is None else [self.class_named(base) for base in bases]

    def class_named(self, name: str) -> str:
        """The project class a qualified name refers to through re-exports (itself when it is
        a project class, or one defined outside the project)."""
        known = self._classes.get(name)
        if known is None:
            known = self._classes[name] = self._class(name, 0)
        return known

    def _class(self, name: str, hops: int) -> str:
        if name in self.members or hops > _MAX_HOPS:
            return name
        parts = name.split(".")
        for split in range(len(parts) - 1, 0, -1):
            aliases = self.aliases.get(".".join(parts[:split]))
            rest = parts[split:]
            if aliases is not None and rest[0] in aliases:
                return self._class(".".join([aliases[rest[0]], *rest[1:]]), hops + 1)
        return name

    def _spread(self) -> dict[str, Reach]:
        callers: dict[str, list[tuple[str, Edge]]] = {}
        reach: dict[str, Reach] = {}
        queue: deque[str] = deque()
        for key, summary in self.functions.items():
            found = summary.blocking or summary.guarded
            if found is not None:
                name, code = found[0], found[1]
                guard = summary.guarded[2] if summary.blocking is None and summary.guarded else None
                reach[key] = Reach((summary.name, name), code, (key, name), guard)
                queue.append(key)
            edges = summary.edges if len(summary.edges) == len(summary.calls) else ()
            for index, target in enumerate(summary.calls):
                callee = self.canonical(target)
                if callee is not None and callee != key:
                    edge = edges[index] if edges else Edge()
                    callers.setdefault(callee, []).append((key, edge))
        # A function's reach may first be guarded and later found unguarded through another
        # callee: it is then replaced (and spread again), so each is queued at most twice.
        while queue:
            callee = queue.popleft()
            below = reach[callee]
            for caller, edge in callers.get(callee, ()):
                known = reach.get(caller)
                if known is not None and known.guard is None:
                    continue
                condition = self.condition(callee, below, edge)
                if condition is False or (known is not None and condition is not None):
                    continue
                name = self.functions[caller].name
                reach[caller] = Reach(
                    (name, *below.chain), below.code, (caller, *below.path), condition
                )
                queue.append(caller)
        return reach

    def condition(self, callee: str, below: Reach, edge: Edge) -> Guard | Literal[False] | None:
        """Whether a call (``edge``) of ``callee`` blocks: ``False`` never, ``None`` always, or
        a guard on the caller's own parameter (also when the call itself is guarded)."""
        if below.guard is None:
            result: Guard | Literal[False] | None = None
        else:
            result = passed(self.functions[callee], callee, edge, below.guard)
        if result is None and edge.guard is not None:
            return edge.guard
        return result

    def blocking(self, target: str, edge: Edge | None = None) -> Reach | None:
        """How a call of ``target`` on the loop blocks, if it does; ``edge`` says what the call
        passes (a guarded helper may not block for it)."""
        key = self.canonical(target)
        found = self.reach.get(key) if key is not None else None
        if found is None or found.guard is None or key is None:
            return found
        return (
            None
            if passed(self.functions[key], key, edge or Edge(), found.guard) is False
            else found
        )
