"""What the wiring rules judge from, joined once for the whole project: the schemas and who
sets their fields, which of them the project sends out, the event enums and their silent
members. Each rule module turns it into verdicts; the analysis turns verdicts into findings."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from loopwire.wiring.events import SilentMember, silent_members
from loopwire.wiring.facts import ModuleFacts, Site
from loopwire.wiring.outflow import outgoing, resolve_classes
from loopwire.wiring.references import References
from loopwire.wiring.schemas import Schema, find_enums, find_schemas
from loopwire.wiring.setters import SetterIndex, index_setters
from loopwire.wiring.settings import WiringSettings


@dataclass(frozen=True, slots=True)
class Evidence:
    settings: WiringSettings
    schemas: Sequence[Schema]
    setters: SetterIndex
    silent: Sequence[SilentMember]
    # (name, module) of the schemas whose fields and constructions the rules judge.
    judged: frozenset[tuple[str, str]]

    @classmethod
    def join(cls, modules: Sequence[ModuleFacts], settings: WiringSettings) -> Evidence:
        classes = [c for module in modules for c in module.classes]
        schemas = find_schemas(classes, settings)
        references = References(modules, schemas)
        setters = index_setters(modules, schemas, settings, references)
        resolve_classes(modules, references)
        leaving = outgoing(modules, {schema.name for schema in schemas})
        exported = {name for module in modules for name in module.exported}
        judged = frozenset(
            (schema.name, schema.module)
            for schema in schemas
            if _judged(schema, setters, settings, leaving, exported)
        )
        silent = silent_members(find_enums(classes), modules, settings)
        return cls(settings, schemas, setters, silent, judged)

    def judges(self, schema: Schema) -> bool:
        """Are ``schema``'s fields and opaque constructions judged (see ``_judged``)?"""
        return (schema.name, schema.module) in self.judged


def _judged(
    schema: Schema,
    setters: SetterIndex,
    settings: WiringSettings,
    leaving: set[str],
    exported: set[str],
) -> bool:
    """A class the project builds with its fields spelled out and sends out of the process.

    Not one only parsed from outside (an input model), nor one it also parses off the wire (the
    other side fills it), nor a library's public class (listed in an ``__all__``: its users fill
    it), nor a private one (``_DispatchContext``: the module's own bookkeeping); ``outgoing`` in
    the configuration overrides all but the first condition.
    """
    family = setters.descendants[schema.name]
    if not family & setters.constructed.keys():
        return False
    if settings.is_outgoing(schema.name, schema.module):
        return True
    if schema.name.startswith("_") or schema.name in exported or family & setters.exchanged:
        return False
    return bool(family & leaving)


@dataclass(frozen=True, slots=True)
class Verdict:
    """One finding of a rule, before it has a position: where, about what, and the further
    fields its message template names."""

    site: Site
    symbol: str
    fields: Mapping[str, str] = field(default_factory=dict)


class Judge(Protocol):
    def __call__(self, evidence: Evidence) -> Iterator[Verdict]: ...
