"""``python -m tests.integration.responsiveness.mutant_service MUTANT [service options]``: the
reference service with one known frame-job bug put back, the negative controls of the frame
scenario (:mod:`loopwire.harness.frame_scenario`).

The service has no switch for these (see ``test_product_has_no_test_switches``): this launcher
replaces one piece of the service in its own process, then serves the service's own command line
through the service's own ``main``. Mutants:

- ``no-kill``: ending a child forgets it instead of killing its process group (a cancel or a
  timeout that leaves ffmpeg running);
- ``unbounded-progress``: ffmpeg's progress stream is read into a line buffer that grows until a
  newline comes (a flood of output with none grows the service's memory with it).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from service import child_process, frame_job
from service.__main__ import main
from service.app import create_app
from service.child_process import Capture
from service.kinds import FrameKind

_CHUNK = 64 * 1024


async def _forget(self: child_process.ChildProcesses, process: Any, record: Path | None) -> None:
    self.live.discard(process.pid)


async def _follow_unbounded(
    stdout: Capture, kind: FrameKind, on_frame: Callable[[int], None]
) -> None:
    reader = await stdout.open_reader()
    pending = bytearray()
    searched = 0
    report: dict[str, str] = {}
    while chunk := await reader.read(_CHUNK):
        pending += chunk
        while (end := pending.find(b"\n", searched)) >= 0:
            key, _, value = pending[:end].decode(errors="replace").strip().partition("=")
            del pending[: end + 1]
            searched = 0
            report[key] = value
            if key == "progress":
                frame = kind.current_frame(report)
                if frame is not None:
                    on_frame(frame)
                report = {}
        searched = len(pending)


MUTANTS: dict[str, Callable[[], None]] = {
    "no-kill": lambda: setattr(child_process.ChildProcesses, "kill_and_reap", _forget),
    "unbounded-progress": lambda: setattr(frame_job, "_follow", _follow_unbounded),
}


def command(mutant: str) -> tuple[str, ...]:
    """The server command of ``mutant`` on a free loopback port (the service's own options
    follow)."""
    if mutant not in MUTANTS:
        raise ValueError(f"unknown mutant {mutant!r}; known: {', '.join(MUTANTS)}")
    return (
        sys.executable, "-m", "tests.integration.responsiveness.mutant_service", mutant,
        "--host", "127.0.0.1", "--port", "0",
    )  # fmt: skip


if __name__ == "__main__":
    MUTANTS[sys.argv[1]]()
    sys.exit(main(sys.argv[2:], create_app))
