"""Service rows: a real server process on 127.0.0.1, real probe subprocesses, bounded loops.

Each scenario starts ``python -m service`` through the harness's launcher (its own process
group, port 0, readiness from its announced address), drives it over HTTP from this process
and stops it. Latencies come from the harness's scheduled poller, which charges a stalled
server for every poll queued behind it. Memory is the server's own ``VmHWM``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp

from bench.linter import log
from bench.measure import memory_kb
from bench.media import empty_files, tiny_videos
from bench.report import Section, Target, duration, megabytes, spread
from bench.settings import Settings
from bench.stall_overhead import guard_overhead
from bench.stats import Latency, Summary, ratio
from checks.harness.fake_ffprobe import Behaviour, FakeFfprobe, write_fake_ffprobe
from checks.harness.poller import poll_on_schedule
from checks.harness.server import ServerProcess

FINAL = frozenset({"completed", "failed", "cancelled", "timed_out"})
THROUGHPUT_SLACK = 1.10
THROUGHPUT_ALLOWANCE = 0.2
POLL_P99_GOAL = 0.020
RSS_GOAL_KB = 300 * 1024
# How often the bench looks at a job while waiting for a state: fine enough for the latencies
# it reports, far below what would load the server.
WATCH_INTERVAL = 0.005

Job = dict[str, Any]


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
        stall = [] if self.stall_report is None else ["--stall-report", f"{self.stall_report:g}"]
        return [
            sys.executable, "-m", "service", "--host", "127.0.0.1", "--port", "0",
            "--media-root", str(self.media_root), "--db", str(self.db),
            "--ffprobe", str(self.ffprobe), "--concurrency", str(self.concurrency),
            "--job-timeout", str(self.job_timeout), "--probe-timeout", str(self.probe_timeout),
            *stall,
        ]  # fmt: skip

    def server(self, project: Path) -> ServerProcess:
        env = dict(os.environ)
        env.pop("LOOPWIRE_BLOCKING_PROBE", None)
        if self.blocking_probe:
            env["LOOPWIRE_BLOCKING_PROBE"] = "1"
        return ServerProcess(self.command(), env=env, cwd=project)


class Client:
    """The few API calls the scenarios make, each bounded by the session's timeout."""

    def __init__(self, session: aiohttp.ClientSession, server: ServerProcess) -> None:
        self.session = session
        self.server = server

    async def _json(self, method: str, path: str, body: object = None) -> tuple[int, Job]:
        async with self.session.request(method, self.server.url(path), json=body) as response:
            payload: Job = await response.json()
            return response.status, payload

    async def scan(self, directory: Path) -> Job:
        status, job = await self._json("POST", "/api/v1/scans", {"path": str(directory)})
        if status != 202:
            raise RuntimeError(f"scan of {directory} refused: {status} {job}")
        return job

    async def job(self, job_id: str) -> Job:
        return (await self._json("GET", f"/api/v1/jobs/{job_id}"))[1]

    async def cancel(self, job_id: str) -> tuple[int, Job]:
        return await self._json("POST", f"/api/v1/jobs/{job_id}/cancel")

    async def wait_for(self, job_id: str, predicate: Callable[[Job], bool]) -> tuple[Job, float]:
        """The first state satisfying ``predicate`` and when it was seen (perf_counter); callers
        bound the wait with ``asyncio.timeout``."""
        while True:
            job = await self.job(job_id)
            now = time.perf_counter()
            if predicate(job):
                return job, now
            await asyncio.sleep(WATCH_INTERVAL)


def session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))


def final(job: Job) -> bool:
    return job["status"] in FINAL


async def wait_until(condition: Callable[[], bool]) -> float:
    """Poll a local condition (e.g. no fake probe alive) until true; return when it was seen.
    Callers bound the wait with ``asyncio.timeout``."""
    # Process exits of another program's children signal nothing this loop could await.
    while not condition():  # noqa: ASYNC110
        await asyncio.sleep(WATCH_INTERVAL / 5)
    return time.perf_counter()


def iso_seconds(start: str | None, end: str | None) -> float | None:
    if start is None or end is None:
        return None
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


