"""Durations as people write them on a command line: ``50ms``, ``0.2s``, ``50`` (milliseconds)."""

from __future__ import annotations

import re

_DURATION = re.compile(r"(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>ms|s)?")
OFF = frozenset({"", "off", "0", "none"})


def parse_threshold(text: str) -> float | None:
    """Seconds, or None for ``off``/``0``; raises ValueError with the accepted forms."""
    cleaned = text.strip().lower()
    if cleaned in OFF:
        return None
    match = _DURATION.fullmatch(cleaned)
    if match is None or float(match["value"]) <= 0:
        raise ValueError(f"expected a duration such as 50ms or 0.2s (or off), got {text!r}")
    value = float(match["value"])
    return value if match["unit"] == "s" else value / 1000
