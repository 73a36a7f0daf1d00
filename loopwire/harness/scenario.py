"""The responsiveness scenario: a real service scanning slow files while pollers watch it.

``python -m loopwire.harness.scenario --files 200 --delay 1.5 --pollers 20`` (what
``nox -s responsiveness`` runs) generates the files, writes a fake ffprobe that takes ``delay``
seconds per file, starts ``python -m service`` out of process, starts a scan and polls the job
on a fixed schedule until it ends, then prints a Markdown table. ``--compare-blocking`` runs the
same scenario against the service's deliberately blocking probe, which must fail.
``--workers N`` runs it on the distributed backend: a redis-server and N worker processes
(:mod:`loopwire.harness.redis_backend`) sharing ``--concurrency`` between them.

The integration tests call :func:`run_scan` too, so the table and the tests measure one thing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import signal
import sys
import tempfile
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from loopwire.harness.blocking_probe import BLOCKING_SERVICE
from loopwire.harness.client import connect, is_finished, is_running
from loopwire.harness.fake_ffprobe.fakes import Behaviour, FakeFfprobe, write_fake_ffprobe
from loopwire.harness.poller import PollReport, Verdict, poll_on_schedule
from loopwire.harness.redis_backend import Workers, redis_server
from loopwire.harness.server import REFERENCE_SERVICE, ServerProcess
from loopwire.harness.stall_log import stall_sites


def make_media(directory: Path, files: int, name: str = "clip-{:04d}.mp4") -> Path:
    """``files`` empty video-named files: the fake probe never reads them."""
    directory.mkdir(parents=True, exist_ok=True)
    for index in range(files):
        (directory / name.format(index)).touch()
    return directory


def service_args(
    media: Path,
    db: Path,
    ffprobe: Path | str,
    *,
    concurrency: int,
    job_timeout: float = 3600.0,
    probe_timeout: float = 600.0,
) -> list[str]:
    """Arguments of the reference service (after :data:`REFERENCE_SERVICE`)."""
    return [
        "--media-root", str(media), "--db", str(db), "--ffprobe", str(ffprobe),
        "--concurrency", str(concurrency),
        "--job-timeout", f"{job_timeout:g}", "--probe-timeout", f"{probe_timeout:g}",
    ]  # fmt: skip


# A busy loop with a deadline, so a burner that escapes teardown still ends on its own.
_BURN = "import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end:\n    pass\n"


@contextlib.asynccontextmanager
async def cpu_burners(count: int, seconds: float = 600.0) -> AsyncIterator[list[int]]:
    """``count`` processes spinning a CPU each (own process groups), killed on exit."""
    processes: list[asyncio.subprocess.Process] = []
    try:
        for _ in range(count):
            processes.append(
                await asyncio.create_subprocess_exec(
                    sys.executable, "-c", _BURN.format(seconds=seconds), start_new_session=True
                )
            )
        yield [p.pid for p in processes]
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()


def progress_regressions(report: PollReport, slack: float = 0.1) -> list[tuple[float, float]]:
    """Pairs (earlier, later) of progress values where a poll answered more than ``slack``
    seconds after another saw lower progress (answers of near-simultaneous polls may arrive
    in either order, so those are not compared)."""
    seen = sorted(
        (p.answered, p.body["progress"])
        for p in report.answered
        if p.answered is not None and isinstance(p.body, dict)
        and isinstance(p.body.get("progress"), int | float)
    )  # fmt: skip
    regressions: list[tuple[float, float]] = []
    highest = -1.0
    start = 0
    for answered, value in seen:
        while start < len(seen) and seen[start][0] < answered - slack:
            highest = max(highest, seen[start][1])
            start += 1
        if value < highest:
            regressions.append((highest, value))
    return regressions


@dataclass(frozen=True)
class ScenarioOptions:
    files: int = 8
    delay: float = 2.0
    concurrency: int = 4
    pollers: int = 4
    interval: float = 0.05
    max_latency: float = 0.5
    # Answers required while the job is running; None: half of what the ideal scan would get.
    min_running_polls: int | None = None
    burners: int = 0
    blocking: bool = False
    # Give up polling after this long (None: three times the ideal scan time plus 30 s).
    max_duration: float | None = None
    # The service logs loop stalls longer than this (``--stall-report``), each with its line.
    stall_report_ms: float = 50.0
    # 0: probed in the service; N: by N worker processes of concurrency/N each (arq + Redis).
    workers: int = 0

    def __post_init__(self) -> None:
        if self.workers and self.concurrency % self.workers:
            raise ValueError("concurrency must be a multiple of the number of workers")

    @property
    def ideal_seconds(self) -> float:
        """Scan time if probes ran back to back, ``concurrency`` at a time."""
        return math.ceil(self.files / self.concurrency) * self.delay

    @property
    def required_running_polls(self) -> int:
        if self.min_running_polls is not None:
            return self.min_running_polls
        return max(1, int(0.5 * self.ideal_seconds / self.interval * self.pollers))


@dataclass(frozen=True)
class ScenarioResult:
    options: ScenarioOptions
    report: PollReport
    verdict: Verdict
    job: Mapping[str, Any]
    max_concurrency: int
    invocations: int
    survivors: list[int]
    server_output: str
    notes: list[str] = field(default_factory=list)

    @property
    def server_stalls(self) -> list[str]:
        """The stall sites the service reported, worst first."""
        return stall_sites(self.server_output)

    @property
    def wall_seconds(self) -> float | None:
        """The service's own started_at -> finished_at, if the job finished."""
        started, finished = self.job.get("started_at"), self.job.get("finished_at")
        if not isinstance(started, str) or not isinstance(finished, str):
            return None
        delta = datetime.fromisoformat(finished) - datetime.fromisoformat(started)
        return delta.total_seconds()


