"""``python -m bench.realworld``: lint public asyncio packages from PyPI as a new user would.

A linter is judged by its findings on code its authors did not write. This installs pinned
releases of public asyncio projects (wheels ship their source) into a throwaway directory, lints
each with ``loopwire lint``, ruff's ASYNC rules and flake8-async, and prints per package: findings
by code, transitive (LW110) findings, distinct chains and the blocking helpers they run through,
the time, and how many of the peers' findings loopwire also reports. The judged sample
(``bench/realworld_judged.csv``) turns the run's loopwire-only findings into a precision;
findings nobody judged yet are written out in the same form, ready to be judged.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import tempfile
import tomllib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.judgements import (
    COLUMNS,
    TRANSITIVE,
    Judgement,
    JudgementError,
    PeerKey,
    Seen,
    load,
    mistakes,
    precision,
    refuted,
)
from bench.measure import run_command
from bench.report import Report, Section, Target, duration
from bench.tools import executable

PROJECT = Path(__file__).resolve().parent.parent
JUDGED = Path(__file__).resolve().parent / "realworld_judged.csv"
CONFIGS = Path(__file__).resolve().parent / "realworld_config.toml"
PRECISION_GOAL = 0.90
# Pinned, so that a judged finding is found again at the same line.
PACKAGES = (
    "sanic==25.12.1",
    "aiogram==3.31.0",
    "python-telegram-bot==22.8",
    "textual==8.2.8",
    "aiokafka==0.14.0",
    "motor==3.7.1",
    "uvicorn==0.55.0",
    "jupyter_server==2.21.1",
    "hypercorn==0.18.0",
    "starlette==1.10.0",
    "discord.py==2.7.1",
    "redis==8.2.0",
    "slixmpp==1.17.0",
    "pyrogram==2.0.106",
    "quart==0.22.0",
    "litestar==2.25.0",
    "matrix-nio==0.26.0",
)
TIMEOUT = 600.0
PEER_LINE = re.compile(r"^(.+?):(\d+):\d+:? (ASYNC\d+)\b", re.MULTILINE)
CHAIN = re.compile(r"blocks the event loop(?: there)?: (.+) \((LW\d+)\)")
# Off by default: blocking in the functions a project declares as start-up code. The session
# selects it so a peer's finding there still counts as reported, and leaves it out of precision
# (a default run does not show it).
STARTUP = "LW113"


def log(message: str) -> None:
    print(f"[realworld] {message}", file=sys.stderr, flush=True)


@dataclass
class Installed:
    """One distribution in the throwaway directory: its import packages (or modules)."""

    name: str
    version: str
    roots: list[Path]

    @property
    def files(self) -> list[Path]:
        found: list[Path] = []
        for root in self.roots:
            found.extend(sorted(root.rglob("*.py")) if root.is_dir() else [root])
        return found


def distribution_roots(site: Path, record: str) -> list[Path]:
    """The top-level packages and modules a wheel's RECORD lists (scripts and metadata aside)."""
    tops: set[str] = set()
    for row in csv.reader(record.splitlines()):
        if not row:
            continue
        parts = Path(row[0]).parts
        if not parts or ".." in parts or parts[0].endswith((".dist-info", ".data")):
            continue
        if parts[0] in ("bin", "__pycache__") or not parts[-1].endswith(".py"):
            continue
        tops.add(parts[0])
    return [site / top for top in sorted(tops)]


def install(specs: Sequence[str], site: Path) -> list[Installed]:
    """``pip install --no-deps --target``: only the source is needed, not a working install."""
    argv = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile"]
    run = run_command([*argv, "--target", str(site), *specs], cwd=site.parent, timeout=TIMEOUT)
    if run.returncode != 0:
        raise SystemExit(f"pip install failed:\n{run.stderr.strip()}")
    installed: list[Installed] = []
    for info in sorted(site.glob("*.dist-info")):
        name, _, version = info.name.removesuffix(".dist-info").rpartition("-")
        roots = distribution_roots(site, (info / "RECORD").read_text(encoding="utf-8"))
        installed.append(Installed(name, version, roots))
    return installed


@dataclass
class PeerRun:
    """Findings of one peer linter on one package: (path, line, code), relative paths."""

    name: str
    findings: list[tuple[str, int, str]] = field(default_factory=list)
    problem: str | None = None


@dataclass
class PackageRun:
    package: Installed
    files: int
    lines: int
    seconds: float
    findings: list[dict[str, object]]
    problem: str | None
    peers: list[PeerRun]


def relative(site: Path, path: str) -> str:
    candidate = Path(path)
    return str(candidate.relative_to(site)) if candidate.is_relative_to(site) else path


