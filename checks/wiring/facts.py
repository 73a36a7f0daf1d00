"""What one pass over a module learns: declared classes, and every place that could set a field
or emit an event. The project-wide analysis joins these facts across modules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Site:
    """A place in a module, as the ordinal of its node in the collector's visit order.

    Positions cost a full code generation of the tree, so they are computed afterwards, and
    only for the modules that have findings (by visiting them again in the same order).
    """

    path: str
    module: str
    anchor: int


@dataclass(frozen=True, slots=True)
class FieldValue:
    """The right-hand side of a field declaration, reduced to what decides "has a default"."""

    # Dotted name of the called function (``dataclasses.field``, ``pydantic.Field``) or None.
    call: str | None = None
    keywords: frozenset[str] = frozenset()
    positional: int = 0
    # ``Field(...)`` / ``= ...``: pydantic's spelling of "required".
    first_is_ellipsis: bool = False
    is_ellipsis: bool = False
    # ``field(init=False)``: the constructor cannot set it.
    init_false: bool = False
    # ``= None``, ``field(default=None)``, ``Field(None)``: setting it to None changes nothing.
    default_is_none: bool = False
    # pydantic ``Field(alias="...")``: the name constructions and payloads use.
    alias: str | None = None


@dataclass(frozen=True, slots=True)
class RawField:
    name: str
    site: Site
    annotated: bool
    # Last components of wrapping qualifiers: ClassVar, NotRequired, Required, InitVar, ...
    qualifiers: frozenset[str]
    value: FieldValue | None


@dataclass(slots=True)
class ClassFacts:
    name: str
    site: Site
    bases: tuple[str, ...]
    decorators: tuple[str, ...]
    # Class keywords rendered as source text, e.g. {"total": "False"}.
    keywords: dict[str, str]
    fields: list[RawField] = field(default_factory=list)
    # Plain ``NAME = value`` statements in the body: enum members if the class is an enum.
    assigned: list[tuple[str, Site]] = field(default_factory=list)


@dataclass(slots=True)
class Sets:
    """Field (or key) names some place sets: to a value, or to the literal ``None``."""

    value: set[str] = field(default_factory=set)
    null: set[str] = field(default_factory=set)

    def add(self, name: str, is_null: bool) -> None:
        (self.null if is_null else self.value).add(name)

    def update(self, other: Sets) -> None:
        self.value |= other.value
        self.null |= other.null


@dataclass(frozen=True, slots=True)
class Construction:
    """``Cls(...)``, ``Cls.model_validate(...)`` and friends: sets fields of a named class."""

    class_name: str
    site: Site
    # Field name -> whether it is given the literal ``None``; one flag per positional argument.
    named: Mapping[str, bool]
    positional: tuple[bool, ...] = ()
    # Why the checker cannot see which fields this sets (``**row``), or None.
    opaque: str | None = None


@dataclass(frozen=True, slots=True)
class EventUse:
    enum_name: str
    member: str


@dataclass(slots=True)
class ModuleFacts:
    path: str
    module: str
    classes: list[ClassFacts] = field(default_factory=list)
    constructions: list[Construction] = field(default_factory=list)
    # Set on an object of unknown type: ``obj.f =``, setattr, replace, model_copy, ``.append``.
    attributes: Sets = field(default_factory=Sets)
    # ``obj["f"] = ...``, ``setdefault``, ``update``: how TypedDict keys are set.
    keys: Sets = field(default_factory=Sets)
    event_uses: list[EventUse] = field(default_factory=list)
