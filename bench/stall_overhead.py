"""What the loop-stall guard costs the service: request throughput and poll p99, off vs on.

The same server command runs with and without ``--stall-report``, alternating, so drift of the
shared machine falls on both. Throughput is closed-loop: a fixed number of clients each send
``GET /jobs/{id}`` back to back for a fixed time. Poll p99 is the harness's scheduled poller
during a scan of slow fake probes (the poll-latency scenario's load, shorter).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import time
from typing import TYPE_CHECKING

from bench.linter import log
from bench.media import empty_files
from bench.report import Target, duration
from bench.stats import Latency, Summary
from checks.harness.fake_ffprobe import Behaviour
from checks.harness.poller import poll_on_schedule

if TYPE_CHECKING:
    from bench.service import Client, ServiceBench

# The service's threshold for the "on" runs: what a production service would plausibly set.
STALL_REPORT_MS = 50.0
CLIENTS = 16
HAMMER_SECONDS = 3.0
POLL_WINDOW = 4.0
THROUGHPUT_COST_GOAL = 0.02
P99_ADDED_GOAL = 0.001


async def _hammer(client: Client, job_id: str) -> float:
    """Requests per second answered by ``CLIENTS`` clients sending back to back."""
    answered = 0
    deadline = time.perf_counter() + HAMMER_SECONDS

    async def one_client() -> None:
        nonlocal answered
        while time.perf_counter() < deadline:
            await client.job(job_id)
            answered += 1

    started = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(CLIENTS)))
    return answered / (time.perf_counter() - started)


async def guard_overhead(bench: ServiceBench) -> None:
    from bench.service import Client, final, session

    concurrency = os.cpu_count() or 1
    media = bench.work / "stall-overhead"
    count = int(POLL_WINDOW / 0.3 * concurrency * 2)
    await asyncio.to_thread(empty_files, media, count)
    fake = await asyncio.to_thread(bench.fake, "stall-overhead", Behaviour(delay=0.3))
    rates: dict[bool, list[float]] = {False: [], True: []}
    polls: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(bench.runs):
        for guarded in (False, True):
            scenario = bench.scenario(media, fake.executable, concurrency=concurrency)
            if guarded:
                scenario = dataclasses.replace(scenario, stall_report=STALL_REPORT_MS)
            with scenario.server(bench.settings.project) as server:
                async with session() as http:
                    client = Client(http, server)
                    job = await client.scan(media)
                    report = await poll_on_schedule(
                        server.url(f"/api/v1/jobs/{job['id']}"),
                        interval=bench.settings.poll_interval,
                        pollers=bench.settings.pollers,
                        max_duration=POLL_WINDOW,
                        request_timeout=10.0,
                    )
                    polls[guarded] += report.latencies
                    await client.cancel(job["id"])
                    async with asyncio.timeout(60):
                        job, _ = await client.wait_for(job["id"], final)
                    rates[guarded].append(await _hammer(client, job["id"]))
            log(f"stall guard {'on' if guarded else 'off'}: {rates[guarded][-1]:.0f} requests/s")
    off, on = Summary.of(rates[False]), Summary.of(rates[True])
    cost = 1 - on.median / off.median
    p99_off, p99_on = Latency.of(polls[False]).p99, Latency.of(polls[True]).p99
    for label, rate, p99 in (("off", off, p99_off), (f"on, {STALL_REPORT_MS:g} ms", on, p99_on)):
        bench.row(
            f"stall guard {label}: GET job, {CLIENTS} clients back to back; poll p99 in a scan",
            f"{rate.median:.0f} requests/s; poll p99 {duration(p99)}",
            f"{rate.minimum:.0f}-{rate.maximum:.0f} requests/s",
            "runs alternate off/on",
            str(rate.count),
            "",
        )
    bench.targets.append(
        Target(
            "stall guard cost: throughput",
            f"{cost * 100:+.1f}% ({off.median:.0f} -> {on.median:.0f} requests/s)",
            f"< {THROUGHPUT_COST_GOAL * 100:g}%",
            cost < THROUGHPUT_COST_GOAL,
            "the heartbeat runs every fifth of the threshold: raise the threshold, or profile "
            "the beat (a timer handle and two clock reads)",
        )
    )
    bench.targets.append(
        Target(
            "stall guard cost: poll p99 added",
            f"{duration(p99_on - p99_off)} ({duration(p99_off)} -> {duration(p99_on)})",
            f"< {duration(P99_ADDED_GOAL)}",
            p99_on - p99_off < P99_ADDED_GOAL,
            "compare the spread of several bench runs first: on a shared machine p99 moves "
            "by more than a millisecond between identical runs",
        )
    )
    bench.rows.data.append(
        {
            "scenario": "stall_guard_overhead",
            "threshold_ms": STALL_REPORT_MS,
            "requests_per_s_off": rates[False],
            "requests_per_s_on": rates[True],
            "poll_p99_off_s": p99_off,
            "poll_p99_on_s": p99_on,
        }
    )
