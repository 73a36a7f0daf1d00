"""The ``transcode`` kind: the video's first video stream as a small H.264 MP4.

Scaled down to at most ``height`` lines (never up: a smaller input keeps its size), with a fast
preset and no audio, so it is a preview of the input rather than a copy. One output, with as
many frames as the input, so ``frame=`` of the progress report counts input frames.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from service.schemas import InvalidRequest

# H.264 with 4:2:0 chroma wants even dimensions; 2160 lines is 4K, already far from a preview.
_MIN_HEIGHT = 16
_MAX_HEIGHT = 2160
_DEFAULT_HEIGHT = 240
OUTPUT_NAME = "transcode.mp4"


class Transcode:
    @property
    def name(self) -> str:
        return "transcode"

    def parse_params(self, body: Mapping[str, object]) -> Mapping[str, int]:
        height = body.get("height", _DEFAULT_HEIGHT)
        if (
            isinstance(height, bool)
            or not isinstance(height, int)
            or not _MIN_HEIGHT <= height <= _MAX_HEIGHT
            or height % 2
        ):
            raise InvalidRequest(
                "invalid_field",
                f"field 'height' must be an even integer from {_MIN_HEIGHT} to {_MAX_HEIGHT}",
            )
        return {"height": height}

    def arguments(self, params: Mapping[str, float | int | str], output_dir: Path) -> list[str]:
        height = params["height"]
        # The smaller of the input's height and the asked one, rounded down to even.
        scale = f"scale=-2:trunc(min(ih\\,{height})/2)*2"
        return [
            *("-map", "0:v:0", "-vf", scale, "-an"),
            *("-c:v", "libx264", "-preset", "veryfast", "-crf", "30", "-pix_fmt", "yuv420p"),
            *("-f", "mp4", str(output_dir / OUTPUT_NAME)),
        ]

    def current_frame(self, report: Mapping[str, str]) -> int | None:
        frame = report.get("frame", "")
        return int(frame) if frame.isdigit() else None


KIND = Transcode()