def chain_of(finding: dict[str, object]) -> list[str]:
    """The names along a transitive finding's chain as its message shows them (what the judged
    sample records), else JSON's ``chain``."""
    match = CHAIN.search(str(finding.get("message", "")))
    if match:
        return match.group(1).split(" -> ")
    chain = finding.get("chain")
    return [str(name) for name in chain] if isinstance(chain, list) else []


def supports_startup_code() -> bool:
    """Whether the loopwire under test knows LW113 (an older one refuses unknown codes)."""
    from loopwire.lint.rules import BY_CODE

    return STARTUP in BY_CODE


def project_config(package: Installed, table: Mapping[str, object], cwd: Path) -> list[str]:
    """``--config FILE`` with the package's own ``[tool.loopwire]``, when it has one."""
    settings = table.get(package.name)
    if not isinstance(settings, Mapping):
        return []
    lines = ["[tool.loopwire]"]
    for key, value in settings.items():
        lines.append(f"{key} = {json.dumps(value)}")
    path = cwd / f"{package.name}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ["--config", str(path)]


def lint_package(
    package: Installed, site: Path, cwd: Path, peers: bool, configs: Mapping[str, object]
) -> PackageRun:
    files = package.files
    lines = sum(path.read_bytes().count(b"\n") for path in files)
    loopwire = executable("loopwire")
    prefix = [loopwire] if loopwire else [sys.executable, "-m", "loopwire"]
    roots = [str(root) for root in package.roots]
    # No cache: the time is a first run's, and nothing is written into the installed tree.
    options = ["--no-cache", "--format", "json", *project_config(package, configs, cwd)]
    if supports_startup_code():
        options += ["--select", f"LW,{STARTUP}"]
    run = run_command([*prefix, "lint", *options, *roots], cwd=cwd, timeout=TIMEOUT)
    problem = None
    findings: list[dict[str, object]] = []
    if run.timed_out or run.returncode not in (0, 1, 2):
        problem = f"exit {run.returncode}: {(run.stderr.strip().splitlines() or [''])[-1][:160]}"
    else:
        findings = json.loads(run.stdout or "[]")
        for finding in findings:
            finding["path"] = relative(site, str(finding["path"]))
    log(f"{package.name}: {len(findings)} findings in {duration(run.seconds)}")
    peer_runs = [ruff(roots, site, cwd)]
    if peers:
        peer_runs.append(flake8_async(files, site, cwd))
    return PackageRun(package, len(files), lines, run.seconds, findings, problem, peer_runs)


def ruff(roots: Sequence[str], site: Path, cwd: Path) -> PeerRun:
    peer = PeerRun("ruff")
    found = executable("ruff")
    if found is None:
        peer.problem = "not installed"
        return peer
    options = ["check", "--select", "ASYNC", "--isolated", "--no-cache", "--output-format", "json"]
    run = run_command([found, *options, *roots], cwd=cwd, timeout=TIMEOUT)
    if run.returncode not in (0, 1):
        peer.problem = f"exit {run.returncode}"
        return peer
    for item in json.loads(run.stdout or "[]"):
        location = item["location"]
        peer.findings.append((relative(site, item["filename"]), location["row"], item["code"]))
    return peer


def flake8_async(files: Sequence[Path], site: Path, cwd: Path) -> PeerRun:
    peer = PeerRun("flake8-async")
    found = executable("flake8-async")
    if found is None:
        peer.problem = "not installed"
        return peer
    # Standalone flake8-async does not recurse: it gets the file list. Blocking-call codes only.
    run = run_command([found, "--enable", "ASYNC2", *map(str, files)], cwd=cwd, timeout=TIMEOUT)
    if run.timed_out or run.returncode not in (0, 1):
        peer.problem = "timed out" if run.timed_out else f"exit {run.returncode}"
        return peer
    for path, line, code in PEER_LINE.findall(run.stdout):
        peer.findings.append((relative(site, path), int(line), code))
    return peer


def equivalents() -> dict[str, set[str]]:
    """Peer code -> the loopwire codes that report the same thing."""
    from loopwire.lint.rules import RULES

    table: dict[str, set[str]] = {}
    for rule in RULES:
        for alias in rule.aliases:
            table.setdefault(alias, set()).add(rule.code)
    return table


def coverage(
    run: PackageRun,
    peer: PeerRun,
    table: dict[str, set[str]],
    wrong: frozenset[PeerKey] = frozenset(),
) -> tuple[int, int]:
    """(covered, total): the peer's findings with a loopwire equivalent that loopwire reports on
    the same line with an equivalent code (or as start-up code, where the project said so);
    a peer finding judged ``wrong`` (read in the code: nothing blocks there) is not wanted."""
    ours = {(f["path"], f["line"], f["code"]) for f in run.findings}
    name, version = run.package.name, run.package.version
    wanted = [
        (path, line, code)
        for path, line, code in peer.findings
        if code in table and (name, version, path, line, code) not in wrong
    ]
    covered = sum(
        any((path, line, mine) in ours for mine in (*table[code], STARTUP))
        for path, line, code in wanted
    )
    return covered, len(wanted)


