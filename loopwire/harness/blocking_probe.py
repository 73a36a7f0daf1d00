"""The bug the responsiveness harness exists to catch, kept as its negative control.

:class:`BlockingProber` is the reference service's prober written the broken way: ``ffprobe``
through ``subprocess.run`` inside an ``async def``. Every probe freezes the whole event loop, so
status polls queue up unanswered and no asyncio timeout or cancel can fire until it returns.

It lives here, outside ``service/``, so the service passes its own linter with zero suppressions,
and the service has no switch to turn it on: ``python -m loopwire.harness.blocking_probe`` takes the
service's own command line and serves the service built by its own ``create_app`` with this prober
injected (:data:`BLOCKING_SERVICE`). The harness's negative-control test starts that and asserts
that the harness reports failure. It is never a model to follow: the one suppression below marks
the deliberate bug.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from aiohttp import web

from service.__main__ import main
from service.app import create_app
from service.config import ServiceConfig
from service.probe_parse import ProbeError, parse_probe_output
from service.schemas import VideoInfo

# The reference service with the blocking prober, on a free loopback port (the service's own
# arguments follow).
BLOCKING_SERVICE = (
    sys.executable, "-m", "loopwire.harness.blocking_probe", "--host", "127.0.0.1", "--port", "0",
)  # fmt: skip


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


def blocking_app(config: ServiceConfig) -> web.Application:
    """The reference service exactly as ``python -m service`` builds it, but probing blockingly."""
    prober = BlockingProber(config.ffprobe, config.concurrency, config.probe_timeout)
    return create_app(config, prober=prober)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], blocking_app))
