"""Event enums and their emissions: a member nothing emits is a listener that never fires.

An emission is any use of the member outside the enum itself, a comparison, a match pattern, an
annotation, a dict key (a dispatch table) and a listener registration (``bus.on(...)``,
decorators); the collector drops those uses before they get here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from loopwire.wiring.facts import ClassFacts, ModuleFacts, Site
from loopwire.wiring.outflow import Helpers
from loopwire.wiring.settings import WiringSettings


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
    modules = list(modules)
    emitted = {
        (use.enum_name, use.member)
        for module in modules
        for use in module.event_uses
        if use.enum_name in wanted
    }
    literals = {literal for module in modules for literal in module.literals}
    # Strings handed to an emitter, or to one of the project's helpers that emits a parameter.
    flows = [flow for module in modules for flow in module.flows]
    dispatchers = Helpers(flows, lambda flow: flow.emits)
    for module in modules:
        for passed in module.literal_args:
            if settings.is_emitter_call(passed.callee) or dispatchers.sends(passed):
                literals.update(text for _, text in passed.atoms)

    def reached(enum: ClassFacts, member: str) -> bool:
        if (enum.name, member) in emitted or (enum.name, "*") in emitted:
            return True
        # By value: ``dispatch("server.init.before")``; ``auto()`` values follow the name.
        value = enum.values.get(member)
        return value is not None and (value or member.lower()) in literals

    return [
        SilentMember(enum, member, site)
        for enum in event_enums
        for member, site in enum.assigned
        if not reached(enum, member)
    ]
