"""Which schema fields some code sets, joined across the project, and which constructions hide it.

Constructions are matched by class name (after import and alias resolution); attribute and key
assignments by field name alone, because the static check does not infer the receiver's type.
A field only ever given the literal ``None`` is as unset as one never mentioned. An opaque
construction (``Cls(**row)``) sets nothing here: it is reported, never trusted blindly.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from loopwire.wiring.facts import Construction, ModuleFacts, Sets
from loopwire.wiring.references import References
from loopwire.wiring.schemas import Schema, SchemaField
from loopwire.wiring.settings import WiringSettings


class SetState(enum.Enum):
    UNSET = "unset"
    # Every place that sets the field gives it the literal None.
    ONLY_NONE = "only-none"
    SET = "set"


@dataclass(slots=True)
class SetterIndex:
    # Class name -> what constructions of that class give each field.
    constructed: dict[str, Sets] = field(default_factory=dict)
    attributes: Sets = field(default_factory=Sets)
    keys: Sets = field(default_factory=Sets)
    # Classes the project also parses off the wire: exchanged, the other side fills them.
    exchanged: set[str] = field(default_factory=set)
    # Opaque constructions of schema classes that no ``trusted`` entry accepts.
    opaque: list[tuple[Construction, Schema]] = field(default_factory=list)
    # Class name -> names of the schemas that inherit from it (itself included).
    descendants: dict[str, set[str]] = field(default_factory=dict)

    def state(self, schema: Schema, item: SchemaField) -> SetState:
        pools = [
            self.constructed[n] for n in self.descendants[schema.name] if n in self.constructed
        ]
        pools.append(self.keys if schema.kind == "typeddict" else self.attributes)
        # Payloads and constructions may use the alias; attributes always use the name.
        names = {item.name} if item.alias is None else {item.name, item.alias}
        if any(names & p.value for p in pools):
            return SetState.SET
        if any(names & p.null for p in pools):
            return SetState.ONLY_NONE
        return SetState.UNSET


def index_setters(
    modules: Iterable[ModuleFacts],
    schemas: Sequence[Schema],
    settings: WiringSettings,
    references: References,
) -> SetterIndex:
    index = SetterIndex()
    by_name: dict[str, list[Schema]] = {}
    # Constructor fields per schema, by identity: a class is built at many sites, and its
    # lineage can be long where many classes share a name (the stdlib).
    init_fields: dict[int, list[SchemaField]] = {}
    for schema in schemas:
        by_name.setdefault(schema.name, []).append(schema)
        for ancestor in schema.lineage():
            index.descendants.setdefault(ancestor.name, {ancestor.name}).add(schema.name)
    modules = list(modules)
    # Keywords every call of a function passes, for constructions that forward ``**kwargs``.
    call_keywords: dict[str, Sets] = {}
    for module in modules:
        for callee, sets in module.call_keywords.items():
            call_keywords.setdefault(callee, Sets()).update(sets)
    for module in modules:
        index.attributes.update(module.attributes)
        index.keys.update(module.keys)
        for construction in module.constructions:
            targets = by_name.get(construction.class_name)
            reference = construction.reference or construction.class_name
            if not targets or references.schema_name(reference, module.module) is None:
                continue
            if construction.parsed:
                index.exchanged.add(construction.class_name)
                continue
            if construction.opaque is not None:
                schema = targets[0]
                if not settings.is_trusted(schema.name, schema.module, construction.site.module):
                    index.opaque.append((construction, schema))
                continue
            sets = index.constructed.setdefault(construction.class_name, Sets())
            for name, is_null in construction.named.items():
                sets.add(name, is_null)
            if construction.forwarded_by is not None:
                sets.update(call_keywords.get(construction.forwarded_by, Sets()))
            for schema in targets:
                fields = init_fields.get(id(schema))
                if fields is None:
                    fields = init_fields[id(schema)] = schema.init_fields()
                for is_null, item in zip(construction.positional, fields, strict=False):
                    sets.add(item.name, is_null)
    return index
