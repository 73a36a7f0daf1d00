"""The invocation log of the fake ``ffprobe``: one record file per run, read back as data.

Two writers produce it, a POSIX shell script (the fast fake) and a Python script (its fallback),
so the format is one a shell can write with ``printf`` alone, without escaping anything: records
of NUL-terminated fields, appended to ``<start>-<pid>.rec`` in the log directory.

``S pid start ticks argc arg...``
    written first, before anything slow (``ticks``, the kernel start time, may be empty);
``G pid ticks``
    the grandchild the run spawned;
``P path``
    the real path of the file the run was handed as ``/dev/fd/N`` (then ``path`` is this);
``E end``
    written when the run finished (missing while it runs, or if it was killed).

A record is complete when its last field's NUL is there: a reader that races a writer sees a
run without its unfinished record (or no run at all, if the ``S`` record is unfinished) and the
next read sees the rest. Arguments are bytes, decoded as Python decodes ``sys.argv``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from loopwire.harness.fake_ffprobe.script import RECORD_SUFFIX, probed_path


@dataclass(frozen=True)
class Invocation:
    """One run of the fake, as it logged itself. ``end`` is None while running or if killed."""

    pid: int
    argv: tuple[str, ...]
    path: str | None
    start: float
    end: float | None
    grandchild_pid: int | None = None
    process_start: int | None = None
    grandchild_start: int | None = None

    def processes(self) -> list[tuple[int, int | None]]:
        """``(pid, kernel start ticks)`` of the fake and of its grandchild, if it spawned one."""
        found = [(self.pid, self.process_start)]
        if self.grandchild_pid is not None:
            found.append((self.grandchild_pid, self.grandchild_start))
        return found


def _optional_int(field: bytes) -> int | None:
    return int(field) if field else None


def parse_record_file(data: bytes) -> Invocation | None:
    """The run a record file describes, None until its ``S`` record is complete.

    Raises ValueError on a file that no writer of this format could have produced.
    """
    # The part after the last NUL is a field still being written: not yet there.
    fields = data.split(b"\0")[:-1]
    if len(fields) < 5 or fields[0] != b"S":
        return None
    argc = int(fields[4])
    if len(fields) < 5 + argc:
        return None
    argv = tuple(os.fsdecode(arg) for arg in fields[5 : 5 + argc])
    end: float | None = None
    grandchild: tuple[int, int | None] | None = None
    handed: str | None = None
    rest = fields[5 + argc :]
    while rest:
        tag = rest[0]
        if tag == b"P" and len(rest) >= 2:
            handed = os.fsdecode(rest[1])
            rest = rest[2:]
        elif tag == b"G" and len(rest) >= 3:
            grandchild = (int(rest[1]), _optional_int(rest[2]))
            rest = rest[3:]
        elif tag == b"E" and len(rest) >= 2:
            end = float(rest[1])
            rest = rest[2:]
        elif tag in (b"P", b"G", b"E"):
            break  # the last record, still being written
        else:
            raise ValueError(f"unknown record {tag!r}")
    return Invocation(
        pid=int(fields[1]),
        argv=argv,
        path=handed if handed is not None else probed_path(list(argv)),
        start=float(fields[2]),
        end=end,
        grandchild_pid=None if grandchild is None else grandchild[0],
        process_start=_optional_int(fields[3]),
        grandchild_start=None if grandchild is None else grandchild[1],
    )


def read_invocations(log_dir: Path) -> list[Invocation]:
    """Every run logged in ``log_dir`` so far, in start order."""
    found: list[Invocation] = []
    for file in log_dir.glob(f"*{RECORD_SUFFIX}"):
        try:
            data = file.read_bytes()
        except FileNotFoundError:
            continue  # its directory is being removed
        try:
            invocation = parse_record_file(data)
        except ValueError as exc:
            raise ValueError(f"{file}: not a fake ffprobe record file ({exc})") from exc
        if invocation is not None:
            found.append(invocation)
    return sorted(found, key=lambda inv: (inv.start, inv.pid))
