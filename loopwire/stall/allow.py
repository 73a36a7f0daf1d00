"""Stall sites allowed on purpose, each with the reason it is acceptable.

A site pattern is ``PATH:FUNCTION`` or ``PATH:LINE`` (``PATH`` relative to the rootdir, both parts
``fnmatch`` globs). It matches the blamed frame, or any frame of the stall's stack: a pattern
naming a library frame (``*/subprocess.py:_execute_child``) allows the stalls spent inside it
wherever the project called it from, and nothing else. Rules come from the ini option
``loopwire_stall_allow`` (lines ``SITE = REASON``) and from ``pyproject.toml``:
``[tool.loopwire.stall] allow = [{site = "...", reason = "..."}]``.

The site ``<unsampled>`` matches only stalls no sample could be taken of: the loop thread held
the GIL in C code for the whole stall (a ``fork`` of a large process does), so no line can be
named. Allowing them is a choice with a cost (a GIL-holding C call of the project's own then
passes too), so it is never the default and always carries its reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from loopwire.config import ConfigError
from loopwire.loopwatch.stall import Stall

KNOWN_KEYS = frozenset({"allow"})
UNSAMPLED = "<unsampled>"


@dataclass(frozen=True)
class AllowRule:
    site: str
    reason: str

    def matches(self, stall: Stall) -> bool:
        if self.site == UNSAMPLED:
            return stall.samples == 0
        path, _, part = self.site.rpartition(":")
        if not path:
            path, part = part, "*"
        frames = [(stall.path, stall.site)] if stall.site is not None else []
        frames += [(frame.filename, frame) for frame in stall.stack]
        return any(
            fnmatchcase(filename, path)
            and fnmatchcase(str(frame.lineno) if part.isdigit() else frame.function, part)
            for filename, frame in frames
        )


def rule(site: object, reason: object, where: str) -> AllowRule:
    if not isinstance(site, str) or not site.strip():
        raise ConfigError(f"{where}: site must be a non-empty string like 'path.py:function'")
    if not isinstance(reason, str) or not reason.strip():
        raise ConfigError(f"{where}: allowing {site!r} needs a reason")
    return AllowRule(site.strip(), reason.strip())


def rules_from_ini(lines: Iterable[str]) -> list[AllowRule]:
    rules = []
    for line in lines:
        if not line.strip():
            continue
        site, equals, reason = line.partition("=")
        if not equals:
            raise ConfigError(f"loopwire_stall_allow: expected 'SITE = REASON', got {line!r}")
        rules.append(rule(site, reason, "loopwire_stall_allow"))
    return rules


def rules_from_table(table: Mapping[str, Any]) -> list[AllowRule]:
    where = "[tool.loopwire.stall]"
    unknown = sorted(set(table) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown keys {', '.join(unknown)} (known: allow)")
    entries = table.get("allow", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{where} allow must be a list of {{site = ..., reason = ...}} tables")
    rules = []
    for entry in entries:
        if not isinstance(entry, Mapping) or set(entry) != {"site", "reason"}:
            raise ConfigError(f"{where} allow: each entry needs exactly site and reason: {entry!r}")
        rules.append(rule(entry["site"], entry["reason"], f"{where} allow"))
    return rules


def find_rule(rules: Iterable[AllowRule], stall: Stall) -> AllowRule | None:
    return next((r for r in rules if r.matches(stall)), None)
