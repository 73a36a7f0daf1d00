"""The storage writer saves dirty jobs together, and a row the database refuses costs no other.

A whole burst goes in one transaction; when the database refuses it, the writer saves job by
job, so that one refused row (here a real SQLite trigger refusing one job id) leaves the others
saved. The negative control is a writer that only ever tries the whole batch (a test subclass):
one refused row then keeps every job of its batch unsaved.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from service import job_writer
from service.job_writer import JobWriter, WritableJob
from service.schemas import JobStatus, JobStatusResponse, ScanResult, VideoInfo, path_b64
from service.storage import Storage, StorageUnavailable

REFUSED = "refused-job"
GOOD = ("good-1", "good-2")


@dataclass(eq=False)
class FinishedScan:
    """A finished scan as the writer sees it (its own ``WritableJob`` protocol)."""

    id: str
    videos: list[VideoInfo] = field(default_factory=list)
    saved: bool = False

    def snapshot(self) -> JobStatusResponse:
        return JobStatusResponse(
            id=self.id, type="scan", status=JobStatus.COMPLETED, path="/media", recursive=True,
            progress=1.0, files_total=len(self.videos), files_done=len(self.videos),
            files_failed=0, current_file=None, eta_seconds=None, current_frame=None,
            total_frames=None, fps=None, created_at=f"2026-12-05T00:00:00+00:00 {self.id}",
            started_at=None, finished_at=None, error=None, saved=self.saved,
            result=ScanResult(videos=list(self.videos), errors=[]), output=None, output_note=None,
        )  # fmt: skip


def video(path: str) -> VideoInfo:
    return VideoInfo(
        path=path, path_b64=path_b64(path), size_bytes=1, format_name="f", duration_seconds=None,
        bit_rate=None, width=None, height=None, video_codec=None, audio_codec=None,
        frame_rate=None, nb_frames=None,
    )  # fmt: skip


def refuse_job(database: Path, job_id: str) -> None:
    """Make the database itself refuse any row for ``job_id``."""
    with contextlib.closing(sqlite3.connect(database)) as connection:
        # A trigger takes no parameters; the id is this module's constant.
        connection.execute(
            f"CREATE TRIGGER refuse BEFORE INSERT ON jobs WHEN NEW.id = '{job_id}' "
            "BEGIN SELECT RAISE(ABORT, 'row refused'); END"
        )
        connection.commit()


def stored_ids(database: Path) -> set[str]:
    """The job ids on disk, read on a connection of our own (the writer's reconnects after
    each refused write would close a connection shared with it)."""
    with contextlib.closing(sqlite3.connect(database)) as connection:
        return {job_id for (job_id,) in connection.execute("SELECT id FROM jobs")}


class BatchOnly(JobWriter):
    """Mutant: tries the whole batch only, never job by job."""

    async def _save(self, states: list[tuple[WritableJob, JobStatusResponse]]) -> int:
        videos = [v for job, state in states if state.status.finished for v in job.videos]
        try:
            await self._storage.save_jobs([state for _, state in states], videos)
        except StorageUnavailable:
            return 0
        return len(states)


async def saved_after_a_refused_row(
    writer_type: type[JobWriter], tmp_path: Path, within: float
) -> tuple[set[str], set[str]]:
    """Write two good jobs around one whose row the database refuses; return the ids of the
    jobs on disk and of those the writer still holds, once only the refused one is held or
    ``within`` seconds passed."""
    database = tmp_path / "jobs.db"
    storage = await Storage.open(database)
    await asyncio.to_thread(refuse_job, database, REFUSED)
    writer = writer_type(storage, retain_jobs=100)
    for job_id in (GOOD[0], REFUSED, GOOD[1]):
        writer.mark_finished(FinishedScan(job_id, [video(f"/media/{job_id}.mp4")]))
    writer.start()
    on_disk: set[str] = set()
    held: set[str] = set()
    try:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                while not (on_disk >= set(GOOD) and held == {REFUSED}):
                    await asyncio.sleep(0.05)
                    on_disk = await asyncio.to_thread(stored_ids, database)
                    held = {job.id for job in writer.unsaved_jobs()}
    finally:
        await writer.close()
        await storage.close()
    return on_disk, held


async def test_a_refused_row_costs_no_other_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(job_writer, "RETRY_SECONDS", 0.05)
    on_disk, held = await saved_after_a_refused_row(JobWriter, tmp_path, within=10.0)
    assert on_disk == set(GOOD)
    assert held == {REFUSED}  # kept, still shown, retried: never dropped


async def test_negative_control_a_batch_only_writer_loses_the_whole_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(job_writer, "RETRY_SECONDS", 0.05)
    on_disk, held = await saved_after_a_refused_row(BatchOnly, tmp_path, within=1.0)
    assert on_disk == set()
    assert held == {*GOOD, REFUSED}
