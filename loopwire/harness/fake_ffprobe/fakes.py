"""Fake ``ffprobe`` executables: real subprocesses with a chosen delay and failure mode.

Mocking the probe is how a blocking scan passes its tests. These fakes are real executables put
first on ``PATH`` (or passed as ``--ffprobe``), so the service under test really spawns, waits
for, times out and kills them, while each invocation logs itself so that a test can prove the
slow path ran, how many probes overlapped, and that none outlived a timeout or a cancel.

Behaviour is chosen per probed file by an ``fnmatch`` pattern on its basename (first match wins).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from loopwire.harness.fake_ffprobe import script as fake_ffprobe_script
from loopwire.harness.fake_ffprobe.log import Invocation, read_invocations
from loopwire.harness.fake_ffprobe.shell import fallback_script, fast_script, find_shell_tools
from loopwire.harness.processes import process_alive

Mode = Literal["ok", "garbage", "fail", "hang", "grandchild", "flood"]
MODES: tuple[Mode, ...] = ("ok", "garbage", "fail", "hang", "grandchild", "flood")
# Program names whose ``ok`` (and ``hang``) runs act out the program itself; any other name
# prints the ffprobe document (or ``output``).
PRESETS = ("ffprobe", "ffmpeg")


@dataclass(frozen=True)
class Behaviour:
    """What one fake invocation does.

    ``ok`` prints ffprobe-shaped JSON after ``delay``; ``garbage`` prints non-JSON and exits 0;
    ``fail`` writes ``stderr`` and exits ``exit_code``; ``hang`` sleeps ``hang_seconds`` (long
    enough to outlive any test, bounded so a leak eventually ends); ``grandchild`` spawns a
    sleeping grandchild that inherits stdout, then exits after ``delay`` (or hangs, with
    ``after_spawn="hang"``): only killing the whole process group ends the output pipe.
    ``flood`` writes ``flood_bytes`` bytes with no newline to stdout after ``delay`` (a
    program whose output never ends a line), then hangs. ``output``, when set, is what ``ok``
    prints to stdout (verbatim) in place of ffprobe's JSON, so the fake can stand in for any
    program; ``duration``, ``width``, ``height`` and ``frame_rate`` shape that ffprobe document.

    The ``ffmpeg`` preset (:func:`write_fake_ffmpeg`) reads the same fields as a run of
    ``ffmpeg -progress pipe:1``: its output file (the last argument, ``%05d`` as ``00001``) is
    created at once, then ``ok`` reports ``frame=`` up to ``duration`` x ``frame_rate`` (the
    count the ffprobe preset gives the same behaviour) spread over ``delay`` seconds and exits 0;
    ``hang`` reports half as far over ``delay`` and then hangs, as a stuck encoder does.
    """

    delay: float = 0.0
    mode: Mode = "ok"
    exit_code: int = 1
    stderr: str = "Invalid data found when processing input"
    duration: float = 10.0
    width: int = 320
    height: int = 240
    frame_rate: str = "30/1"
    after_spawn: Literal["exit", "hang"] = "exit"
    hang_seconds: float = 3600.0
    # What an ``ok`` run prints instead of the ffprobe document (any program's output).
    output: str | None = None
    # What a ``flood`` run writes before it hangs: bounded, so a leaked fake ends its damage.
    flood_bytes: int = 64 * 1024 * 1024

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r}; expected one of {', '.join(MODES)}")
        if self.after_spawn not in ("exit", "hang"):
            raise ValueError(f"after_spawn must be 'exit' or 'hang', not {self.after_spawn!r}")
        if self.delay < 0 or self.hang_seconds < 0 or self.flood_bytes < 0:
            raise ValueError("delay, hang_seconds and flood_bytes must be >= 0")


@dataclass(frozen=True)
class FakeFfprobe:
    """A written fake: put ``directory`` first on ``PATH`` or pass ``executable`` explicitly."""

    directory: Path
    executable: Path
    log_dir: Path

    def invocations(self) -> list[Invocation]:
        """Every logged invocation, in start order."""
        return read_invocations(self.log_dir)

    def max_concurrency(self) -> int:
        """Most invocations running at once; one that never logged an end counts as running."""
        events: list[tuple[float, int]] = []
        for inv in self.invocations():
            events.append((inv.start, 1))
            events.append((inv.end if inv.end is not None else float("inf"), -1))
        # At equal times ends sort before starts: touching intervals do not overlap.
        events.sort()
        running = peak = 0
        for _, step in events:
            running += step
            peak = max(peak, running)
        return peak

    def alive_pids(self, name: str | None = None) -> list[int]:
        """Fake processes (and grandchildren) that still exist, zombies excluded; only those
        probing a file called ``name`` if given (a scan probes its other files meanwhile)."""
        return [
            pid
            for inv in self.invocations()
            if name is None or (inv.path is not None and Path(inv.path).name == name)
            for pid, ticks in inv.processes()
            if process_alive(pid, ticks)
        ]

    def kill_survivors(self) -> list[int]:
        """SIGKILL every surviving fake and grandchild; return the pids that were alive.

        A fake that leads its own process group (the service started it in a new session, as it
        should) is killed with its whole group; otherwise only the process itself, so a service
        that shares the test runner's group cannot take the runner down with it.
        """
        killed: list[int] = []
        own_group = os.getpgrp()
        for inv in self.invocations():
            for pid, ticks in inv.processes():
                if not process_alive(pid, ticks):
                    continue
                killed.append(pid)
                try:
                    group = os.getpgid(pid)
                    if group == pid and group != own_group:
                        os.killpg(group, signal.SIGKILL)
                    else:
                        os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        return killed


def write_fake_ffprobe(
    directory: Path,
    rules: Mapping[str, Behaviour] | None = None,
    default: Behaviour | None = None,
    *,
    fast: bool = True,
    schedule: Sequence[Behaviour] = (),
) -> FakeFfprobe:
    """Write an executable ``ffprobe`` (and its configuration) into ``directory``.

    The ffprobe preset of :func:`write_fake_program`. The executable is a shell script that
    starts in milliseconds (:mod:`loopwire.harness.fake_ffprobe.shell`), handing over to the
    Python fake what it cannot do; ``fast=False`` makes every run the Python fake (tens of
    milliseconds of start-up).
    """
    return write_fake_program(directory, "ffprobe", rules, default, fast=fast, schedule=schedule)


def write_fake_ffmpeg(
    directory: Path,
    rules: Mapping[str, Behaviour] | None = None,
    default: Behaviour | None = None,
    *,
    schedule: Sequence[Behaviour] = (),
) -> FakeFfprobe:
    """Write an executable ``ffmpeg`` that reports ``-progress`` as it goes (see
    :class:`Behaviour`); rules match the basename of its input (the word after ``-i``, or the
    file behind ``/dev/fd/N``)."""
    return write_fake_program(directory, "ffmpeg", rules, default, schedule=schedule)


def write_fake_program(
    directory: Path,
    name: str,
    rules: Mapping[str, Behaviour] | None = None,
    default: Behaviour | None = None,
    *,
    fast: bool = True,
    schedule: Sequence[Behaviour] = (),
) -> FakeFfprobe:
    """Write an executable called ``name`` (and its configuration) into ``directory``.

    ``rules`` maps an ``fnmatch`` pattern on the basename of the file a run works on to its
    behaviour, first match wins; other files get ``default``. The file is the word after
    ``--``, else after ``-i``, else the last argument not starting with ``-``. Invocations log
    into ``directory / "log"``. ``schedule`` goes first: the Nth run in start order (0 first)
    takes ``schedule[N]`` whatever its file; runs past its end fall back to the rules. Only the
    ffprobe preset without ``schedule`` or custom ``output`` can be the fast shell script; any
    other program is the Python fake.
    """
    if not name or os.sep in name:
        raise ValueError(f"program name must be a plain file name, not {name!r}")
    behaviours = [*(rules or {}).values(), default or Behaviour(), *schedule]
    fast = fast and name == "ffprobe" and not schedule and all(b.output is None for b in behaviours)
    directory = Path(directory).resolve()
    log_dir = directory / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    config = {
        "log_dir": str(log_dir),
        "rules": [[pattern, asdict(b)] for pattern, b in (rules or {}).items()],
        "default": asdict(default or Behaviour()),
        "schedule": [asdict(b) for b in schedule],
        "preset": name if name in PRESETS else None,
    }
    (directory / fake_ffprobe_script.CONFIG_NAME).write_text(json.dumps(config, indent=2))
    script = directory / fake_ffprobe_script.SCRIPT_NAME
    script.write_text(Path(fake_ffprobe_script.__file__).read_text())
    # The Python fake runs isolated (-I): the service's PYTHONPATH or a stray sitecustomize
    # cannot change it.
    tools = find_shell_tools() if fast else None
    text = None if tools is None else fast_script(config, sys.executable, script, tools)
    executable = directory / name
    executable.write_text(text or fallback_script(sys.executable, script))
    executable.chmod(0o755)
    return FakeFfprobe(directory=directory, executable=executable, log_dir=log_dir)
