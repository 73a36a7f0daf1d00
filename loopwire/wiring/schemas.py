"""Which classes are schemas, and which of their fields have a default that could go unset.

A field with a default is the dangerous kind: leaving it out of every construction still type
checks and still validates, and every response silently carries the default.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from loopwire.wiring.facts import ClassFacts, RawField, Site
from loopwire.wiring.names import last
from loopwire.wiring.settings import WiringSettings

DATACLASS_DECORATORS = frozenset(
    {"dataclass", "dataclasses.dataclass", "pydantic.dataclasses.dataclass"}
)
ATTRS_DECORATORS = frozenset(
    {
        f"{module}.{name}"
        for module in ("attr", "attrs")
        for name in ("s", "attrs", "define", "frozen", "mutable", "dataclass")
    }
)
SCHEMA_BASES = {
    "pydantic.BaseModel": "pydantic",
    "pydantic.main.BaseModel": "pydantic",
    "typing.TypedDict": "typeddict",
    "typing_extensions.TypedDict": "typeddict",
    "typing.NamedTuple": "namedtuple",
    "typing_extensions.NamedTuple": "namedtuple",
    "msgspec.Struct": "msgspec",
}
ENUM_BASES = frozenset(
    {f"enum.{name}" for name in ("Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "ReprEnum")}
)
# Field helpers whose keywords (or, for Field/attr.ib, first positional) give a default.
_DEFAULT_KEYWORDS = frozenset({"default", "default_factory", "factory"})
_POSITIONAL_DEFAULT_CALLS = frozenset({"Field", "ib", "attrib"})
_FIELD_CALLS = frozenset({"field", "Field", "ib", "attrib"})


@dataclass(frozen=True, slots=True)
class SchemaField:
    name: str
    site: Site
    has_default: bool
    # Can the constructor set it (positionally or by keyword)?
    init: bool
    default_is_none: bool = False
    alias: str | None = None


@dataclass(slots=True)
class Schema:
    facts: ClassFacts
    kind: str
    own_fields: list[SchemaField]
    # Project classes this one inherits from (schemas only), nearest first.
    parents: list[Schema] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.facts.name

    @property
    def module(self) -> str:
        return self.facts.site.module

    def init_fields(self) -> list[SchemaField]:
        """Fields in constructor order: inherited ones first, as dataclasses and attrs do."""
        ordered: dict[str, SchemaField] = {}
        for schema in reversed(self.lineage()):
            for item in schema.own_fields:
                ordered[item.name] = item
        return [f for f in ordered.values() if f.init]

    def lineage(self) -> list[Schema]:
        """This class, then its project ancestors depth first; each once, even when two
        same-named classes make the by-name inheritance look circular."""
        seen: list[Schema] = []
        # By identity, in a set: the stdlib has hundreds of same-named classes, and a scan of
        # ``seen`` per popped schema made this quadratic.
        visited: set[int] = set()
        stack = [self]
        while stack:
            schema = stack.pop()
            if id(schema) in visited:
                continue
            visited.add(id(schema))
            seen.append(schema)
            stack.extend(reversed(schema.parents))
        return seen


def _direct_kind(facts: ClassFacts, settings: WiringSettings) -> str | None:
    for decorator in facts.decorators:
        if decorator in DATACLASS_DECORATORS:
            return "dataclass"
        if decorator in ATTRS_DECORATORS or decorator in {"define", "frozen", "mutable"}:
            return "attrs"
        if _configured(decorator, settings.schema_decorators):
            return "custom"
    for base in facts.bases:
        if base in SCHEMA_BASES:
            return SCHEMA_BASES[base]
        if _configured(base, settings.schema_bases):
            return "custom"
    return None


def _configured(name: str, entries: Sequence[str]) -> bool:
    return any(name == entry or ("." not in entry and last(name) == entry) for entry in entries)


def _has_default(raw: RawField, kind: str, total: bool) -> bool:
    if kind == "typeddict":
        if "NotRequired" in raw.qualifiers:
            return True
        return not total and "Required" not in raw.qualifiers
    value = raw.value
    if value is None or value.is_ellipsis:
        return False
    if value.call is not None and last(value.call) in _FIELD_CALLS:
        if value.keywords & _DEFAULT_KEYWORDS:
            return True
        positional_default = last(value.call) in _POSITIONAL_DEFAULT_CALLS
        return positional_default and value.positional > 0 and not value.first_is_ellipsis
    return True


def _own_fields(facts: ClassFacts, kind: str) -> list[SchemaField]:
    total = facts.keywords.get("total", "True") != "False"
    fields = []
    for raw in facts.fields:
        if raw.qualifiers & {"ClassVar", "KW_ONLY"} or raw.name.startswith("_"):
            continue  # private state (and ``__slots__``) is not what the class publishes
        if not raw.annotated and kind != "attrs":
            continue
        if kind == "pydantic" and raw.name == "model_config":
            continue
        value = raw.value
        has_default = _has_default(raw, kind, total)
        # A missing TypedDict key serialises like a None default: the consumer sees no value.
        none_default = kind == "typeddict" or (value is not None and value.default_is_none)
        fields.append(
            SchemaField(
                name=raw.name,
                site=raw.site,
                has_default=has_default,
                init=value is None or not value.init_false,
                default_is_none=has_default and none_default,
                alias=None if value is None else value.alias,
            )
        )
    return fields


def find_schemas(classes: Sequence[ClassFacts], settings: WiringSettings) -> list[Schema]:
    """Schema classes of the project: by decorator or known base, or by inheriting from one."""
    schemas: dict[int, Schema] = {}
    by_name: dict[str, list[Schema]] = {}

    def add(facts: ClassFacts, kind: str) -> None:
        schema = Schema(facts, kind, _own_fields(facts, kind))
        schemas[id(facts)] = schema
        by_name.setdefault(facts.name, []).append(schema)

    # A base that resolves to a class of the project defined in the module the import names (or
    # in the same module) is that class; any other base is matched by name.
    defined = {f"{facts.site.module}.{facts.name}": facts for facts in classes}

    def parents_of(facts: ClassFacts, base: str) -> list[Schema]:
        exact = defined.get(base if "." in base else f"{facts.site.module}.{base}")
        if exact is not None:
            parent = schemas.get(id(exact))
            return [] if parent is None else [parent]
        return by_name.get(last(base), [])

    for facts in classes:
        kind = _direct_kind(facts, settings)
        if kind is not None:
            add(facts, kind)
    # Inheritance inside the project, to a fixed point (a subclass of a subclass counts too).
    changed = True
    while changed:
        changed = False
        for facts in classes:
            if id(facts) in schemas:
                continue
            for base in facts.bases:
                parents = parents_of(facts, base)
                if parents:
                    add(facts, parents[0].kind)
                    changed = True
                    break
    for schema in schemas.values():
        for base in schema.facts.bases:
            for parent in parents_of(schema.facts, base):
                if parent is not schema:
                    schema.parents.append(parent)
    return list(schemas.values())


def find_enums(classes: Sequence[ClassFacts]) -> list[ClassFacts]:
    enums: dict[int, ClassFacts] = {}
    names: set[str] = set()
    changed = True
    while changed:
        changed = False
        for facts in classes:
            if id(facts) in enums:
                continue
            # A bare name (star import) counts too: ``class Color(Enum)``.
            if any(
                b in ENUM_BASES or f"enum.{b}" in ENUM_BASES or last(b) in names
                for b in facts.bases
            ):
                enums[id(facts)] = facts
                names.add(facts.name)
                changed = True
    return list(enums.values())
