"""The ``thumbnails`` kind: one JPEG every ``every_seconds`` of the video.

Its first output decodes every frame to ffmpeg's null muxer, so the ``frame=`` of the progress
report counts input frames (the thumbnails alone would count one per ``every_seconds``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

from service.schemas import InvalidRequest

# Bounds that keep a request sane: at most one thumbnail per 0.1 s, at least one per hour.
_MIN_EVERY = 0.1
_MAX_EVERY = 3600.0
_WIDTH = 320


class Thumbnails:
    @property
    def name(self) -> str:
        return "thumbnails"

    def parse_params(self, body: Mapping[str, object]) -> Mapping[str, float]:
        every = body.get("every_seconds", 10.0)
        if (
            isinstance(every, bool)
            or not isinstance(every, int | float)
            or not math.isfinite(every)
            or not _MIN_EVERY <= every <= _MAX_EVERY
        ):
            raise InvalidRequest(
                "invalid_field",
                f"field 'every_seconds' must be a number from {_MIN_EVERY:g} to {_MAX_EVERY:g}",
            )
        return {"every_seconds": float(every)}

    def arguments(self, params: Mapping[str, float | int | str], output_dir: Path) -> list[str]:
        every = params["every_seconds"]
        return [
            *("-map", "0:v:0", "-f", "null", "-"),
            *("-map", "0:v:0", "-vf", f"fps=1/{every},scale={_WIDTH}:-2"),
            str(output_dir / "thumb-%05d.jpg"),
        ]

    def current_frame(self, report: Mapping[str, str]) -> int | None:
        frame = report.get("frame", "")
        return int(frame) if frame.isdigit() else None


KIND = Thumbnails()
