"""Which frame a stall blames: the deepest of the project's own, never the watcher's."""

from __future__ import annotations

import asyncio
import sysconfig
from pathlib import Path

from loopwire.loopwatch.frames import Attribution, Frame

STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()


def test_the_deepest_project_frame_is_blamed(tmp_path: Path) -> None:
    attribution = Attribution.for_roots([tmp_path])
    venv = tmp_path / ".venv/lib/python3.11/site-packages/lib/inner.py"
    stack = (
        Frame(str(STDLIB / "asyncio/events.py"), 80, "_run"),
        Frame(str(tmp_path / "app/handlers.py"), 12, "handle"),
        Frame(str(tmp_path / "app/hooks.py"), 5, "make_thumbnail"),
        Frame(str(venv), 40, "work"),
        Frame(str(STDLIB / "subprocess.py"), 500, "run"),
    )
    assert attribution.blame(stack) == stack[2]
    assert attribution.describe(stack[2]) == "app/hooks.py:5 make_thumbnail"
    assert attribution.kind(str(venv)) == "library"
    # With no project frame, a library's frame is blamed before the standard library's.
    assert attribution.blame(stack[3:]) == stack[3]
    assert attribution.blame(stack[4:]) == stack[4]


def test_the_watchers_own_frames_are_never_blamed(tmp_path: Path) -> None:
    own = Path(asyncio.__file__).parent  # stands in for the watcher's folder
    attribution = Attribution.for_roots([tmp_path], exclude=[own])
    stack = (Frame(str(own / "events.py"), 80, "_run"),)
    assert attribution.kind(stack[0].filename) == "excluded"
    assert attribution.blame(stack) is None