def prepare(options: ScenarioOptions, workdir: Path) -> tuple[Path, FakeFfprobe, list[str]]:
    """Files to scan, the fake probe, and the service command (file work: call off the loop)."""
    media = make_media(workdir / "media", options.files)
    fake = write_fake_ffprobe(workdir / "fake-ffprobe", default=Behaviour(delay=options.delay))
    command = [
        *(BLOCKING_SERVICE if options.blocking else REFERENCE_SERVICE),
        *service_args(media, workdir / "service.db", fake.executable,
                      concurrency=options.concurrency),
        "--stall-report", f"{options.stall_report_ms:g}",
    ]  # fmt: skip
    return media, fake, command


@contextlib.asynccontextmanager
async def backend(
    options: ScenarioOptions, workdir: Path, media: Path, fake: FakeFfprobe
) -> AsyncIterator[list[str]]:
    """The service's extra arguments for the scenario's backend, its workers running."""
    if not options.workers:
        yield []
        return
    async with redis_server(workdir) as server:
        workers = Workers(server, (media,))
        try:
            for _ in range(options.workers):
                await workers.start(
                    ffprobe=str(fake.executable),
                    concurrency=options.concurrency // options.workers,
                    probe_timeout=600.0,
                )
            yield ["--queue", workers.url(), "--batch-size", "1"]
        finally:
            await workers.stop_all()


async def run_scan(options: ScenarioOptions, workdir: Path) -> ScenarioResult:
    """Generate files, start the service with a fake probe, scan, poll until it ends."""
    media, fake, command = await asyncio.to_thread(prepare, options, workdir)
    async with backend(options, workdir, media, fake) as extra:
        return await _run_scan(options, media, fake, ServerProcess([*command, *extra]))


async def _run_scan(
    options: ScenarioOptions, media: Path, fake: FakeFfprobe, server: ServerProcess
) -> ScenarioResult:
    max_duration = options.max_duration or options.ideal_seconds * 3 + 30
    try:
        async with cpu_burners(options.burners):
            await asyncio.to_thread(server.start)
            async with connect(server.url("")) as api:
                job = await api.start_scan(media)
            report = await poll_on_schedule(
                server.url(f"/api/v1/jobs/{job['id']}"),
                interval=options.interval,
                pollers=options.pollers,
                max_duration=max_duration,
                stop_when=is_finished,
            )
        final = [p.body for p in report.answered if is_finished(p.body)]
        notes = [] if final else [f"job still running after {max_duration:g} s of polling"]
        verdict = report.verdict(
            options.max_latency, options.required_running_polls, counted=is_running
        )
        survivors = await wait_for_no_survivors(fake)
        # Its whole output: a stall report logged just before the last answer may still be in
        # the pipe while the service runs.
        await asyncio.to_thread(server.stop)
        output = server.output()
        if not verdict.passed:
            # The poller knows answers were late; the service's stall report knows why.
            stalls = [f"server loop stalled {site}" for site in stall_sites(output)]
            verdict = replace(verdict, reasons=(*verdict.reasons, *stalls))
        return ScenarioResult(
            options=options,
            report=report,
            verdict=verdict,
            job=final[0] if final else {},
            max_concurrency=await asyncio.to_thread(fake.max_concurrency),
            invocations=len(await asyncio.to_thread(fake.invocations)),
            survivors=survivors,
            server_output=output,
            notes=notes,
        )
    finally:
        await asyncio.to_thread(server.stop)
        await asyncio.to_thread(fake.kill_survivors)


