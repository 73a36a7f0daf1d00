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
    # Member name -> its string value (``auto()`` as the empty string): how events travel by value.
    values: dict[str, str | None] = field(default_factory=dict)


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
    # ``Cls(..., **kwargs)`` inside ``def f(**kwargs)``: the keywords of every call of ``f`` set
    # fields too; the name of ``f``, or None.
    forwarded_by: str | None = None
    # The dotted name the call resolved to (``pkg.mod.Cls``), or "" for a bare or unknown one.
    reference: str = ""
    # Parsed from a payload off the wire (``model_validate_json(body)``,
    # ``model_validate(json.loads(text))``): the class is exchanged, the other side fills it.
    parsed: bool = False


@dataclass(frozen=True, slots=True)
class EventUse:
    enum_name: str
    member: str


# Where a value comes from, as far as one function can tell: ("new", class) built here, ("typed",
# class) declared by an annotation, ("call", function) returned by a call, ("var", name) a local,
# ("param", name) a parameter, ("attr", "Class.attr") read from what ``self`` keeps, ("wire", "")
# decoded from a payload, ("str", text) a string literal. Classes are references as written
# (``pkg.mod.Cls``) until ``outflow.resolve_classes`` turns them into schema names.
Atom = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Passed:
    """One argument of a call: ``callee(..., slot=value)``."""

    callee: str
    # Called on a receiver (``obj.callee(...)``): a method's ``self`` is not in the arguments.
    bound: bool
    # The keyword, or the position as a number; None for ``*args`` and ``**kwargs``.
    slot: str | int | None
    atoms: frozenset[Atom]


@dataclass(slots=True)
class Flow:
    """Where the values one function builds go: returned, sent out, handed to helpers, stored.

    Flow-insensitive on purpose: a local is bound to everything ever assigned to it.
    """

    name: str
    # A web handler (route decorator, ``request`` parameter): what it returns is the response.
    handler: bool = False
    # Defined at module level: called by nothing in the project, it is called from outside.
    toplevel: bool = False
    bindings: dict[str, set[Atom]] = field(default_factory=dict)
    returned: set[Atom] = field(default_factory=set)
    # Serialised, sent, or given to a response: it leaves the process.
    sunk: set[Atom] = field(default_factory=set)
    # Parameter names in order, the receiver (``self``) included.
    params: tuple[str, ...] = ()
    # What each argument of a call carries, for helpers and nested constructions.
    passed: list[Passed] = field(default_factory=list)
    # Given to an emitter call (``emit``, ``dispatch``, ...): what it carries is an event.
    emits: set[Atom] = field(default_factory=set)
    # ("Class.attr", what is stored into it): ``self.jobs[id] = job`` in a method of Class.
    stored: list[tuple[str, frozenset[Atom]]] = field(default_factory=list)
    # The enclosing function, or the module's code: whose locals (globals) this one reads.
    outer: Flow | None = field(default=None, repr=False, compare=False)

    def bind(self, name: str, atoms: set[Atom]) -> None:
        if atoms:
            self.bindings.setdefault(name, set()).update(atoms)


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
    flows: list[Flow] = field(default_factory=list)
    # Last name of every function or method called here: a function nothing calls is an exit.
    called: set[str] = field(default_factory=set)
    # Callee name -> the keywords its calls pass, for constructions that forward ``**kwargs``.
    call_keywords: dict[str, Sets] = field(default_factory=dict)
    # ``Kind("progress")``: members picked by value.
    literals: set[str] = field(default_factory=set)
    # String literals given to calls, as ("str", text) arguments: events travel by value too.
    literal_args: list[Passed] = field(default_factory=list)
    # Names listed in the module's ``__all__``: a library's public API, which its users build.
    exported: set[str] = field(default_factory=set)
