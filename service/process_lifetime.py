"""What Linux offers so that no process a probe starts outlives its job or the service.

- The service makes itself a *child subreaper* (``PR_SET_CHILD_SUBREAPER``): a probe's
  descendant orphaned by the probe's exit is re-parented to the service, not to init, even if it
  left the probe's session with ``setsid``. After each probe the service kills and reaps such
  adopted orphans (:func:`sweep_orphans`).
- Each probe gets ``PR_SET_PDEATHSIG`` = SIGKILL: if the service dies (``kill -9``), the kernel
  kills the probe.
- Each probe carries a marker in its environment (``MEDIA_SERVICE_PROBE_OF`` = the state folder,
  inherited by whatever it starts) and its process group is recorded (group id and the
  leader's kernel start time) in that folder.
  On start-up (:func:`reap_leftovers`) the service kills what a previous run left: groups whose
  leader is still the recorded process (same start time, so a reused pid is never hit), and
  processes carrying the marker of this state folder.

Everything here is blocking (``/proc`` reads, ``waitpid``): callers run it in a thread.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
from pathlib import Path

log = logging.getLogger(__name__)

MARKER = "MEDIA_SERVICE_PROBE_OF"
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_PR_GET_CHILD_SUBREAPER = 37
_libc = ctypes.CDLL(None, use_errno=True)


def become_subreaper() -> bool:
    """Make this process the reaper of its descendants' orphans; False where the system lacks
    it (not Linux 3.4+)."""
    try:
        return _prctl(_PR_SET_CHILD_SUBREAPER, 1) == 0
    except AttributeError:
        return False


def is_subreaper() -> bool:
    flag = ctypes.c_int(0)
    try:
        if _libc.prctl(_PR_GET_CHILD_SUBREAPER, ctypes.byref(flag), 0, 0, 0) != 0:
            return False
    except AttributeError:
        return False
    return flag.value != 0


def _prctl(option: int, value: int) -> int:
    result: int = _libc.prctl(option, value, 0, 0, 0)
    return result


def die_with_parent(parent: int) -> None:
    """In a child before exec: be SIGKILLed when the parent dies. Exits at once if the parent
    already died (between fork and here), as the signal would then never come."""
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def start_ticks(pid: int) -> int | None:
    """The kernel start time of ``pid`` (field 22 of ``/proc/PID/stat``); None if gone."""
    fields = _stat_fields(pid)
    return None if fields is None else int(fields[19])


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of ``/proc/PID/stat`` after the command name (state first); None if gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stream:
            data = stream.read()
    except OSError:
        return None
    return data[data.rindex(b")") + 2 :].decode().split()


def _marker_of(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/environ", "rb") as stream:
            environ = stream.read()
    except OSError:
        return None  # gone, a zombie (no environ), or not ours to read
    prefix = MARKER.encode() + b"="
    for item in environ.split(b"\0"):
        if item.startswith(prefix):
            return item[len(prefix) :].decode(errors="replace")
    return None


def _children() -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/self/task/{task}/children", "rb") as stream:
                found.extend(int(pid) for pid in stream.read().split())
        except OSError:
            continue
    return found


def record_group(state_dir: Path, pid: int) -> Path | None:
    """Record the probe ``pid`` (its own group leader) as a file named ``PID-TICKS``."""
    ticks = start_ticks(pid)
    if ticks is None:
        return None  # already gone: nothing to reap later
    record = state_dir / f"{pid}-{ticks}"
    try:
        record.touch()
    except OSError as exc:
        log.warning("cannot record probe process %d in %s: %s", pid, state_dir, exc)
        return None
    return record


def sweep_orphans(group: int, record: Path | None, spared: set[int]) -> int:
    """After probe ``group`` exited: kill its group, then, as subreaper, kill and reap every
    child of this process that is not a live probe (``spared``), and drop the probe's record.

    The service starts no process but probes, and ffprobe starts none, so such a child is an
    orphan some probe left (adopted even if it left the session with ``setsid`` and cleared
    its environment), or a zombie of one. Returns how many were reaped.
    """
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)
    swept = 0
    if is_subreaper():
        for pid in _children():
            if pid in spared:
                continue
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
                swept += 1
    if record is not None:
        record.unlink(missing_ok=True)
    return swept


def reap_leftovers(state_dir: Path) -> int:
    """Kill the probe processes a previous run of the service left behind (it was killed
    before it could); returns how many were signalled. Creates ``state_dir`` if needed."""
    state_dir.mkdir(exist_ok=True)
    killed = 0
    for record in state_dir.iterdir():
        pid_text, _, ticks_text = record.name.partition("-")
        if pid_text.isdigit() and ticks_text.isdigit():
            pid = int(pid_text)
            # Same pid and same start time: still the recorded leader, never a reused pid.
            if start_ticks(pid) == int(ticks_text):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)
                    killed += 1
        record.unlink(missing_ok=True)
    scope = str(state_dir)
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        marker = _marker_of(int(entry))
        if marker == scope:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(int(entry), signal.SIGKILL)
                killed += 1
    if killed:
        log.warning("killed %d probe process(es) left behind by a previous run", killed)
    return killed
