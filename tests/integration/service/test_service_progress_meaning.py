"""What ``progress`` and ``eta_seconds`` mean, judged through the HTTP API, with their mutants.

A null check passes a progress bar that jumps from 0 to 100 % and a time-left that never falls.
These tests follow a real scan's event stream and judge it with the dynamic wiring check's own
rules from ``[tool.loopwire.wiring]`` (per job: progress takes 3+ values strictly between 0 and 1
and never goes back; time left counts down to near zero). Each mutant is the service with one
step of its work removed, built here (a subclass of its job queue, or one of its functions
replaced for the test), never by a switch in the product; each must fail the same judgement.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest

from loopwire.config import load_config
from loopwire.harness.client import ServiceClient
from loopwire.harness.fake_ffprobe.fakes import Behaviour
from loopwire.harness.fixtures import FakeFfprobeFactory
from loopwire.wiring.observed.stats import FieldVerdict, WiringStats
from loopwire.wiring.pytest_wiring import WiringRecorder
from loopwire.wiring.responses import Observation, load_wiring_config
from service import app as service_app
from service import jobs
from service.schemas import JobStatus, JobStatusResponse
from tests.integration.service.service_support import (
    Client,
    ClientFactory,
    touch_videos,
)

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
FILES = 8
PROGRESS = "JobStatusResponse.progress"
ETA = "JobStatusResponse.eta_seconds"


async def scan_and_follow(client: Client, media: Path) -> list[Observation]:
    """Start a scan and read its event stream to the end: the creating response, every event."""
    job = await ServiceClient(client).start_scan(media)
    seen = [Observation("POST", "/api/v1/scans", 202, job)]
    route = f"/api/v1/jobs/{job['id']}/events"
    response = await client.get(route)
    assert response.status == 200
    name = None
    async for raw in response.content:
        line = raw.decode().rstrip("\n")
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            body = json.loads(line.removeprefix("data: "))
            seen.append(Observation("GET", route, 200, body, event=name))
    assert seen[-1].event == "end"
    return seen


def judged(observations: list[Observation]) -> dict[str, FieldVerdict]:
    """The progressive fields' verdicts under this project's own wiring configuration."""
    stats = WiringStats(load_wiring_config(load_config(ROOT)))
    stats.add_all(observations)
    return {f.name: f for f in stats.report().fields if f.progress is not None}


def assert_moves(observations: list[Observation], field: str) -> None:
    verdict = judged(observations)[field]
    assert verdict.problems == (), f"{field}: {'; '.join(verdict.problems)}"


@pytest.fixture
def eight_slow_files(media: Path, fake_ffprobe: FakeFfprobeFactory) -> Path:
    fake_ffprobe(default=Behaviour(delay=0.2))
    touch_videos(media, *(f"clip{i}.mp4" for i in range(FILES)))
    return media


# Probed in the app or by arq workers (see conftest): the same judgement holds.
@pytest.mark.parametrize("backend", ["embedded", "redis"])
async def test_progress_and_time_left_move_per_job(
    make_client: ClientFactory, eight_slow_files: Path
) -> None:
    client = await make_client(concurrency=1)
    observations = await scan_and_follow(client, eight_slow_files)

    assert observations[-1].body["status"] == "completed"  # type: ignore[index]
    assert_moves(observations, PROGRESS)
    assert_moves(observations, ETA)
    # The last estimate the stream sent, with every file done, is "nothing left".
    etas = [o.body["eta_seconds"] for o in observations]  # type: ignore[index]
    assert [eta for eta in etas if eta is not None][-1] == 0.0


class StuckProgressQueue(jobs.JobQueue):
    """Mutant: the done count reaches the job only with its last file (progress 0, then 1)."""

    def set_progress(
        self, job_id: str, *, files_done: int | None = None, **changes: Any
    ) -> JobStatusResponse:
        # The running job's own counter (``get`` reads storage and is async).
        total = self._active[job_id].files_total
        keep = files_done is not None and files_done == total
        return super().set_progress(job_id, files_done=files_done if keep else None, **changes)


class HalfwayProgressQueue(jobs.JobQueue):
    """Mutant: progress is updated only at the half-way mark (0, 0.5, 1)."""

    def set_progress(
        self, job_id: str, *, files_done: int | None = None, **changes: Any
    ) -> JobStatusResponse:
        total = self._active[job_id].files_total or 0
        keep = files_done is not None and files_done in (total // 2, total)
        return super().set_progress(job_id, files_done=files_done if keep else None, **changes)


def eta_forgetting_the_files_done(job: jobs._Job) -> float | None:
    """Mutant of ``_Job.eta_seconds``: ``remaining = files_total`` (``- files_done`` forgotten)."""
    if job.status is not JobStatus.RUNNING or job.started_monotonic is None:
        return None
    if job.files_total is None or job.files_done == 0:
        return None
    elapsed = time.monotonic() - job.started_monotonic
    return round(elapsed / job.files_done * job.files_total, 3)


Mutant = Literal["stuck-progress", "halfway-progress", "wrong-eta"]


@pytest.fixture
def mutant(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, wiring_recorder: WiringRecorder
) -> Iterator[Mutant]:
    """Install one mutant for this test; its responses stay out of the session's wiring report."""
    name: Mutant = request.param
    if name == "stuck-progress":
        monkeypatch.setattr(service_app, "JobQueue", StuckProgressQueue)
    elif name == "halfway-progress":
        monkeypatch.setattr(service_app, "JobQueue", HalfwayProgressQueue)
    else:
        monkeypatch.setattr(jobs._Job, "eta_seconds", eta_forgetting_the_files_done)
    with wiring_recorder.paused():
        yield name


@pytest.mark.parametrize(
    ("mutant", "field", "problem"),
    [
        ("stuck-progress", PROGRESS, ": 0, 1"),
        ("halfway-progress", PROGRESS, ": 0, 0.5, 1"),
        ("wrong-eta", ETA, "ending at most 0.1 x its largest"),
    ],
    indirect=["mutant"],
)
async def test_negative_control_mutants_fail_the_judgement(
    make_client: ClientFactory, eight_slow_files: Path, mutant: Mutant, field: str, problem: str
) -> None:
    client = await make_client(concurrency=1)
    observations = await scan_and_follow(client, eight_slow_files)

    # The mutant still completes its scan: only the meaning of the field is broken.
    assert observations[-1].body["status"] == "completed"  # type: ignore[index]
    with pytest.raises(AssertionError, match=problem) as failed:
        assert_moves(observations, field)
    job_id = observations[0].body["id"]  # type: ignore[index]
    assert f'job "{job_id}"' in str(failed.value), "the failing job is named"
