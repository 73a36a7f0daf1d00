"""``python -m bench [--quick]``: run every measurement, print the report, save MD and JSON."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bench.corpora import linter_corpora
from bench.linter import bench_linters, bench_wiring, log
from bench.report import Report
from bench.settings import ALL_CORPORA, Settings

PROJECT = Path(__file__).resolve().parent.parent
SECTIONS = ("linter", "wiring", "service", "distributed")


def parse_settings(argv: Sequence[str] | None) -> Settings:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="3 runs (1 of flake8-async), 2 per service scenario, no stdlib corpus, "
        "10,000-file memory scan",
    )
    parser.add_argument("--runs", type=int, help="runs of each fast measurement (default 5)")
    parser.add_argument("--slow-runs", type=int, help="runs of flake8-async (default 3)")
    parser.add_argument("--timeout", type=float, help="bound of one command run, seconds")
    parser.add_argument(
        "--corpus", action="append", choices=ALL_CORPORA, help="linter corpus (repeatable)"
    )
    parser.add_argument(
        "--only", action="append", choices=SECTIONS, help="measure only this part (repeatable)"
    )
    parser.add_argument("--rss-files", type=int, help="files in the memory scenario")
    parser.add_argument(
        "--stdlib-peer",
        action="store_true",
        help="also time flake8-async on the whole stdlib (about 20 minutes)",
    )
    parser.add_argument("--output-dir", type=Path, default=PROJECT / "bench-results")
    args = parser.parse_args(argv)
    settings = Settings(
        output_dir=args.output_dir, cache_dir=args.output_dir / "cache", project=PROJECT
    )
    if args.quick:
        settings = replace(
            settings,
            quick=True,
            runs=3,
            slow_runs=1,
            service_runs=2,
            corpora=("asyncio", "aiohttp"),
            rss_files=10_000,
        )
    overrides: dict[str, object] = {
        "runs": args.runs,
        "slow_runs": args.slow_runs,
        "timeout": args.timeout,
        "rss_files": args.rss_files,
        "stdlib_peer": args.stdlib_peer or None,
        "corpora": None if args.corpus is None else tuple(args.corpus),
        "sections": None if args.only is None else tuple(args.only),
    }
    chosen = {key: value for key, value in overrides.items() if value is not None}
    for key in ("runs", "slow_runs", "rss_files"):
        if key in chosen and int(str(chosen[key])) < 1:
            parser.error(f"--{key.replace('_', '-')} must be at least 1")
    return replace(settings, **chosen)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_settings(argv)
    report = Report(settings.summary())
    with tempfile.TemporaryDirectory(prefix="loopwire-bench-") as tmp:
        work = Path(tmp)
        corpora = []
        if {"linter", "wiring"} & set(settings.sections):
            log(f"collecting corpora {', '.join(settings.corpora)}")
            corpora = linter_corpora(settings.corpora)
        if "linter" in settings.sections:
            sections, targets = bench_linters(corpora, settings, work)
            report.sections += sections
            report.targets += targets
        if "wiring" in settings.sections:
            report.sections.append(bench_wiring(corpora, settings, work, PROJECT))
        if "service" in settings.sections:
            from bench.service import bench_service

            sections, targets = bench_service(settings, work)
            report.sections += sections
            report.targets += targets
        if "distributed" in settings.sections:
            from bench.distributed import bench_distributed

            report.sections.append(bench_distributed(settings, work))
    report.load_at_end = " ".join(f"{value:.2f}" for value in os.getloadavg())
    text = report.markdown()
    settings.output_dir.mkdir(parents=True, exist_ok=True)
    (settings.output_dir / "latest.md").write_text(text)
    (settings.output_dir / "latest.json").write_text(json.dumps(report.as_json(), indent=2) + "\n")
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
