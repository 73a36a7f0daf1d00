"""Which schema each observed response carries: ``[tool.loopwire.wiring.responses]`` and friends.

The dynamic wiring check needs to know, for every route the tests exercise, which schema class
the JSON body is an instance of, so it can count per declared field what real responses carried.
This module reads that mapping (plus the progressive fields and how each must move, the per-job
identity field, which jobs the service ran under the tests' eyes, and the allowlist), resolves
the classes by import, and lists their fields, following nested schema classes
(``result.videos[]`` -> ``VideoInfo``) through the type hints.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from loopwire.config import Config, ConfigError

ANY_ROUTE_PARAM = re.compile(r"\{[^}]*\}")
ProgressiveKind = Literal["increasing", "decreasing"]
PROGRESSIVE_KINDS: tuple[ProgressiveKind, ...] = ("increasing", "decreasing")
PROGRESSIVE_KEYS = ("kind", "intermediate", "end-within")


@dataclass(frozen=True, slots=True)
class Observation:
    """One JSON document the app sent: a response body, or the data of one SSE event."""

    method: str
    route: str
    status: int
    body: object
    # Where the response came from (test id plus server), so job ids of two servers never mix.
    scope: str = ""
    # The SSE event name, or None for a plain response.
    event: str | None = None

    @property
    def key(self) -> str:
        return f"{self.method.upper()} {self.route}"

    def as_json(self) -> dict[str, object]:
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class Schema:
    """A schema class reduced to what the check needs: its name and, per field, nested schemas."""

    name: str
    fields: tuple[str, ...]
    # field name -> schema of the objects found in that field (directly, or as list items).
    nested: Mapping[str, Schema] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ResponseRule:
    """``"GET /route" = {schema = "module:Class", at = "jobs[]"}``: where the schema sits."""

    key: str
    schema: Schema
    # Path from the body to the schema objects: names, with "[]" meaning "every item of".
    at: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Progressive:
    """How a progressive field must move within one job the service ran.

    ``increasing`` (a progress fraction): never backwards, and at least ``intermediate`` distinct
    values strictly between the job's first and last one. ``decreasing`` (time left): at least
    ``intermediate`` distinct values between its largest and smallest, and the last non-null
    value at most ``end_within`` times the largest (it ends near zero); it may rise now and then,
    as an estimate does after a slow step.
    """

    kind: ProgressiveKind = "increasing"
    intermediate: int = 3
    end_within: float = 0.1


@dataclass(frozen=True, slots=True)
class WiringConfig:
    rules: Mapping[str, ResponseRule]
    # "Schema.field" -> how it must move per job.
    progressive: Mapping[str, Progressive]
    # schema name -> field naming the job an object belongs to ("*" for every schema).
    identity: Mapping[str, str]
    allow: Mapping[str, str]
    # Progressive fields are judged on jobs first seen in a response of one of these routes
    # ("POST /jobs": the tests saw the service start them, unlike rows a test seeded into its
    # database); empty: on every job.
    started_by: frozenset[str] = frozenset()
    # ... and later seen with these field values (e.g. status = "completed"); empty: any job.
    finished_when: Mapping[str, object] = field(default_factory=dict)

    def schemas(self) -> dict[str, Schema]:
        """Every schema reachable from the rules, by name."""
        found: dict[str, Schema] = {}
        pending = [rule.schema for rule in self.rules.values()]
        while pending:
            schema = pending.pop()
            if schema.name in found:
                continue
            found[schema.name] = schema
            pending.extend(schema.nested.values())
        return found

    def identity_field(self, schema: str) -> str | None:
        return self.identity.get(schema, self.identity.get("*"))

    def allowed(self, qualified_field: str) -> str | None:
        """The reason a field may stay null, if the allowlist names it or its whole schema."""
        schema = qualified_field.split(".", 1)[0]
        return self.allow.get(qualified_field, self.allow.get(schema))

    def route_for(self, method: str, path: str) -> str:
        """The configured route template a concrete path matches, or the path unchanged."""
        for key in self.rules:
            rule_method, _, template = key.partition(" ")
            if rule_method == method.upper() and _template_regex(template).fullmatch(path):
                return template
        return path

    def key_matches(self, key: str, route: str) -> bool:
        """Whether mapping ``key`` names ``route`` (both ``"METHOD /template"``).

        Methods compare case-insensitively; a ``{name}`` in the key stands for any one path
        segment, so it matches the app's ``{id}``, ``{job_id:\\d+}`` or a concrete value alike.
        """
        key_method, _, key_path = key.partition(" ")
        method, _, path = route.partition(" ")
        return key_method.upper() == method.upper() and bool(
            _template_regex(key_path).fullmatch(path)
        )


def _template_regex(template: str) -> re.Pattern[str]:
    """``/jobs/{id}`` -> a pattern matching ``/jobs/<one path segment>``."""
    literal_parts = ANY_ROUTE_PARAM.split(template)
    return re.compile("[^/]+".join(re.escape(part) for part in literal_parts))


def load_wiring_config(config: Config) -> WiringConfig:
    """Read the dynamic-check settings from ``[tool.loopwire.wiring]``; ``ConfigError`` if bad."""
    wiring = config.section("wiring")
    responses = _table(wiring, "responses")
    resolver = _SchemaResolver()
    rules: dict[str, ResponseRule] = {}
    for raw_key, value in responses.items():
        method, _, route = raw_key.strip().partition(" ")
        if not route.startswith("/"):
            raise ConfigError(
                f"[tool.loopwire.wiring.responses] key {raw_key!r} must be 'METHOD /route'"
            )
        key = f"{method.upper()} {route.strip()}"
        if isinstance(value, str):
            target, at = value, ""
        elif isinstance(value, Mapping) and isinstance(value.get("schema"), str):
            target, at = value["schema"], str(value.get("at", ""))
        else:
            raise ConfigError(
                f"[tool.loopwire.wiring.responses] {raw_key!r} must be 'module:Class' "
                "or {schema = 'module:Class', at = 'path[]'}"
            )
        path = tuple(part for part in at.split(".") if part)
        rules[key] = ResponseRule(key=key, schema=resolver.resolve(target), at=path)
    identity_value = wiring.get("identity", "id")
    if isinstance(identity_value, str):
        identity = {"*": identity_value}
    elif isinstance(identity_value, Mapping) and all(
        isinstance(v, str) for v in identity_value.values()
    ):
        identity = {str(k): str(v) for k, v in identity_value.items()}
    else:
        raise ConfigError("[tool.loopwire.wiring] identity must be a string or a table of strings")
    allow = {str(k): str(v) for k, v in _table(wiring, "allow").items()}
    if not all(reason.strip() for reason in allow.values()):
        raise ConfigError("[tool.loopwire.wiring.allow] every entry needs a non-empty reason")
    finished_when = _table(wiring, "finished-when")
    if not all(isinstance(v, str | int | float | bool) for v in finished_when.values()):
        raise ConfigError("[tool.loopwire.wiring] finished-when values must be strings or numbers")
    return WiringConfig(
        rules=rules,
        progressive=_progressive(wiring),
        identity=identity,
        allow=allow,
        started_by=frozenset(_route_key(key) for key in config.strings("started-by", "wiring")),
        finished_when=dict(finished_when),
    )


def _route_key(raw: str) -> str:
    method, _, route = raw.strip().partition(" ")
    if not route.strip().startswith("/"):
        raise ConfigError(f"[tool.loopwire.wiring] started-by {raw!r} must be 'METHOD /route'")
    return f"{method.upper()} {route.strip()}"


def _progressive(wiring: Mapping[str, Any]) -> dict[str, Progressive]:
    """``progressive = ["S.f"]`` (increasing, defaults) or a table of ``"S.f" = {kind = ...}``."""
    value = wiring.get("progressive", [])
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list) and all(isinstance(name, str) for name in value):
        return {name: Progressive() for name in value}
    if not isinstance(value, Mapping):
        raise ConfigError(
            "[tool.loopwire.wiring] progressive must be a list of 'Schema.field' or a table"
        )
    fields: dict[str, Progressive] = {}
    for name, spec in value.items():
        where = f"[tool.loopwire.wiring.progressive] {name!r}"
        if not isinstance(spec, Mapping):
            raise ConfigError(f'{where} must be a table, e.g. {{kind = "increasing"}}')
        unknown = sorted(set(spec) - set(PROGRESSIVE_KEYS))
        if unknown:
            known = ", ".join(PROGRESSIVE_KEYS)
            raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {known}")
        kind = spec.get("kind", "increasing")
        if kind not in PROGRESSIVE_KINDS:
            raise ConfigError(f"{where}: kind must be one of {', '.join(PROGRESSIVE_KINDS)}")
        intermediate = spec.get("intermediate", 3)
        if not isinstance(intermediate, int) or isinstance(intermediate, bool) or intermediate < 0:
            raise ConfigError(f"{where}: intermediate must be a whole number >= 0")
        end_within = spec.get("end-within", 0.1)
        if not isinstance(end_within, int | float) or isinstance(end_within, bool):
            raise ConfigError(f"{where}: end-within must be a number between 0 and 1")
        if not 0 <= end_within <= 1:
            raise ConfigError(f"{where}: end-within must be a number between 0 and 1")
        fields[str(name)] = Progressive(kind, intermediate, float(end_within))
    return fields


def _table(section: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = section.get(name, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"[tool.loopwire.wiring.{name}] must be a table")
    return value


class _SchemaResolver:
    """Imports schema classes and lists their fields; each class is described once."""

    def __init__(self) -> None:
        self._done: dict[type, Schema] = {}

    def resolve(self, target: str) -> Schema:
        module_name, _, class_name = target.partition(":")
        if not module_name or not class_name:
            raise ConfigError(f"schema {target!r} must be written 'module:Class'")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise ConfigError(f"schema {target!r}: cannot import {module_name}: {exc}") from exc
        cls = getattr(module, class_name, None)
        if cls is None:
            classes = [name for name, value in vars(module).items() if isinstance(value, type)]
            close = difflib.get_close_matches(class_name, classes, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ConfigError(
                f"schema {target!r}: module {module_name} has no {class_name!r}{hint}"
            )
        if not isinstance(cls, type) or _field_types(cls) is None:
            raise ConfigError(f"schema {target!r} is not a dataclass, TypedDict or model class")
        return self.describe(cls)

    def describe(self, cls: type) -> Schema:
        if cls in self._done:
            return self._done[cls]
        hints = _field_types(cls) or {}
        nested: dict[str, Schema] = {}
        schema = Schema(name=cls.__name__, fields=tuple(hints), nested=nested)
        # Registered before recursing so self-referencing schemas terminate.
        self._done[cls] = schema
        for name, hint in hints.items():
            inner = _schema_class_in(hint)
            if inner is not None:
                nested[name] = self.describe(inner)
        return schema


def _field_types(cls: type) -> dict[str, Any] | None:
    """Field name -> type hint for the schema kinds loopwire knows; None for other classes."""
    try:
        hints = typing.get_type_hints(cls)
    except (NameError, TypeError):
        hints = dict(getattr(cls, "__annotations__", {}))
    if dataclasses.is_dataclass(cls):
        return {f.name: hints.get(f.name, Any) for f in dataclasses.fields(cls)}
    if typing.is_typeddict(cls):
        return hints
    model_fields = getattr(cls, "model_fields", None)
    if isinstance(model_fields, Mapping):
        return {name: getattr(info, "annotation", Any) for name, info in model_fields.items()}
    for marker in ("_fields", "__struct_fields__"):
        names = getattr(cls, marker, None)
        if isinstance(names, tuple):
            return {name: hints.get(name, Any) for name in names}
    attrs = getattr(cls, "__attrs_attrs__", None)
    if attrs is not None:
        return {a.name: hints.get(a.name, Any) for a in attrs}
    return None


def _schema_class_in(hint: Any) -> type | None:
    """The schema class a field holds, through ``X | None``, ``list[X]``, ``dict[str, X]``."""
    if isinstance(hint, type) and not isinstance(hint, types.GenericAlias):
        return hint if _field_types(hint) is not None and hint.__module__ != "builtins" else None
    for arg in typing.get_args(hint):
        if arg is type(None) or arg is Ellipsis:
            continue
        found = _schema_class_in(arg)
        if found is not None:
            return found
    return None
