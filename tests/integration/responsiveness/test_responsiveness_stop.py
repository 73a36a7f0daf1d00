"""A job timeout and a cancel stop hanging probes for real: status in time, no process survives.

Half the probes hang outright; the other half spawn a grandchild holding their stdout and then
hang, so only killing each probe's whole process group ends them. Uses the plugin's fixtures
(``fake_ffprobe``, ``service_process``, ``poll_schedule``) as another project would.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from loopwire.harness.client import connect, is_finished, is_running
from loopwire.harness.fake_ffprobe.fakes import Behaviour, FakeFfprobe
from loopwire.harness.fixtures import FakeFfprobeFactory, PollFunction, ServiceFactory
from loopwire.harness.scenario import (
    cpu_burners,
    make_media,
    service_args,
    wait_for_no_survivors,
)
from loopwire.harness.server import ServerProcess

pytestmark = pytest.mark.integration

LOADS = pytest.mark.parametrize("burners", [0, 2], ids=["idle", "two-cpu-burners"])
# Generous (see test_responsiveness_scan.py): only a loop held for seconds fails it.
MAX_LATENCY = 1.0
FILES = 4  # two hanging, two with a grandchild; all probed at once


@contextlib.asynccontextmanager
async def hanging_scan(
    tmp_path: Path,
    fake_ffprobe: FakeFfprobeFactory,
    service_process: ServiceFactory,
    job_timeout: float,
) -> AsyncIterator[tuple[ServerProcess, FakeFfprobe, Path]]:
    media = make_media(tmp_path / "media", FILES // 2, name="hang-{:02d}.mp4")
    make_media(media, FILES // 2, name="grandchild-{:02d}.mp4")
    fake = fake_ffprobe(
        rules={"grandchild-*": Behaviour(mode="grandchild", after_spawn="hang")},
        default=Behaviour(mode="hang"),
    )
    args = service_args(
        media, tmp_path / "db", fake.executable, concurrency=FILES, job_timeout=job_timeout
    )
    server = await asyncio.to_thread(service_process, *args)
    yield server, fake, media


async def wait_for_invocations(fake: FakeFfprobe, count: int) -> None:
    for _ in range(1000):  # 20 s at most
        if len(await asyncio.to_thread(fake.invocations)) >= count:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"fewer than {count} probes started")


@LOADS
async def test_job_timeout_stops_hanging_probes(
    tmp_path: Path,
    fake_ffprobe: FakeFfprobeFactory,
    service_process: ServiceFactory,
    poll_schedule: PollFunction,
    burners: int,
) -> None:
    loop = asyncio.get_running_loop()
    scan = hanging_scan(tmp_path, fake_ffprobe, service_process, job_timeout=1)
    async with cpu_burners(burners), scan as (server, fake, media):
        async with connect(server.url("")) as api:
            job = await api.start_scan(media)
        submitted = loop.time()
        report = await poll_schedule(
            server.url(f"/api/v1/jobs/{job['id']}"),
            interval=0.05,
            pollers=2,
            max_duration=30,
            stop_when=is_finished,
        )
        finals = [p for p in report.answered if is_finished(p.body)]
        assert finals, f"job never ended: {report.summary()}\n{server.output()}"
        ended = min(finals, key=lambda p: p.scheduled)
        observed = (ended.answered or 0.0) - submitted
        survivors_at_end = await asyncio.to_thread(fake.alive_pids)
        survivors = await wait_for_no_survivors(fake, grace=1.0)
        invocations = await asyncio.to_thread(fake.invocations)
    print(
        f"\n[{burners} burners] timed_out seen {observed:.3f} s after submit (timeout 1 s); "
        f"{report.summary()}; fake processes alive when seen: {len(survivors_at_end)}"
    )
    assert ended.body["status"] == "timed_out"
    assert ended.body["error"]["code"]
    # Generous: only a timeout that never fired fails it (`nox -s bench` measures the latency).
    assert observed < 10.0
    assert report.verdict(max_latency=MAX_LATENCY, min_answered=5, counted=is_running).passed
    assert survivors == []
    assert len(invocations) == FILES
    assert sum(inv.grandchild_pid is not None for inv in invocations) == FILES // 2


@LOADS
async def test_cancel_stops_hanging_probes(
    tmp_path: Path,
    fake_ffprobe: FakeFfprobeFactory,
    service_process: ServiceFactory,
    poll_schedule: PollFunction,
    burners: int,
) -> None:
    loop = asyncio.get_running_loop()
    scan = hanging_scan(tmp_path, fake_ffprobe, service_process, job_timeout=3600)
    async with (
        cpu_burners(burners),
        scan as (server, fake, media),
        connect(server.url("")) as api,
    ):
        job = await api.start_scan(media)
        job_url = server.url(f"/api/v1/jobs/{job['id']}")
        stop = asyncio.Event()
        polling = asyncio.create_task(
            poll_schedule(job_url, interval=0.05, pollers=2, max_duration=60, stop=stop)
        )
        await wait_for_invocations(fake, FILES)
        await asyncio.sleep(0.3)  # every probe, grandchildren included, is now hanging
        assert len(await asyncio.to_thread(fake.alive_pids)) == FILES + FILES // 2
        requested = loop.time()
        status, cancelled = await api.cancel(job["id"])
        answered = loop.time() - requested
        survivors = await wait_for_no_survivors(fake, grace=5.0)
        all_gone = loop.time() - requested
        await asyncio.sleep(0.3)  # a few polls after the cancel
        stop.set()
        report = await polling
    print(
        f"\n[{burners} burners] cancel answered in {answered:.3f} s, no fake process left "
        f"{all_gone:.3f} s after the request; {report.summary()}"
    )
    assert status == 200
    assert cancelled["status"] == "cancelled"
    # Generous bounds: the probes hang for an hour, so only a kill ends them in time at all;
    # `nox -s bench` measures the real cancel latency.
    assert answered < 5.0
    assert survivors == []
    assert report.verdict(max_latency=MAX_LATENCY, min_answered=5, counted=is_running).passed
    assert report.answered_where(lambda body: body["status"] == "cancelled")
