"""HTTP handlers: decode the request, call the job queue or storage, encode the answer.

Nothing here does work of its own; scanning, probing and persistence live in plain modules.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from service import keys
from service.errors import ApiError
from service.jobs import JobFinished, JobNotFound, QueueClosed, StorageFailing
from service.kinds import KINDS
from service.scanner import PathRejected, list_folders, resolve_media_file, resolve_scan_path
from service.schemas import (
    InvalidRequest,
    JobStatusResponse,
    parse_job_request,
    parse_scan_request,
    public_dumps,
    to_json,
)

STATIC_DIR = Path(__file__).parent / "static"

DEFAULT_PAGE = 50
MAX_PAGE = 500
_REJECTED_STATUS = {
    "outside_media_roots": 403,
    "not_found": 404,
    "not_a_directory": 400,
    "not_a_file": 400,
}


async def health(request: web.Request) -> web.Response:
    """200 while the service can do its job; 503 with the reason while it cannot keep results
    or, in distributed mode, cannot reach its queue."""
    jobs = request.app.get(keys.JOBS)
    problem = None if jobs is None else jobs.storage_problem or await jobs.dispatch_problem()
    if problem is not None:
        return web.json_response(
            {"status": "degraded", "reason": problem}, status=503, dumps=public_dumps
        )
    return web.json_response({"status": "ok"}, dumps=public_dumps)


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "index.html")


async def static_file(request: web.Request) -> web.FileResponse:
    """A file of the page. Our own route instead of ``web.static`` so that a missing file is a
    JSON 404 like every other error (``web.static`` answers with an empty body)."""
    path = await asyncio.to_thread(_static_path, request.match_info["name"])
    if path is None:
        raise ApiError(404, "not_found", "no such static file")
    return web.FileResponse(path)


def _static_path(name: str) -> Path | None:
    """The file ``name`` names under the static folder, None for anything else: a name with a
    NUL, too long for the filesystem, or leading out of the folder is simply not a file here."""
    root = STATIC_DIR.resolve()
    try:
        path = (root / name).resolve()
        found = path.is_relative_to(root) and path.is_file()
    except (OSError, ValueError):
        return None
    return path if found else None


async def create_scan(request: web.Request) -> web.Response:
    scan = parse_scan_request(await _json_body(request))
    roots = request.app[keys.MEDIA_ROOTS]
    try:
        directory = await resolve_scan_path(scan.path, roots)
    except PathRejected as exc:
        raise ApiError(_REJECTED_STATUS[exc.reason], exc.reason, exc.message) from None
    jobs = request.app[keys.JOBS]
    return _accepted(lambda: jobs.submit(directory, scan.recursive))


async def create_job(request: web.Request) -> web.Response:
    """Start a frame job: ``{"kind": ..., "path": FILE, ...the kind's parameters}``."""
    wanted = parse_job_request(await _json_body(request), list(KINDS))
    kind = KINDS[wanted.kind]
    params = kind.parse_params(wanted.body)
    roots = request.app[keys.MEDIA_ROOTS]
    try:
        source = await resolve_media_file(wanted.path, roots)
    except PathRejected as exc:
        raise ApiError(_REJECTED_STATUS[exc.reason], exc.reason, exc.message) from None
    jobs = request.app[keys.JOBS]
    return _accepted(lambda: jobs.submit_frames(kind, params, source))


def _accepted(submit: Callable[[], JobStatusResponse]) -> web.Response:
    try:
        job = submit()
    except QueueClosed as exc:
        raise ApiError(503, "shutting_down", str(exc)) from None
    except StorageFailing as exc:
        raise ApiError(
            503, "storage_unavailable", f"no job accepted while results cannot be saved: {exc}"
        ) from None
    return web.json_response(to_json(job), status=202, dumps=public_dumps)


async def list_jobs(request: web.Request) -> web.Response:
    """A page of job summaries, newest first: ``?limit=N`` (default 50, at most 500) and
    ``?cursor=`` the ``next_cursor`` of the previous page (null on the last page)."""
    limit = _limit(request.query.get("limit"))
    before = _decode_cursor(request.query.get("cursor"))
    jobs, following = await request.app[keys.JOBS].list_jobs(limit, before)
    return web.json_response(
        {
            "jobs": [to_json(job) for job in jobs],
            "next_cursor": None if following is None else _encode_cursor(following),
        },
        dumps=public_dumps,
    )


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_PAGE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise ApiError(400, "invalid_limit", f"limit must be an integer from 1 to {MAX_PAGE}")
    return int(raw)


def _encode_cursor(key: tuple[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode()


def _decode_cursor(raw: str | None) -> tuple[str, str] | None:
    if raw is None:
        return None
    try:
        created_at, job_id = json.loads(base64.urlsafe_b64decode(raw.encode()))
        if isinstance(created_at, str) and isinstance(job_id, str):
            return created_at, job_id
    except (ValueError, TypeError):
        pass
    raise ApiError(400, "invalid_cursor", "cursor is not a next_cursor this service gave")


async def get_job(request: web.Request) -> web.Response:
    job_id = request.match_info["job_id"]
    try:
        job = await request.app[keys.JOBS].get(job_id)
    except JobNotFound:
        raise job_not_found(job_id) from None
    return web.json_response(to_json(job), dumps=public_dumps)


async def cancel_job(request: web.Request) -> web.Response:
    job_id = request.match_info["job_id"]
    try:
        job = await request.app[keys.JOBS].cancel(job_id)
    except JobNotFound:
        raise job_not_found(job_id) from None
    except JobFinished:
        raise ApiError(409, "job_finished", f"job {job_id} has already finished") from None
    return web.json_response(to_json(job), dumps=public_dumps)


async def list_videos(request: web.Request) -> web.Response:
    videos = await request.app[keys.JOBS].list_videos()
    return web.json_response({"videos": [to_json(video) for video in videos]}, dumps=public_dumps)


async def folders(request: web.Request) -> web.Response:
    roots = request.app[keys.MEDIA_ROOTS]
    return web.json_response(
        {"roots": [str(root) for root in roots], "folders": await list_folders(roots)},
        dumps=public_dumps,
    )


def job_not_found(job_id: str) -> ApiError:
    return ApiError(404, "job_not_found", f"no job with id {job_id!r}")


async def _json_body(request: web.Request) -> object:
    try:
        raw = await request.read()
    except web.RequestPayloadError as exc:
        # A body aiohttp cannot decode (bad chunking, a Content-Encoding it cannot undo) is the
        # client's mistake, not an internal error.
        raise ApiError(400, "bad_request", f"the request body cannot be read: {exc}") from None
    except ConnectionResetError:
        # The client went away mid-body: nobody will read this answer, and it is no server bug.
        raise ApiError(400, "client_disconnected", "the client closed the connection") from None
    if not raw.strip():
        raise InvalidRequest("malformed_json", "the request body is empty; expected JSON")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InvalidRequest(
            "malformed_json", f"the request body is not valid JSON: {exc}"
        ) from None
