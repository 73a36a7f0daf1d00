"""``python -m bench.distributed`` (``nox -s bench_distributed``): the arq + Redis backend with
1, 2 and 4 worker processes, against the ideal and against the embedded backend.

Every part is real and local: a redis-server, ``python -m service --queue`` and
``python -m service.worker`` processes, the fake ffprobe (a shell script that sleeps ``d``
seconds, so the probes cost time but no CPU: what is measured is the distribution, not the
machine's cores). Printed:

- scan wall time (``POST`` to completed) of N files with w workers of concurrency c, against
  the ideal N·d/(c·w), and the embedded backend with concurrency c·w on the same files;
- the API's poll latency (p50/p99/max, the harness's scheduled poller on ``GET /jobs/{id}``)
  while the 4 workers scan;
- cancel latency with probes hanging on 4 workers: until the cancel answers, and until the last
  probe process on any worker is gone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bench.report import Section, markdown_table
from bench.settings import Settings
from loopwire.harness.client import ServiceClient, is_finished
from loopwire.harness.fake_ffprobe.fakes import Behaviour, FakeFfprobe, write_fake_ffprobe
from loopwire.harness.poller import poll_on_schedule
from loopwire.harness.redis_backend import Workers, redis_server

BANNER = "loopwire service listening on "


@dataclass(frozen=True)
class Options:
    files: int
    delay: float
    concurrency: int
    batch_size: int
    workers: tuple[int, ...]


@contextlib.asynccontextmanager
async def api(media: Path, db: Path, ffprobe: Path, extra: Sequence[str]) -> AsyncIterator[str]:
    """``python -m service`` on a free port; its base URL; stopped after."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "service", "--port", "0", "--media-root", str(media),
        "--db", str(db), "--ffprobe", str(ffprobe), *extra,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        async with asyncio.timeout(60):
            line = (await process.stdout.readline()).decode()
        if not line.startswith(BANNER):
            raise SystemExit(f"the service did not start: {line!r}")
        yield line.strip().rsplit(" ", 1)[1]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()


async def timed_scan(url: str, media: Path, *, poll: bool = False) -> tuple[float, str]:
    """Seconds from the scan's POST to its completion, and the poll summary (if ``poll``)."""
    async with aiohttp.ClientSession() as session:
        client = ServiceClient(session, url, interval=0.01)
        started = time.perf_counter()
        job = await client.start_scan(media)
        polled = ""
        if poll:
            report = await poll_on_schedule(
                f"{url}/api/v1/jobs/{job['id']}", interval=0.05, pollers=4, stop_when=is_finished
            )
            p50, p99, worst = report.latency(0.5), report.latency(0.99), report.max_latency
            polled = (
                f"{len(report.answered)} polls answered of {report.sent}: "
                f"p50 {_ms(p50)}, p99 {_ms(p99)}, max {_ms(worst)}"
            )
        final, _ = await client.wait_finished(job["id"], within=600)
        took = time.perf_counter() - started
    if final["status"] != "completed" or final["files_done"] != final["files_total"]:
        raise SystemExit(f"the scan ended {final['status']}: {final['error']}")
    return took, polled


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f} ms"


async def cancel_latency(
    url: str, media: Path, fake: FakeFfprobe, probes: int
) -> tuple[float, float]:
    """With ``probes`` probes hanging across the workers: seconds until the cancel answered,
    and until no probe process is left."""
    async with aiohttp.ClientSession() as session:
        client = ServiceClient(session, url)
        job = await client.start_scan(media)
        await until(lambda: len(fake.alive_pids()) == probes, within=60)
        started = time.perf_counter()
        status, body = await client.cancel(job["id"])
        answered = time.perf_counter() - started
        if status != 200:
            raise SystemExit(f"cancel answered {status}: {body}")
        await until(lambda: not fake.alive_pids(), within=30)
        gone = time.perf_counter() - started
    return answered, gone


async def until(predicate: Callable[[], bool], within: float) -> None:
    """Poll outside state (/proc) until ``predicate`` holds; TimeoutError after ``within``."""
    async with asyncio.timeout(within):
        while True:
            if predicate():
                return
            await asyncio.sleep(0.005)


