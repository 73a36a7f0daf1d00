"""Job kinds that run ffmpeg over one video, frame by frame: the plugin interface and registry.

A kind is one module exposing a :class:`FrameKind`: its name (the ``kind`` of
``POST /api/v1/jobs``), how it reads its parameters from the request, the ffmpeg arguments
that follow the input, and how one ``-progress`` report maps to the current frame. The total
is the same for every kind (the input's frame count, from ffprobe), and so is everything else:
the child process, its kill, the progress, the partial-output clean-up
(:mod:`service.frame_job`). A third kind is a module here plus its line in :data:`KINDS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from service.kinds import thumbnails, transcode

# A kind's parameters, as validated from the request body.
Params = Mapping[str, float | int | str]


class FrameKind(Protocol):
    @property
    def name(self) -> str: ...

    def parse_params(self, body: Mapping[str, object]) -> Params:
        """The kind's parameters from the request body; ``InvalidRequest`` if unusable."""
        ...

    def arguments(self, params: Params, output_dir: Path) -> list[str]:
        """ffmpeg's arguments after ``-i INPUT``: the outputs, written under ``output_dir``."""
        ...

    def current_frame(self, report: Mapping[str, str]) -> int | None:
        """The input frame one ``-progress`` report (``key=value`` lines up to ``progress=``)
        has reached; None if the report does not say."""
        ...


KINDS: dict[str, FrameKind] = {kind.name: kind for kind in (thumbnails.KIND, transcode.KIND)}
