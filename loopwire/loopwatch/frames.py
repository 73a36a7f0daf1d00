"""Stacks of another thread as plain tuples, and which of their frames is the project's own.

"Project" means under one of the given roots and neither in the standard library nor in an
installed package: the frame a reader can open and change. A C-level wait (``time.sleep``,
``select.select``, a DNS lookup) has no Python frame of its own, so the innermost Python frame is
the line that called it, which is the line to blame.
"""

from __future__ import annotations

import faulthandler
import os
import re
import sysconfig
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePath
from typing import IO, NamedTuple

_INSTALLED = frozenset({"site-packages", "dist-packages"})
# faulthandler's dump: a header per thread, then its frames, innermost first.
_THREAD = re.compile(r"(?:Current thread|Thread) (0x[0-9a-fA-F]+)")
_FRAME = re.compile(r'  File "(.*)", line (\d+|\?\?\?) in (.*)')
# faulthandler writes non-ASCII characters of names as Python escapes.
_ESCAPE = re.compile(r"\\(x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8})")


class Frame(NamedTuple):
    filename: str
    lineno: int
    function: str


# Outermost first, as a traceback prints.
Stack = tuple[Frame, ...]


def thread_stack(thread_id: int) -> Stack | None:
    """The current stack of thread ``thread_id`` (a ``threading.get_ident()``), or None if it
    has no Python frame right now (or is past the first 100 threads faulthandler lists).

    Read through :func:`faulthandler.dump_traceback`, which walks the interpreter's frames
    without making frame objects. Walking ``sys._current_frames()`` instead (``f_back``,
    ``f_code`` of another thread's frames) crashed CPython 3.11.7 with a segmentation fault
    once in about 14,000 tests of this project's suite (python/cpython#111363 is one report of
    the kind). Deep stacks keep their innermost 100 frames: the blamed frame is near them.
    """
    with _scratch_file() as out:
        faulthandler.dump_traceback(out, all_threads=True)
        out.seek(0)
        dump = out.read().decode("ascii", "replace")
    return parse_dump(dump, thread_id)


def parse_dump(dump: str, thread_id: int) -> Stack | None:
    """Thread ``thread_id``'s stack, outermost first, from a faulthandler dump of all threads."""
    frames: list[Frame] = []
    ours = False
    for line in dump.splitlines():
        if header := _THREAD.match(line):
            if ours:
                break
            ours = int(header.group(1), 16) == thread_id
        elif ours and (frame := _FRAME.fullmatch(line)):
            filename, lineno, function = frame.groups()
            frames.append(
                Frame(
                    _unescape(filename), int(lineno) if lineno.isdigit() else 0, _unescape(function)
                )
            )
    if not frames:
        return None
    frames.reverse()
    return tuple(frames)


def _unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1)[1:], 16)), text)


def _scratch_file() -> IO[bytes]:
    """A file for one dump: in memory where Linux offers it, else a nameless temporary file."""
    if hasattr(os, "memfd_create"):
        return open(os.memfd_create("loopwire-stack"), "w+b")
    return tempfile.TemporaryFile()


def in_loop_machinery(stack: Stack) -> bool:
    """Whether ``stack`` is inside the loop's own machinery (asyncio's modules, and the selector
    wait of its ``_run_once``) rather than in a callback of the program's: there it only makes
    calls that return at once (a selector wait whose timeout is the next timer, a non-blocking
    ``recv``), so a loop late there was not running code of its own but waiting for the GIL.
    ``Thread.start`` is the same wait in another form (see :func:`_starting_a_thread`). A
    selector the program waits on (``subprocess.run`` has one) and a C-function callback run
    straight from ``Handle._run`` are the program's."""
    if not stack:
        return False
    inner = stack[-1]
    folder, name = os.path.split(inner.filename)
    if name == "threading.py":
        return _starting_a_thread(stack)
    if name == "selectors.py":
        return len(stack) > 1 and stack[-2].function == "_run_once" and _in_asyncio(stack[-2])
    if name == "events.py" and inner.function == "_run":
        return False
    return os.path.basename(folder) == "asyncio"


