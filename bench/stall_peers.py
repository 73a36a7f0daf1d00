"""The loop-stall guard beside its peers, on the same cases: what each catches and reports.

``python -m bench.stall_peers`` (needs the ``bench`` dependency group: aiodebug, blockbuster)
runs five stalls (the linter sees the two made by a direct call, the rest it cannot see) and one
innocent case, each in a fresh ``asyncio.run``, under each tool: asyncio's debug mode
(slow-callback log at 50 ms), aiodebug's slow-callback log (50 ms) and hang inspection (its
0.25 s default), blockbuster, and loopwire's guard (50 ms). It then takes the CPU time of a
loop-heavy workload (tasks that yield and do a little work) under each, and prints one Markdown
table. The README's comparison table is this output.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import select
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

from loopwire.loopwatch.frames import Attribution
from loopwire.loopwatch.stall import Stall
from loopwire.loopwatch.watchdog import LoopWatch

THRESHOLD = 0.05
HOOKS: dict[str, Callable[[float], None]] = {"per_file": time.sleep}
ATTRIBUTION = Attribution.for_roots([Path.cwd()])


async def sleep_directly() -> None:
    time.sleep(0.2)  # noqa: ASYNC251 -- one of the cases under comparison


async def sleep_through_a_dict() -> None:
    HOOKS["per_file"](0.2)


async def cpu_loop() -> None:
    end = time.monotonic() + 0.25
    while time.monotonic() < end:
        pass


async def select_wait() -> None:
    select.select([], [], [], 0.2)  # noqa: LW107 -- one of the cases under comparison


async def hook_50ms_per_file() -> None:
    for _ in range(4):
        HOOKS["per_file"](0.06)
        await asyncio.sleep(0)


async def sleep_in_a_thread() -> None:
    await asyncio.to_thread(time.sleep, 0.2)


CASES: dict[str, Callable[[], Coroutine[Any, Any, None]]] = {
    "time.sleep(0.2) called directly": sleep_directly,
    "time.sleep(0.2) through a dict": sleep_through_a_dict,
    "CPU loop 0.25 s": cpu_loop,
    "select.select 0.2 s": select_wait,
    "4 x 60 ms hook through a dict": hook_50ms_per_file,
    "to_thread(time.sleep, 0.2) (must pass)": sleep_in_a_thread,
}


class Findings(logging.Handler):
    """Collects what a tool said: log records, exceptions, files it wrote."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.said: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.said.append(record.getMessage().splitlines()[0])


async def _under(tool: str, case: Callable[[], Coroutine[Any, Any, None]], seen: Findings) -> float:
    """Run ``case`` under ``tool``; return how long the case itself took (set-up excluded)."""
    loop = asyncio.get_running_loop()
    if tool == "asyncio debug":
        loop.set_debug(True)
        loop.slow_callback_duration = THRESHOLD
    if tool == "loopwire guard":

        def report(stall: Stall) -> None:
            if stall.over:
                seen.said.append(stall.headline())

        watch = LoopWatch(loop, THRESHOLD, report, ATTRIBUTION)
        watch.arm()
        try:
            return await _timed(case)
        finally:
            watch.disarm()
    if tool == "aiodebug hang inspection":
        from aiodebug import hang_inspection

        with tempfile.TemporaryDirectory() as directory:
            dumper = hang_inspection.start(directory, loop=loop)
            elapsed = await _timed(case)
            await asyncio.sleep(0.3)
            await hang_inspection.stop_wait(dumper)
            # It sleeps a second between its dumps; let it finish before its folder goes.
            await asyncio.to_thread(dumper[0].join, 5)
            dumps = await asyncio.to_thread(os.listdir, directory)
            seen.said += [f"{len(dumps)} files dumping every thread's stack"] if dumps else []
        return elapsed
    if tool == "blockbuster":
        from blockbuster import BlockingError, blockbuster_ctx

        with blockbuster_ctx():
            try:
                return await _timed(case)
            except BlockingError as exc:
                seen.said.append(f"raises BlockingError: {exc}")
        return 0.0
    return await _timed(case)


async def _timed(case: Callable[[], Coroutine[Any, Any, None]]) -> float:
    # One turn of the loop first: a tool set up in this step (debug mode) is then in force
    # for the case's first step.
    await asyncio.sleep(0)
    # CPU time of the whole process (every thread, a watchdog's too): on a busy shared machine
    # it moves far less between identical runs than wall time does.
    started = time.process_time()
    await case()
    return time.process_time() - started


@contextlib.contextmanager
def installed(tool: str) -> Iterator[None]:
    """Process-wide parts of a tool (aiodebug patches ``Handle._run`` for good: restored)."""
    handle_run = asyncio.events.Handle._run
    if tool == "aiodebug slow callbacks":
        from aiodebug import log_slow_callbacks

        log_slow_callbacks.enable(THRESHOLD)
    try:
        yield
    finally:
        asyncio.events.Handle._run = handle_run  # type: ignore[method-assign]


TOOLS = (
    "none",
    "asyncio debug",
    "aiodebug slow callbacks",
    "aiodebug hang inspection",
    "blockbuster",
    "loopwire guard",
)


def run_case(tool: str, case: Callable[[], Coroutine[Any, Any, None]]) -> str:
    seen = Findings()
    root = logging.getLogger()
    root.addHandler(seen)
    try:
        with installed(tool):
            asyncio.run(_under(tool, case, seen))
    finally:
        root.removeHandler(seen)
    return "; ".join(dict.fromkeys(seen.said)) or "nothing"


async def workload() -> None:
    """Many short callbacks: tasks that each do a little work and yield, 200,000 times."""

    async def worker() -> None:
        total = 0
        for _ in range(2000):
            total += sum(range(20))
            await asyncio.sleep(0)

    await asyncio.gather(*(worker() for _ in range(100)))


def overheads(rounds: int = 7) -> dict[str, float]:
    """Median CPU seconds of :func:`workload` under each tool, rounds interleaved across tools
    so that drift of a shared machine falls on all of them."""
    times: dict[str, list[float]] = {tool: [] for tool in TOOLS}
    for _ in range(rounds):
        for tool in TOOLS:
            with installed(tool):
                times[tool].append(asyncio.run(_under(tool, workload, Findings())))
    return {tool: sorted(values)[len(values) // 2] for tool, values in times.items()}


def main() -> int:
    # Records reach the Findings handlers only; nothing is printed.
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger().addHandler(logging.NullHandler())
    rows = ["| case | " + " | ".join(TOOLS[1:]) + " |", "|---" * len(TOOLS) + "|"]
    for name, case in CASES.items():
        cells = [run_case(tool, case).replace("|", "/")[:160] for tool in TOOLS[1:]]
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    medians = overheads()
    base = medians["none"]
    costs = [f"{(medians[tool] / base - 1) * 100:+.0f}%" for tool in TOOLS[1:]]
    label = f"200,000 short callbacks, CPU time vs none ({base:.2f} s)"
    rows.append(f"| {label} | " + " | ".join(costs) + " |")
    sys.stdout.write("\n".join(rows) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
