"""``[tool.loopwire.wiring]``: which classes are schemas, which enums carry events, what is trusted.

Every key is optional; the defaults recognise the usual libraries (dataclasses, pydantic,
TypedDict, NamedTuple, attrs, msgspec) and enums whose names end in ``Event``/``EventType``.
"""

from __future__ import annotations

import fnmatch
import functools
from dataclasses import dataclass

from loopwire.config import Config

DEFAULT_EVENT_SUFFIXES = ("Event", "EventType")
# A call whose function name matches one of these sends an event: a string literal it is given
# (or its own dispatch helper is given) that equals a member's value emits that member.
DEFAULT_EMITTER_CALLS = (
    "emit*",
    "dispatch*",
    "send*",
    "publish*",
    "broadcast*",
    "fire*",
    "trigger*",
    "notify*",
    "signal*",
    "*_event",
)
# A call whose function name matches one of these registers a listener; the event type it names
# is being listened for, not emitted.
DEFAULT_LISTENER_CALLS = (
    "on",
    "add_listener",
    "subscribe",
    "add_handler",
    "listen",
    "register_handler",
)


@functools.lru_cache(maxsize=1 << 16)
def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    """Does a call name match one of the patterns? Asked for every call of the project, with
    far fewer distinct names."""
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


@dataclass(frozen=True)
class WiringSettings:
    # Extra base classes whose subclasses are schemas (dotted, or a bare class name).
    schema_bases: tuple[str, ...] = ()
    # Extra class decorators that make a schema (dotted, or a bare name).
    schema_decorators: tuple[str, ...] = ()
    # When set, only schemas declared in modules matching these patterns are reported.
    schema_modules: tuple[str, ...] = ()
    # Enum classes that carry events besides those named by ``event_suffixes``.
    event_enums: tuple[str, ...] = ()
    event_suffixes: tuple[str, ...] = DEFAULT_EVENT_SUFFIXES
    listener_calls: tuple[str, ...] = DEFAULT_LISTENER_CALLS
    emitter_calls: tuple[str, ...] = DEFAULT_EMITTER_CALLS
    # Calls (fnmatch on the name) that send what they are given out of the process, besides
    # the built-in responses, serialisers and transports.
    sink_calls: tuple[str, ...] = ()
    # Classes judged whenever the project builds them, whatever the check sees of where they
    # go: "Cls", "pkg.mod.Cls", or "pkg.mod:Cls" (fnmatch patterns on both sides).
    outgoing: tuple[str, ...] = ()
    # "Cls" or "pkg.mod.Cls": that class's opaque constructions are accepted everywhere;
    # "pkg.mod:Cls" (fnmatch patterns on both sides): accepted inside that module only.
    trusted: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, config: Config) -> WiringSettings:
        def strings(key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
            if key not in config.section("wiring"):
                return default
            return tuple(config.strings(key, "wiring"))

        return cls(
            schema_bases=strings("schema-bases"),
            schema_decorators=strings("schema-decorators"),
            schema_modules=strings("schema-modules"),
            event_enums=strings("event-enums"),
            event_suffixes=strings("event-suffixes", DEFAULT_EVENT_SUFFIXES),
            listener_calls=strings("listener-calls", DEFAULT_LISTENER_CALLS),
            emitter_calls=strings("emitter-calls", DEFAULT_EMITTER_CALLS),
            sink_calls=strings("sink-calls"),
            outgoing=strings("outgoing"),
            trusted=strings("trusted"),
        )

    def is_listener_call(self, name: str) -> bool:
        return _matches(name, self.listener_calls)

    def is_emitter_call(self, name: str) -> bool:
        return _matches(name, self.emitter_calls)

    def is_sink_call(self, name: str) -> bool:
        return _matches(name, self.sink_calls)

    def is_outgoing(self, class_name: str, class_module: str) -> bool:
        for entry in self.outgoing:
            module_pattern, colon, class_pattern = entry.rpartition(":")
            if colon:
                if fnmatch.fnmatchcase(class_module, module_pattern) and fnmatch.fnmatchcase(
                    class_name, class_pattern
                ):
                    return True
            elif entry in (class_name, f"{class_module}.{class_name}"):
                return True
        return False

    def reports_module(self, module: str) -> bool:
        if not self.schema_modules:
            return True
        return any(fnmatch.fnmatchcase(module, pattern) for pattern in self.schema_modules)

    def is_event_enum(self, name: str, module: str) -> bool:
        if name in self.event_enums or f"{module}.{name}" in self.event_enums:
            return True
        return any(name.endswith(suffix) for suffix in self.event_suffixes)

    def is_trusted(self, class_name: str, class_module: str, site_module: str) -> bool:
        for entry in self.trusted:
            if ":" in entry:
                module_pattern, class_pattern = entry.split(":", 1)
                if fnmatch.fnmatchcase(site_module, module_pattern) and fnmatch.fnmatchcase(
                    class_name, class_pattern
                ):
                    return True
            elif entry in (class_name, f"{class_module}.{class_name}"):
                return True
        return False