def seen(run: PackageRun) -> list[Seen]:
    peer_lines = {(path, line) for peer in run.peers for path, line, _ in peer.findings}
    found: list[Seen] = []
    for finding in run.findings:
        path, code = str(finding["path"]), str(finding["code"])
        line, column = int(str(finding["line"])), int(str(finding["column"]))
        if code in ("LW001", STARTUP):
            continue
        chain = " -> ".join(chain_of(finding)) if code == TRANSITIVE else ""
        only = (path, line) not in peer_lines
        name, version = run.package.name, run.package.version
        message = str(finding["message"])
        found.append(Seen(name, version, path, line, column, code, chain, only, message))
    return found


def _judged_wrong(run: PackageRun, peer: PeerRun, wrong: frozenset[PeerKey]) -> int:
    name, version = run.package.name, run.package.version
    return sum((name, version, *finding) in wrong for finding in peer.findings)


def package_rows(
    runs: Sequence[PackageRun], section: Section, wrong: frozenset[PeerKey] = frozenset()
) -> None:
    table = equivalents()
    for run in runs:
        codes = Counter(str(f["code"]) for f in run.findings)
        chains = [chain_of(f) for f in run.findings if f["code"] == TRANSITIVE]
        # The chain below the call site, and the helper that makes the blocking call itself.
        below = {tuple(chain[1:]) for chain in chains}
        helpers = {chain[-2] for chain in chains if len(chain) >= 2}
        only = sum(item.loopwire_only for item in seen(run))
        cells = []
        for peer in run.peers:
            if peer.problem:
                cells.append(f"{peer.name}: {peer.problem}")
            else:
                covered, total = coverage(run, peer, table, wrong)
                refuted_here = _judged_wrong(run, peer, wrong)
                aside = f" (+{refuted_here} judged wrong)" if refuted_here else ""
                cells.append(f"{peer.name} {covered}/{total}{aside}")
        section.add_row(
            f"{run.package.name} {run.package.version}",
            str(run.files),
            f"{run.lines:,}",
            run.problem or duration(run.seconds),
            ", ".join(f"{code} x{n}" for code, n in sorted(codes.items())) or "none",
            str(codes[TRANSITIVE]),
            f"{len(below)} / {len(helpers)}",
            str(only),
            "; ".join(cells),
        )
        section.data.append(
            {
                "package": run.package.name,
                "version": run.package.version,
                "files": run.files,
                "lines": run.lines,
                "seconds": run.seconds,
                "findings": run.findings,
                "peers": {p.name: [list(f) for f in p.findings] for p in run.peers},
            }
        )


def peer_targets(
    runs: Sequence[PackageRun], wrong: frozenset[PeerKey] = frozenset()
) -> list[Target]:
    table = equivalents()
    targets: list[Target] = []
    for name in ("ruff", "flake8-async"):
        covered = total = refuted_ones = 0
        for run in runs:
            for peer in run.peers:
                if peer.name == name and peer.problem is None:
                    got, wanted = coverage(run, peer, table, wrong)
                    covered += got
                    total += wanted
                    refuted_ones += _judged_wrong(run, peer, wrong)
        if not any(p.name == name for run in runs for p in run.peers):
            continue
        aside = f" (+{refuted_ones} judged wrong)" if refuted_ones else ""
        targets.append(
            Target(
                f"{name} findings loopwire also reports",
                f"{covered}/{total}{aside}",
                "all",
                covered == total,
                f"lint a package where {name} reports a line loopwire does not, and add what "
                "it calls to the catalog",
            )
        )
    return targets


def judged_section(
    runs: Sequence[PackageRun], judged: Sequence[Judgement]
) -> tuple[Section, list[Target]]:
    section = Section(
        "Judged precision of loopwire-only findings",
        (
            "findings",
            "precision",
            "judged and reported",
            "not judged",
            "judged, no longer reported (real / false)",
        ),
    )
    found = [item for run in runs for item in seen(run)]
    packages = [(run.package.name, run.package.version) for run in runs]
    targets: list[Target] = []
    for label, code in (("loopwire-only, all codes", None), ("LW110 (transitive)", TRANSITIVE)):
        result = precision(label, judged, found, packages, code)
        section.add_row(
            label,
            result.text(),
            str(result.judged),
            str(result.unjudged),
            f"{result.gone_real} / {result.gone_false}",
        )
        section.data.append(
            {
                "label": label,
                "real": result.real,
                "judged": result.judged,
                "unjudged": result.unjudged,
                "gone_real": result.gone_real,
                "gone_false": result.gone_false,
            }
        )
        value = result.value
        targets.append(
            Target(
                f"judged precision, {label}",
                result.text(),
                f">= {PRECISION_GOAL:.0%}",
                None if value is None else value >= PRECISION_GOAL,
                "read the false findings still reported (realworld-findings.csv) and fix the "
                "largest class of mistake first",
            )
        )
    classes = mistakes(judged, found)
    if classes:
        section.notes.append(
            "False findings still reported, by class: "
            + ", ".join(f"{name} x{n}" for name, n in classes.items())
            + "."
        )
    section.notes.append(
        "A judged finding no longer reported: a false one is a fix, a real one is a loss "
        "(a real one must never go)."
    )
    return section, targets


