"""What the wiring rules judge from, joined once for the whole project: the schemas and who
sets their fields, the event enums and their silent members. Each rule module turns it into
verdicts; the analysis turns verdicts into findings."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from checks.wiring.events import SilentMember, silent_members
from checks.wiring.facts import ModuleFacts, Site
from checks.wiring.schemas import Schema, find_enums, find_schemas
from checks.wiring.setters import SetterIndex, index_setters
from checks.wiring.settings import WiringSettings


@dataclass(frozen=True, slots=True)
class Evidence:
    settings: WiringSettings
    schemas: Sequence[Schema]
    setters: SetterIndex
    silent: Sequence[SilentMember]

    @classmethod
    def join(cls, modules: Sequence[ModuleFacts], settings: WiringSettings) -> Evidence:
        classes = [c for module in modules for c in module.classes]
        schemas = find_schemas(classes, settings)
        setters = index_setters(modules, schemas, settings)
        silent = silent_members(find_enums(classes), modules, settings)
        return cls(settings, schemas, setters, silent)


@dataclass(frozen=True, slots=True)
class Verdict:
    """One finding of a rule, before it has a position: where, about what, and the further
    fields its message template names."""

    site: Site
    symbol: str
    fields: Mapping[str, str] = field(default_factory=dict)


class Judge(Protocol):
    def __call__(self, evidence: Evidence) -> Iterator[Verdict]: ...
