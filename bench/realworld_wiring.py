"""``python -m bench.realworld_wiring``: ``loopwire wiring`` on public asyncio projects we did not
write, with no configuration, as a new user would run it.

The static wiring check is only useful if it is quiet on healthy code: a check that reports a
thousand optional fields of a chat-bot framework is switched off before it finds the one field a
response never fills. This survey installs pinned releases of public asyncio packages (sources
only, no dependencies, into a throwaway directory), runs the check on each with no configuration,
and prints findings per package, per code and per 10,000 lines, with the time each run took.

Precision comes from a judged sample kept in the repository (``bench/realworld_wiring_judged.csv``:
package, version, symbol, code, verdict, reason), read by people from the packages' code. A
finding of the current run that the sample judges counts towards precision; the others are
listed as unjudged, so a change of the check that reports something new shows up here.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.corpora import collect

PROJECT = Path(__file__).resolve().parent.parent
JUDGED = Path(__file__).resolve().parent / "realworld_wiring_judged.csv"
VERDICTS = ("true", "false")


@dataclass(frozen=True)
class Package:
    """A pinned release and the import packages inside it that the check is run on."""

    distribution: str
    version: str
    roots: tuple[str, ...]
    what: str


# Projects with schemas (dataclasses, pydantic models, TypedDicts, attrs) and event enums, of
# the shapes the check meets in the wild: bot frameworks, web and ASGI frameworks, a messaging
# framework, a process supervisor. Pinned, so a change in the numbers is a change of the check.
PACKAGES = (
    Package("python-telegram-bot", "22.8", ("telegram",), "chat-bot framework"),
    Package("discord.py", "2.7.1", ("discord",), "Discord library"),
    Package("starlette", "1.10.0", ("starlette",), "ASGI framework"),
    Package("litestar", "2.25.0", ("litestar",), "web framework"),
    Package("faststream", "0.7.8", ("faststream",), "messaging framework"),
    Package("supervisor", "4.3.0", ("supervisor",), "process supervisor daemon"),
    Package("sanic", "25.12.1", ("sanic",), "web framework"),
    Package("aiogram", "3.31.0", ("aiogram",), "bot framework"),
    # Held out: not looked at while the check was tuned on the eight above.
    Package("hikari", "2.7.0", ("hikari",), "Discord library (attrs), held out"),
    Package("fastapi", "0.165.0", ("fastapi",), "web framework, held out"),
    Package("mcp", "2.3.0", ("mcp",), "protocol SDK (pydantic), held out"),
)


@dataclass(frozen=True)
class Judgement:
    verdict: str
    reason: str


@dataclass(frozen=True)
class Result:
    package: Package
    files: int
    lines: int
    seconds: float
    exit_code: int
    findings: list[dict[str, object]]

    def per_10k(self) -> float:
        return len(self.findings) * 10_000 / self.lines if self.lines else 0.0


def install(packages: Sequence[Package], target: Path) -> None:
    """The pinned releases, without their dependencies: the check reads source, runs nothing."""
    pins = [f"{p.distribution}=={p.version}" for p in packages]
    command = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-compile"]
    subprocess.run([*command, "--target", str(target), *pins], check=True)


def run_wiring(package: Package, target: Path) -> Result:
    roots = [target / root for root in package.roots]
    corpora = [collect(root.name, root) for root in roots]
    # From the target directory, which has no pyproject.toml: no configuration at all.
    command = [sys.executable, "-m", "loopwire", "wiring", "--format", "json"]
    started = time.perf_counter()
    done = subprocess.run(
        [*command, *(str(root) for root in roots)],
        cwd=target,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    # A crash also exits 1, but prints no JSON array.
    if done.returncode not in (0, 1) or not done.stdout.startswith("["):
        raise RuntimeError(f"loopwire wiring failed on {package.distribution}: {done.stderr}")
    findings: list[dict[str, object]] = json.loads(done.stdout)
    for finding in findings:
        finding["path"] = Path(str(finding["path"])).relative_to(target).as_posix()
    return Result(
        package,
        sum(len(c.files) for c in corpora),
        sum(c.lines for c in corpora),
        seconds,
        done.returncode,
        findings,
    )


def load_judged(path: Path = JUDGED) -> dict[tuple[str, str, str], Judgement]:
    """(distribution, code, symbol) -> verdict; one file of the repository, read by people."""
    judged: dict[tuple[str, str, str], Judgement] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            verdict = row["verdict"].strip()
            if verdict not in VERDICTS:
                raise ValueError(f"{path}: verdict {verdict!r} is not one of {VERDICTS}")
            key = (row["package"], row["code"], row["symbol"])
            judged[key] = Judgement(verdict, row["reason"])
    return judged


def report(results: Sequence[Result], judged: dict[tuple[str, str, str], Judgement]) -> str:
    lines = [
        "| package | version | what | files | lines | findings | per 10k lines "
        "| by code | judged true/false | seconds |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    true_total = false_total = unjudged_total = 0
    for result in results:
        codes = Counter(str(f["code"]) for f in result.findings)
        verdicts = Counter(
            judged[key].verdict if key in judged else "unjudged"
            for key in (_key(result.package, f) for f in result.findings)
        )
        true_total += verdicts["true"]
        false_total += verdicts["false"]
        unjudged_total += verdicts["unjudged"]
        by_code = ", ".join(f"{code} {count}" for code, count in sorted(codes.items())) or "-"
        package = result.package
        lines.append(
            f"| {package.distribution} | {package.version} | {package.what} | {result.files} "
            f"| {result.lines:,} | {len(result.findings)} | {result.per_10k():.1f} | {by_code} "
            f"| {verdicts['true']}/{verdicts['false']} | {result.seconds:.1f} |"
        )
    judged_count = true_total + false_total
    precision = f"{true_total / judged_count:.0%}" if judged_count else "n/a"
    total = sum(len(r.findings) for r in results)
    lines.append("")
    lines.append(
        f"{total} findings; judged {judged_count} ({true_total} true, {false_total} false): "
        f"precision {precision}; {unjudged_total} not in {JUDGED.relative_to(PROJECT)}"
    )
    return "\n".join(lines)


def _key(package: Package, finding: dict[str, object]) -> tuple[str, str, str]:
    return (package.distribution, str(finding["code"]), str(finding.get("symbol") or ""))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.realworld_wiring", description=__doc__)
    parser.add_argument(
        "--package", action="append", help="only this distribution (repeatable)", default=[]
    )
    parser.add_argument(
        "--target", type=Path, help="install here and keep it (default: a temporary directory)"
    )
    parser.add_argument("--output", type=Path, default=PROJECT / "bench-results")
    args = parser.parse_args(argv)
    unknown = set(args.package) - {p.distribution for p in PACKAGES}
    if unknown:
        parser.error(f"unknown package(s): {', '.join(sorted(unknown))}")
    packages = [p for p in PACKAGES if not args.package or p.distribution in args.package]
    judged = load_judged()
    with tempfile.TemporaryDirectory(prefix="loopwire-realworld-") as scratch:
        target = args.target or Path(scratch)
        missing = [p for p in packages if not all((target / r).is_dir() for r in p.roots)]
        if missing:
            install(missing, target)
        results = [run_wiring(package, target) for package in packages]
    table = report(results, judged)
    print(table)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "realworld-wiring.md").write_text(table + "\n", encoding="utf-8")
    details = {
        r.package.distribution: {
            "version": r.package.version,
            "lines": r.lines,
            "seconds": round(r.seconds, 2),
            "findings": r.findings,
        }
        for r in results
    }
    (args.output / "realworld-wiring.json").write_text(
        json.dumps(details, indent=1) + "\n", encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
