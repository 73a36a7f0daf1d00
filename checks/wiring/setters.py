"""Which schema fields some code sets, joined across the project, and which constructions hide it.

Constructions are matched by class name (after import and alias resolution); attribute and key
assignments by field name alone, because the static check does not infer the receiver's type.
A place that sets a field to the literal ``None`` is told apart: a field only ever set to None is
as unset as one never mentioned. An opaque construction (``Cls(**row)``) sets nothing here: it
is reported, never trusted blindly.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from checks.wiring.facts import Construction, ModuleFacts
from checks.wiring.schemas import Schema, SchemaField
from checks.wiring.settings import WiringSettings


class SetState(enum.Enum):
    UNSET = "unset"
    # Every place that sets the field sets it to the literal None.
    ONLY_NONE = "only-none"
    SET = "set"


@dataclass(slots=True)
class SetterIndex:
    # Class name -> fields some construction of that class gives a value / the literal None.
    constructed: dict[str, set[str]] = field(default_factory=dict)
    constructed_nulls: dict[str, set[str]] = field(default_factory=dict)
    attribute_sets: set[str] = field(default_factory=set)
    attribute_nulls: set[str] = field(default_factory=set)
    key_sets: set[str] = field(default_factory=set)
    key_nulls: set[str] = field(default_factory=set)
    # Opaque constructions of schema classes that no ``trusted`` entry accepts.
    opaque: list[tuple[Construction, Schema]] = field(default_factory=list)
    # Class name -> names of the schemas that inherit from it (itself included).
    descendants: dict[str, set[str]] = field(default_factory=dict)

    def state(self, schema: Schema, item: SchemaField) -> SetState:
        names = self.descendants.get(schema.name, {schema.name})
        typed_dict = schema.kind == "typeddict"
        values = self.key_sets if typed_dict else self.attribute_sets
        nulls = self.key_nulls if typed_dict else self.attribute_nulls
        # Payloads and constructions may use the alias; attributes always use the name.
        keys = {item.name} if item.alias is None else {item.name, item.alias}
        if item.name in values or any(keys & self.constructed.get(n, set()) for n in names):
            return SetState.SET
        if item.name in nulls or any(keys & self.constructed_nulls.get(n, set()) for n in names):
            return SetState.ONLY_NONE
        return SetState.UNSET


def index_setters(
    modules: Iterable[ModuleFacts], schemas: Sequence[Schema], settings: WiringSettings
) -> SetterIndex:
    index = SetterIndex()
    by_name: dict[str, list[Schema]] = {}
    for schema in schemas:
        by_name.setdefault(schema.name, []).append(schema)
        for ancestor in schema.lineage():
            index.descendants.setdefault(ancestor.name, {ancestor.name}).add(schema.name)
    for module in modules:
        index.attribute_sets |= module.attribute_sets
        index.attribute_nulls |= module.attribute_nulls
        index.key_sets |= module.key_sets
        index.key_nulls |= module.key_nulls
        for construction in module.constructions:
            targets = by_name.get(construction.class_name)
            if not targets:
                continue
            if construction.opaque is not None:
                schema = targets[0]
                if not settings.is_trusted(schema.name, schema.module, construction.site.module):
                    index.opaque.append((construction, schema))
                continue
            values = index.constructed.setdefault(construction.class_name, set())
            nulls = index.constructed_nulls.setdefault(construction.class_name, set())
            values |= construction.keywords
            nulls |= construction.null_keywords
            for schema in targets:
                for position, item in enumerate(schema.init_fields()[: construction.positional]):
                    target = nulls if position in construction.positional_nulls else values
                    target.add(item.name)
    return index
