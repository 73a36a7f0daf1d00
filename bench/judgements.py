"""The judged sample of ``loopwire lint`` findings on other people's code, and precision from it.

Each row is one loopwire-only finding (no peer linter reports its line) that a person judged
real or not by reading the code behind it, with a one-line reason and, for a false one, the
class of mistake (``mro``, ``startup``, ``offload``, ``cached``, ``guarded``, ``argument``,
``cheap-call``, ``catalog``: the classes of issue 11 and those found since). Packages
are pinned, so a judged finding is found again by package, version, path, line, column and
code; for a transitive (LW110) finding the judged chain must match too, since a call site is
judged for the chain it was read through. Precision is computed over the judged findings a run
reports; the judged findings it no longer reports are counted apart: a false one gone is a fix,
a real one gone is a loss.

A row with a peer's code (``ASYNC232``, column 0) is a peer finding read and judged false (class
``peer``): loopwire rightly does not report it, so it is left out of the peer coverage instead
of counting as a miss. It never enters loopwire's precision.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

COLUMNS = (
    "package",
    "version",
    "path",
    "line",
    "column",
    "code",
    "chain",
    "verdict",
    "class",
    "reason",
)
TRANSITIVE = "LW110"
# package, version, path, line, column, code
Key = tuple[str, str, str, int, int, str]


class JudgementError(ValueError):
    """A judged-sample file that cannot be read as one."""


@dataclass(frozen=True, slots=True)
class Seen:
    """A loopwire finding of a real-world run, in the terms the judged sample uses."""

    package: str
    version: str
    path: str  # relative to the directory the package was installed into
    line: int
    column: int
    code: str
    # ``a -> b -> os.stat`` for a transitive finding, empty otherwise.
    chain: str
    # No peer linter (ruff, flake8-async) reports anything on this line.
    loopwire_only: bool
    message: str = ""

    @property
    def key(self) -> Key:
        return (self.package, self.version, self.path, self.line, self.column, self.code)


@dataclass(frozen=True, slots=True)
class Judgement:
    package: str
    version: str
    path: str
    line: int
    column: int
    code: str
    chain: str
    real: bool
    mistake: str  # class of a false finding; empty for a real one
    reason: str

    @property
    def key(self) -> Key:
        return (self.package, self.version, self.path, self.line, self.column, self.code)

    @property
    def of_peer(self) -> bool:
        """A peer linter's finding (its code is not loopwire's), not one of loopwire's."""
        return not self.code.startswith("LW")

    def row(self) -> list[str]:
        verdict = "true" if self.real else "false"
        return [
            self.package,
            self.version,
            self.path,
            str(self.line),
            str(self.column),
            self.code,
            self.chain,
            verdict,
            self.mistake,
            self.reason,
        ]


def load(path: Path) -> list[Judgement]:
    """Read a judged sample; a malformed row is an error naming the file and the line."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or tuple(header) != COLUMNS:
            raise JudgementError(f"{path}: the first row must be {','.join(COLUMNS)}")
        judged: list[Judgement] = []
        for number, row in enumerate(reader, start=2):
            if not row:
                continue
            judged.append(_parse(path, number, row))
    return judged


def _parse(path: Path, number: int, row: Sequence[str]) -> Judgement:
    if len(row) != len(COLUMNS):
        raise JudgementError(f"{path}:{number}: {len(row)} fields, expected {len(COLUMNS)}")
    package, version, where, line, column, code, chain, verdict, mistake, reason = row
    if verdict not in ("true", "false"):
        raise JudgementError(f"{path}:{number}: verdict must be true or false, not {verdict!r}")
    if not (line.isdigit() and column.isdigit()):
        raise JudgementError(f"{path}:{number}: line and column must be numbers")
    if verdict == "false" and not mistake:
        raise JudgementError(f"{path}:{number}: a false finding needs its class of mistake")
    real = verdict == "true"
    if real and not code.startswith("LW"):
        # A real peer finding loopwire misses is a miss the coverage must show, not a verdict.
        raise JudgementError(f"{path}:{number}: only a false peer finding ({code}) is judged")
    return Judgement(
        package, version, where, int(line), int(column), code, chain, real, mistake, reason
    )


def save(path: Path, judged: Iterable[Judgement]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for judgement in sorted(judged, key=lambda j: j.key):
            writer.writerow(judgement.row())


@dataclass(frozen=True, slots=True)
class Precision:
    """Judged findings a run reports (true / all), and judged ones it no longer reports."""

    label: str
    real: int
    judged: int
    # Judged findings of this kind the run did not report, by verdict.
    gone_real: int
    gone_false: int
    # Findings of this kind the run reports that nobody judged.
    unjudged: int

    @property
    def value(self) -> float | None:
        return self.real / self.judged if self.judged else None

    def text(self) -> str:
        if self.value is None:
            return "no judged finding reported"
        return f"{self.value:.0%} ({self.real}/{self.judged})"


def _matches(judgement: Judgement, seen: Seen) -> bool:
    return judgement.code != TRANSITIVE or judgement.chain == seen.chain


def precision(
    label: str,
    judged: Sequence[Judgement],
    seen: Sequence[Seen],
    packages: Iterable[tuple[str, str]],
    code: str | None = None,
) -> Precision:
    """Precision over the judged loopwire-only findings among ``seen`` (of one ``code`` when
    given); only the packages of this run count."""
    ran = set(packages)
    by_key = {
        j.key: j
        for j in judged
        if (j.package, j.version) in ran and not j.of_peer and (code is None or j.code == code)
    }
    real = total = unjudged = 0
    # Still reported, whether a peer now reports the line too or not: not gone.
    reported = {finding.key for finding in seen if finding.key in by_key}
    for finding in seen:
        if not finding.loopwire_only or (code is not None and finding.code != code):
            continue
        judgement = by_key.get(finding.key)
        if judgement is None or not _matches(judgement, finding):
            unjudged += 1
            continue
        total += 1
        real += judgement.real
    gone = [j for key, j in by_key.items() if key not in reported]
    return Precision(
        label,
        real,
        total,
        gone_real=sum(j.real for j in gone),
        gone_false=sum(not j.real for j in gone),
        unjudged=unjudged,
    )


def mistakes(judged: Sequence[Judgement], seen: Sequence[Seen]) -> dict[str, int]:
    """False loopwire-only findings the run still reports, by class of mistake."""
    keys = {finding.key: finding for finding in seen if finding.loopwire_only}
    counts: dict[str, int] = {}
    for judgement in judged:
        if judgement.of_peer:
            continue
        finding = keys.get(judgement.key)
        if judgement.real or finding is None or not _matches(judgement, finding):
            continue
        counts[judgement.mistake] = counts.get(judgement.mistake, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


# package, version, path, line, peer code
PeerKey = tuple[str, str, str, int, str]


def refuted(judged: Iterable[Judgement]) -> frozenset[PeerKey]:
    """The peer findings judged false: left out of what loopwire must also report."""
    return frozenset(
        (j.package, j.version, j.path, j.line, j.code) for j in judged if j.of_peer and not j.real
    )
