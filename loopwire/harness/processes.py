"""Which processes still exist: the question behind every "no survivors" assertion.

A killed process lingers as a zombie until its parent (or init, for orphans) reaps it, and a pid
can be reused by a later process; both would make ``kill(pid, 0)`` lie. So liveness is read from
``/proc``: state not zombie, and, when known, the same kernel start time as when it was seen.
"""

from __future__ import annotations

import os
from pathlib import Path

_PROC = Path("/proc")


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of ``/proc/PID/stat`` from field 3 (state) on; None if the process is gone."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name (field 2) may contain spaces and parentheses; nothing after its ")" does.
    return stat.rsplit(")", 1)[1].split()


def start_ticks(pid: int) -> int | None:
    """Kernel start time of ``pid`` (field 22 of /proc/PID/stat), None if it is gone."""
    fields = _stat_fields(pid)
    return None if fields is None else int(fields[19])


def process_alive(pid: int, ticks: int | None = None) -> bool:
    """Whether ``pid`` exists and is not a zombie; with ``ticks``, also that it is the same
    process (not a later one that reused the pid)."""
    if not _PROC.is_dir():
        return _signal_zero(pid)
    fields = _stat_fields(pid)
    if fields is None or fields[0] in ("Z", "X"):
        return False
    return ticks is None or int(fields[19]) == ticks


def group_members(group: int) -> list[int]:
    """Live (non-zombie) processes whose process group is ``group``."""
    if not _PROC.is_dir():
        return [group] if _group_signal_zero(group) else []
    members: list[int] = []
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is not None and fields[0] not in ("Z", "X") and int(fields[2]) == group:
            members.append(int(entry.name))
    return members


def _signal_zero(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _group_signal_zero(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
