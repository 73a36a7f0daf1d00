"""A cancel that reaches a probe while its process group is being recorded still kills it.

Recording the group is a file write on a thread: a cancel can arrive between the spawn and the
record. Here the state directory is slow on purpose (recording waits until released), the probe
is cancelled right then, and its hanging fake ffprobe must be gone. The negative control is the
old ordering, the record taken outside the ``try`` that kills the child (rebuilt in a test
subclass, never switched in the product): it leaves the fake running.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from loopwire.harness.fake_ffprobe.fakes import Behaviour, FakeFfprobe
from loopwire.harness.fixtures import FakeFfprobeFactory
from service.child_process import Capture, ChildProcesses
from service.confined_open import open_regular_file
from service.probe import FfprobeProber
from tests.integration.service.service_support import pid_gone, touch_videos, wait_until

pytestmark = pytest.mark.integration

# Generous: a kill ends the fake in milliseconds; the bound only fails a probe nobody killed.
GONE_WITHIN = 5.0


class SlowRecords(ChildProcesses):
    """The service's real children, whose group records wait for ``release``: a slow disk."""

    def __init__(self, state_dir: Path) -> None:
        super().__init__(state_dir)
        self.recording = asyncio.Event()
        self.release = asyncio.Event()

    async def record(self, process: asyncio.subprocess.Process) -> Path | None:
        self.recording.set()
        await self.release.wait()
        return await super().record(process)


class RecordsOutsideTheTry(FfprobeProber):
    """Mutant: the ordering before the fix, the group recorded between the spawn and the
    ``try`` that kills the child. Keeps its pipes so the test can close them."""

    captures: tuple[Capture, ...] = ()

    async def _run(self, path: Path) -> tuple[bytes, bytes, int]:
        fd = await asyncio.to_thread(open_regular_file, path)
        try:
            process, stdout, stderr = await self._spawn(fd)
        finally:
            os.close(fd)
        self.captures = (stdout, stderr)
        await self._children.record(process)
        returncode = await self._collect(process, stdout, stderr)
        return bytes(stdout.data), bytes(stderr.data), returncode


def slow_recording_prober(
    prober_type: type[FfprobeProber], fake: FakeFfprobe, tmp_path: Path
) -> tuple[FfprobeProber, SlowRecords]:
    state_dir = tmp_path / "probes"
    state_dir.mkdir()
    children = SlowRecords(state_dir)
    prober = prober_type(str(fake.executable), concurrency=1, timeout=60.0, children=children)
    return prober, children


async def cancel_while_recording(
    prober: FfprobeProber, children: SlowRecords, fake: FakeFfprobe, video: Path
) -> None:
    """Probe ``video`` with a hanging fake, cancel the probe while its group is being
    recorded, and assert that the fake is gone."""
    probing = asyncio.create_task(prober.probe(video))
    await asyncio.wait_for(children.recording.wait(), 10)
    await wait_until(lambda: bool(fake.alive_pids()))

    probing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await probing
    try:
        await wait_until(lambda: not fake.alive_pids(), within=GONE_WITHIN)
    except TimeoutError:
        raise AssertionError(f"the probe outlived its cancel: {fake.alive_pids()}") from None


async def test_a_cancel_while_the_group_is_recorded_kills_the_probe(
    fake_ffprobe: FakeFfprobeFactory, tmp_path: Path
) -> None:
    fake = fake_ffprobe(default=Behaviour(mode="hang"))
    prober, children = slow_recording_prober(FfprobeProber, fake, tmp_path)
    video = touch_videos(tmp_path / "media", "hang.mp4")[0]
    await cancel_while_recording(prober, children, fake, video)


async def test_negative_control_recording_outside_the_try_leaves_the_probe_running(
    fake_ffprobe: FakeFfprobeFactory, tmp_path: Path
) -> None:
    fake = fake_ffprobe(default=Behaviour(mode="hang"))
    prober, children = slow_recording_prober(RecordsOutsideTheTry, fake, tmp_path)
    assert isinstance(prober, RecordsOutsideTheTry)
    video = touch_videos(tmp_path / "media", "hang.mp4")[0]
    with pytest.raises(AssertionError, match="the probe outlived its cancel"):
        await cancel_while_recording(prober, children, fake, video)
    # End what the mutant left while this loop still runs, so the loop reaps it, and close the
    # pipes it dropped.
    pids = [pid for inv in fake.invocations() for pid, _ in inv.processes()]
    fake.kill_survivors()
    for capture in prober.captures:
        capture.close()
    await wait_until(lambda: all(pid_gone(pid) for pid in pids), within=GONE_WITHIN)
    await asyncio.sleep(0.2)  # the reaped child's exit callbacks run on the loop
