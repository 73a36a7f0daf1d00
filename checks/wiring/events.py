"""Event enums and their emissions: a member nothing emits is a listener that never fires.

An emission is any use of the member outside the enum itself, a comparison, a match pattern, an
annotation, a dict key (a dispatch table) and a listener registration (``bus.on(...)``,
decorators); the collector drops those uses before they get here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from checks.wiring.facts import ClassFacts, ModuleFacts, Site
from checks.wiring.settings import WiringSettings


@dataclass(frozen=True, slots=True)
class SilentMember:
    enum: ClassFacts
    member: str
    site: Site


def silent_members(
    enums: Sequence[ClassFacts], modules: Iterable[ModuleFacts], settings: WiringSettings
) -> list[SilentMember]:
    event_enums = [e for e in enums if settings.is_event_enum(e.name, e.site.module)]
    if not event_enums:
        return []
    wanted = {e.name for e in event_enums}
    emitted = {
        (use.enum_name, use.member)
        for module in modules
        for use in module.event_uses
        if use.enum_name in wanted
    }
    return [
        SilentMember(enum, member, site)
        for enum in event_enums
        for member, site in enum.assigned
        if (enum.name, member) not in emitted
    ]