def write_findings(runs: Sequence[PackageRun], judged: Sequence[Judgement], path: Path) -> int:
    """Every loopwire-only finding of the run in the judged sample's form, with its message and
    the verdict filled in where one is known; returns how many still need one."""
    by_key = {j.key: j for j in judged}
    open_ones = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([*COLUMNS, "message"])
        for run in runs:
            for item in seen(run):
                if not item.loopwire_only:
                    continue
                known = by_key.get(item.key)
                if known is not None and (item.code != TRANSITIVE or known.chain == item.chain):
                    verdict = ["true" if known.real else "false", known.mistake, known.reason]
                else:
                    verdict = ["", "", ""]
                    open_ones += 1
                where = [item.package, item.version, item.path, str(item.line), str(item.column)]
                where.append(item.code)
                writer.writerow([*where, item.chain, *verdict, item.message])
    return open_ones


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.realworld", description=__doc__)
    parser.add_argument(
        "packages",
        nargs="*",
        default=list(PACKAGES),
        help="requirement specifiers to install and lint (default: the pinned list)",
    )
    parser.add_argument("--judged", type=Path, default=JUDGED, help="the judged sample (CSV)")
    parser.add_argument(
        "--configs",
        type=Path,
        default=CONFIGS,
        help="each package's own [tool.loopwire], by distribution name (TOML)",
    )
    parser.add_argument(
        "--no-flake8-async",
        action="store_true",
        help="skip flake8-async (tens of seconds a package)",
    )
    parser.add_argument("--output-dir", type=Path, default=PROJECT / "bench-results")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    try:
        judged = load(args.judged) if args.judged.exists() else []
    except JudgementError as exc:
        print(f"realworld: {exc}", file=sys.stderr)
        return 2
    configs = (
        tomllib.loads(args.configs.read_text(encoding="utf-8")) if args.configs.exists() else {}
    )
    report = Report({"packages": len(args.packages), "judged": len(judged)})
    with tempfile.TemporaryDirectory(prefix="loopwire-realworld-") as tmp:
        site = Path(tmp) / "site"
        site.mkdir()
        # An empty directory to run from: no pyproject.toml or .git above it to pick up.
        cwd = Path(tmp) / "run"
        cwd.mkdir()
        log(f"installing {len(args.packages)} packages")
        installed = install(args.packages, site)
        peers = not args.no_flake8_async
        runs = [lint_package(item, site, cwd, peers, configs) for item in installed]
    packages = Section(
        "loopwire lint on public asyncio packages",
        (
            "package",
            "files",
            "lines",
            "loopwire time",
            "findings by code",
            "LW110",
            "chains / blocking helpers",
            "loopwire-only",
            "peer findings loopwire also reports",
        ),
    )
    wrong = refuted(judged)
    package_rows(runs, packages, wrong)
    packages.notes.append(
        "`loopwire lint --no-cache --format json PACKAGE_DIR` from an empty directory, with "
        f"the package's own `[tool.loopwire]` from {args.configs.name} if it has one; peers: "
        "`ruff check --select ASYNC --isolated`, `flake8-async --enable ASYNC2 FILES`. A peer "
        "finding counts when loopwire reports its line with an equivalent code; one read in "
        f"the code and judged wrong ({args.judged.name}, class `peer`) is left out."
    )
    packages.notes.append(
        "chains: distinct chains below the call site; blocking helpers: distinct functions "
        "at the end of a chain that make the blocking call."
    )
    precision_section, targets = judged_section(runs, judged)
    report.sections += [packages, precision_section]
    report.targets += [*targets, *peer_targets(runs, wrong)]
    args.output_dir.mkdir(parents=True, exist_ok=True)
    open_ones = write_findings(runs, judged, args.output_dir / "realworld-findings.csv")
    precision_section.notes.append(
        f"{open_ones} loopwire-only findings have no verdict yet: see "
        f"{args.output_dir / 'realworld-findings.csv'} (same columns as {args.judged.name})."
    )
    text = report.markdown()
    (args.output_dir / "realworld.md").write_text(text, encoding="utf-8")
    (args.output_dir / "realworld.json").write_text(
        json.dumps(report.as_json(), indent=2) + "\n", encoding="utf-8"
    )
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
