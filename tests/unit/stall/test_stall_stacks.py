"""Another thread's stack, read from faulthandler's dump rather than from frame objects."""

from __future__ import annotations

import threading
from pathlib import Path

from loopwire.loopwatch.frames import Frame, parse_dump, thread_stack

DUMP = """\
Thread 0x00007f1da67fc6c0 (most recent call first):
  File "/srv/app/other.py", line 3 in elsewhere

Current thread 0x00007f1db5a296c0 (most recent call first):
  File "/srv/caf\\xe9/h\\u00f6oks.py", line 12 in make_\\u0394
  File "/srv/app/handlers.py", line ??? in handle
  File "/usr/lib/python3.11/asyncio/events.py", line 80 in _run

Thread 0x00007f1dbe9ff6c0 (most recent call first):
  <no Python frame>
"""


def test_the_dump_gives_one_threads_stack_outermost_first_with_names_unescaped() -> None:
    assert parse_dump(DUMP, 0x00007F1DB5A296C0) == (
        Frame("/usr/lib/python3.11/asyncio/events.py", 80, "_run"),
        Frame("/srv/app/handlers.py", 0, "handle"),
        Frame("/srv/café/höoks.py", 12, "make_Δ"),
    )
    assert parse_dump(DUMP, 0x00007F1DA67FC6C0) == (Frame("/srv/app/other.py", 3, "elsewhere"),)


def test_a_thread_without_frames_or_not_listed_has_no_stack() -> None:
    assert parse_dump(DUMP, 0x00007F1DBE9FF6C0) is None
    assert parse_dump(DUMP, 1) is None


def test_a_live_thread_is_read_where_it_waits() -> None:
    release = threading.Event()
    waiting = threading.Event()

    def wait_in_here() -> None:
        waiting.set()
        release.wait(10)

    thread = threading.Thread(target=wait_in_here)
    thread.start()
    try:
        assert waiting.wait(10)
        assert thread.ident is not None
        stack = thread_stack(thread.ident)
    finally:
        release.set()
        thread.join()
    assert stack is not None
    functions = [frame.function for frame in stack]
    assert functions[0] == "_bootstrap"
    assert "wait_in_here" in functions
    assert Path(stack[functions.index("wait_in_here")].filename) == Path(__file__)
