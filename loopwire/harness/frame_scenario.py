"""The responsiveness scenario of a frame job: one video through a fake ``ffmpeg`` while
pollers watch the service.

The service runs out of process with a fake ``ffprobe`` (the frame count) and a fake ``ffmpeg``
(:func:`~loopwire.harness.fake_ffprobe.fakes.write_fake_ffmpeg`) whose behaviour is the
scenario's: progress reported slowly, a hang half-way, a flood of output with no newline. The
job is polled on a fixed schedule until it ends (optionally cancelled once its progress reaches
``cancel_at``), and the result says what a frame job must get right under each: polls answered
in time while it runs, no fake process left alive, no output folder left behind, and how much
the service's peak memory grew.

``python -m loopwire.harness.frame_scenario`` runs the three behaviours and the service with the
blocking prober (whose blocking frame count must fail) and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from loopwire.harness.blocking_probe import BLOCKING_SERVICE
from loopwire.harness.client import ServiceClient, connect, is_finished, is_running
from loopwire.harness.fake_ffprobe.fakes import (
    Behaviour,
    FakeFfprobe,
    write_fake_ffmpeg,
    write_fake_ffprobe,
)
from loopwire.harness.poller import PollReport, Verdict, poll_on_schedule
from loopwire.harness.scenario import service_args, wait_for_no_survivors
from loopwire.harness.server import REFERENCE_SERVICE, ServerProcess
from loopwire.harness.stall_log import stall_sites

VIDEO_NAME = "long-video.mp4"
# Where the reference service writes frame jobs by default: <first media root>/<this>/<job id>.
OUTPUT_FOLDER = ".loopwire-output"


@dataclass(frozen=True)
class FrameScenarioOptions:
    # What the fake ffmpeg does; its duration x frame_rate is the video's frame count, which the
    # fake ffprobe reports too.
    ffmpeg: Behaviour = field(
        default_factory=lambda: Behaviour(delay=4.0, duration=4.0, frame_rate="25")
    )
    # How long the frame count's ffprobe run takes.
    probe_delay: float = 0.0
    kind: str = "thumbnails"
    # The server command before the service's own arguments (another launcher builds a broken
    # service through the same factory, e.g. :data:`BLOCKING_SERVICE`).
    service: tuple[str, ...] = REFERENCE_SERVICE
    job_timeout: float = 3600.0
    # Cancel the job once its progress reaches this (None: let it end by itself).
    cancel_at: float | None = None
    pollers: int = 4
    interval: float = 0.05
    max_latency: float = 0.5
    min_running_polls: int = 10
    max_duration: float = 60.0
    stall_report_ms: float = 50.0


@dataclass(frozen=True)
class FrameScenarioResult:
    options: FrameScenarioOptions
    report: PollReport
    verdict: Verdict
    job: dict[str, Any]
    # Fake ffmpeg/ffprobe processes alive after the job ended (and a grace period).
    survivors: list[int]
    # What is left of the job's output folder once it ended.
    output_left: list[str]
    # The service's peak resident memory (VmHWM) after the job minus before it, in bytes.
    peak_memory_growth: int
    server_output: str

    @property
    def running_progress(self) -> list[float]:
        """Progress values polls saw while the job ran, in answer order."""
        return [
            p.body["progress"]
            for p in sorted(self.report.answered_where(is_running), key=lambda p: p.answered or 0)
            if isinstance(p.body.get("progress"), int | float)
        ]


def peak_memory(pid: int) -> int:
    """The process's peak resident set size (``VmHWM``) in bytes; 0 if it cannot be read."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def prepare(
    options: FrameScenarioOptions, workdir: Path
) -> tuple[Path, FakeFfprobe, FakeFfprobe, list[str]]:
    """The video file, the two fakes and the service command (file work: call off the loop)."""
    media = workdir / "media"
    media.mkdir(parents=True, exist_ok=True)
    # The fakes never read it; the service only opens it (a regular file beneath no symlink).
    (media / VIDEO_NAME).write_bytes(b"\0" * 1024)
    shape = options.ffmpeg
    ffprobe = write_fake_ffprobe(
        workdir / "fake-ffprobe",
        default=Behaviour(
            delay=options.probe_delay, duration=shape.duration, frame_rate=shape.frame_rate
        ),
    )
    ffmpeg = write_fake_ffmpeg(workdir / "fake-ffmpeg", default=shape)
    command = [
        *options.service,
        *service_args(media, workdir / "service.db", ffprobe.executable, concurrency=2,
                      job_timeout=options.job_timeout),
        "--ffmpeg", str(ffmpeg.executable),
        "--stall-report", f"{options.stall_report_ms:g}",
    ]  # fmt: skip
    return media.resolve(), ffprobe, ffmpeg, command


async def _cancel_at(api: ServiceClient, job_id: str, progress: float) -> None:
    def reached(job: dict[str, Any]) -> bool:
        return is_finished(job) or (job.get("progress") or 0.0) >= progress

    job, _ = await api.wait_for(job_id, reached)
    if not is_finished(job):
        await api.cancel(job_id)


def _left_in(folder: Path) -> list[str]:
    if not folder.exists():
        return []
    return sorted(str(path) for path in folder.rglob("*")) or [str(folder)]


