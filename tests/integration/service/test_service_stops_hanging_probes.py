"""Cancel, job timeout and probe timeout end probes that only a kill can end, through the API.

Every fake probe here hangs until it is killed (and half of them leave a grandchild holding
their output), so a service that merely stops waiting for them leaves them running. The
negative control is that service: the same code with its process-group kill removed (replaced
for the test, never switched off in the product); every scenario must fail against it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest

from loopwire.harness.client import ServiceClient
from loopwire.harness.fake_ffprobe.fakes import Behaviour, FakeFfprobe
from loopwire.harness.fixtures import FakeFfprobeFactory
from loopwire.wiring.pytest_wiring import WiringRecorder
from service import probe
from tests.integration.service.service_support import (
    ClientFactory,
    pid_gone,
    touch_videos,
    wait_until,
)

pytestmark = pytest.mark.integration

Stop = Literal["cancel", "job-timeout", "probe-timeout"]
STOPS: tuple[Stop, ...] = ("cancel", "job-timeout", "probe-timeout")
# Generous: a kill ends a probe in milliseconds; the bound only fails a probe nobody killed.
GONE_WITHIN = 5.0


def hanging_probes(fake_ffprobe: FakeFfprobeFactory, media: Path) -> FakeFfprobe:
    touch_videos(media, "hang-a.mp4", "hang-b.mp4")
    return fake_ffprobe(
        rules={"hang-b.mp4": Behaviour(mode="grandchild", after_spawn="hang")},
        default=Behaviour(mode="hang"),
    )


async def stop_hanging_scan(
    stop: Stop, make_client: ClientFactory, media: Path, fake: FakeFfprobe
) -> None:
    """Scan two hanging files at once, stop the scan by ``stop``, and assert that it ended as
    that stop says and that no probe process (nor grandchild) is left."""
    client = await make_client(
        concurrency=2,
        job_timeout=1.0 if stop == "job-timeout" else 60.0,
        probe_timeout=1.0 if stop == "probe-timeout" else 60.0,
    )
    job = await ServiceClient(client).start_scan(media)
    await wait_until(lambda: len(fake.invocations()) == 2)
    await wait_until(lambda: any(inv.grandchild_pid for inv in fake.invocations()))
    if stop == "cancel":
        response = await client.post(f"/api/v1/jobs/{job['id']}/cancel")
        assert response.status == 200, await response.text()
    final, _ = await ServiceClient(client).wait_finished(job["id"], within=30.0)
    expected = {"cancel": "cancelled", "job-timeout": "timed_out", "probe-timeout": "completed"}
    assert final["status"] == expected[stop], final
    if stop == "probe-timeout":
        assert {e["code"] for e in final["result"]["errors"]} == {"probe_timeout"}
    try:
        await wait_until(lambda: not fake.alive_pids(), within=GONE_WITHIN)
    except TimeoutError:
        raise AssertionError(f"probe processes outlived the {stop}: {fake.alive_pids()}") from None


@pytest.mark.parametrize("stop", STOPS)
async def test_stopping_a_scan_kills_its_hanging_probes(
    make_client: ClientFactory, media: Path, fake_ffprobe: FakeFfprobeFactory, stop: Stop
) -> None:
    fake = hanging_probes(fake_ffprobe, media)
    await stop_hanging_scan(stop, make_client, media, fake)


@pytest.fixture
def no_kill(monkeypatch: pytest.MonkeyPatch, wiring_recorder: WiringRecorder) -> Iterator[None]:
    """Mutant: the prober forgets its probe at the end instead of killing its process group and
    sweeping what it left."""

    async def forget(
        self: probe.FfprobeProber, process: asyncio.subprocess.Process, record: Path | None
    ) -> None:
        self._live.discard(process.pid)

    monkeypatch.setattr(probe.FfprobeProber, "_kill_and_reap", forget)
    with wiring_recorder.paused():
        yield


@pytest.mark.parametrize("stop", STOPS)
async def test_negative_control_without_the_kill_every_stop_fails(
    make_client: ClientFactory,
    media: Path,
    fake_ffprobe: FakeFfprobeFactory,
    stop: Stop,
    no_kill: None,
) -> None:
    fake = hanging_probes(fake_ffprobe, media)
    with pytest.raises(AssertionError, match=f"probe processes outlived the {stop}"):
        await stop_hanging_scan(stop, make_client, media, fake)
    # The mutant left its probes running: end them while this test's loop still runs, so the
    # loop reaps them and closes their pipes (nothing of this test outlives it).
    pids = [pid for inv in fake.invocations() for pid, _ in inv.processes()]
    fake.kill_survivors()
    await wait_until(lambda: all(pid_gone(pid) for pid in pids), within=GONE_WITHIN)
    await asyncio.sleep(0.2)  # the reaped children's exit and pipe callbacks run on the loop
