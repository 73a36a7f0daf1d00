"""``[tool.loopwire]`` from the nearest ``pyproject.toml``; command-line flags override it.

Every key is checked against the keys the guards read: a misspelt key (``exlude``) would
otherwise be ignored without a word, and the run would pass while checking something else than
the user asked for. An unknown key is a usage error naming the nearest known one.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    """The configuration cannot be used; reported as a usage error (exit 2)."""


# Tables whose keys are the user's own (names, routes, field names), not settings.
FREE = "free"
# The keys of ``[tool.loopwire]``: a nested mapping is a sub-table with keys of its own.
KNOWN_KEYS: Mapping[str, object] = {
    "exclude": None,
    "select": None,
    "ignore": None,
    "blocking-calls": FREE,
    "offload-decorators": None,
    "startup": None,
    "stall": {"allow": None},
    "wiring": {
        "select": None,
        "ignore": None,
        "progressive": FREE,
        "identity": None,
        "started-by": None,
        "finished-when": FREE,
        "responses": FREE,
        "allow": FREE,
        "schema-bases": None,
        "schema-decorators": None,
        "schema-modules": None,
        "event-enums": None,
        "event-suffixes": None,
        "listener-calls": None,
        "emitter-calls": None,
        "sink-calls": None,
        "outgoing": None,
        "trusted": None,
    },
}


def suggestion(name: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the nearest of ``known`` names, or nothing."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_keys(table: Mapping[str, Any], known: Mapping[str, object], where: str) -> None:
    """Raise ``ConfigError`` for the first key of ``table`` no guard reads."""
    for key, value in table.items():
        if key not in known:
            raise ConfigError(f"unknown key {key!r} in [{where}]{suggestion(key, known)}")
        keys = known[key]
        if isinstance(keys, Mapping) and isinstance(value, Mapping):
            check_keys(value, keys, f"{where}.{key}")


@dataclass(frozen=True)
class Config:
    # Directory holding the pyproject.toml the settings came from (or the start directory).
    root: Path
    table: Mapping[str, Any] = field(default_factory=dict)
    source: Path | None = None

    def section(self, name: str) -> Mapping[str, Any]:
        value = self.table.get(name, {})
        if not isinstance(value, Mapping):
            raise ConfigError(f"[tool.loopwire.{name}] must be a table")
        return value

    def strings(self, key: str, section: str | None = None) -> list[str]:
        table = self.section(section) if section else self.table
        value = table.get(key, [])
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            where = f"tool.loopwire.{section}" if section else "tool.loopwire"
            raise ConfigError(f"[{where}] {key} must be a list of strings")
        return list(value)


def find_pyproject(start: Path) -> Path | None:
    start = start.resolve()
    directory = start if start.is_dir() else start.parent
    for candidate in (directory, *directory.parents):
        path = candidate / "pyproject.toml"
        if path.is_file():
            return path
    return None


def load_config(start: Path | None = None, explicit: Path | None = None) -> Config:
    """Read ``[tool.loopwire]`` from ``explicit`` or the nearest pyproject above ``start``."""
    path = explicit if explicit is not None else find_pyproject(start or Path.cwd())
    if path is None:
        # No project file: the project is the directory linted (or the file's directory).
        directory = (start or Path.cwd()).resolve()
        return Config(root=directory if directory.is_dir() else directory.parent)
    # Imported here: a run outside any project never pays for the TOML parser.
    import tomllib

    try:
        with path.open("rb") as fh:
            document = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    table = document.get("tool", {}).get("loopwire", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.loopwire] must be a table")
    try:
        check_keys(table, KNOWN_KEYS, "tool.loopwire")
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return Config(root=path.parent.resolve(), table=table, source=path)