async def run_frame_job(options: FrameScenarioOptions, workdir: Path) -> FrameScenarioResult:
    """Start the service with the fakes, run one frame job, poll it until it ends."""
    media, ffprobe, ffmpeg, command = await asyncio.to_thread(prepare, options, workdir)
    server = ServerProcess(command)
    try:
        await asyncio.to_thread(server.start)
        before = await asyncio.to_thread(peak_memory, server.pid)
        async with connect(server.url("")) as api:
            job = await api.start_frame_job(options.kind, media / VIDEO_NAME)
            canceller = (
                asyncio.ensure_future(_cancel_at(api, job["id"], options.cancel_at))
                if options.cancel_at is not None
                else None
            )
            try:
                report = await poll_on_schedule(
                    server.url(f"/api/v1/jobs/{job['id']}"),
                    interval=options.interval,
                    pollers=options.pollers,
                    max_duration=options.max_duration,
                    stop_when=is_finished,
                )
            finally:
                if canceller is not None:
                    canceller.cancel()
                    await asyncio.gather(canceller, return_exceptions=True)
            final = await api.job(job["id"])
        growth = await asyncio.to_thread(peak_memory, server.pid) - before
        verdict = report.verdict(options.max_latency, options.min_running_polls, counted=is_running)
        survivors = [
            *await wait_for_no_survivors(ffmpeg),
            *await wait_for_no_survivors(ffprobe),
        ]
        left = await asyncio.to_thread(_left_in, media / OUTPUT_FOLDER / job["id"])
        # Its whole output: a stall report logged just before the last answer may still be in
        # the pipe while the service runs.
        await asyncio.to_thread(server.stop)
        output = server.output()
        if not verdict.passed:
            # The poller knows answers were late; the service's stall report knows why.
            stalls = [f"server loop stalled {site}" for site in stall_sites(output)]
            verdict = replace(verdict, reasons=(*verdict.reasons, *stalls))
        return FrameScenarioResult(
            options=options,
            report=report,
            verdict=verdict,
            job=final,
            survivors=survivors,
            output_left=left,
            peak_memory_growth=growth,
            server_output=output,
        )
    finally:
        await asyncio.to_thread(server.stop)
        for fake in (ffmpeg, ffprobe):
            await asyncio.to_thread(fake.kill_survivors)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f} ms"


def render_table(results: Sequence[tuple[str, FrameScenarioResult]]) -> str:
    """A Markdown table, one row per named scenario run."""
    header = (
        "| scenario | polls sent | answered | while running | p50 | p99 | max | job | error "
        "| survivors | output left | peak RSS growth | verdict |"
    )
    rows = [header, "|" + "---|" * header.count(" | ") + "---|"]
    for name, r in results:
        error = r.job.get("error") or {}
        rows.append(
            f"| {name} | {r.report.sent} | {len(r.report.answered)} "
            f"| {len(r.report.answered_where(is_running))} "
            f"| {_ms(r.report.latency(0.5))} | {_ms(r.report.latency(0.99))} "
            f"| {_ms(r.report.max_latency)} | {r.job.get('status', 'unfinished')} "
            f"| {error.get('code', '-')} | {len(r.survivors)} | {len(r.output_left)} "
            f"| {r.peak_memory_growth / 2**20:.1f} MiB | {r.verdict} |"
        )
    return "\n".join(rows)


def scenarios(seconds: float) -> dict[str, tuple[FrameScenarioOptions, str]]:
    """The behaviours every frame job must survive, each with the status its job must end in,
    over a video of ``seconds`` seconds at 25 fps reported over as many seconds; last, the
    blocking frame count, whose verdict must fail."""
    slow = Behaviour(delay=seconds, duration=seconds, frame_rate="25")
    stuck = replace(slow, mode="hang", delay=seconds / 2)
    return {
        "slow progress": (FrameScenarioOptions(ffmpeg=slow), "completed"),
        "hang, job timeout": (FrameScenarioOptions(ffmpeg=stuck, job_timeout=seconds), "timed_out"),
        "hang, cancel": (FrameScenarioOptions(ffmpeg=stuck, cancel_at=0.5), "cancelled"),
        # A second of quiet, then the flood: the job must fail on it, well before its timeout.
        "flood": (
            FrameScenarioOptions(
                ffmpeg=replace(slow, mode="flood", delay=1.0), job_timeout=seconds * 2
            ),
            "failed",
        ),
        "blocking frame count": (
            FrameScenarioOptions(ffmpeg=slow, probe_delay=seconds / 2, service=BLOCKING_SERVICE),
            "completed",
        ),
    }


def problems(result: FrameScenarioResult, status: str) -> list[str]:
    """Why a frame job run did not end as it must: ``status``, polls answered in time, no fake
    process alive, and nothing left of a stopped job's output."""
    found = [] if result.verdict.passed else [str(result.verdict)]
    if result.job.get("status") != status:
        found.append(f"ended {result.job.get('status')}, not {status}: {result.job.get('error')}")
    if result.survivors:
        found.append(f"fake processes outlived the job: {result.survivors}")
    if status != "completed" and result.output_left:
        found.append(f"partial output left: {result.output_left}")
    return found


async def _main(seconds: float, workdir: Path) -> int:
    results = []
    ok = True
    for index, (name, (options, status)) in enumerate(scenarios(seconds).items()):
        result = await run_frame_job(options, workdir / str(index))
        results.append((name, result))
        found = problems(result, status)
        blocking = options.service == BLOCKING_SERVICE
        for problem in found:
            print(f"- {name}: {problem}")
        # The blocking variant is the negative control: it must be caught.
        ok = ok and (bool(found) if blocking else not found)
    print(render_table(results))
    return 0 if ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m loopwire.harness.frame_scenario",
        description="Run a frame job against a slow, a hanging and a flooding fake ffmpeg "
        "(and a blocking frame count, which must fail) while polling the service.",
    )
    parser.add_argument("--seconds", type=float, default=4.0, help="video length (%(default)s)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="loopwire-frames-") as workdir:
        return asyncio.run(_main(args.seconds, Path(workdir)))


if __name__ == "__main__":
    sys.exit(main())
