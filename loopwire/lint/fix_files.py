"""Applying ``loopwire lint --fix`` to files without losing anything: each file is fixed from
the bytes it had when it was linted, in its own encoding, and replaced atomically only if nobody
changed it meanwhile; every file left alone says why."""

from __future__ import annotations

import difflib
import io
import os
import tokenize
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from loopwire.findings import Finding
from loopwire.lint.fixes import allowed, fix_source


@dataclass(frozen=True, slots=True)
class Stamp:
    """What a file looked like when it was linted: a later difference means someone edited it."""

    mtime_ns: int
    size: int

    @classmethod
    def of(cls, path: Path) -> Stamp:
        info = path.stat()
        return cls(info.st_mtime_ns, info.st_size)


def stamps(paths: Iterable[Path]) -> dict[str, Stamp]:
    """Stamps keyed like findings' paths; taken before linting, checked again before writing."""
    taken: dict[str, Stamp] = {}
    for path in paths:
        try:
            taken[str(path)] = Stamp.of(path)
        except OSError:
            continue  # reported by the lint run as unreadable
    return taken


@dataclass(frozen=True, slots=True)
class FilePlan:
    path: Path
    stamp: Stamp
    encoding: str
    original: bytes
    fixed: bytes
    findings: tuple[Finding, ...]

    def diff(self) -> str:
        before = self.original.decode(self.encoding).splitlines(keepends=True)
        after = self.fixed.decode(self.encoding).splitlines(keepends=True)
        lines = difflib.unified_diff(before, after, str(self.path), str(self.path))
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


@dataclass
class FixRun:
    plans: list[FilePlan] = field(default_factory=list)
    # One line per file that had fixable findings but was left untouched, and why.
    problems: list[str] = field(default_factory=list)

    @property
    def fixed(self) -> int:
        return sum(len(plan.findings) for plan in self.plans)


def plan_fixes(findings: Iterable[Finding], taken: dict[str, Stamp], *, unsafe: bool) -> FixRun:
    """Work out every file's fixes (nothing is written)."""
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        if allowed(finding.code, unsafe):
            by_path.setdefault(finding.path, []).append(finding)
    run = FixRun()
    for path, mine in sorted(by_path.items()):
        stamp = taken.get(path)
        if stamp is None:
            run.problems.append(f"{path}: not fixed: it was not readable when linted")
            continue
        outcome = plan_file(Path(path), mine, stamp, unsafe=unsafe)
        if isinstance(outcome, FilePlan):
            run.plans.append(outcome)
        elif outcome is not None:
            run.problems.append(outcome)
    return run


def plan_file(
    path: Path, findings: Sequence[Finding], stamp: Stamp, *, unsafe: bool
) -> FilePlan | str | None:
    """The fixed bytes of one file; a message when it cannot be fixed; None when nothing to do."""
    try:
        original = path.read_bytes()
        changed = Stamp.of(path) != stamp
    except OSError as exc:
        return f"{path}: not fixed: cannot read it: {exc.strerror}"
    if changed:
        return f"{path}: not fixed: the file changed since it was linted"
    encoding, text = _decode(original)
    if text is None:
        return f"{path}: not fixed: cannot decode it as {encoding}"
    result = fix_source(text, findings, unsafe=unsafe)
    if result.problem is not None:
        return f"{path}: not fixed: {result.problem}"
    if not result.fixed:
        return None
    return FilePlan(path, stamp, encoding, original, result.source.encode(encoding), result.fixed)


def write_plan(plan: FilePlan) -> str | None:
    """Replace the file atomically with the fixed bytes, unless it changed since it was linted;
    a message when it was left untouched."""
    target = Path(os.path.realpath(plan.path))
    try:
        if Stamp.of(target) != plan.stamp or target.read_bytes() != plan.original:
            return f"{plan.path}: not fixed: the file changed since it was linted"
        mode = target.stat().st_mode & 0o7777
    except OSError as exc:
        return f"{plan.path}: not fixed: cannot read it: {exc.strerror}"
    # Written next to the file and renamed over it: an interrupted fix never leaves half a file.
    temporary = target.with_name(f".{target.name}.loopwire-fix")
    try:
        temporary.write_bytes(plan.fixed)
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        return f"{plan.path}: not fixed: cannot write it: {exc.strerror}"
    return None


def _decode(source: bytes) -> tuple[str, str | None]:
    """(encoding, text) as CPython reads the file; a BOM is kept through ``utf-8-sig``."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    except SyntaxError:
        return "utf-8", None
    try:
        return encoding, source.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return encoding, None
