"""What only the distributed backend has to prove: several worker processes share one scan, a
worker killed with ``kill -9`` loses no file and counts none twice, and a cancel or a job timeout
leaves no probe process on any worker. Each property has its negative control: a broken worker
(:mod:`tests.integration.service.broken_workers`) makes the same check fail.

The API runs in the test (a real app on a real redis-server); the workers are real
``python -m service.worker`` processes probing with the fake ffprobe.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import signal
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient

from loopwire.harness.client import ServiceClient
from loopwire.harness.fake_ffprobe.fakes import Behaviour, FakeFfprobe
from loopwire.harness.fixtures import FakeFfprobeFactory
from loopwire.harness.redis_backend import WORKER, Workers, redis_server
from service.app import create_app
from service.config import ServiceConfig
from service.distributed import BATCH_FUNCTION, connect
from service.scan_state import ScanState
from tests.integration.service.service_support import (
    Client,
    ClientFactory,
    pid_gone,
    touch_videos,
    wait_until,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def backend() -> str:
    return "redis"


async def start_api(
    aiohttp_client: AiohttpClient, workers: Workers, tmp_path: Path, media: Path, **overrides: Any
) -> Client:
    settings: dict[str, Any] = {
        "media_roots": (media,),
        "db_path": tmp_path / "service.db",
        "job_timeout": 120.0,
        "queue": workers.url(),
    }
    settings.update(overrides)
    return await aiohttp_client(create_app(ServiceConfig(**settings)))


def worker_module(broken: str | None) -> Sequence[str]:
    """The real worker, or a broken kind of :mod:`tests.integration.service.broken_workers`."""
    return WORKER if broken is None else ("tests.integration.service.broken_workers", broken)


def parent_of(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


# Batches of three in walk order: the first holds a0, then the slow a1 (where the worker is
# killed, a0 already recorded), then a2.
KILL_FILES = [
    "a0.mp4", "a1-slow.mp4", "a2.mp4", "b0.mp4", "b1.mp4", "b2.mp4", "c0.mp4", "c1.mp4", "c2.mp4",
]  # fmt: skip


async def kill_one_of_three(
    aiohttp_client: AiohttpClient,
    workers: Workers,
    tmp_path: Path,
    media: Path,
    fake: FakeFfprobe,
    broken: str | None,
) -> list[str]:
    """Scan nine files in three batches on three workers; ``kill -9`` the worker probing the
    second file of the first batch. What went wrong, as sentences (none: every file exactly
    once)."""
    touch_videos(media, *KILL_FILES)
    # The killed batch runs again once its lease expires: batch timeout + 10 s (arq).
    await workers.start_many(3, batch_timeout=3.0, module=worker_module(broken))
    client = await start_api(aiohttp_client, workers, tmp_path, media, batch_size=3)
    api = ServiceClient(client)
    job = await api.start_scan(media)

    def slow_probe_running() -> bool:
        return any(
            inv.path and inv.path.endswith("a1-slow.mp4") and inv.end is None
            for inv in fake.invocations()
        )

    await wait_until(slow_probe_running, within=30)
    [slow] = [inv for inv in fake.invocations() if inv.path and inv.path.endswith("-slow.mp4")]
    victim = parent_of(slow.pid)
    assert victim in {process.pid for process in workers.processes}
    os.kill(victim, signal.SIGKILL)
    await wait_until(lambda: pid_gone(slow.pid), within=5)  # its probe died with it

    final, seen = await api.wait_finished(job["id"], within=90)
    problems = []
    if final["status"] != "completed":
        problems.append(f"the scan ended {final['status']}: {final['error']}")
    counted = [(s["files_done"], s["files_total"]) for s in seen]
    if any(done > total for done, total in counted if total is not None):
        problems.append(f"more files counted than the scan holds: {counted}")
    done = [job_state["files_done"] for job_state in seen]
    if done != sorted(done):
        problems.append(f"progress went backwards: {done}")
    if (final["files_done"], final["files_total"], final["files_failed"]) != (9, 9, 0):
        problems.append(f"final counters {final['files_done']}/{final['files_total']}")
    listed = [Path(video["path"]).name for video in (final["result"] or {}).get("videos", [])]
    if listed != KILL_FILES:
        problems.append(f"results {listed} are not every file once")
    completed = Counter(Path(inv.path).name for inv in fake.invocations() if inv.path and inv.end)
    if completed != Counter(KILL_FILES):
        problems.append(f"files probed to the end more or less than once: {completed}")
    return problems


async def test_kill_9_of_one_worker_loses_no_file_and_counts_none_twice(
    aiohttp_client: AiohttpClient,
    distributed: Workers,
    tmp_path: Path,
    media: Path,
    fake_ffprobe: FakeFfprobeFactory,
) -> None:
    fake = fake_ffprobe(rules={"*-slow.mp4": Behaviour(delay=2.0)}, default=Behaviour(delay=0.2))

    problems = await kill_one_of_three(aiohttp_client, distributed, tmp_path, media, fake, None)

    assert problems == []


async def test_negative_control_a_worker_without_the_once_per_file_guard_is_caught(
    aiohttp_client: AiohttpClient,
    distributed: Workers,
    tmp_path: Path,
    media: Path,
    fake_ffprobe: FakeFfprobeFactory,
) -> None:
    fake = fake_ffprobe(rules={"*-slow.mp4": Behaviour(delay=2.0)}, default=Behaviour(delay=0.2))

    problems = await kill_one_of_three(
        aiohttp_client, distributed, tmp_path, media, fake, "unguarded"
    )

    # The re-run batch probes and counts a0 again: one file too many, so the scan "completes"
    # before a2 is recorded.
    assert any("probed to the end more or less than once" in problem for problem in problems)
    assert any("are not every file once" in problem for problem in problems)


async def stop_across_three_workers(
    aiohttp_client: AiohttpClient,
    workers: Workers,
    tmp_path: Path,
    media: Path,
    fake: FakeFfprobe,
    *,
    broken: str | None,
    how: str,
) -> tuple[dict[str, Any], list[int]]:
    """Six hanging files in batches of one on three workers: three probes hang, one on each.
    Stop the scan (``how``: cancel or job timeout); the final job and the probe processes
    still alive on any worker a while after."""
    touch_videos(media, *(f"v{n}.mp4" for n in range(6)))
    await workers.start_many(3, module=worker_module(broken))
    timeout = {"job_timeout": 4.0} if how == "timeout" else {}
    client = await start_api(aiohttp_client, workers, tmp_path, media, batch_size=1, **timeout)
    api = ServiceClient(client)
    job = await api.start_scan(media)
    await wait_until(lambda: len(fake.alive_pids()) == 3, within=30)
    hosts = {parent_of(pid) for pid in fake.alive_pids()}
    assert hosts == {process.pid for process in workers.processes}, "not one probe per worker"

    if how == "cancel":
        status, final = await api.cancel(job["id"])
        assert status == 200, final
    else:
        final, _ = await api.wait_finished(job["id"], within=30)
    with contextlib.suppress(TimeoutError):
        await wait_until(lambda: fake.alive_pids() == [], within=5)
    return final, fake.alive_pids()


@pytest.mark.parametrize(("how", "status"), [("cancel", "cancelled"), ("timeout", "timed_out")])
async def test_cancel_and_job_timeout_leave_no_probe_on_any_worker(
    aiohttp_client: AiohttpClient,
    distributed: Workers,
    tmp_path: Path,
    media: Path,
    fake_ffprobe: FakeFfprobeFactory,
    how: str,
    status: str,
) -> None:
    fake = fake_ffprobe(default=Behaviour(mode="hang"))

    final, alive = await stop_across_three_workers(
        aiohttp_client, distributed, tmp_path, media, fake, broken=None, how=how
    )

    assert final["status"] == status, final
    assert alive == []
    # The three files still queued were never probed, and the workers are still there.
    assert len(fake.invocations()) == 3
    assert all(process.returncode is None for process in distributed.processes)


async def test_negative_control_a_worker_ignoring_cancel_is_caught(
    aiohttp_client: AiohttpClient,
    distributed: Workers,
    tmp_path: Path,
    media: Path,
    fake_ffprobe: FakeFfprobeFactory,
) -> None:
    fake = fake_ffprobe(default=Behaviour(mode="hang"))

    final, alive = await stop_across_three_workers(
        aiohttp_client, distributed, tmp_path, media, fake, broken="ignores-cancel", how="cancel"
    )

    assert final["status"] == "cancelled"
    assert len(alive) == 3


async def test_a_worker_probes_nothing_outside_its_media_roots_whatever_the_queue_says(
    distributed: Workers, tmp_path: Path, media: Path, fake_ffprobe: FakeFfprobeFactory
) -> None:
    # Anyone who can write to Redis can queue a batch: the worker checks each file itself.
    fake = fake_ffprobe()
    outside = tmp_path / "outside"
    [secret] = touch_videos(outside, "secret.mp4")
    (media / "link.mp4").symlink_to(secret)
    await distributed.start()
    redis = await connect(distributed.url())
    try:
        hostile = [
            [0, str(secret), str(secret), 1024],  # outside the roots
            [1, str(media / "link.mp4"), str(media / "link.mp4"), 1024],  # a symlink out
            [2, str(media / ".." / "outside" / "secret.mp4"), "relative/secret.mp4", 1024],
        ]
        await redis.enqueue_job(BATCH_FUNCTION, "hostile", "not a batch")
        await redis.enqueue_job(BATCH_FUNCTION, "hostile", hostile)
        scan = ScanState(redis, "hostile")
        async with asyncio.timeout(30):
            # Polled: the state is in Redis, written by another process.
            while True:
                if (await scan.counts()).done == 3:
                    break
                await asyncio.sleep(0.05)
        videos, errors = await scan.results()
    finally:
        await redis.aclose()

    assert videos == []
    assert sorted((error.path, error.code) for error in errors) == sorted(
        [
            (str(secret), "outside_media_roots"),
            (str(media / "link.mp4"), "path_changed"),
            (str(media / ".." / "outside" / "secret.mp4"), "outside_media_roots"),
        ]
    )
    assert fake.invocations() == []
    assert distributed.processes[0].returncode is None  # the bad payload did not stop it


async def test_health_says_when_the_queue_is_unreachable(
    aiohttp_client: AiohttpClient, tmp_path: Path, media: Path
) -> None:
    async with redis_server(tmp_path) as server:
        client = await start_api(aiohttp_client, Workers(server, (media,)), tmp_path, media)
        healthy = await client.get("/api/v1/health")
        assert (healthy.status, await healthy.json()) == (200, {"status": "ok"})
    # The redis-server is gone: scans could not reach any worker.
    degraded = await client.get("/api/v1/health")
    body = await degraded.json()
    assert degraded.status == 503, body
    assert body["status"] == "degraded"
    assert body["reason"].startswith("the queue (Redis) cannot be reached")


async def test_non_utf8_names_round_trip_byte_for_byte_through_the_queue(
    make_client: ClientFactory, media: Path, fake_ffprobe: FakeFfprobeFactory
) -> None:
    fake_ffprobe()
    names = [b"plain.mp4", b"caf\xe9-latin1.mp4", b"\xff\xfe-not-utf8.mkv"]
    touch_videos(media, *map(os.fsdecode, names))
    client = await make_client(concurrency=2)

    final, _ = await ServiceClient(client).scan_to_end(media)

    assert final["status"] == "completed", final
    found = sorted(base64.b64decode(video["path_b64"]) for video in final["result"]["videos"])
    assert found == sorted(os.path.join(bytes(media), name) for name in names)
