"""The JSON the API speaks, as dataclasses: one definition shared by handlers, jobs and storage.

Every field is filled explicitly where a value is built (none has a default), so a field that no
code produces cannot hide behind a default; ``loopwire wiring`` checks exactly that.
"""

from __future__ import annotations

import dataclasses
import os
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
    path: str
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
    created_at: str
    started_at: str | None
    finished_at: str | None
    error: ErrorBody | None
    result: ScanResult | None


@dataclass(frozen=True, slots=True)
class ScanRequest:
    path: str
    recursive: bool


def to_json(value: Any) -> dict[str, Any]:
    """A schema dataclass as a JSON-ready dict (enums are ``str`` subclasses, so they pass)."""
    result: dict[str, Any] = dataclasses.asdict(value)
    return result


def error_json(code: str, message: str) -> dict[str, Any]:
    return {"error": to_json(ErrorBody(code=code, message=message))}


def video_from_json(data: dict[str, Any]) -> VideoInfo:
    return VideoInfo(
        path=data["path"],
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
        created_at=data["created_at"],
        started_at=data["started_at"],
        finished_at=data["finished_at"],
        error=None if error is None else ErrorBody(code=error["code"], message=error["message"]),
        result=None
        if result is None
        else ScanResult(
            videos=[video_from_json(v) for v in result["videos"]],
            errors=[
                FileError(path=e["path"], code=e["code"], message=e["message"])
                for e in result["errors"]
            ],
        ),
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
    recursive = body.get("recursive", True)
    if not isinstance(recursive, bool):
        raise InvalidRequest("invalid_field", "field 'recursive' must be true or false")
    return ScanRequest(path=path, recursive=recursive)
