"""A long history costs no memory: finished jobs leave the process once they are on disk.

The real app (real HTTP, real SQLite file) runs a few thousand tiny scans, four clients at a
time; the test counts the job objects alive on the heap (after ``gc.collect``, so the count is
exact, unlike RSS) while they run and once the last of them is saved. Two ways to keep them are
covered: something holding finished jobs or their tasks for good, and a writer that falls behind
the jobs (a commit per job held every finished job in memory until the disk caught up). Each
negative control rebuilds one such shape in a test subclass or a patched constant, and must fail
the same assertion.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from loopwire.harness.client import ServiceClient, is_finished
from service import app as service_app
from service import job_writer, jobs
from service.schemas import ErrorBody, JobStatus, JobStatusResponse, VideoInfo
from service.storage import Storage
from tests.integration.service.service_support import ClientFactory

pytestmark = [
    pytest.mark.integration,
    # The census walks the whole heap on the loop (gc.collect, gc.get_objects): 100-200 ms in
    # the suite's large process. It is the measurement, not the service, that stalls.
    pytest.mark.loopwire_stall(allow=True, reason="the gc census walks the heap on the loop"),
]

JOBS = 2000
CLIENTS = 4
RETAIN = 100
SAMPLES = 20
# Jobs alive at any time: the running ones and those finished but not yet saved. A writer that
# keeps up holds a handful; one that falls behind holds a share of everything run so far.
PEAK_BOUND = 200
# Seconds per transaction of the slow disk: a commit per job cannot keep up with tiny scans.
SLOW_COMMIT = 0.02
SLOW_JOBS = 600


@dataclass(frozen=True)
class Census:
    """Job objects (and their tasks) alive on the heap: the most seen while jobs ran, and what
    is left once the last job is saved."""

    peak_jobs: int
    jobs_left: int
    tasks_left: int


def live_jobs(ids: set[str]) -> int:
    """Job objects of ``ids`` alive on the heap (other tests' leftovers are not counted)."""
    gc.collect()
    return sum(1 for thing in gc.get_objects() if isinstance(thing, jobs._Job) and thing.id in ids)


def live_job_tasks(ids: set[str]) -> int:
    """Tasks of jobs of ``ids`` (named ``<type>-job-<id>``) alive on the heap."""
    return sum(
        1
        for thing in gc.get_objects()
        if isinstance(thing, asyncio.Task) and thing.get_name().rpartition("-")[2] in ids
    )


async def run_history(api: ServiceClient, folder: Path, count: int) -> Census:
    """Run ``count`` scans of ``folder``, ``CLIENTS`` at a time and each to its end, counting
    live jobs ``SAMPLES`` times on the way; then one more, and once that one is saved (it is
    written after every other), count what is left."""
    ids: set[str] = set()
    peak = 0

    async def client(target: int) -> None:
        while len(ids) < target:
            job = await api.start_scan(folder)
            ids.add(job["id"])
            await api.wait_for(job["id"], is_finished)

    step = max(count // SAMPLES, 1)
    for target in range(step, count + 1, step):
        async with asyncio.timeout(300):
            await asyncio.gather(*(client(target) for _ in range(CLIENTS)))
        peak = max(peak, live_jobs(ids))

    last = await api.start_scan(folder)
    ids.add(last["id"])
    async with asyncio.timeout(60):
        await api.wait_for(last["id"], lambda job: is_finished(job) and job["saved"] is True)
    return Census(peak_jobs=peak, jobs_left=live_jobs(ids), tasks_left=live_job_tasks(ids))


def assert_flat(census: Census) -> None:
    assert census.jobs_left == 0, f"finished jobs stayed in memory: {census}"
    assert census.tasks_left == 0, f"finished jobs' tasks stayed in memory: {census}"
    assert census.peak_jobs <= PEAK_BOUND, f"jobs piled up in memory: {census}"


async def history(make_client: ClientFactory, media: Path, count: int) -> Census:
    folder = media / "empty"
    folder.mkdir()
    client = await make_client(concurrency=1, retain_jobs=RETAIN)
    api = ServiceClient(client, interval=0.002)
    census = await run_history(api, folder, count)
    status, page = await api.request("GET", "/jobs?limit=500")
    assert status == 200, page
    assert len(page["jobs"]) == RETAIN  # history itself is bounded, on disk
    return census


class SlowDisk(Storage):
    """Real storage whose every transaction takes ``SLOW_COMMIT`` longer: a slow disk."""

    async def save_jobs(
        self, jobs: Sequence[JobStatusResponse], videos: Sequence[VideoInfo] = ()
    ) -> None:
        await asyncio.sleep(SLOW_COMMIT)
        await super().save_jobs(jobs, videos)


class KeepsFinishedJobs(jobs.JobQueue):
    """Mutant: keeps every finished job for good (a history in memory)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.history: list[jobs._Job] = []

    def _finish(self, job: jobs._Job, status: JobStatus, error: ErrorBody | None) -> None:
        self.history.append(job)
        super()._finish(job, status, error)


class KeepsTasks(jobs.JobQueue):
    """Mutant: keeps every job's task in a set that nothing prunes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tasks: set[asyncio.Task[None] | None] = set()

    def _launch(self, job: jobs._Job) -> JobStatusResponse:
        snapshot = super()._launch(job)
        self.tasks.add(job.task)
        return snapshot


async def test_finished_jobs_leave_memory_once_saved(
    make_client: ClientFactory, media: Path
) -> None:
    assert_flat(await history(make_client, media, JOBS))


async def test_a_slow_disk_does_not_pile_finished_jobs_up_in_memory(
    make_client: ClientFactory, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_app, "Storage", SlowDisk)
    assert_flat(await history(make_client, media, SLOW_JOBS))


@pytest.mark.parametrize(
    ("mutant", "count", "failure"),
    [
        ("keeps-finished-jobs", 300, "finished jobs stayed in memory"),
        ("keeps-tasks", 300, "finished jobs' tasks stayed in memory"),
        ("a-commit-per-job", SLOW_JOBS, "jobs piled up in memory"),
    ],
)
async def test_negative_control_each_retaining_shape_fails(
    make_client: ClientFactory,
    media: Path,
    monkeypatch: pytest.MonkeyPatch,
    mutant: str,
    count: int,
    failure: str,
) -> None:
    if mutant == "keeps-finished-jobs":
        monkeypatch.setattr(service_app, "JobQueue", KeepsFinishedJobs)
    elif mutant == "keeps-tasks":
        monkeypatch.setattr(service_app, "JobQueue", KeepsTasks)
    else:
        # The writer before the fix: one job a transaction, on the slow disk.
        monkeypatch.setattr(service_app, "Storage", SlowDisk)
        monkeypatch.setattr(job_writer, "BATCH_JOBS", 1)
    census = await history(make_client, media, count)
    with pytest.raises(AssertionError, match=failure):
        assert_flat(census)
