"""The dynamic wiring check on frame jobs: the real service's frame job, watched by the plugin
with this repository's own wiring settings, passes; the same job with its progress never
written (the production bug on the new kind) fails on ``progress``, ``current_frame`` and
``eta_seconds``.

Each inner run is a pytester project whose one test starts a frame job on the real app
(in process, pytest-aiohttp) with a fake ffprobe and a fake ffmpeg reporting 100 frames, and
follows its event stream to the end. Its settings are the ``[tool.loopwire.wiring]`` tables of
this repository's pyproject.toml, read at run time, less the routes the job never calls (the
scan, the lists, cancel), plus an allowance for the fields no frame job sets (the scan's own).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from loopwire.wiring.pytest_wiring import WiringRecorder
from service.schemas import ErrorBody, FileError, ScanResult, VideoInfo

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
FRAME_FIELDS = (
    "JobStatusResponse.progress",
    "JobStatusResponse.current_frame",
    "JobStatusResponse.eta_seconds",
)
# The routes a frame job's test calls; the mappings of the others are left out.
CALLED = ("POST /api/v1/jobs", "GET /api/v1/jobs/{job_id}", "GET /api/v1/jobs/{job_id}/events")
# Fields of a job no frame job fills in, and those of the schemas only they lead to.
SCAN_ONLY = {
    "JobStatusResponse.files_total": "a frame job counts frames, not files",
    "JobStatusResponse.current_file": "a frame job counts frames, not files",
    "JobStatusResponse.result": "a scan's result; a frame job lists its output",
    "JobStatusResponse.error": "this job succeeds",
    "JobStatusResponse.output_note": "only a stopped frame job has one",
    **{
        f"{schema.__name__}.{field.name}": "reached through a scan's result or an error only"
        for schema in (ErrorBody, FileError, ScanResult, VideoInfo)
        for field in dataclasses.fields(schema)
    },
}

PYTEST_SETTINGS = """
[tool.pytest.ini_options]
asyncio_mode = "auto"
asyncio_default_fixture_loop_scope = "function"
pythonpath = ["."]
"""

# MUTATION: a statement run before the job starts; "never" makes frame reports go nowhere.
TEST = """
from __future__ import annotations

from pathlib import Path

from loopwire.harness.fake_program import Behaviour, write_fake_ffmpeg, write_fake_ffprobe
from service import jobs
from service.app import create_app
from service.config import ServiceConfig

# 100 frames, reported over 2 s (about 20 reports); the fake ffprobe counts them at once.
SHAPE = Behaviour(delay=2.0, duration=4.0, frame_rate="25")
COUNT = Behaviour(duration=4.0, frame_rate="25")


async def test_a_frame_job_runs(aiohttp_client, tmp_path: Path, monkeypatch) -> None:
    if {never!r}:
        monkeypatch.setattr(jobs.JobQueue, "_frame_reached", lambda self, job, frame: None)
    media = tmp_path / "media"
    media.mkdir()
    (media / "clip.mp4").write_bytes(bytes(16))
    config = ServiceConfig(
        media_roots=(media.resolve(),),
        db_path=tmp_path / "jobs.db",
        ffprobe=str(write_fake_ffprobe(tmp_path / "probe", default=COUNT).executable),
        ffmpeg=str(write_fake_ffmpeg(tmp_path / "ffmpeg", default=SHAPE).executable),
    )
    client = await aiohttp_client(create_app(config))
    response = await client.post(
        "/api/v1/jobs", json={{"kind": {kind!r}, "path": str(media.resolve() / "clip.mp4")}}
    )
    assert response.status == 202
    job = await response.json()
    events = await client.get(f"/api/v1/jobs/{{job['id']}}/events")
    assert "event: end" in await events.text()
    final = await (await client.get(f"/api/v1/jobs/{{job['id']}}")).json()
    assert final["status"] == "completed", final
"""


@pytest.fixture(autouse=True)
def outer_recording_paused(wiring_recorder: WiringRecorder) -> Iterator[None]:
    """The inner runs happen in this process; their jobs must not reach an outer report."""
    with wiring_recorder.paused():
        yield


def wiring_settings() -> str:
    """The ``[tool.loopwire.wiring...]`` tables of this repository, but for the mappings of
    routes a frame job's test does not call."""
    text = (ROOT / "pyproject.toml").read_text()
    start = text.index("[tool.loopwire.wiring]")
    following = re.compile(r"^\[(?!tool\.loopwire\.wiring)", re.MULTILINE).search(text, start)
    tables = text[start : following.start() if following else len(text)]
    mapping = re.compile(r'^"((?:GET|POST) [^"]+)" = ')
    lines = tables.splitlines()
    kept = [line for line in lines if (m := mapping.match(line)) is None or m.group(1) in CALLED]
    assert len(lines) - len(kept) == 4, "the repository maps other routes now: update CALLED"
    return "\n".join(kept)


def run_frame_job(
    pytester: pytest.Pytester, kind: str, *, never: bool
) -> tuple[pytest.RunResult, dict[str, dict[str, object]]]:
    allow = "\n".join(f"{json.dumps(name)} = {json.dumps(why)}" for name, why in SCAN_ONLY.items())
    pytester.makefile(
        ".toml",
        pyproject=f"{PYTEST_SETTINGS}\n{wiring_settings()}\n"
        f"[tool.loopwire.wiring.allow]\n{allow}\n",
    )
    pytester.makepyfile(test_frame_job=TEST.format(kind=kind, never=never))
    report = pytester.path / "wiring.json"
    result = pytester.runpytest_inprocess(
        "--loopwire-wiring", f"--loopwire-wiring-json={report}", "-p", "no:cacheprovider"
    )
    document = json.loads(report.read_text())
    return result, {entry["field"]: entry for entry in document["fields"]}


@pytest.mark.parametrize("kind", ["thumbnails", "transcode"])
def test_a_frame_job_passes_the_dynamic_wiring_check(pytester: pytest.Pytester, kind: str) -> None:
    result, fields = run_frame_job(pytester, kind, never=False)

    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.assert_outcomes(passed=1)
    for name in FRAME_FIELDS:
        assert fields[name]["ok"] is True, fields[name]


@pytest.mark.parametrize("kind", ["thumbnails", "transcode"])
def test_negative_control_frame_progress_never_written_fails_the_check(
    pytester: pytest.Pytester, kind: str
) -> None:
    result, fields = run_frame_job(pytester, kind, never=True)

    # The inner test itself passes: the job completes. Only the wiring check turns it red.
    result.assert_outcomes(passed=1, errors=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    failed = {name for name, entry in fields.items() if entry["ok"] is False}
    assert set(FRAME_FIELDS) <= failed, failed
    result.stdout.fnmatch_lines(["loopwire wiring FAILED: *JobStatusResponse.current_frame*"])
