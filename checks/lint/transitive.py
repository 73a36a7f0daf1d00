"""Follow calls from the event loop into the project's own sync functions, across modules.

Works on the per-module summaries only (no syntax trees), so it runs in the main process, also
when every summary came from the cache. Blocking-ness spreads backwards from the functions that
block directly, breadth first, so every function gets its shortest chain and cycles cannot loop.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from checks.lint.model import FunctionSummary, ModuleReport

# Bound on alias hops (re-export chains): deeper ones are not real code.
_MAX_HOPS = 32


@dataclass(frozen=True, slots=True)
class Reach:
    """How a sync function reaches a blocking call: the names along the way, and its code."""

    chain: tuple[str, ...]
    code: str


class Project:
    def __init__(self, reports: Iterable[ModuleReport]) -> None:
        self.functions: dict[str, FunctionSummary] = {}
        self.aliases: dict[str, Mapping[str, str]] = {}
        self.bases: dict[str, list[str]] = {}
        for report in reports:
            self.functions.update(report.functions)
            self.aliases[report.module] = report.aliases
            self.bases.update(report.bases)
        self._canonical: dict[str, str | None] = {}
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
        for split in range(len(parts) - 1, 0, -1):
            owner = ".".join(parts[:split])
            rest = parts[split:]
            aliases = self.aliases.get(owner)
            if aliases is not None and rest[0] in aliases:
                return self._find(".".join([aliases[rest[0]], *rest[1:]]), hops + 1)
            if owner in self.bases and len(rest) == 1:
                for base in self.bases[owner]:
                    found = self._find(f"{base}.{rest[0]}", hops + 1)
                    if found is not None:
                        return found
                return None
        return None

    def _spread(self) -> dict[str, Reach]:
        callers: dict[str, list[str]] = {}
        reach: dict[str, Reach] = {}
        queue: deque[str] = deque()
        for key, summary in self.functions.items():
            if summary.blocking is not None:
                name, code = summary.blocking
                reach[key] = Reach((summary.name, name), code)
                queue.append(key)
            for target in summary.calls:
                callee = self.canonical(target)
                if callee is not None and callee != key:
                    callers.setdefault(callee, []).append(key)
        while queue:
            callee = queue.popleft()
            for caller in callers.get(callee, ()):
                if caller not in reach:
                    below = reach[callee]
                    name = self.functions[caller].name
                    reach[caller] = Reach((name, *below.chain), below.code)
                    queue.append(caller)
        return reach

    def blocking(self, target: str) -> Reach | None:
        key = self.canonical(target)
        return self.reach.get(key) if key is not None else None
