"""What ``POST /exports`` and ``GET /exports/{id}`` answer."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ExportJob:
    id: str
    status: str
    files: list[str] = field(default_factory=list)
    # Fraction of the files rendered, 0 to 1: what the UI draws its progress bar from.
    progress: float | None = None
