"""Memory of a long history: the service's RSS while it runs N finished jobs, one after another.

Issue 13 asked for RSS flat at 100,000 finished jobs: finished results live in SQLite, not in
memory, and history is pruned to ``--retain-jobs``. Each job scans an empty folder, so it
finishes at once and the run measures the job machinery, not probing. Prints a Markdown table of
the server's RSS after every tenth of the jobs.

    python -m bench.history_rss --jobs 100000
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.measure import memory_kb
from loopwire.harness.client import ServiceClient, connect, is_finished
from loopwire.harness.server import REFERENCE_SERVICE, ServerProcess

CLIENTS = 8


async def run_jobs(api: ServiceClient, folder: Path, count: int, counter: list[int]) -> None:
    """Start scans of ``folder`` until ``counter`` reaches ``count``, waiting for each end."""
    while counter[0] < count:
        counter[0] += 1
        job = await api.start_scan(folder)
        if not is_finished(job):
            async with asyncio.timeout(30):
                await api.wait_for(job["id"], is_finished)


async def measure(count: int, work: Path) -> list[tuple[int, float, int]]:
    """(jobs finished, seconds, RSS KiB) after every tenth of ``count`` jobs."""
    folder = work / "empty"
    await asyncio.to_thread(folder.mkdir)
    command = [*REFERENCE_SERVICE, "--media-root", str(work), "--db", str(work / "jobs.db")]
    rows: list[tuple[int, float, int]] = []
    with ServerProcess(command) as server:
        async with connect(server.url("")) as api:
            api.interval = 0.001
            counter = [0]
            started = time.perf_counter()
            step = max(count // 10, 1)
            for target in range(step, count + 1, step):
                await asyncio.gather(
                    *(run_jobs(api, folder, target, counter) for _ in range(CLIENTS))
                )
                rss, _ = await asyncio.to_thread(memory_kb, server.pid)
                rows.append((counter[0], time.perf_counter() - started, rss))
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000, help="finished jobs to run")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="loopwire-history-") as work:
        rows = asyncio.run(measure(args.jobs, Path(work)))
    print("| jobs finished | elapsed | service RSS |")
    print("|---:|---:|---:|")
    for done, elapsed, rss in rows:
        print(f"| {done:,} | {elapsed:.0f} s | {rss / 1024:.1f} MiB |")


if __name__ == "__main__":
    main()