class ServiceBench:
    def __init__(self, settings: Settings, work: Path) -> None:
        self.settings = settings
        self.work = work / "service"
        self.work.mkdir(parents=True, exist_ok=True)
        self.runs = settings.service_runs
        self.targets: list[Target] = []
        self.rows = Section(
            "Service (real server on 127.0.0.1)",
            ("scenario", "measured (median)", "spread (min-max)", "reference", "runs", "verdict"),
        )
        self._databases = 0
        # Median wall time of one fake probe with no delay, once measured.
        self.fake_overhead: float | None = None
        # Every fake written, so that no probe process outlives the bench, whatever failed.
        self.fakes: list[FakeFfprobe] = []

    def scenario(self, media_root: Path, ffprobe: Path, **options: Any) -> Scenario:
        self._databases += 1
        db = self.work / f"service-{self._databases}.db"
        return Scenario(media_root=media_root, ffprobe=ffprobe, db=db, **options)

    def fake(self, name: str, default: Behaviour, fast: bool = True) -> FakeFfprobe:
        fake = write_fake_ffprobe(self.work / f"fake-{name}", default=default, fast=fast)
        self.fakes.append(fake)
        return fake

    def row(self, *cells: str) -> None:
        self.rows.add_row(*cells)

    # Scenario 1: wall time of a scan against N*d/c.
    async def throughput(self, concurrency: int, delay: float) -> None:
        count = 4 * concurrency
        media = self.work / f"throughput-{concurrency}"
        await asyncio.to_thread(empty_files, media, count)
        fake = await asyncio.to_thread(
            self.fake, f"throughput-{concurrency}", Behaviour(delay=delay)
        )
        ideal = count * delay / concurrency
        limit = THROUGHPUT_SLACK * ideal + THROUGHPUT_ALLOWANCE
        walls: list[float] = []
        server_times: list[float] = []
        with self.scenario(media, fake.executable, concurrency=concurrency).server(
            self.settings.project
        ) as server:
            async with session() as http:
                client = Client(http, server)
                for _ in range(self.runs):
                    started = time.perf_counter()
                    job = await client.scan(media)
                    async with asyncio.timeout(ideal * 5 + 30):
                        done, seen = await client.wait_for(job["id"], final)
                    if done["status"] != "completed":
                        raise RuntimeError(f"throughput scan ended {done['status']}: {done}")
                    walls.append(seen - started)
                    elapsed = iso_seconds(done["started_at"], done["finished_at"])
                    if elapsed is not None:
                        server_times.append(elapsed)
                    log(f"throughput c={concurrency}: {duration(walls[-1])}")
        summary = Summary.of(walls)
        met = summary.median <= limit
        name = f"scan N={count} d={delay:g}s c={concurrency} (fake ffprobe)"
        self.row(
            name,
            f"{duration(summary.median)} ({ratio(summary.median, ideal):.2f}x ideal)",
            spread(summary),
            f"ideal {duration(ideal)}, limit {duration(limit)}"
            + self._overhead_note(count, delay, concurrency),
            str(summary.count),
            "met" if met else "**MISSED**",
        )
        self.targets.append(
            Target(
                f"scan throughput c={concurrency}",
                f"{duration(summary.median)} = {ratio(summary.median, ideal):.2f}x ideal",
                f"<= 1.10 x {duration(ideal)} + 0.2 s",
                met,
                "compare with 'ideal plus fake start-up': each fake probe is a shell script "
                "whose few milliseconds of start-up add to d; a gap beyond that is the "
                "service's per-file overhead (spawning from a large process, pipes, parsing, "
                "storage, progress events), to profile in the job queue and the prober",
            )
        )
        self.rows.data.append(
            {
                "scenario": "throughput",
                "concurrency": concurrency,
                "files": count,
                "delay_s": delay,
                "ideal_s": ideal,
                "wall_s": walls,
                "server_elapsed_s": server_times,
            }
        )

    def fake_startup(self, fast: bool) -> None:
        """The fixed cost of one fake probe, so a throughput gap can be attributed.

        ``fast``: the shell fake every scenario uses; otherwise the Python fake it hands odd
        file names to, measured for reference (the fake the scenarios used to pay for).
        """
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
        summary = Summary.of(walls)
        if fast:
            self.fake_overhead = summary.median
        self.row(
            f"fake ffprobe start-up, {engine} (delay 0, run alone)",
            duration(summary.median),
            spread(summary),
            "per probe, on top of d" if fast else "reference: odd file names only",
            str(summary.count),
            "",
        )
        self.rows.data.append({"scenario": "fake_startup", "engine": engine, "wall_s": walls})

    def _overhead_note(self, count: int, delay: float, concurrency: int) -> str:
        if self.fake_overhead is None:
            return ""
        waves = -(-count // concurrency)
        with_startup = waves * (delay + self.fake_overhead)
        return f"; ideal plus fake start-up {duration(with_startup)}"

    # Scenario 2: the real ffprobe on generated videos.
    async def real_ffprobe(self, count: int) -> None:
        ffprobe = shutil.which("ffprobe")
        if ffprobe is None or shutil.which("ffmpeg") is None:
            self.row(
                f"real ffprobe, {count} videos", "not run", "", "ffmpeg not installed", "0", ""
            )
            return
        log(f"generating {count} videos (cached in {self.settings.cache_dir})")
        media = await asyncio.to_thread(tiny_videos, self.settings.cache_dir, count)
        concurrency = os.cpu_count() or 1
        rates: list[float] = []
        with self.scenario(media, Path(ffprobe), concurrency=concurrency).server(
            self.settings.project
        ) as server:
            async with session() as http:
                client = Client(http, server)
                for _ in range(self.runs):
                    started = time.perf_counter()
                    job = await client.scan(media)
                    async with asyncio.timeout(300):
                        done, seen = await client.wait_for(job["id"], final)
                    if done["status"] != "completed" or done["files_failed"]:
                        raise RuntimeError(f"real ffprobe scan: {done['status']}, {done['error']}")
                    rates.append(done["files_done"] / (seen - started))
                    log(f"real ffprobe: {rates[-1]:.1f} files/s")
        summary = Summary.of(rates)
        self.row(
            f"real ffprobe, {count} tiny videos, c={concurrency}",
            f"{summary.median:.1f} files/s",
            f"{summary.minimum:.1f}-{summary.maximum:.1f} files/s",
            "POST to completed",
            str(summary.count),
            "",
        )
        self.rows.data.append({"scenario": "real_ffprobe", "files": count, "files_per_s": rates})

    # Scenario 3: status polls during a scan, with the real and the blocking prober.
    async def poll_latency(self, mode: str) -> None:
        """``mode``: "idle" (no scan: the client's and machine's share of the latency), "scan"
        (the service's prober) or "blocking" (the negative-control prober)."""
        delay = 0.3
        window = 5.0
        concurrency = os.cpu_count() or 1
        # A scan outlasts the window; the blocking prober never yields between files, so its
        # scan holds the loop from start to end: keep that one short; idle polls a finished job.
        counts = {"idle": 2, "blocking": 8, "scan": int(window / delay * concurrency * 2)}
        count = counts[mode]
        media = self.work / f"polls-{mode}"
        await asyncio.to_thread(empty_files, media, count)
        fake = await asyncio.to_thread(self.fake, f"polls-{mode}", Behaviour(delay=delay))
        latencies: list[float] = []
        p99s: list[float] = []
        # The same latencies minus time the polling process itself was starved (the harness's
        # correction): what the server is to blame for on a loaded machine.
        corrected: list[float] = []
        unanswered = 0
        scenario = self.scenario(
            media, fake.executable, concurrency=concurrency, blocking_probe=mode == "blocking"
        )
        with scenario.server(self.settings.project) as server:
            async with session() as http:
                client = Client(http, server)
                for _ in range(self.runs):
                    job = await client.scan(media)
                    if mode == "idle":
                        async with asyncio.timeout(60):
                            job, _ = await client.wait_for(job["id"], final)
                    report = await poll_on_schedule(
                        server.url(f"/api/v1/jobs/{job['id']}"),
                        interval=self.settings.poll_interval,
                        pollers=self.settings.pollers,
                        max_duration=window,
                        stop_when=None if mode == "idle" else final,
                        request_timeout=10.0,
                    )
                    unanswered += report.sent - len(report.answered)
                    latencies += report.latencies
                    corrected += [
                        value
                        for value in map(report.server_latency, report.answered)
                        if value is not None
                    ]
                    if report.latencies:
                        p99s.append(Latency.of(report.latencies).p99)
                    log(f"polls ({mode}): {report.summary()}")
                    if not final(await client.job(job["id"])):
                        await client.cancel(job["id"])
                    async with asyncio.timeout(60):
                        await client.wait_for(job["id"], final)
        kind = {
            "idle": "no scan running (baseline: client and machine)",
            "scan": "during a scan, service prober",
            "blocking": "during a scan, blocking probe (negative control)",
        }[mode]
        rate = f"{self.settings.pollers} pollers every {duration(self.settings.poll_interval)}"
        name = f"status polls, {rate}, {kind}"
        if not latencies:
            self.row(name, "no poll answered", "", "", str(self.runs), "**MISSED**")
            return
        pooled = Latency.of(latencies)
        cells = (
            f"p50 {duration(pooled.p50)}, p99 {duration(pooled.p99)}, max "
            f"{duration(pooled.maximum)}"
        )
        if corrected:
            cells += f"; minus client stalls p99 {duration(Latency.of(corrected).p99)}"
        if unanswered:
            cells += f", {unanswered} unanswered"
        met = pooled.p99 <= POLL_P99_GOAL and not unanswered
        verdict = {
            "idle": "",
            "scan": "met" if met else "**MISSED**",
            "blocking": "**guard blind**" if met else "shows the bug",
        }[mode]
        reference = {
            "idle": "",
            "scan": f"goal p99 <= {duration(POLL_P99_GOAL)}",
            "blocking": "must fail the goal",
        }[mode]
        self.row(
            name,
            cells,
            f"p99 per run {spread(Summary.of(p99s))}",
            reference,
            str(self.runs),
            verdict,
        )
        if mode == "scan":
            self.targets.append(
                Target(
                    "status-poll p99 during a scan",
                    f"{duration(pooled.p99)} ({pooled.count} polls)",
                    f"<= {duration(POLL_P99_GOAL)}",
                    met,
                    "compare with the idle baseline row: what the scan adds is work on the "
                    "loop per request or per progress event (JSON of the job, storage writes) "
                    "or the probes' CPU; what the baseline already shows is the client (50 "
                    "pollers in one Python process) and the shared machine",
                )
            )
        self.rows.data.append(
            {
                "scenario": "poll_latency",
                "mode": mode,
                "latency": pooled.as_json(),
                "latency_minus_client_stalls": Latency.of(corrected).as_json()
                if corrected
                else None,
                "p99_per_run_s": p99s,
                "unanswered": unanswered,
            }
        )

    # Scenario 4: cancel latency and what is left running after it.
    async def cancel_latency(self) -> None:
        concurrency = os.cpu_count() or 1
        media = self.work / "cancel"
        await asyncio.to_thread(empty_files, media, 4 * concurrency)
        fake = await asyncio.to_thread(
            self.fake, "cancel", Behaviour(mode="hang", hang_seconds=120.0)
        )
        answers: list[float] = []
        clean: list[float] = []
        with self.scenario(media, fake.executable, concurrency=concurrency).server(
            self.settings.project
        ) as server:
            async with session() as http:
                client = Client(http, server)
                for _ in range(self.runs):
                    job = await client.scan(media)
                    async with asyncio.timeout(30):
                        await wait_until(lambda: len(fake.alive_pids()) >= concurrency)
                    started = time.perf_counter()
                    status, body = await client.cancel(job["id"])
                    answered = time.perf_counter()
                    if status != 200 or body["status"] != "cancelled":
                        raise RuntimeError(f"cancel answered {status} {body}")
                    async with asyncio.timeout(30):
                        gone = await wait_until(lambda: not fake.alive_pids())
                    answers.append(answered - started)
                    clean.append(max(gone, answered) - started)
                    log(f"cancel: answer {duration(answers[-1])}, clean {duration(clean[-1])}")
        for label, samples in (
            ("cancel: request to `cancelled` answer", answers),
            ("cancel: request to no ffprobe child left", clean),
        ):
            summary = Summary.of(samples)
            self.row(
                label + f" ({concurrency} hung probes)",
                duration(summary.median),
                spread(summary),
                "",
                str(summary.count),
                "",
            )
        self.rows.data.append({"scenario": "cancel", "answer_s": answers, "clean_s": clean})

    # Scenario 5: a job timeout of 1 s, measured.
    async def timeout_accuracy(self) -> None:
        concurrency = os.cpu_count() or 1
        media = self.work / "timeout"
        await asyncio.to_thread(empty_files, media, 2 * concurrency)
        fake = await asyncio.to_thread(
            self.fake, "timeout", Behaviour(mode="hang", hang_seconds=120.0)
        )
        seen_after: list[float] = []
        server_side: list[float] = []
        survivors = 0
        scenario = self.scenario(media, fake.executable, concurrency=concurrency, job_timeout=1.0)
        with scenario.server(self.settings.project) as server:
            async with session() as http:
                client = Client(http, server)
                for _ in range(self.runs):
                    started = time.perf_counter()
                    job = await client.scan(media)
                    async with asyncio.timeout(30):
                        done, seen = await client.wait_for(job["id"], final)
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
                    log(f"timeout 1 s: seen after {duration(seen_after[-1])}")
        summary = Summary.of(seen_after)
        extra = f"; server started->finished {duration(Summary.of(server_side).median)}"
        self.row(
            "job timeout 1 s: POST to `timed_out` seen" + (extra if server_side else ""),
            duration(summary.median),
            spread(summary),
            f"error {duration(summary.median - 1.0)}; probes left after 5 s: {survivors}",
            str(summary.count),
            "",
        )
        self.rows.data.append(
            {
                "scenario": "timeout",
                "seen_s": seen_after,
                "server_elapsed_s": server_side,
                "survivors": survivors,
            }
        )

    # Scenario 6: memory of a huge directory and time to the first progress value.
    async def big_directory(self, count: int) -> None:
        media = self.work / f"big-{count}"
        log(f"creating {count:,} empty files")
        await asyncio.to_thread(empty_files, media, count)
        fake = await asyncio.to_thread(self.fake, "big", Behaviour(delay=0))
        window = 5.0
        with self.scenario(media, fake.executable, concurrency=os.cpu_count() or 1).server(
            self.settings.project
        ) as server:
            idle_kb = (await asyncio.to_thread(memory_kb, server.pid))[0]
            async with session() as http:
                client = Client(http, server)
                started = time.perf_counter()
                job = await client.scan(media)
                async with asyncio.timeout(120):
                    first, seen = await client.wait_for(
                        job["id"], lambda j: j["progress"] is not None or final(j)
                    )
                first_progress = seen - started
                await asyncio.sleep(window)
                latest = await client.job(job["id"])
                peak_kb = (await asyncio.to_thread(memory_kb, server.pid))[1]
                await client.cancel(job["id"])
                async with asyncio.timeout(30):
                    await client.wait_for(job["id"], final)
            peak_kb = max(peak_kb, (await asyncio.to_thread(memory_kb, server.pid))[1])
        await asyncio.to_thread(shutil.rmtree, media, ignore_errors=True)
        met = peak_kb < RSS_GOAL_KB
        self.row(
            f"scan of {count:,} empty *.mp4 (fake, d=0): server peak RSS (VmHWM)",
            megabytes(peak_kb),
            f"idle {megabytes(idle_kb)}",
            f"goal < {megabytes(RSS_GOAL_KB)}; listed all, probed {latest['files_done']:,} "
            f"in {window:g} s, then cancelled",
            "1",
            "met" if met else "**MISSED**",
        )
        self.row(
            f"scan of {count:,} empty *.mp4: POST to first progress value",
            duration(first_progress),
            "",
            f"files_total {first['files_total']}",
            "1",
            "",
        )
        self.targets.append(
            Target(
                f"server peak RSS, {count:,} files",
                megabytes(peak_kb),
                f"< {megabytes(RSS_GOAL_KB)}",
                met,
                "keep per-file state small (paths as str, no per-file objects beyond the queue) "
                "and do not build the result list until the job ends",
            )
        )
        self.rows.data.append(
            {
                "scenario": "big_directory",
                "files": count,
                "idle_rss_kb": idle_kb,
                "peak_rss_kb": peak_kb,
                "first_progress_s": first_progress,
                "files_done_in_window": latest["files_done"],
            }
        )

    async def run_all(self) -> None:
        steps: Sequence[tuple[str, Callable[[], Any]]] = (
            ("fake start-up", lambda: self.fake_startup(fast=True)),
            ("fake start-up, python", lambda: self.fake_startup(fast=False)),
            ("throughput c=1", lambda: self.throughput(1, self.settings.probe_delay)),
            ("throughput c=2", lambda: self.throughput(2, self.settings.probe_delay)),
            ("throughput c=8", lambda: self.throughput(8, self.settings.probe_delay)),
            ("real ffprobe", lambda: self.real_ffprobe(200)),
            ("polls, idle", lambda: self.poll_latency("idle")),
            ("polls, scan", lambda: self.poll_latency("scan")),
            ("polls, blocking probe", lambda: self.poll_latency("blocking")),
            ("stall guard overhead", lambda: guard_overhead(self)),
            ("cancel", self.cancel_latency),
            ("timeout", self.timeout_accuracy),
            ("big directory", lambda: self.big_directory(self.settings.rss_files)),
        )
        for label, step in steps:
            log(f"service: {label}")
            try:
                result = step()
                if asyncio.iscoroutine(result):
                    await result
            except Exception as exc:  # one broken scenario must not hide the others' numbers
                self.row(label, f"error: {type(exc).__name__}: {str(exc)[:200]}", "", "", "0", "")
                log(f"service {label} failed: {exc!r}")
            finally:
                for fake in self.fakes:
                    fake.kill_survivors()


def bench_service(settings: Settings, work: Path) -> tuple[list[Section], list[Target]]:
    bench = ServiceBench(settings, work)
    asyncio.run(bench.run_all())
    return [bench.rows], bench.targets
