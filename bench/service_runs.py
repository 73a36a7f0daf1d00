"""Measuring the service: a real server process on 127.0.0.1, real probe subprocesses.

Each scenario starts ``python -m service`` through the harness's launcher (its own process
group, port 0, readiness from its announced address), drives it over HTTP through the harness's
API client and stops it, then returns its raw samples as a small result object; turning them
into rows, verdicts and targets is ``bench/service.py``'s job. Latencies come from the harness's
scheduled poller, which charges a stalled server for every poll queued behind it. Memory is the
server's own ``VmHWM``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bench.linter import log
from bench.measure import memory_kb
from bench.media import empty_files, tiny_videos
from bench.poll_modes import PollMode
from bench.report import duration
from bench.settings import Settings
from bench.stats import Latency
from loopwire.harness.blocking_probe import BLOCKING_SERVICE
from loopwire.harness.client import Job, ServiceClient, connect, is_finished
from loopwire.harness.fake_ffprobe.fakes import Behaviour, FakeFfprobe, write_fake_ffprobe
from loopwire.harness.poller import poll_on_schedule
from loopwire.harness.server import REFERENCE_SERVICE, ServerProcess

# How often the bench looks at a job while waiting for a state: fine enough for the latencies
# it reports, far below what would load the server.
WATCH_INTERVAL = 0.005


@dataclass(frozen=True)
class Scenario:
    """A server to start: what it may scan, with which prober, how concurrently."""

    media_root: Path
    ffprobe: Path
    db: Path
    concurrency: int
    job_timeout: float = 600.0
    probe_timeout: float = 60.0
    blocking_probe: bool = False
    # Milliseconds: the service's --stall-report threshold, None for off (the default).
    stall_report: float | None = None

    def command(self) -> list[str]:
        # The blocking variant is the same service, built by the harness's launcher.
        launcher = BLOCKING_SERVICE if self.blocking_probe else REFERENCE_SERVICE
        stall = [] if self.stall_report is None else ["--stall-report", f"{self.stall_report:g}"]
        return [
            *launcher,
            "--media-root", str(self.media_root), "--db", str(self.db),
            "--ffprobe", str(self.ffprobe), "--concurrency", str(self.concurrency),
            "--job-timeout", str(self.job_timeout), "--probe-timeout", str(self.probe_timeout),
            *stall,
        ]  # fmt: skip

    def server(self, project: Path) -> ServerProcess:
        return ServerProcess(self.command(), cwd=project)


@dataclass(frozen=True)
class StartupRun:
    """Wall times of one fake probe with no delay, run alone."""

    # "shell": the fake every scenario uses; "python": the one it hands odd file names to.
    engine: str
    walls: list[float]


@dataclass(frozen=True)
class ThroughputRun:
    """Wall times of scans of ``files`` files taking ``delay`` each, ``concurrency`` at once."""

    concurrency: int
    files: int
    delay: float
    walls: list[float]
    # started_at to finished_at as the server reports them.
    server_times: list[float]

    @property
    def ideal(self) -> float:
        return self.files * self.delay / self.concurrency


@dataclass(frozen=True)
class RealProbeRun:
    files: int
    concurrency: int
    # Files per second, POST to completed, per run.
    rates: list[float]


@dataclass(frozen=True)
class PollRun:
    mode: PollMode
    latencies: list[float]
    # The same latencies minus time the polling process itself was starved (the harness's
    # correction): what the server is to blame for on a loaded machine.
    corrected: list[float]
    p99s: list[float]
    unanswered: int


@dataclass(frozen=True)
class CancelRun:
    concurrency: int
    # Request to the `cancelled` answer, and request to no probe process left.
    answers: list[float]
    clean: list[float]


@dataclass(frozen=True)
class TimeoutRun:
    timeout: float
    # POST to `timed_out` seen, and started_at to finished_at as the server reports them.
    seen_after: list[float]
    server_side: list[float]
    # Probe processes still alive 5 s after the job timed out.
    survivors: int


@dataclass(frozen=True)
class BigDirectoryRun:
    files: int
    idle_kb: int
    peak_kb: int
    first_progress: float
    # files_total at the first progress value, and files_done after ``window`` seconds.
    files_total_first: int | None
    files_done: int
    window: float


def iso_seconds(start: str | None, end: str | None) -> float | None:
    if start is None or end is None:
        return None
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


async def wait_until(condition: Callable[[], bool]) -> float:
    """Poll a local condition (e.g. no fake probe alive) until true; return when it was seen.
    Callers bound the wait with ``asyncio.timeout``."""
    # Process exits of another program's children signal nothing this loop could await.
    while not condition():  # noqa: ASYNC110
        await asyncio.sleep(WATCH_INTERVAL / 5)
    return time.perf_counter()


@dataclass
class ServiceRuns:
    """Runs the scenarios; every fake written is kept, so no probe outlives the bench."""

    settings: Settings
    work: Path
    fakes: list[FakeFfprobe] = field(default_factory=list)
    _databases: int = 0

    def scenario(
        self,
        media_root: Path,
        ffprobe: Path,
        concurrency: int,
        *,
        job_timeout: float = 600.0,
        blocking_probe: bool = False,
    ) -> Scenario:
        """A server on a database of its own."""
        self._databases += 1
        db = self.work / f"service-{self._databases}.db"
        return Scenario(
            media_root,
            ffprobe,
            db,
            concurrency,
            job_timeout=job_timeout,
            blocking_probe=blocking_probe,
        )

    def fake(self, name: str, default: Behaviour, fast: bool = True) -> FakeFfprobe:
        fake = write_fake_ffprobe(self.work / f"fake-{name}", default=default, fast=fast)
        self.fakes.append(fake)
        return fake

    @contextlib.asynccontextmanager
    async def serving(
        self, scenario: Scenario
    ) -> AsyncIterator[tuple[ServerProcess, ServiceClient]]:
        """The scenario's server, started, and an API client of it."""
        with scenario.server(self.settings.project) as server:
            async with client_of(server) as api:
                yield server, api

    def kill_survivors(self) -> None:
        for fake in self.fakes:
            fake.kill_survivors()

    def fake_startup(self, fast: bool) -> StartupRun:
        """The fixed cost of one fake probe, so a throughput gap can be attributed."""
        engine = "shell" if fast else "python"
        fake = self.fake(f"startup-{engine}", Behaviour(delay=0), fast=fast)
        target = empty_files(self.work / "startup", 1)[0]
        walls: list[float] = []
        for _ in range(5):
            started = time.perf_counter()
            subprocess.run(
                [str(fake.executable), "-v", "error", "-print_format", "json", "-show_format",
                 "-show_streams", "--", str(target)],
                check=True, capture_output=True, timeout=30,
            )  # fmt: skip
            walls.append(time.perf_counter() - started)
        return StartupRun(engine, walls)

    async def throughput(self, concurrency: int, delay: float) -> ThroughputRun:
        """Wall time of a scan of 4 files per probe slot against N*d/c."""
        count = 4 * concurrency
        media = self.work / f"throughput-{concurrency}"
        await asyncio.to_thread(empty_files, media, count)
        fake = await asyncio.to_thread(
            self.fake, f"throughput-{concurrency}", Behaviour(delay=delay)
        )
        run = ThroughputRun(concurrency, count, delay, [], [])
        scenario = self.scenario(media, fake.executable, concurrency=concurrency)
        async with self.serving(scenario) as (_server, api):
            for _ in range(self.settings.service_runs):
                started = time.perf_counter()
                job = await api.start_scan(media)
                async with asyncio.timeout(run.ideal * 5 + 30):
                    done, seen = await api.wait_for(job["id"], is_finished)
                if done["status"] != "completed":
                    raise RuntimeError(f"throughput scan ended {done['status']}: {done}")
                run.walls.append(seen - started)
                elapsed = iso_seconds(done["started_at"], done["finished_at"])
                if elapsed is not None:
                    run.server_times.append(elapsed)
                log(f"throughput c={concurrency}: {duration(run.walls[-1])}")
        return run

    async def real_ffprobe(self, count: int) -> RealProbeRun | None:
        """The real ffprobe on generated videos; None when ffmpeg is not installed."""
        ffprobe = shutil.which("ffprobe")
        if ffprobe is None or shutil.which("ffmpeg") is None:
            return None
        log(f"generating {count} videos (cached in {self.settings.cache_dir})")
        media = await asyncio.to_thread(tiny_videos, self.settings.cache_dir, count)
        run = RealProbeRun(count, os.cpu_count() or 1, [])
        scenario = self.scenario(media, Path(ffprobe), concurrency=run.concurrency)
        async with self.serving(scenario) as (_server, api):
            for _ in range(self.settings.service_runs):
                started = time.perf_counter()
                job = await api.start_scan(media)
                async with asyncio.timeout(300):
                    done, seen = await api.wait_for(job["id"], is_finished)
                if done["status"] != "completed" or done["files_failed"]:
                    raise RuntimeError(f"real ffprobe scan: {done['status']}, {done['error']}")
                run.rates.append(done["files_done"] / (seen - started))
                log(f"real ffprobe: {run.rates[-1]:.1f} files/s")
        return run

    async def poll_latency(self, mode: PollMode) -> PollRun:
        """Status polls on a fixed schedule while the mode's scan runs (or after it ended)."""
        delay = 0.3
        window = 5.0
        concurrency = os.cpu_count() or 1
        count = mode.files(window, delay, concurrency)
        media = self.work / f"polls-{mode.name}"
        await asyncio.to_thread(empty_files, media, count)
        fake = await asyncio.to_thread(self.fake, f"polls-{mode.name}", Behaviour(delay=delay))
        latencies: list[float] = []
        corrected: list[float] = []
        p99s: list[float] = []
        unanswered = 0
        scenario = self.scenario(
            media, fake.executable, concurrency=concurrency, blocking_probe=mode.blocking_probe
        )
        async with self.serving(scenario) as (server, api):
            for _ in range(self.settings.service_runs):
                job = await api.start_scan(media)
                if mode.polls_a_finished_job:
                    async with asyncio.timeout(60):
                        job, _ = await api.wait_for(job["id"], is_finished)
                report = await poll_on_schedule(
                    server.url(f"/api/v1/jobs/{job['id']}"),
                    interval=self.settings.poll_interval,
                    pollers=self.settings.pollers,
                    max_duration=window,
                    stop_when=None if mode.polls_a_finished_job else is_finished,
                    request_timeout=10.0,
                )
                unanswered += report.sent - len(report.answered)
                latencies.extend(report.latencies)
                corrected.extend(
                    value
                    for value in map(report.server_latency, report.answered)
                    if value is not None
                )
                if report.latencies:
                    p99s.append(Latency.of(report.latencies).p99)
                log(f"polls ({mode.name}): {report.summary()}")
                await _end(api, job)
        return PollRun(mode, latencies, corrected, p99s, unanswered)

    async def cancel_latency(self) -> CancelRun:
        """Cancel latency and what is left running after it, with every probe hung."""
        concurrency = os.cpu_count() or 1
        media = self.work / "cancel"
        await asyncio.to_thread(empty_files, media, 4 * concurrency)
        fake = await asyncio.to_thread(
            self.fake, "cancel", Behaviour(mode="hang", hang_seconds=120.0)
        )
        run = CancelRun(concurrency, [], [])
        scenario = self.scenario(media, fake.executable, concurrency=concurrency)
        async with self.serving(scenario) as (_server, api):
            for _ in range(self.settings.service_runs):
                job = await api.start_scan(media)
                async with asyncio.timeout(30):
                    await wait_until(lambda: len(fake.alive_pids()) >= concurrency)
                started = time.perf_counter()
                status, body = await api.cancel(job["id"])
                answered = time.perf_counter()
                if status != 200 or body["status"] != "cancelled":
                    raise RuntimeError(f"cancel answered {status} {body}")
                async with asyncio.timeout(30):
                    gone = await wait_until(lambda: not fake.alive_pids())
                run.answers.append(answered - started)
                run.clean.append(max(gone, answered) - started)
                log(f"cancel: answer {duration(run.answers[-1])}, clean {duration(run.clean[-1])}")
        return run

    async def timeout_accuracy(self, job_timeout: float = 1.0) -> TimeoutRun:
        """A job timeout, measured: when the status shows it, and whether probes survive it."""
        concurrency = os.cpu_count() or 1
        media = self.work / "timeout"
        await asyncio.to_thread(empty_files, media, 2 * concurrency)
        fake = await asyncio.to_thread(
            self.fake, "timeout", Behaviour(mode="hang", hang_seconds=120.0)
        )
        seen_after: list[float] = []
        server_side: list[float] = []
        survivors = 0
        scenario = self.scenario(
            media, fake.executable, concurrency=concurrency, job_timeout=job_timeout
        )
        async with self.serving(scenario) as (_server, api):
            for _ in range(self.settings.service_runs):
                started = time.perf_counter()
                job = await api.start_scan(media)
                async with asyncio.timeout(30):
                    done, seen = await api.wait_for(job["id"], is_finished)
                if done["status"] != "timed_out":
                    raise RuntimeError(f"expected timed_out, got {done['status']}")
                seen_after.append(seen - started)
                elapsed = iso_seconds(done["started_at"], done["finished_at"])
                if elapsed is not None:
                    server_side.append(elapsed)
                try:
                    async with asyncio.timeout(5):
                        await wait_until(lambda: not fake.alive_pids())
                except TimeoutError:
                    survivors += len(fake.alive_pids())
                    fake.kill_survivors()
                log(f"timeout {job_timeout:g} s: seen after {duration(seen_after[-1])}")
        return TimeoutRun(job_timeout, seen_after, server_side, survivors)

    async def big_directory(self, count: int, window: float = 5.0) -> BigDirectoryRun:
        """Memory of a huge directory, and time to the first progress value."""
        media = self.work / f"big-{count}"
        log(f"creating {count:,} empty files")
        await asyncio.to_thread(empty_files, media, count)
        fake = await asyncio.to_thread(self.fake, "big", Behaviour(delay=0))
        scenario = self.scenario(media, fake.executable, concurrency=os.cpu_count() or 1)
        with scenario.server(self.settings.project) as server:
            idle_kb = (await asyncio.to_thread(memory_kb, server.pid))[0]
            async with client_of(server) as api:
                started = time.perf_counter()
                job = await api.start_scan(media)
                async with asyncio.timeout(120):
                    first, seen = await api.wait_for(
                        job["id"], lambda j: j["progress"] is not None or is_finished(j)
                    )
                first_progress = seen - started
                await asyncio.sleep(window)
                latest = await api.job(job["id"])
                peak_kb = (await asyncio.to_thread(memory_kb, server.pid))[1]
                await _end(api, job)
            peak_kb = max(peak_kb, (await asyncio.to_thread(memory_kb, server.pid))[1])
        await asyncio.to_thread(shutil.rmtree, media, ignore_errors=True)
        return BigDirectoryRun(
            count,
            idle_kb,
            peak_kb,
            first_progress,
            first["files_total"],
            latest["files_done"],
            window,
        )


@contextlib.asynccontextmanager
async def client_of(server: ServerProcess) -> AsyncIterator[ServiceClient]:
    """The API client of ``server``, watching jobs at the bench's fine interval."""
    async with connect(server.url("")) as api:
        api.interval = WATCH_INTERVAL
        yield api


async def _end(api: ServiceClient, job: Job) -> None:
    """Cancel the job if it still runs, and wait until it is final."""
    if not is_finished(await api.job(job["id"])):
        await api.cancel(job["id"])
    async with asyncio.timeout(60):
        await api.wait_for(job["id"], is_finished)
