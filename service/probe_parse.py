"""Turn what real ffprobe prints into a :class:`VideoInfo`, or a clear per-file error.

Real ffprobe JSON is loose: numbers arrive as strings (``"duration": "1.000000"``), frame rates as
fractions (``"30000/1001"``, ``"0/0"`` for audio), Matroska streams carry no ``nb_frames``, still
images are video streams without a duration, and ``"N/A"`` stands in for any unknown value.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from service.schemas import VideoInfo, path_b64


class ProbeError(Exception):
    """One file could not be probed; the scan records it and goes on."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def parse_probe_output(raw: bytes, path: str) -> VideoInfo:
    """Parse ``ffprobe -print_format json -show_format -show_streams -show_error`` output."""
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProbeError(
            "invalid_probe_output", f"ffprobe printed something not JSON: {exc}"
        ) from None
    if not isinstance(document, dict):
        raise ProbeError("invalid_probe_output", "ffprobe output is not a JSON object")
    error = document.get("error")
    if isinstance(error, dict):
        message = error.get("string")
        raise ProbeError("probe_failed", str(message) if message else "ffprobe reported an error")
    fmt = document.get("format")
    if not isinstance(fmt, dict):
        raise ProbeError("invalid_probe_output", "ffprobe output has no 'format' object")
    raw_streams = document.get("streams", [])
    streams = (
        [s for s in raw_streams if isinstance(s, dict)] if isinstance(raw_streams, list) else []
    )
    video = _first_stream(streams, "video")
    audio = _first_stream(streams, "audio")
    duration = _number(fmt.get("duration"))
    if duration is None and video is not None:
        duration = _number(video.get("duration"))
    format_name = fmt.get("format_name")
    return VideoInfo(
        path=path,
        path_b64=path_b64(path),
        size_bytes=_integer(fmt.get("size")) or 0,
        format_name=format_name if isinstance(format_name, str) else "unknown",
        duration_seconds=duration,
        bit_rate=_integer(fmt.get("bit_rate")),
        width=_integer(video.get("width")) if video else None,
        height=_integer(video.get("height")) if video else None,
        video_codec=_text(video.get("codec_name")) if video else None,
        audio_codec=_text(audio.get("codec_name")) if audio else None,
        frame_rate=_frame_rate(video) if video else None,
        nb_frames=_integer(video.get("nb_frames")) if video else None,
    )


def _first_stream(streams: list[dict[str, Any]], kind: str) -> Mapping[str, Any] | None:
    for stream in streams:
        if stream.get("codec_type") != kind:
            continue
        disposition = stream.get("disposition")
        # Cover art in an audio file is a one-frame "video" stream; it is not the video.
        if isinstance(disposition, dict) and disposition.get("attached_pic") == 1:
            continue
        return stream
    return None


def _number(value: object) -> float | None:
    """A finite, non-negative float from a JSON number or numeric string; None for ``"N/A"``."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _integer(value: object) -> int | None:
    number = _number(value)
    return None if number is None or number != int(number) else int(number)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _fraction(value: object) -> float | None:
    """``"30000/1001"`` -> 29.97; ``"0/0"`` and anything malformed -> None."""
    if not isinstance(value, str):
        return None
    numerator, slash, denominator = value.partition("/")
    top = _number(numerator)
    bottom = _number(denominator) if slash else 1.0
    if top is None or not bottom:
        return None
    rate = top / bottom
    return rate if rate > 0 else None


def _frame_rate(stream: Mapping[str, Any]) -> float | None:
    # avg_frame_rate is what a player shows; r_frame_rate (the timebase guess) is the fallback.
    rate = _fraction(stream.get("avg_frame_rate")) or _fraction(stream.get("r_frame_rate"))
    return None if rate is None else round(rate, 3)
