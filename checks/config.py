"""``[tool.loopwire]`` from the nearest ``pyproject.toml``; command-line flags override it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    """The configuration cannot be used; reported as a usage error (exit 2)."""


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
    return Config(root=path.parent.resolve(), table=table, source=path)
