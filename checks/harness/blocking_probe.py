"""The bug the responsiveness harness exists to catch, kept as its negative control.

:class:`BlockingProber` is the reference service's prober written the broken way: ``ffprobe``
through ``subprocess.run`` inside an ``async def``. Every probe freezes the whole event loop, so
status polls queue up unanswered and no asyncio timeout or cancel can fire until it returns.

It lives here, outside ``service/``, so the service passes its own linter with zero suppressions.
The service uses it only when started with ``LOOPWIRE_BLOCKING_PROBE=1``; the harness's
negative-control test does exactly that and asserts that the harness reports failure. It is never
a model to follow: the one suppression below marks the deliberate bug.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from service.probe_parse import ProbeError, parse_probe_output
from service.schemas import VideoInfo

ENV_SWITCH = "LOOPWIRE_BLOCKING_PROBE"


class BlockingProber:
    """Same constructor and ``probe`` signature as the service's ``FfprobeProber``, but blocking;
    ``concurrency`` is accepted and meaningless, as a blocked loop runs one probe at a time."""

    def __init__(self, executable: str, concurrency: int = 1, timeout: float = 30.0) -> None:
        self.executable = executable
        self.concurrency = concurrency
        self.timeout = timeout

    async def probe(self, path: Path) -> VideoInfo:
        command = [
            self.executable,
            "-v", "error", "-print_format", "json", "-show_format", "-show_streams",
            "--", str(path),
        ]  # fmt: skip
        try:
            # The deliberate bug: a synchronous subprocess call on the event loop.
            result = subprocess.run(command, capture_output=True, timeout=self.timeout)  # noqa: ASYNC221
        except subprocess.TimeoutExpired:
            raise ProbeError("probe_timeout", f"ffprobe took over {self.timeout:g} s") from None
        if result.returncode != 0:
            message = result.stderr.decode(errors="replace").strip()
            raise ProbeError("probe_failed", message or f"ffprobe exited {result.returncode}")
        return parse_probe_output(result.stdout, str(path))
