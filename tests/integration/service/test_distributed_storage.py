""":class:`service.redis_storage.RedisStorage` keeps the guarantees of the SQLite storage, on a
real redis-server: the same answers as :class:`service.storage.Storage` for the same writes
(pages newest first under the ``(created_at, id)`` cursor, pruning, interrupted jobs, the
library with names that are not UTF-8 kept exactly), corrupt entries set aside with one log
line each, and a failed write visible until a write succeeds again (``/health`` 503).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pytest_aiohttp import AiohttpClient
from redis.asyncio import Redis

from loopwire.harness.client import ServiceClient
from loopwire.harness.fixtures import FakeFfprobeFactory
from loopwire.harness.redis_backend import redis_server
from service import redis_storage
from service.app import create_app
from service.config import ServiceConfig
from service.redis_storage import JOBS, QUARANTINE, VIDEOS, RedisStorage
from service.schemas import ErrorBody, JobStatus, JobStatusResponse, ScanResult, VideoInfo, path_b64
from service.storage import History, Storage, StorageUnavailable
from tests.integration.service.service_support import Client, touch_videos

pytestmark = pytest.mark.integration


@pytest.fixture
async def redis_url(tmp_path: Path) -> AsyncIterator[str]:
    async with redis_server(tmp_path) as url:
        yield f"{url}/0"


def video(path: str, size: int) -> VideoInfo:
    return VideoInfo(
        path=path, path_b64=path_b64(path), size_bytes=size, format_name="mp4",
        duration_seconds=1.5, bit_rate=None, width=640, height=360, video_codec="h264",
        audio_codec=None, frame_rate=25.0, nb_frames=None,
    )  # fmt: skip


def job(
    job_id: str, created_at: str, status: JobStatus, videos: list[VideoInfo]
) -> JobStatusResponse:
    finished = status.finished
    return JobStatusResponse(
        id=job_id, type="scan", status=status, path="/media", recursive=True,
        progress=1.0 if finished else 0.5, files_total=len(videos), files_done=len(videos),
        files_failed=0, current_file=None, eta_seconds=None, current_frame=None,
        total_frames=None, fps=None, created_at=created_at, started_at=created_at,
        finished_at=created_at if finished else None,
        error=ErrorBody(code="x", message="y") if status is JobStatus.FAILED else None,
        saved=True, result=ScanResult(videos=videos, errors=[]) if finished else None,
        output=None, output_note=None,
    )  # fmt: skip


# Names whose bytes are not UTF-8 (b"caf\xe9.mp4", b"caf\xe8.mp4"): distinct only by those bytes.
UNDECODABLE = ["/media/caf\udce8.mp4", "/media/caf\udce9.mp4"]
VIDEOS_1 = [video("/media/a.mp4", 1), video(UNDECODABLE[0], 2), video(UNDECODABLE[1], 4)]
VIDEOS_2 = [video("/media/a.mp4", 10), video("/media/b.mp4", 3)]  # a.mp4's latest metadata
# Two jobs share a created_at: the id breaks the tie, across pages too.
JOBS_WRITTEN = [
    job("0a", "2026-12-05T09:00:00.000001+00:00", JobStatus.COMPLETED, VIDEOS_1),
    job("0b", "2026-12-05T09:00:01.000000+00:00", JobStatus.FAILED, []),
    job("0c", "2026-12-05T09:00:01.000000+00:00", JobStatus.COMPLETED, VIDEOS_2),
    job("0d", "2026-12-05T09:00:02.000000+00:00", JobStatus.RUNNING, []),
    job("0e", "2026-12-05T09:00:03.000000+00:00", JobStatus.CANCELLED, []),
    job("0f", "2026-12-05T09:00:04.000000+00:00", JobStatus.PENDING, []),
    job("10", "2026-12-05T09:00:05.000000+00:00", JobStatus.COMPLETED, []),
]


async def pages(storage: History, limit: int) -> list[list[str]]:
    """Every page of job ids, following the cursor as the job queue does."""
    result: list[list[str]] = []
    before: tuple[str, str] | None = None
    while True:
        page = await storage.list_jobs(limit, before)
        result.append([stored.id for stored in page])
        if len(page) < limit:
            return result
        before = (page[-1].created_at, page[-1].id)


async def what_it_answers(storage: History) -> list[object]:
    """The same writes, then every read the service makes, in order."""
    await storage.save_jobs(JOBS_WRITTEN[:3], VIDEOS_1)
    await storage.save_jobs(JOBS_WRITTEN[3:])
    await storage.save_videos(VIDEOS_2)
    answers: list[object] = [
        await pages(storage, 3),
        await pages(storage, 100),
        [await storage.get_job(written.id) for written in JOBS_WRITTEN],
        await storage.get_job("missing"),
        sorted(await storage.list_videos(), key=lambda stored: stored.path),
        await storage.prune_jobs(2),
        await pages(storage, 2),
        await storage.mark_interrupted("2026-12-05T10:00:00.000000+00:00"),
        await storage.list_jobs(100, None),
    ]
    return answers


async def test_redis_storage_answers_as_sqlite_does(tmp_path: Path, redis_url: str) -> None:
    sqlite = await Storage.open(tmp_path / "service.db")
    redis = await RedisStorage.open(redis_url, "api-a")
    try:
        expected = await what_it_answers(sqlite)
        assert await what_it_answers(redis) == expected
    finally:
        await sqlite.close()
        await redis.close()
    # What SQLite answered is what the service promises (so the comparison is worth making).
    assert expected[0] == [["10", "0f", "0e"], ["0d", "0c", "0b"], ["0a"]]
    assert expected[4] == sorted([*VIDEOS_2, *VIDEOS_1[1:]], key=lambda v: v.path)
    assert expected[5] == 3  # five finished jobs, the newest two kept
    assert expected[7] == 2  # the running and the pending one


async def test_negative_control_library_keys_that_lose_bytes_are_caught(
    tmp_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The mistake this guards against: keying the library by the name as text.
    monkeypatch.setattr(
        redis_storage, "_path_key", lambda path: path.encode("utf-8", errors="replace")
    )
    sqlite = await Storage.open(tmp_path / "service.db")
    redis = await RedisStorage.open(redis_url, "api-a")
    try:
        expected = await what_it_answers(sqlite)
        answered = await what_it_answers(redis)
    finally:
        await sqlite.close()
        await redis.close()
    library, complete = answered[4], expected[4]
    assert isinstance(library, list)
    assert isinstance(complete, list)
    # One of the two undecodable names overwrote the other.
    assert len(library) == len(complete) - 1


async def test_a_start_fails_only_its_own_leftovers(redis_url: str) -> None:
    running = JOBS_WRITTEN[3]
    first = await RedisStorage.open(redis_url, "api-a")
    try:
        await first.save_job(running)
    finally:
        await first.close()
    other = await RedisStorage.open(redis_url, "api-b")
    try:
        # Another API starting leaves the job alone: api-a may be running it right now.
        assert await other.mark_interrupted("2026-12-05T10:00:00.000000+00:00") == 0
        assert await other.get_job(running.id) == running
    finally:
        await other.close()
    restarted = await RedisStorage.open(redis_url, "api-a")
    try:
        assert await restarted.mark_interrupted("2026-12-05T10:00:00.000000+00:00") == 1
        failed = await restarted.get_job(running.id)
        assert failed is not None
        assert failed.status is JobStatus.FAILED
    finally:
        await restarted.close()


async def test_corrupt_entries_are_set_aside_with_one_line_each(
    redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    storage = await RedisStorage.open(redis_url, "api-a")
    raw = Redis.from_url(redis_url)
    try:
        await storage.save_jobs(JOBS_WRITTEN[:2], VIDEOS_1)
        await raw.hset(JOBS, "bad", "{not json")
        await raw.hset(VIDEOS, b"/media/\xff.mp4", '{"path": "/media/x"}')
        assert len(await storage.list_jobs(100, None)) == 2  # skipped while still there
        with caplog.at_level(logging.WARNING, logger="service.redis_storage"):
            assert await storage.quarantine() == 2
        lines = [record.getMessage() for record in caplog.records]
        assert len(lines) == 2, lines
        assert await raw.llen(QUARANTINE) == 2
        assert [stored.id for stored in await storage.list_jobs(100, None)] == ["0b", "0a"]
        assert await storage.get_job("bad") is None
        assert len(await storage.list_videos()) == len(VIDEOS_1)
    finally:
        await storage.close()
        await raw.aclose()


async def test_a_failed_write_is_visible_until_writes_succeed_again(redis_url: str) -> None:
    storage = await RedisStorage.open(redis_url, "api-a")
    raw = Redis.from_url(redis_url)
    try:
        # Redis refuses every write while no replica confirms it; reads still work.
        await raw.config_set("min-replicas-to-write", 1)
        with pytest.raises(StorageUnavailable):
            await storage.save_jobs(JOBS_WRITTEN[:1], VIDEOS_1)
        assert storage.problem is not None
        assert "not writable" in storage.problem
        assert not await storage.check_writable()
        await raw.config_set("min-replicas-to-write", 0)
        assert await storage.check_writable()
        assert storage.problem is None
    finally:
        await storage.close()
        await raw.aclose()


async def test_redis_gone_while_pruning_is_storage_unavailable(tmp_path: Path) -> None:
    async with redis_server(tmp_path) as url:
        storage = await RedisStorage.open(f"{url}/0", "api-a")
    try:
        # The server has stopped: the job writer prunes after each save and must get the
        # error it retries on, not Redis's own (which ended its task in a soak run).
        with pytest.raises(StorageUnavailable, match="history in Redis"):
            await storage.prune_jobs(1)
    finally:
        await storage.close()


async def health_until(client: Client, status: int) -> dict[str, str]:
    """The /health body once it answers ``status`` (the job writer retries on its own)."""
    async with asyncio.timeout(30):
        while True:
            response = await client.get("/api/v1/health")
            if response.status == status:
                body: dict[str, str] = await response.json()
                return body
            await asyncio.sleep(0.1)


async def test_health_is_503_while_history_cannot_be_written(
    aiohttp_client: AiohttpClient,
    tmp_path: Path,
    media: Path,
    redis_url: str,
    fake_ffprobe: FakeFfprobeFactory,
) -> None:
    fake_ffprobe()
    touch_videos(media, "a.mp4")
    config = ServiceConfig(media_roots=(media,), db_path=tmp_path / "service.db", queue=redis_url)
    client = await aiohttp_client(create_app(config))
    assert (await client.get("/api/v1/health")).status == 200
    raw = Redis.from_url(redis_url)
    try:
        await raw.config_set("min-replicas-to-write", 1)
        # The scan's own enqueue fails too; its state cannot be saved: the writer notices.
        status, _ = await ServiceClient(client).request("POST", "/scans", {"path": str(media)})
        assert status == 202
        body = await health_until(client, 503)
        assert "history in Redis" in body["reason"], body
        await raw.config_set("min-replicas-to-write", 0)
        await health_until(client, 200)
    finally:
        await raw.aclose()
