"""``python -m bench.soak`` (``nox -s soak``): the full suite N times in a row under CPU burners.

Issue 14 asks to prove the suite with 20 consecutive full runs while two CPU burners run, so a
first-time user on a loaded machine never sees a flaky failure. Each burner is a process that
spins at normal priority for the whole soak; each run is the README's full test command
(``CI=true``, so a skip is a failure, with the dynamic wiring check on). Every run's output is
kept under ``bench-results/soak/``, and the table is printed again after each run, so a soak
cut short still shows what it proved. The exit status is 1 if any run failed. Stop a soak with
Ctrl-C or ``kill``: the running pytest is interrupted and tears its fixtures down.

    python -m bench.soak --runs 20 --burners 2
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.report import markdown_table

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "bench-results" / "soak"
FULL_RUN = [
    "-m",
    "pytest",
    "-q",
    "-p",
    "no:cacheprovider",
    "--loopwire-wiring",
    "--loopwire-wiring-json",
    "bench-results/wiring-report.json",
]
# pytest's last line, e.g. "== 2 failed, 981 passed, 3 warnings in 540.12s (0:09:00) ==".
COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)")
# How long a run cut short gets to tear its fixtures down before it is killed.
STOP_SECONDS = 60.0


@dataclass(frozen=True)
class Run:
    number: int
    exit_code: int
    counts: dict[str, int]
    seconds: float
    load: float
    # The checkout's commit when the run started: a soak may be fed fixes between runs.
    commit: str

    @property
    def green(self) -> bool:
        # A run that collected nothing proves nothing, whatever its exit code.
        return self.exit_code == 0 and not self.bad and self.counts.get("passed", 0) > 0

    @property
    def bad(self) -> int:
        return sum(self.counts.get(k, 0) for k in ("failed", "error", "errors", "skipped"))


def counts_of(output: str) -> dict[str, int]:
    """The outcome counts on pytest's summary line (the last line that has any)."""
    for line in reversed(output.splitlines()):
        found = COUNT.findall(line)
        if found:
            return {kind: int(n) for n, kind in found}
    return {}


@contextlib.contextmanager
def burners(count: int) -> Iterator[None]:
    """``count`` processes that spin at normal priority until the block ends."""
    spinning = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        yield
    finally:
        for process in spinning:
            process.kill()
            process.wait()


def full_run(number: int, extra: Sequence[str]) -> Run:
    log = LOGS / f"run-{number:02d}.log"
    env = {**os.environ, "CI": "true"}
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    start = time.monotonic()
    exit_code = interruptible([sys.executable, *FULL_RUN, *extra], log, env)
    seconds = time.monotonic() - start
    counts = counts_of(log.read_text())
    return Run(number, exit_code, counts, seconds, os.getloadavg()[1], commit or "?")


def interruptible(command: Sequence[str], log: Path, env: Mapping[str, str]) -> int:
    """Run ``command`` in ROOT, its output in ``log``; its exit status. If this process is
    interrupted meanwhile, the command is interrupted with SIGINT (pytest's Ctrl-C, which still
    tears its fixtures down: servers, fake probes, redis-server and workers that run in sessions
    of their own and would outlive a killed pytest) and waited for, up to STOP_SECONDS."""
    with log.open("w") as out:
        # A session of its own: a terminal's Ctrl-C reaches it once, from here, not twice (a
        # second one would cut its teardown short).
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
        )
        try:
            return process.wait()
        except BaseException:
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, signal.SIG_IGN)
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            raise


def interrupt_on_signals() -> None:
    """``kill`` stops a soak as Ctrl-C does (nox, too, sends SIGTERM after its interrupt), and
    Ctrl-C works even when the soak started with SIGINT ignored, as a shell without job control
    starts ``nohup ... &``. An ignored SIGINT is inherited through exec and Python then installs
    no KeyboardInterrupt, so pytest would sleep through the SIGINT meant to tear it down; a handler
    is reset to the default at exec instead."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.default_int_handler)


def table(runs: Sequence[Run], burning: int) -> str:
    rows = [
        [
            str(run.number),
            "green" if run.green else "**FAILED**",
            str(run.counts.get("passed", 0)),
            str(run.bad),
            f"{run.seconds / 60:.1f} min",
            f"{run.load:.1f}",
            run.commit,
        ]
        for run in runs
    ]
    green = sum(run.green for run in runs)
    lines = markdown_table(
        ["run", "result", "passed", "failed/error/skipped", "wall", "load (5 min)", "commit"], rows
    )
    summary = f"{green}/{len(runs)} full runs green with {burning} CPU burners"
    return "\n".join([*lines, "", summary])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--burners", type=int, default=2)
    parser.add_argument("pytest_args", nargs="*", help="more pytest arguments for every run")
    args = parser.parse_args(argv)
    LOGS.mkdir(parents=True, exist_ok=True)
    interrupt_on_signals()
    runs: list[Run] = []
    with burners(args.burners):
        for number in range(1, args.runs + 1):
            runs.append(full_run(number, args.pytest_args))
            report = table(runs, args.burners)
            (LOGS / "table.md").write_text(report + "\n")
            print(report, flush=True)
    return 0 if all(run.green for run in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
