"""Run one command and measure it alone: wall time, CPU time and peak memory of its process tree.

``getrusage(RUSAGE_CHILDREN)`` accumulates over every child the bench ever reaped, so it cannot
tell one run from the next, and even a single child's ``ru_maxrss`` includes the bench process
it was forked from (Linux keeps the pre-``exec`` high-water mark). So memory is read from
``/proc`` instead: a sampler sums the resident sets of the live process tree, so a tool that fans
out to worker processes is charged for all of them, and keeps each process's own post-``exec``
high-water mark (``VmHWM``). CPU time comes from ``os.wait4``, which covers exactly that child
and its descendants. Every run has a deadline after which its whole process group is killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# How often the tree's resident set is summed: often enough to see a multi-second peak, rarely
# enough to cost nothing measurable next to the measured tool.
SAMPLE_INTERVAL = 0.02
FIRST_INTERVAL = 0.002


def command_line(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read()
    except OSError:
        return b""


OWN_COMMAND_LINE = command_line(os.getpid())


@dataclass(frozen=True)
class Run:
    argv: tuple[str, ...]
    seconds: float
    cpu_seconds: float
    peak_rss_kb: int
    returncode: int | None
    timed_out: bool
    stdout: str
    stderr: str

    def as_json(self) -> dict[str, object]:
        return {
            "seconds": self.seconds,
            "cpu_seconds": self.cpu_seconds,
            "peak_rss_kb": self.peak_rss_kb,
            "returncode": self.returncode,
            "timed_out": self.timed_out,
        }


def process_tree(root: int) -> list[int]:
    """``root`` and its live descendants, via ``/proc/<pid>/task/<tid>/children``."""
    found: list[int] = []
    pending = [root]
    while pending and len(found) < 10_000:
        pid = pending.pop()
        found.append(pid)
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/children") as fh:
                    pending.extend(int(child) for child in fh.read().split())
            except OSError:
                continue
    return found


def memory_kb(pid: int) -> tuple[int, int]:
    """``(VmRSS, VmHWM)`` of a live process in KiB; zeros once it is gone."""
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
    except (OSError, IndexError, ValueError):
        return 0, 0
    return rss, hwm


class _TreeSampler(threading.Thread):
    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.peak_tree_kb = 0
        self.high_water_kb: dict[int, int] = {}
        self.stop = threading.Event()

    @property
    def peak_kb(self) -> int:
        return max(self.peak_tree_kb, max(self.high_water_kb.values(), default=0))

    def run(self) -> None:
        # Until ``exec`` the child is a copy of the bench (same command line, same memory), so
        # such samples are skipped; sampling starts fast so that short tools are seen at all.
        interval = FIRST_INTERVAL
        while not self.stop.wait(interval):
            interval = min(interval * 2, SAMPLE_INTERVAL)
            total = 0
            for pid in process_tree(self.root):
                if pid == self.root and command_line(pid) == OWN_COMMAND_LINE:
                    continue
                rss, hwm = memory_kb(pid)
                total += rss
                self.high_water_kb[pid] = max(self.high_water_kb.get(pid, 0), hwm)
            self.peak_tree_kb = max(self.peak_tree_kb, total)


def kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def run_command(
    argv: Sequence[str],
    *,
    cwd: Path,
    timeout: float,
    env: Mapping[str, str] | None = None,
) -> Run:
    """Run ``argv`` in its own session, wait for it with ``os.wait4``, kill it at ``timeout``."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=None if env is None else dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        timed_out = threading.Event()

        def expire() -> None:
            timed_out.set()
            kill_group(process.pid)

        timer = threading.Timer(timeout, expire)
        timer.daemon = True
        sampler = _TreeSampler(process.pid)
        timer.start()
        sampler.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            seconds = time.perf_counter() - started
            timer.cancel()
            sampler.stop.set()
            sampler.join()
            # Workers a killed tool left behind must not outlive its run.
            kill_group(process.pid)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(
            argv=tuple(argv),
            seconds=seconds,
            cpu_seconds=usage.ru_utime + usage.ru_stime,
            peak_rss_kb=sampler.peak_kb,
            returncode=None if timed_out.is_set() else process.returncode,
            timed_out=timed_out.is_set(),
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )
