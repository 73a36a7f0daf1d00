"""The JSON the API speaks, as dataclasses: one definition shared by handlers, jobs and storage.

Every field is filled explicitly where a value is built (none has a default), so a field that no
code produces cannot hide behind a default; ``loopwire wiring`` checks exactly that.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class JobStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"

    @property
    def finished(self) -> bool:
        return self not in (JobStatus.PENDING, JobStatus.RUNNING)


@dataclass(frozen=True, slots=True)
class ErrorBody:
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class VideoInfo:
    # File names are bytes: ``path`` is for reading (undecodable bytes show as U+FFFD in
    # responses), ``path_b64`` is the exact name (base64 of the bytes).
    path: str
    path_b64: str
    size_bytes: int
    format_name: str
    duration_seconds: float | None
    bit_rate: int | None
    width: int | None
    height: int | None
    video_codec: str | None
    audio_codec: str | None
    frame_rate: float | None
    nb_frames: int | None


@dataclass(frozen=True, slots=True)
class FileError:
    path: str
    path_b64: str
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class ScanResult:
    videos: list[VideoInfo]
    errors: list[FileError]


@dataclass(frozen=True, slots=True)
class JobStatusResponse:
    id: str
    type: str
    status: JobStatus
    path: str
    recursive: bool
    progress: float | None
    files_total: int | None
    files_done: int
    files_failed: int
    current_file: str | None
    eta_seconds: float | None
    # Frame jobs (any kind but "scan"): the input frame reached, the input's frame count from
    # ffprobe (null when truly unknown: progress is then null too), frames per second so far.
    current_frame: int | None
    total_frames: int | None
    fps: float | None
    created_at: str
    started_at: str | None
    finished_at: str | None
    error: ErrorBody | None
    # False while this state is not on disk yet, and for as long as storage is failing: a
    # finished job that says saved=false would be lost by a restart.
    saved: bool
    result: ScanResult | None
    # Frame jobs: the files produced (once completed), and what a stopped job left behind.
    output: list[str] | None
    output_note: str | None


@dataclass(frozen=True, slots=True)
class JobSummary:
    """A job as ``GET /jobs`` lists it: everything but the result (fetch the job for that)."""

    id: str
    type: str
    status: JobStatus
    path: str
    recursive: bool
    progress: float | None
    files_total: int | None
    files_done: int
    files_failed: int
    current_file: str | None
    eta_seconds: float | None
    current_frame: int | None
    total_frames: int | None
    fps: float | None
    created_at: str
    started_at: str | None
    finished_at: str | None
    error: ErrorBody | None
    saved: bool


def summary_of(job: JobStatusResponse) -> JobSummary:
    return JobSummary(
        id=job.id,
        type=job.type,
        status=job.status,
        path=job.path,
        recursive=job.recursive,
        progress=job.progress,
        files_total=job.files_total,
        files_done=job.files_done,
        files_failed=job.files_failed,
        current_file=job.current_file,
        eta_seconds=job.eta_seconds,
        current_frame=job.current_frame,
        total_frames=job.total_frames,
        fps=job.fps,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        error=job.error,
        saved=job.saved,
    )


@dataclass(frozen=True, slots=True)
class ScanRequest:
    path: str
    recursive: bool


@dataclass(frozen=True, slots=True)
class JobRequest:
    """A ``POST /jobs`` body: the kind's name, the input file, and the whole body (the kind
    reads its own parameters from it)."""

    kind: str
    path: str
    body: dict[str, object]


def path_b64(path: str) -> str:
    """The exact bytes of a file name read as ``str`` (undecodable bytes surrogate-escaped, as
    ``os`` functions return them), in base64."""
    return base64.b64encode(os.fsencode(path)).decode("ascii")


def file_error(path: str, code: str, message: str) -> FileError:
    return FileError(path=path, path_b64=path_b64(path), code=code, message=message)


def public_dumps(data: Any) -> str:
    """JSON text for a client: valid UTF-8 whatever the file names hold.

    A file name that is not UTF-8 lives in a ``str`` as surrogate escapes; ``json.dumps`` would
    send those as lone ``\\udcXX`` escapes, which strict JSON parsers reject. Here each
    undecodable byte becomes U+FFFD instead (the ``path_b64`` fields keep the exact bytes).
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode()
    except UnicodeEncodeError:
        raw = text.encode("utf-8", errors="surrogateescape" if _escapes_only(text) else "replace")
        text = raw.decode("utf-8", errors="replace")
    return text


def _escapes_only(text: str) -> bool:
    """Whether every surrogate in ``text`` is a byte escape (U+DC80..U+DCFF)."""
    return all("\udc80" <= char <= "\udcff" for char in text if "\ud800" <= char <= "\udfff")