async def wait_for_no_survivors(fake: FakeFfprobe, grace: float = 2.0) -> list[int]:
    """Fake probes (and grandchildren) still alive after up to ``grace`` seconds."""
    step = 0.05
    alive = await asyncio.to_thread(fake.alive_pids)
    for _ in range(math.ceil(grace / step)):
        if not alive:
            break
        await asyncio.sleep(step)
        alive = await asyncio.to_thread(fake.alive_pids)
    return alive


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f} ms"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def render_table(results: Sequence[ScenarioResult]) -> str:
    """A Markdown table, one row per scenario run."""
    header = (
        "| probe | files x delay / conc. | pollers | polls sent | answered | while running "
        "| p50 | p99 | max | client loop lag max | probes at once | scan wall | ideal "
        "| job | verdict |"
    )
    rows = [header, "|" + "---|" * header.count(" | ") + "---|"]
    for r in results:
        o = r.options
        where = f", {o.workers} workers" if o.workers else ""
        rows.append(
            f"| {'blocking' if o.blocking else 'async'}{where} "
            f"| {o.files} x {o.delay:g} s / {o.concurrency} | {o.pollers} @ {_ms(o.interval)} "
            f"| {r.report.sent} | {len(r.report.answered)} "
            f"| {len(r.report.answered_where(is_running))} "
            f"| {_ms(r.report.latency(0.5))} | {_ms(r.report.latency(0.99))} "
            f"| {_ms(r.report.max_latency)} | {_ms(r.report.client_lag_max)} | {r.max_concurrency} "
            f"| {_seconds(r.wall_seconds)} | {_seconds(o.ideal_seconds)} "
            f"| {r.job.get('status', 'unfinished')} | {r.verdict} |"
        )
    return "\n".join(rows)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m loopwire.harness.scenario",
        description="Scan slow fake files with the reference service while polling it.",
    )
    parser.add_argument("--files", type=int, default=40, help="files to scan (%(default)s)")
    parser.add_argument("--delay", type=float, default=1.0, help="seconds per probe")
    parser.add_argument("--concurrency", type=int, default=4, help="service --concurrency")
    parser.add_argument("--pollers", type=int, default=4, help="concurrent pollers")
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between polls")
    parser.add_argument("--max-latency", type=float, default=0.5, help="pass bound, seconds")
    parser.add_argument("--min-running-polls", type=int, default=None, help="pass bound")
    parser.add_argument("--burners", type=int, default=0, help="CPU-burning processes beside")
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="probe on this many worker processes through a redis-server (default: in the service)",
    )
    parser.add_argument(
        "--compare-blocking",
        action="store_true",
        help="also run the service built with the blocking probe "
        "(python -m loopwire.harness.blocking_probe), which must fail",
    )
    parser.add_argument(
        "--blocking-cap",
        type=float,
        default=20.0,
        help="stop polling the blocking variant after this many seconds (%(default)s)",
    )
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temp directory")
    return parser.parse_args(argv)


async def _main(args: argparse.Namespace, workdir: Path) -> int:
    options = ScenarioOptions(
        files=args.files,
        delay=args.delay,
        concurrency=args.concurrency,
        pollers=args.pollers,
        interval=args.interval,
        max_latency=args.max_latency,
        min_running_polls=args.min_running_polls,
        burners=args.burners,
        workers=args.workers,
    )
    results = [await run_scan(options, workdir / "async")]
    if args.compare_blocking:
        blocking = replace(options, blocking=True, max_duration=args.blocking_cap)
        results.append(await run_scan(blocking, workdir / "blocking"))
    print(render_table(results))
    for result in results:
        stalls = [f"server loop stalled {site}" for site in result.server_stalls]
        survivors = [f"survivor pid {pid}" for pid in result.survivors]
        for note in [*result.notes, *survivors, *stalls]:
            print(f"- {'blocking' if result.options.blocking else 'async'}: {note}")
    ok = results[0].verdict.passed and not results[0].survivors and not results[0].notes
    if args.compare_blocking:
        ok = ok and not results[1].verdict.passed
    return 0 if ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        return asyncio.run(_main(args, args.workdir))
    with tempfile.TemporaryDirectory(prefix="loopwire-responsiveness-") as workdir:
        return asyncio.run(_main(args, Path(workdir)))


if __name__ == "__main__":
    sys.exit(main())