def _prepare(options: Options, scratch: Path) -> tuple[Path, FakeFfprobe, FakeFfprobe]:
    """The files, the fake probe taking ``delay`` s, and one that hangs (file work)."""
    media = scratch / "media"
    media.mkdir()
    for n in range(options.files):
        (media / f"v{n:05d}.mp4").write_bytes(b"\0" * 1024)
    fake = write_fake_ffprobe(scratch / "fake", default=Behaviour(delay=options.delay))
    hanging = write_fake_ffprobe(scratch / "hang", default=Behaviour(mode="hang"))
    return media, fake, hanging


async def measure(options: Options, scratch: Path) -> Section:
    media, fake, hanging = await asyncio.to_thread(_prepare, options, scratch)
    n, d, c = options.files, options.delay, options.concurrency
    section = Section(
        title=f"Distributed scans (arq + Redis): {n} files, fake probe {d:g} s each, "
        f"concurrency {c} per worker, batches of {options.batch_size}",
        columns=("backend", "scan wall time", "ideal N·d/(c·w)", "wall / ideal"),
    )
    most = max(options.workers)
    embedded = ["--concurrency", str(c * most)]
    async with api(media, scratch / "e.db", fake.executable, embedded) as url:
        took, _ = await timed_scan(url, media)
    _row(section, f"embedded, concurrency {c * most}", took, n * d / (c * most))
    polled = ""
    for count in options.workers:
        async with redis_server(scratch) as server:
            workers = Workers(server, (media,))
            try:
                for _ in range(count):
                    await workers.start(concurrency=c, ffprobe=str(fake.executable))
                extra = ["--queue", workers.url(), "--batch-size", str(options.batch_size)]
                async with api(media, scratch / f"r{count}.db", fake.executable, extra) as url:
                    took, summary = await timed_scan(url, media, poll=count == most)
                    polled = summary or polled
            finally:
                await workers.stop_all()
        label = f"redis, {count} worker{'s' if count > 1 else ''}"
        _row(section, label, took, n * d / (c * count))
    section.notes.append(f"API poll latency (GET /jobs/{{id}}) while {most} workers scan: {polled}")

    async with redis_server(scratch) as server:
        workers = Workers(server, (media,))
        try:
            for _ in range(most):
                await workers.start(concurrency=c, ffprobe=str(hanging.executable))
            # Batches of one: every worker slot holds a hanging probe.
            extra = ["--queue", workers.url(), "--batch-size", "1"]
            async with api(media, scratch / "c.db", hanging.executable, extra) as url:
                answered, gone = await cancel_latency(url, media, hanging, c * most)
        finally:
            await workers.stop_all()
            await asyncio.to_thread(hanging.kill_survivors)
    section.notes.append(
        f"cancel with {c * most} probes hanging on {most} workers: answered in "
        f"{answered * 1000:.0f} ms, last probe gone after {gone * 1000:.0f} ms"
    )
    return section


def _row(section: Section, label: str, took: float, ideal: float) -> None:
    section.add_row(label, f"{took:.2f} s", f"{ideal:.2f} s", f"{took / ideal:.2f}")


def bench_distributed(settings: Settings, work: Path) -> Section:
    """The section of ``python -m bench`` (fewer files with ``--quick``)."""
    files = 40 if settings.quick else 200
    options = Options(files, delay=0.2, concurrency=2, batch_size=8, workers=(1, 2, 4))
    scratch = work / "distributed"
    scratch.mkdir()
    return asyncio.run(measure(options, scratch))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.distributed", description=__doc__)
    parser.add_argument("--files", type=int, default=200, help="files scanned (%(default)s)")
    parser.add_argument("--delay", type=float, default=0.2, help="seconds per probe (%(default)s)")
    parser.add_argument(
        "--concurrency", type=int, default=2, help="probes at once per worker (%(default)s)"
    )
    parser.add_argument("--batch-size", type=int, default=8, help="files per batch (%(default)s)")
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2, 4], help="worker counts (1 2 4)"
    )
    args = parser.parse_args(argv)
    if min(args.files, args.concurrency, args.batch_size, *args.workers) < 1 or args.delay <= 0:
        parser.error("counts must be at least 1 and --delay positive")
    options = Options(
        args.files, args.delay, args.concurrency, args.batch_size, tuple(args.workers)
    )
    with tempfile.TemporaryDirectory(prefix="bench-distributed-") as scratch:
        section = asyncio.run(measure(options, Path(scratch)))
    print("\n".join([section.title, "", *markdown_table(section.columns, section.rows), ""]))
    print("\n".join(f"- {note}" for note in section.notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
