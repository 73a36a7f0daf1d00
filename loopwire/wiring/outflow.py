"""Which classes leave the process: returned by handlers, serialised, sent, or stored and served.

A never-set field is a bug when an object the project builds goes out with it: an API response,
an SSE or WebSocket message, a record stored and served back. Fields of classes that only come
in (parsed from a payload) or that a library's users fill in are theirs to set. So the wiring
rules judge a class only when some instance of it reaches the outside, as far as the project's
own code shows:

- it is serialised (``model_dump``, ``asdict``, ``json.dumps``), sent (``send``, ``emit``,
  ``broadcast``, ``publish``, a queue's ``put``) or given to a response (``json_response``,
  ``JSONResponse``, a ``response_model``);
- it is returned by a web handler (a route decorator, a ``request`` parameter), or built and
  returned by a module-level function nothing in the project calls (its caller is a framework,
  or the project's user; a library's methods and properties hand out what others built);
- it is passed to one of the project's helpers that does one of those with its parameter, or is
  returned by a helper whose result does, or is stored on ``self`` where such code reads it;
- it is a field of a class that leaves (``Outer(result=Inner(...))``).

Functions and attributes are matched by name across the project, as constructions are: a helper
that shares a name with another only makes more classes count as leaving, never fewer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence, Set
from dataclasses import replace

from loopwire.wiring.facts import Atom, Flow, ModuleFacts, Passed
from loopwire.wiring.flows import local
from loopwire.wiring.references import References


class _Graph:
    """Function returns and attribute stores, resolved to the classes they can carry."""

    def __init__(self, flows: list[Flow]) -> None:
        # ("call", name) / ("attr", name) -> atoms it stands for.
        self.edges: dict[Atom, set[Atom]] = {}
        for flow in flows:
            if flow.name:
                self.edges.setdefault(("call", flow.name), set()).update(local(flow, flow.returned))
            for attribute, atoms in flow.stored:
                self.edges.setdefault(("attr", attribute), set()).update(local(flow, atoms))
        self._memo: dict[Atom, frozenset[str]] = {}

    def classes(self, atoms: Iterable[Atom]) -> set[str]:
        found: set[str] = set()
        for atom in atoms:
            found |= self._expand(atom)
        return found

    def _expand(self, start: Atom) -> frozenset[str]:
        if start[0] in ("new", "typed"):
            return frozenset((start[1],))
        cached = self._memo.get(start)
        if cached is not None:
            return cached
        # Depth first over returns and stores; a cycle just stops where it began.
        found: set[str] = set()
        seen = {start}
        stack = [start]
        while stack:
            atom = stack.pop()
            for target in self.edges.get(atom, ()):
                if target[0] in ("new", "typed"):
                    found.add(target[1])
                elif target not in seen:
                    if target in self._memo:
                        found |= self._memo[target]
                    else:
                        seen.add(target)
                        stack.append(target)
        result = frozenset(found)
        self._memo[start] = result
        return result


class Helpers:
    """Which parameters of the project's functions leave the process: sent, serialised or
    responded with there, or handed to another function's such parameter (to a fixed point).
    Functions are known by name; every definition of a name counts."""

    def __init__(self, flows: list[Flow], seed: Callable[[Flow], set[Atom]]) -> None:
        # ``super().__init__(...)`` and friends are not helpers found by name.
        self._defs: dict[str, list[Flow]] = {}
        for flow in flows:
            if flow.name and not flow.name.startswith("__"):
                self._defs.setdefault(flow.name, []).append(flow)
        # id(flow) -> its parameters that leave.
        self._leaving: dict[int, set[str]] = {}
        # Callee name -> does an argument in this slot (bound call or not) leave? Cleared
        # whenever a parameter is found to leave.
        self._answers: dict[tuple[str, bool, str | int | None], bool] = {}
        # Only arguments that carry a parameter of their function can spread.
        carriers: list[tuple[Flow, Passed, set[str]]] = []
        for flow in flows:
            self._leaving[id(flow)] = {v for k, v in local(flow, seed(flow)) if k == "param"}
            for passed in flow.passed:
                # A parameter is bound to its name: only a local can carry one.
                if not any(kind == "var" for kind, _ in passed.atoms):
                    continue
                params = {v for k, v in local(flow, passed.atoms) if k == "param"}
                if params:
                    carriers.append((flow, passed, params))
        changed = True
        while changed:
            changed = False
            for flow, passed, params in carriers:
                leaving = self._leaving[id(flow)]
                if not params <= leaving and self.sends(passed):
                    leaving |= params
                    self._answers.clear()
                    changed = True

    def sends(self, passed: Passed) -> bool:
        """Does the argument ``passed`` land in a parameter that leaves the process?"""
        key = (passed.callee, passed.bound, passed.slot)
        answer = self._answers.get(key)
        if answer is None:
            answer = self._answers[key] = self._lands(passed)
        return answer

    def _lands(self, passed: Passed) -> bool:
        for flow in self._defs.get(passed.callee, ()):
            leaving = self._leaving[id(flow)]
            if not leaving:
                continue
            slot = passed.slot
            if slot is None:
                return True
            if isinstance(slot, str):
                if slot in leaving:
                    return True
                continue
            if passed.bound and flow.params[:1] in (("self",), ("cls",)):
                slot += 1
            if slot < len(flow.params) and flow.params[slot] in leaving:
                return True
        return False


def resolve_classes(modules: Iterable[ModuleFacts], references: References) -> None:
    """Turn the class references in every flow into schema class names, in place: references to
    classes that are not schemas (or not the project's) are dropped. Run once, before
    ``outgoing`` and before events are judged."""
    for module in modules:
        _resolve_module(module, references)


def _resolve_module(module: ModuleFacts, references: References) -> None:

    def classes_in(atoms: Iterable[Atom]) -> bool:
        return any(kind in ("new", "typed") for kind, _ in atoms)

    def name(atoms: Iterable[Atom]) -> set[Atom]:
        named: set[Atom] = set()
        for kind, value in atoms:
            if kind not in ("new", "typed"):
                named.add((kind, value))
                continue
            schema = references.schema_name(value, module.module)
            if schema is not None:
                named.add((kind, schema))
        return named

    for flow in module.flows:
        flow.returned = name(flow.returned)
        flow.sunk = name(flow.sunk)
        flow.bindings = {
            var: name(atoms) if classes_in(atoms) else atoms for var, atoms in flow.bindings.items()
        }
        flow.passed = [
            replace(p, atoms=frozenset(name(p.atoms))) if classes_in(p.atoms) else p
            for p in flow.passed
        ]
        flow.stored = [(attr, frozenset(name(atoms))) for attr, atoms in flow.stored]


def outgoing(modules: Sequence[ModuleFacts], schema_names: Set[str]) -> set[str]:
    """Names of the schema classes some instance of which leaves the process (after
    ``resolve_classes``)."""
    flows = [flow for module in modules for flow in module.flows]
    called = {name for module in modules for name in module.called}
    graph = _Graph(flows)
    helpers = Helpers(flows, lambda flow: flow.sunk)
    out: set[str] = set()
    passes: list[tuple[str, set[Atom]]] = []
    for flow in flows:
        out |= graph.classes(local(flow, flow.sunk))
        returned = local(flow, flow.returned)
        if flow.handler:
            out |= graph.classes(returned)
        elif flow.toplevel and flow.name not in called:
            # Returned to a caller outside the project: only what this function builds itself
            # (a library's accessors hand out what others built).
            out |= {value for kind, value in returned if kind == "new"}
        for passed in flow.passed:
            if helpers.sends(passed):
                out |= graph.classes(local(flow, passed.atoms))
            elif passed.callee in schema_names:
                passes.append((passed.callee, local(flow, passed.atoms)))
    # A class built into the fields of one that leaves, leaves with it.
    changed = True
    while changed:
        changed = False
        for callee, atoms in passes:
            if callee in out:
                inner = graph.classes(atoms) - out
                if inner:
                    out |= inner
                    changed = True
    return out & schema_names