def _starting_a_thread(stack: Stack) -> bool:
    """Blocked in ``Thread.start`` itself: it waits only until the new thread runs its first
    line, which needs nothing but the GIL and a CPU (aiosqlite's connect starts one). Seen in a
    soak on a loaded 2-core machine: 171 ms there, all of it waiting. A wait on the program's
    own event, lock or ``join`` is not this."""
    for frame in reversed(stack):
        if os.path.basename(frame.filename) != "threading.py":
            return False
        if frame.function == "start":
            return True
    return False


def _in_asyncio(frame: Frame) -> bool:
    return os.path.basename(os.path.dirname(frame.filename)) == "asyncio"


def _stdlib_dirs() -> tuple[Path, ...]:
    paths = sysconfig.get_paths()
    return tuple({Path(paths[key]).resolve() for key in ("stdlib", "platstdlib")})


def _absolute(filename: str, cwd: str) -> Path:
    """``filename`` made absolute by string operations alone: blame is decided on the loop's
    thread, where resolving symlinks (file-system calls) would itself stall it."""
    return Path(os.path.normpath(os.path.join(cwd, filename)))


def _is_under(path: PurePath, root: PurePath) -> bool:
    return path == root or root in path.parents


class Attribution:
    """Decides which frame of a stack is blamed. ``roots`` hold the project's code; files under
    ``exclude`` (the watcher's own modules) are never blamed. Built off the loop (it resolves
    paths); used on it (it only compares strings, and remembers each file's kind)."""

    def __init__(self, roots: tuple[Path, ...], exclude: tuple[Path, ...] = ()) -> None:
        self.roots = roots
        self.exclude = exclude
        self._stdlib = _stdlib_dirs()
        self._cwd = os.getcwd()
        self._kinds: dict[str, str] = {}

    @classmethod
    def for_roots(cls, roots: Iterable[Path], exclude: Iterable[Path] = ()) -> Attribution:
        own = Path(__file__).resolve().parent
        return cls(
            roots=tuple(Path(root).resolve() for root in roots),
            exclude=(own, *(Path(path).resolve() for path in exclude)),
        )

    def kind(self, filename: str) -> str:
        """``project``, ``library`` (installed or unknown code), ``stdlib`` or ``excluded``."""
        kind = self._kinds.get(filename)
        if kind is None:
            kind = self._classify(filename)
            self._kinds[filename] = kind
        return kind

    def _classify(self, filename: str) -> str:
        if filename.startswith("<"):
            return "stdlib"
        path = _absolute(filename, self._cwd)
        if any(_is_under(path, excluded) for excluded in self.exclude):
            return "excluded"
        for root in self.roots:
            if _is_under(path, root) and not _INSTALLED & set(path.relative_to(root).parts):
                return "project"
        if not _INSTALLED & set(path.parts) and any(_is_under(path, s) for s in self._stdlib):
            return "stdlib"
        return "library"

    def blame(self, stack: Sequence[Frame]) -> Frame | None:
        """The deepest project frame; failing that the deepest library frame (a stall inside a
        third-party package run by the loop itself); failing that the deepest frame that is not
        the watcher's own."""
        for wanted in ("project", "library", "stdlib"):
            for frame in reversed(stack):
                if self.kind(frame.filename) == wanted:
                    return frame
        return None

    def describe(self, frame: Frame) -> str:
        """``path:line function``."""
        return f"{self.relative(frame.filename)}:{frame.lineno} {frame.function}"

    def relative(self, filename: str) -> str:
        """``filename`` relative to the first root, else as it is."""
        path = _absolute(filename, self._cwd)
        if self.roots and _is_under(path, self.roots[0]):
            return path.relative_to(self.roots[0]).as_posix()
        return filename
