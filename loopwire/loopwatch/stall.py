"""One stall of one event loop: how long, split how, where, and how sure."""

from __future__ import annotations

from dataclasses import dataclass

from loopwire.loopwatch.frames import Frame, Stack


@dataclass(frozen=True)
class Stall:
    """The loop's heartbeat ran ``duration`` seconds late.

    ``waiting_for_cpu`` is the part the loop thread spent runnable but not running (other
    processes had the CPUs), when the kernel says; ``collecting_garbage`` the part it spent in
    the garbage collector; ``own`` is the rest, the part its code is answerable for (the two
    may overlap, a collection can wait for a CPU too, so ``own`` is at least zero).
    ``waiting_for_gil`` is the part the loop thread was blocked waiting for the GIL (idle in its
    selector, or in the kernel on the GIL itself, see :mod:`loopwire.loopwatch.gil`) while
    another thread of the process held it: on a loaded machine usually one the scheduler
    preempted, not the loop's code (the cost: a thread that holds the GIL for long is not
    blamed on the loop either). ``site`` is
    the blamed frame of the stack most samples agreed on (``agreed`` of ``samples``),
    described as ``where``; ``stack`` is that stack.
    """

    duration: float
    threshold: float
    waiting_for_cpu: float | None
    on_cpu: float | None
    collecting_garbage: float
    samples: int
    agreed: int
    site: Frame | None
    where: str
    path: str
    stack: Stack
    thread: str
    waiting_for_gil: float = 0.0

    @property
    def own(self) -> float:
        excused = (self.waiting_for_cpu or 0.0) + self.collecting_garbage + self.waiting_for_gil
        return max(self.duration - excused, 0.0)

    @property
    def excuses(self) -> str:
        """The parts of the stall not held against its line, by name (at least 1 ms each), so
        a stall that was not counted says why: ``waiting for a CPU, for the GIL``."""
        parts = [
            ("a CPU", self.waiting_for_cpu or 0.0),
            ("the GIL", self.waiting_for_gil),
        ]
        waits = [f"for {name}" for name, seconds in parts if seconds >= 0.001]
        named = ["waiting " + ", ".join(waits)] if waits else []
        if self.collecting_garbage >= 0.001:
            named.append("collecting garbage")
        return ", ".join(named) or "under 1 ms excused"

    @property
    def over(self) -> bool:
        """Whether the loop's own share of the stall is past the threshold."""
        return self.own > self.threshold

    def headline(self) -> str:
        split = ""
        if self.waiting_for_cpu is not None and self.on_cpu is not None:
            blocked = max(self.duration - self.waiting_for_cpu - self.on_cpu, 0.0)
            split = (
                f"; on CPU {_ms(self.on_cpu)}, blocked {_ms(blocked)}, "
                f"waiting for a CPU {_ms(self.waiting_for_cpu)}"
            )
        if self.collecting_garbage >= 0.001:
            split += f"; collecting garbage {_ms(self.collecting_garbage)}"
        if self.waiting_for_gil >= 0.001:
            split += f"; waiting for the GIL {_ms(self.waiting_for_gil)}"
        return (
            f"event loop stalled {_ms(self.duration)} (threshold {_ms(self.threshold)}) "
            f"at {self.where} ({self.agreed} of {self.samples} samples agree{split}) "
            f"[thread {self.thread}]"
        )

    def format(self) -> str:
        """The headline, then the agreed stack, innermost last, as a traceback prints it."""
        lines = [self.headline()]
        if self.stack:
            # Frames outside the loop's current callback (whatever runs the loop) are all alike.
            inner = _callback_frames(self.stack)
            hidden = len(self.stack) - len(inner)
            lines.append(
                f"  stack of the loop's callback, innermost last ({hidden} outer frames cut):"
            )
            for frame in inner:
                mark = "  <-- blamed" if frame == self.site else ""
                lines.append(
                    f'    File "{frame.filename}", line {frame.lineno}, in {frame.function}{mark}'
                )
        else:
            lines.append(
                "  no stack sample: the loop thread held the GIL in C code, or this process "
                "got no CPU, for the whole stall"
            )
        return "\n".join(lines)


def _callback_frames(stack: Stack) -> Stack:
    """The frames inside the loop's innermost ``_run_once`` (all of them if it has none)."""
    for index in range(len(stack) - 1, -1, -1):
        if stack[index].function == "_run_once":
            return stack[index + 1 :]
    return stack


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"