def to_json(value: Any) -> dict[str, Any]:
    """A schema dataclass as a JSON-ready dict (enums are ``str`` subclasses, so they pass)."""
    result: dict[str, Any] = dataclasses.asdict(value)
    return result


def error_json(code: str, message: str) -> dict[str, Any]:
    return {"error": to_json(ErrorBody(code=code, message=message))}


def video_from_json(data: dict[str, Any]) -> VideoInfo:
    return VideoInfo(
        path=data["path"],
        # Rows written before names were kept as bytes hold no path_b64; their path is exact.
        path_b64=data.get("path_b64") or path_b64(data["path"]),
        size_bytes=data["size_bytes"],
        format_name=data["format_name"],
        duration_seconds=data["duration_seconds"],
        bit_rate=data["bit_rate"],
        width=data["width"],
        height=data["height"],
        video_codec=data["video_codec"],
        audio_codec=data["audio_codec"],
        frame_rate=data["frame_rate"],
        nb_frames=data["nb_frames"],
    )


def job_from_json(data: dict[str, Any]) -> JobStatusResponse:
    """Rebuild a job from the JSON this module produced (storage round-trips through it)."""
    error = data["error"]
    result = data["result"]
    return JobStatusResponse(
        id=data["id"],
        type=data["type"],
        status=JobStatus(data["status"]),
        path=data["path"],
        recursive=data["recursive"],
        progress=data["progress"],
        files_total=data["files_total"],
        files_done=data["files_done"],
        files_failed=data["files_failed"],
        current_file=data["current_file"],
        eta_seconds=data["eta_seconds"],
        # Rows saved before frame jobs existed hold none of their fields.
        current_frame=data.get("current_frame"),
        total_frames=data.get("total_frames"),
        fps=data.get("fps"),
        created_at=data["created_at"],
        started_at=data["started_at"],
        finished_at=data["finished_at"],
        error=None if error is None else ErrorBody(code=error["code"], message=error["message"]),
        saved=True,  # read back from storage
        result=None
        if result is None
        else ScanResult(
            videos=[video_from_json(v) for v in result["videos"]],
            errors=[
                file_error(path=e["path"], code=e["code"], message=e["message"])
                for e in result["errors"]
            ],
        ),
        output=data.get("output"),
        output_note=data.get("output_note"),
    )


class InvalidRequest(ValueError):
    """A request body the API cannot accept; answered with 400 and this code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def parse_scan_request(body: object) -> ScanRequest:
    """Validate a decoded ``POST /scans`` body: ``path`` an absolute path string, ``recursive`` a
    JSON boolean (optional, true by default; ``1`` or ``"yes"`` are rejected, not guessed at)."""
    if not isinstance(body, dict):
        raise InvalidRequest("invalid_body", "the request body must be a JSON object")
    path = _parse_path(body)
    recursive = body.get("recursive", True)
    if not isinstance(recursive, bool):
        raise InvalidRequest("invalid_field", "field 'recursive' must be true or false")
    return ScanRequest(path=path, recursive=recursive)


def parse_job_request(body: object, kinds: Sequence[str]) -> JobRequest:
    """Validate a decoded ``POST /jobs`` body: ``kind`` one of ``kinds``, ``path`` as for a
    scan (here a file)."""
    if not isinstance(body, dict):
        raise InvalidRequest("invalid_body", "the request body must be a JSON object")
    kind = body.get("kind")
    if kind not in kinds:
        raise InvalidRequest(
            "invalid_field", f"field 'kind' must be one of: {', '.join(sorted(kinds))}"
        )
    assert isinstance(kind, str)
    return JobRequest(kind=kind, path=_parse_path(body), body=body)


def _parse_path(body: dict[str, object]) -> str:
    if "path" not in body:
        raise InvalidRequest("missing_field", "field 'path' is required")
    path = body["path"]
    if not isinstance(path, str):
        raise InvalidRequest("invalid_field", "field 'path' must be a string")
    if not path.strip() or "\x00" in path:
        raise InvalidRequest("invalid_field", "field 'path' must be a non-empty path")
    try:
        os.fsencode(path)
    except UnicodeEncodeError:
        # A lone surrogate ("\ud800") names no file: no byte string encodes it.
        raise InvalidRequest(
            "invalid_field", "field 'path' holds a lone surrogate, which no file name can"
        ) from None
    if not path.startswith("/"):
        # A relative path would resolve against the server's working directory, which no client
        # knows (and which could even lie inside a media root by accident).
        raise InvalidRequest("invalid_field", "field 'path' must be an absolute path")
    return path
