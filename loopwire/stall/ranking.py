"""The run's stall sites ranked by total stalled time, for the end-of-run summary."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from loopwire.loopwatch.stall import Stall

# The summary lists this many sites; the rest are counted in one line.
SHOWN = 15


@dataclass
class Site:
    where: str
    count: int = 0
    worst: float = 0.0
    total: float = 0.0
    verdicts: set[str] = field(default_factory=set)
    tests: set[str] = field(default_factory=set)


@dataclass
class Ranking:
    """Every stall past the threshold, by site. A verdict is ``failed``, ``allowed: REASON``
    or ``not counted: EXCUSES`` (what the stall's time went to instead: ``waiting for a CPU,
    for the GIL``, ``collecting garbage``; see :attr:`Stall.excuses`)."""

    sites: dict[str, Site] = field(default_factory=dict)

    def add(self, stall: Stall, verdict: str, test: str) -> None:
        site = self.sites.setdefault(stall.where, Site(stall.where))
        site.count += 1
        site.worst = max(site.worst, stall.own)
        site.total += stall.own
        site.verdicts.add(verdict)
        site.tests.add(test)

    def handover(self) -> list[dict[str, Any]]:
        """The sites as plain data, for an xdist worker to hand its controller."""
        return [
            {**vars(site), "verdicts": sorted(site.verdicts), "tests": sorted(site.tests)}
            for site in self.sites.values()
        ]

    def take_over(self, sites: Iterable[Mapping[str, Any]]) -> None:
        """Add the sites another process ranked (:meth:`handover`) to this ranking."""
        for other in sites:
            site = self.sites.setdefault(other["where"], Site(other["where"]))
            site.count += other["count"]
            site.worst = max(site.worst, other["worst"])
            site.total += other["total"]
            site.verdicts.update(other["verdicts"])
            site.tests.update(other["tests"])

    def lines(self) -> Iterator[str]:
        ranked = sorted(self.sites.values(), key=lambda s: s.total, reverse=True)
        yield f"{'count':>5}  {'worst':>8}  {'total':>8}  site  (tests; verdicts)"
        for site in ranked[:SHOWN]:
            tests = f"{len(site.tests)} test{'s' if len(site.tests) != 1 else ''}"
            yield (
                f"{site.count:>5}  {_ms(site.worst):>8}  {_ms(site.total):>8}  {site.where}  "
                f"({tests}; {'; '.join(sorted(site.verdicts))})"
            )
        if len(ranked) > SHOWN:
            yield f"... and {len(ranked) - SHOWN} more sites"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"
