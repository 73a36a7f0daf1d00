"""LW203 event-never-emitted: one rule unit (description, message, examples).

An event type is declared (and maybe listened for) but never emitted.
"""

from __future__ import annotations

from collections.abc import Iterator

from loopwire.core.rule import Example, Expected, Rule
from loopwire.wiring.evidence import Evidence, Verdict

RULE = Rule(
    code="LW203",
    slug="event-never-emitted",
    summary="An event type is declared (and maybe listened for) but never emitted",
    message=("{symbol} is declared but never emitted; nothing listening for it will ever run"),
    rationale=(
        "Listeners and UI handlers for an event type look finished even when no code "
        "sends the event. A member of an event enum (name ending in Event or EventType, "
        "or listed in `event-enums`) must be used somewhere other than the enum itself, "
        "a comparison, a match pattern, a dict key or a listener registration, or be "
        "sent by value or name: its value given to an emitter call (`emit*`, "
        "`dispatch*`, `send*`, ... or `emitter-calls`) or to the project's helper that "
        "passes it on, `Kind(value)`, `Kind[name]`, `getattr(Kind, name)`."
    ),
    valid=(
        Example(
            """
            import enum

            class JobEventType(enum.StrEnum):
                PROGRESS = "progress"
                END = "end"
                ERROR = "error"
                CANCEL = "cancel"

            def publish(bus, job):
                bus.broadcast(JobEventType.PROGRESS, job)
                message = {"type": JobEventType.CANCEL}
                kind = JobEventType.ERROR
                return kind, message

            def last_event():
                return JobEventType.END
            """,
            title="passed to a call, returned, assigned and used as a dict value",
        ),
        Example(
            """
            import enum

            class JobEventType(enum.Enum):
                STARTED = "started"
                PROGRESS = "progress"

            def wire(bus):
                bus.on(JobEventType.STARTED, lambda job: bus.emit(JobEventType.PROGRESS, job))

                @bus.on(JobEventType.PROGRESS)
                def forward(job):
                    bus.emit(JobEventType.STARTED, job)
            """,
            title="emitted from a handler registered for another event",
        ),
        Example(
            """
            from enum import Enum

            class ScanEvent(Enum):
                STARTED = 1

            Alias = ScanEvent

            def start(bus):
                bus.emit(Alias.STARTED)
            """,
            title="emitted through an import alias",
        ),
        Example(
            """
            from enum import Enum

            class Status(Enum):
                PENDING = "pending"
                RUNNING = "running"
            """,
            title="an enum that is not an event type",
        ),
        Example(
            """
            from enum import Enum

            class WorkerEvent(str, Enum):
                STARTED = "worker.started"

            def announce(hub, name):
                hub.dispatch(name)

            def run(hub):
                announce(hub, "worker.started")
            """,
            title="sent by value, through the project's own dispatch helper",
        ),
        Example(
            """
            from enum import Enum

            class FrameEvent(Enum):
                PING = "ping"
                PONG = "pong"

            def on_frame(hub, frame):
                hub.emit(FrameEvent(frame["type"]))

            def pong(hub):
                hub.emit(getattr(FrameEvent, "PONG"))
            """,
            title="picked by value from data, or by name",
        ),
        Example(
            """
            from enum import Enum

            class JobEvent(str, Enum):
                DONE = "done"

            def finish(bus):
                bus.announce("done")
            """,
            title="sent by value through a call named in `emitter-calls`",
            config={"wiring": {"emitter-calls": ["announce"]}},
        ),
    ),
    invalid=(
        Example(
            """
            from enum import Enum

            class JobEventType(str, Enum):
                PROGRESS = "progress"
                END = "end"

            def wire(bus, send):
                bus.on(JobEventType.PROGRESS, send)
                bus.on(JobEventType.END, send)
                bus.emit(JobEventType.END)

            def handle(event):
                if event == JobEventType.PROGRESS:
                    return "bar"
                match event:
                    case JobEventType.PROGRESS:
                        return "bar"
                return None
            """,
            title="one member is listened for but never emitted",
            expected=(Expected(4, 5, "JobEventType.PROGRESS"),),
        ),
        Example(
            """
            import enum

            class SocketEvent(enum.Enum):
                OPENED = "opened"
                CLOSED = "closed"

            @router.on(SocketEvent.OPENED)
            def opened(payload):
                return payload

            HANDLERS = {SocketEvent.CLOSED: opened}
            """,
            title="decorator registrations and dispatch tables do not emit",
            expected=(
                Expected(4, 5, "SocketEvent.OPENED"),
                Expected(5, 5, "SocketEvent.CLOSED"),
            ),
        ),
        Example(
            """
            from enum import Enum

            class Signal(Enum):
                RELOAD = "reload"
            """,
            title="a configured event enum",
            expected=(Expected(4, 5, "Signal.RELOAD"),),
            config={"wiring": {"event-enums": ["Signal"]}},
        ),
    ),
)


def judge(evidence: Evidence) -> Iterator[Verdict]:
    """Every member of an event enum that no code emits."""
    for silent in evidence.silent:
        yield Verdict(silent.site, f"{silent.enum.name}.{silent.member}")
