"""The bench report: sections of rows plus the targets, rendered as Markdown and as JSON.

Both renderings come from one object so the table printed to the terminal, the Markdown file
pasted into the README and the JSON kept for comparison can never disagree.
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bench.stats import Summary

MISSED = "**MISSED**"
MET = "met"
UNKNOWN = "not measured"


def duration(seconds: float) -> str:
    """A human duration with a unit chosen for its size (ms below one second)."""
    if seconds < 1.0:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def spread(summary: Summary) -> str:
    """``min-max`` of a summary, in the unit its median would be printed in."""
    if summary.median < 1.0 and summary.maximum < 1.0:
        return f"{summary.minimum * 1000:.1f}-{summary.maximum * 1000:.1f} ms"
    return f"{summary.minimum:.2f}-{summary.maximum:.2f} s"


def megabytes(kilobytes: float) -> str:
    return f"{kilobytes / 1024:.0f} MB"


@dataclass(frozen=True)
class Target:
    """A claim with a threshold; ``met is None`` when it could not be measured in this run."""

    name: str
    measured: str
    goal: str
    met: bool | None
    # What would close the gap; printed in the closing note only when the target is missed.
    remedy: str

    @property
    def verdict(self) -> str:
        if self.met is None:
            return UNKNOWN
        return MET if self.met else MISSED


@dataclass
class Section:
    """One table of the report; ``data`` keeps the raw samples behind its rows for the JSON."""

    title: str
    columns: Sequence[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: list[dict[str, object]] = field(default_factory=list)

    def add_row(self, *cells: str) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{self.title}: {len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(list(cells))


def machine() -> dict[str, str]:
    """Where the numbers were taken: they mean little without the core count and Python."""
    one, five, fifteen = os.getloadavg()
    return {
        "cores": str(os.cpu_count()),
        "load_at_start": f"{one:.2f} {five:.2f} {fifteen:.2f}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "executable": sys.executable,
    }


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    return [line(columns), "|" + "|".join("---" for _ in columns) + "|", *map(line, rows)]


@dataclass
class Report:
    settings: dict[str, object]
    sections: list[Section] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    generated_at: str = field(
        default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    )
    host: dict[str, str] = field(default_factory=machine)
    # Other work on a shared machine skews every number; the reader should see how much.
    load_at_end: str = ""

    def markdown(self) -> str:
        host = self.host
        lines = [
            "## loopwire benchmark",
            "",
            f"{self.generated_at} · {host['cores']} cores · {host['python']} · "
            f"{host['platform']} · load average at start {host['load_at_start']}, at end "
            f"{self.load_at_end}",
            "",
            "Settings: " + ", ".join(f"{key}={value}" for key, value in self.settings.items()),
        ]
        if self.targets:
            lines += ["", "### Targets", ""]
            lines += markdown_table(
                ("target", "measured", "goal", "verdict"),
                [(t.name, t.measured, t.goal, t.verdict) for t in self.targets],
            )
        for section in self.sections:
            lines += ["", f"### {section.title}", ""]
            lines += markdown_table(section.columns, section.rows)
            if section.notes:
                lines.append("")
                lines += [f"- {note}" for note in section.notes]
        lines += ["", "### Closing note", ""]
        missed = [t for t in self.targets if t.met is False]
        unknown = [t for t in self.targets if t.met is None]
        if not missed and not unknown:
            lines.append("Every target was met in this run.")
        lines += [f"- MISSED {t.name}: {t.remedy}" for t in missed]
        lines += [f"- Not measured in this run: {t.name} ({t.measured})." for t in unknown]
        return "\n".join(lines) + "\n"

    def as_json(self) -> dict[str, object]:
        return {
            "generated_at": self.generated_at,
            "machine": {**self.host, "load_at_end": self.load_at_end},
            "settings": self.settings,
            "targets": [
                {
                    "name": t.name,
                    "measured": t.measured,
                    "goal": t.goal,
                    "met": t.met,
                    "remedy": t.remedy,
                }
                for t in self.targets
            ],
            "sections": [
                {
                    "title": s.title,
                    "columns": list(s.columns),
                    "rows": s.rows,
                    "notes": s.notes,
                    "data": s.data,
                }
                for s in self.sections
            ],
        }
