"""The wiring rules (LW2xx), each described once: code, slug, message, rationale and examples.

The examples are executable: the unit tests run every valid example (no finding) and every
invalid one (exactly the listed symbols), so this text, the behaviour and the tests cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from checks.wiring.settings import WiringSettings


@dataclass(frozen=True)
class Example:
    title: str
    source: str
    # Symbols the rule reports for this source: empty for a valid example.
    symbols: tuple[str, ...] = ()
    settings: WiringSettings = field(default_factory=WiringSettings)


@dataclass(frozen=True)
class WiringRule:
    code: str
    slug: str
    summary: str
    message: str
    rationale: str
    valid: tuple[Example, ...]
    invalid: tuple[Example, ...]


FIELD_NEVER_SET = WiringRule(
    code="LW201",
    slug="field-never-set",
    summary="A schema field with a default is never set by any code",
    message="{symbol} is declared but never set; every response will carry its default",
    rationale=(
        "A field with a default type-checks, validates and serialises even when no code ever "
        "assigns it, so a schema can promise `progress` while every response carries `null`. "
        "Some construction, attribute assignment, setattr, replace, model_copy or typed dict "
        "literal in the checked project must set it."
    ),
    valid=(
        Example(
            "keyword at a construction site",
            """
            from dataclasses import dataclass

            @dataclass
            class JobStatusResponse:
                id: str
                progress: float | None = None

            def snapshot(job_id, done, total):
                return JobStatusResponse(id=job_id, progress=done / total)
            """,
        ),
        Example(
            "positional argument, inherited fields first",
            """
            from dataclasses import dataclass

            @dataclass
            class Base:
                id: str

            @dataclass
            class JobStatusResponse(Base):
                progress: float | None = None

            response = JobStatusResponse("job-1", 0.5)
            """,
        ),
        Example(
            "attribute assignment",
            """
            from dataclasses import dataclass

            @dataclass
            class JobStatusResponse:
                progress: float | None = None

            def advance(status: JobStatusResponse, done: int, total: int) -> None:
                status.progress = done / total
            """,
        ),
        Example(
            "cls(...) in an alternative constructor",
            """
            from dataclasses import dataclass

            @dataclass(frozen=True)
            class Settings:
                verbose: bool = False

                @classmethod
                def from_flags(cls, flags: set[str]) -> "Settings":
                    return cls(verbose="-v" in flags)
            """,
        ),
        Example(
            "augmented assignment",
            """
            from dataclasses import dataclass

            @dataclass
            class Counter:
                done: int = 0

            def tick(counter: Counter) -> None:
                counter.done += 1
            """,
        ),
        Example(
            "a container field filled in place",
            """
            from dataclasses import dataclass, field

            @dataclass
            class ScanResult:
                videos: list[str] = field(default_factory=list)
                sizes: dict[str, int] = field(default_factory=dict)

            def scan(result: ScanResult, path: str, size: int) -> None:
                result.videos.append(path)
                result.sizes[path] = size
            """,
        ),
        Example(
            "setattr with a literal name",
            """
            import dataclasses

            @dataclasses.dataclass(frozen=True)
            class JobStatusResponse:
                progress: float | None = None

            def advance(status, value):
                object.__setattr__(status, "progress", value)
            """,
        ),
        Example(
            "dataclasses.replace",
            """
            import dataclasses

            @dataclasses.dataclass(frozen=True)
            class JobStatusResponse:
                progress: float | None = None

            def advance(status, value):
                return dataclasses.replace(status, progress=value)
            """,
        ),
        Example(
            "pydantic model_copy(update=...)",
            """
            from pydantic import BaseModel, Field

            class JobStatusResponse(BaseModel):
                progress: float | None = Field(default=None)

            def advance(status, value):
                return status.model_copy(update={"progress": value})
            """,
        ),
        Example(
            "pydantic model_validate with a dict literal",
            """
            from pydantic import BaseModel

            class JobStatusResponse(BaseModel):
                progress: float | None = None

            def load(value):
                return JobStatusResponse.model_validate({"progress": value})
            """,
        ),
        Example(
            "double-star of a dict literal, through an import alias",
            """
            from dataclasses import dataclass as record

            @record
            class JobStatusResponse:
                progress: float | None = None

            Response = JobStatusResponse

            def build(value):
                return Response(**{"progress": value})
            """,
        ),
        Example(
            "TypedDict literal assigned to an annotated variable",
            """
            from typing import TypedDict

            class JobStatus(TypedDict, total=False):
                progress: float

            def build(value):
                status: JobStatus = {"progress": value}
                return status
            """,
        ),
        Example(
            "TypedDict literal returned from an annotated function",
            """
            from typing import NotRequired, TypedDict

            class JobStatus(TypedDict):
                id: str
                progress: NotRequired[float]

            def build(job_id: str, value: float) -> JobStatus | None:
                return {"id": job_id, "progress": value}
            """,
        ),
        Example(
            "TypedDict key assignment",
            """
            from typing import TypedDict

            class JobStatus(TypedDict, total=False):
                progress: float

            def advance(status: JobStatus, value: float) -> None:
                status["progress"] = value
            """,
        ),
        Example(
            "pydantic alias in a validated payload",
            """
            from pydantic import BaseModel, Field

            class JobStatusResponse(BaseModel):
                progress: float | None = Field(default=None, alias="pct")

            def load(value):
                return JobStatusResponse.model_validate({"pct": value})
            """,
        ),
        Example(
            "a module outside schema-modules is not checked",
            """
            from dataclasses import dataclass

            @dataclass
            class Options:
                verbose: bool = False
            """,
            settings=WiringSettings(schema_modules=("service.schemas", "service.api.*")),
        ),
        Example(
            "TypedDict setdefault and update",
            """
            from typing import TypedDict

            class Metadata(TypedDict, total=False):
                functions: list[str]
                title: str

            def add(metadata: Metadata, name: str) -> None:
                metadata.setdefault("functions", []).append(name)
                metadata.update(title=name)
            """,
        ),
        Example(
            "subclass construction sets the inherited field",
            """
            from pydantic import BaseModel

            class Status(BaseModel):
                progress: float | None = None

            class ScanStatus(Status):
                path: str

            status = ScanStatus(path="/media", progress=0.5)
            """,
        ),
        Example(
            "NamedTuple _replace",
            """
            from typing import NamedTuple

            class Progress(NamedTuple):
                done: int
                total: int | None = None

            def learn_total(progress, total):
                return progress._replace(total=total)
            """,
        ),
        Example(
            "attrs evolve",
            """
            import attrs

            @attrs.define
            class Progress:
                done: int = attrs.field(default=0)

            def tick(progress):
                return attrs.evolve(progress, done=progress.done + 1)
            """,
        ),
        Example(
            "msgspec keyword",
            """
            import msgspec

            class Progress(msgspec.Struct):
                done: int = 0

            progress = Progress(done=3)
            """,
        ),
        Example(
            "a field without a default is always set by the constructor",
            """
            from dataclasses import dataclass

            @dataclass
            class JobStatusResponse:
                id: str
            """,
        ),
    ),
    invalid=(
        Example(
            "setting a None default to None is not setting it",
            """
            from dataclasses import dataclass

            @dataclass
            class JobStatusResponse:
                progress: float | None = None

            def snapshot():
                status = JobStatusResponse(progress=None)
                status.progress = None
                return status
            """,
            ("JobStatusResponse.progress",),
        ),
        Example(
            "dataclass field with a None default that nothing sets",
            """
            from dataclasses import dataclass

            @dataclass
            class JobStatusResponse:
                id: str
                progress: float | None = None

            def snapshot(job_id):
                return JobStatusResponse(id=job_id)
            """,
            ("JobStatusResponse.progress",),
        ),
        Example(
            "field(default_factory=...) nothing sets",
            """
            import dataclasses

            @dataclasses.dataclass(slots=True)
            class ScanResult:
                videos: list[str] = dataclasses.field(default_factory=list)
                errors: list[str] = dataclasses.field(default_factory=list)

            result = ScanResult(videos=["a.mp4"])
            """,
            ("ScanResult.errors",),
        ),
        Example(
            "reading a field is not setting it",
            """
            from dataclasses import dataclass

            @dataclass
            class JobStatusResponse:
                progress: float | None = None

            def render(status):
                if status.progress is None:
                    return "pending"
                status.progress.hex()
                return f"{status.progress:.0%}"
            """,
            ("JobStatusResponse.progress",),
        ),
        Example(
            "pydantic Field(default=...) and Field(default_factory=...)",
            """
            from pydantic import BaseModel, Field

            class JobStatusResponse(BaseModel):
                id: str
                required: int = Field(...)
                progress: float | None = Field(default=None)
                tags: list[str] = Field(default_factory=list)

            status = JobStatusResponse(id="1", required=2)
            """,
            ("JobStatusResponse.progress", "JobStatusResponse.tags"),
        ),
        Example(
            "TypedDict total=False keys and NotRequired keys",
            """
            from typing import TypedDict
            from typing_extensions import NotRequired, Required

            class Partial(TypedDict, total=False):
                id: Required[str]
                progress: float

            class Status(TypedDict):
                id: str
                eta: NotRequired[float]

            def build() -> Partial:
                return {"id": "1"}

            status: Status = {"id": "1"}
            """,
            ("Partial.progress", "Status.eta"),
        ),
        Example(
            "NamedTuple default",
            """
            from typing import NamedTuple

            class Progress(NamedTuple):
                done: int
                total: int | None = None

            progress = Progress(3)
            """,
            ("Progress.total",),
        ),
        Example(
            "attrs defaults, annotated and attr.ib",
            """
            import attr
            from attrs import define, field

            @define
            class Modern:
                done: int = field(default=0)

            @attr.s
            class Classic:
                total = attr.ib(default=None)
                name = attr.ib()

            Modern()
            Classic(name="x")
            """,
            ("Classic.total", "Modern.done"),
        ),
        Example(
            "msgspec default",
            """
            import msgspec

            class Progress(msgspec.Struct, frozen=True):
                done: int = 0
                total: int | None = msgspec.field(default=None)

            Progress(done=1)
            """,
            ("Progress.total",),
        ),
        Example(
            "an opaque construction sets nothing",
            """
            from dataclasses import dataclass

            @dataclass
            class JobStatusResponse:
                progress: float | None = None

            def load(row):
                return JobStatusResponse(**row)  # noqa: LW202
            """,
            ("JobStatusResponse.progress",),
        ),
        Example(
            "a trusted opaque construction is not reported, but still sets nothing",
            """
            from dataclasses import dataclass

            @dataclass
            class JobStatusResponse:
                progress: float | None = None

            def load(row):
                return JobStatusResponse(**row)
            """,
            ("JobStatusResponse.progress",),
            WiringSettings(trusted=("JobStatusResponse",)),
        ),
        Example(
            "a configured base class makes a schema",
            """
            from service.base import Response

            class JobStatusResponse(Response):
                progress: float | None = None
            """,
            ("JobStatusResponse.progress",),
            WiringSettings(schema_bases=("service.base.Response",)),
        ),
    ),
)

OPAQUE_CONSTRUCTION = WiringRule(
    code="LW202",
    slug="opaque-construction",
    summary="A schema is built from data the checker cannot see through",
    message=(
        "{construction} builds {symbol} from data the checker cannot see, so the fields it sets "
        "are not counted; pass them by name, or trust it in [tool.loopwire.wiring]"
    ),
    rationale=(
        "`Schema(**row)` or `Schema.model_validate(data)` may set every field or none; counting "
        "it as setting everything would hide exactly the never-set field this check exists for. "
        "Such constructions are reported so that a person decides: spell the fields out, or "
        'trust the class (`trusted = ["Cls"]`) or one module (`trusted = ["pkg.db:Cls"]`).'
    ),
    valid=(
        Example(
            "keywords and a literal dict are transparent",
            """
            from dataclasses import dataclass

            @dataclass
            class Video:
                path: str
                duration: float | None = None

            def load(path, seconds):
                return Video(path, **{"duration": seconds})
            """,
        ),
        Example(
            "double-star into a class that is not a schema",
            """
            class Settings:
                def __init__(self, **values):
                    self.values = values

            def load(row):
                return Settings(**row)
            """,
        ),
        Example(
            "a trusted class",
            """
            from pydantic import BaseModel

            class Video(BaseModel):
                path: str

            def load(data):
                return Video.model_validate(data)
            """,
            settings=WiringSettings(trusted=("Video",)),
        ),
        Example(
            "a trusted module",
            """
            from dataclasses import dataclass

            @dataclass
            class Video:
                path: str

            def load(row):
                return Video(**row)
            """,
            settings=WiringSettings(trusted=("example:Video",)),
        ),
    ),
    invalid=(
        Example(
            "double-star of a variable",
            """
            from dataclasses import dataclass

            @dataclass
            class Video:
                path: str

            def load(row):
                return Video(**row)
            """,
            ("Video",),
        ),
        Example(
            "star arguments",
            """
            from typing import NamedTuple

            class Size(NamedTuple):
                width: int
                height: int

            def load(values):
                return Size(*values)
            """,
            ("Size",),
        ),
        Example(
            "library converters: msgspec, dacite, cattrs, pydantic.TypeAdapter",
            """
            import cattrs
            import msgspec
            from dacite import from_dict
            from pydantic import BaseModel, TypeAdapter

            class Size(msgspec.Struct):
                width: int

            class Video(BaseModel):
                path: str

            def load(payload, data):
                size = msgspec.json.decode(payload, type=Size)
                video = from_dict(Video, data)
                again = cattrs.structure(data, Video)
                adapted = TypeAdapter(Video).validate_python(data)
                return size, video, again, adapted
            """,
            ("Size", "Video", "Video", "Video"),
        ),
        Example(
            "model_validate of a variable",
            """
            from pydantic import BaseModel

            class Video(BaseModel):
                path: str

            def load(data):
                return Video.model_validate(data)
            """,
            ("Video",),
        ),
    ),
)

EVENT_NEVER_EMITTED = WiringRule(
    code="LW203",
    slug="event-never-emitted",
    summary="An event type is declared (and maybe listened for) but never emitted",
    message="{symbol} is declared but never emitted; nothing listening for it will ever run",
    rationale=(
        "Listeners and UI handlers for an event type look finished even when no code sends the "
        "event. A member of an event enum (name ending in Event or EventType, or listed in "
        "`event-enums`) must be used somewhere other than the enum itself, a comparison, a "
        "match pattern, a dict key or a listener registration."
    ),
    valid=(
        Example(
            "passed to a call, returned, assigned and used as a dict value",
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
        ),
        Example(
            "emitted from a handler registered for another event",
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
        ),
        Example(
            "emitted through an import alias",
            """
            from enum import Enum

            class ScanEvent(Enum):
                STARTED = 1

            Alias = ScanEvent

            def start(bus):
                bus.emit(Alias.STARTED)
            """,
        ),
        Example(
            "an enum that is not an event type",
            """
            from enum import Enum

            class Status(Enum):
                PENDING = "pending"
                RUNNING = "running"
            """,
        ),
    ),
    invalid=(
        Example(
            "one member is listened for but never emitted",
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
            ("JobEventType.PROGRESS",),
        ),
        Example(
            "decorator registrations and dispatch tables do not emit",
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
            ("SocketEvent.CLOSED", "SocketEvent.OPENED"),
        ),
        Example(
            "a configured event enum",
            """
            from enum import Enum

            class Signal(Enum):
                RELOAD = "reload"
            """,
            ("Signal.RELOAD",),
            WiringSettings(event_enums=("Signal",)),
        ),
    ),
)

FIELD_ONLY_NONE = WiringRule(
    code="LW204",
    slug="field-only-none",
    summary="A nullable schema field is only ever set to the literal None",
    message="{symbol} is only ever set to None; every response will carry null",
    rationale=(
        "Making a field required does not make it produced: `progress=None` at every "
        "construction is the never-set bug with extra typing. Some place must give the field a "
        "value other than the literal `None` (an expression, a variable, a call)."
    ),
    valid=(
        Example(
            "None at the start, a value later",
            """
            from dataclasses import dataclass

            @dataclass
            class JobStatusResponse:
                progress: float | None

            def start():
                return JobStatusResponse(progress=None)

            def advance(status, done, total):
                status.progress = done / total
            """,
        ),
        Example(
            "passed in as a variable",
            """
            from dataclasses import dataclass

            @dataclass
            class JobStatusResponse:
                progress: float | None

            def snapshot(progress: float | None):
                return JobStatusResponse(progress)
            """,
        ),
    ),
    invalid=(
        Example(
            "required, but every construction passes None",
            """
            from dataclasses import dataclass

            @dataclass
            class JobStatusResponse:
                id: str
                progress: float | None

            def snapshot(job_id):
                return JobStatusResponse(job_id, None)

            def failed(job_id):
                return JobStatusResponse(id=job_id, progress=None)
            """,
            ("JobStatusResponse.progress",),
        ),
        Example(
            "a TypedDict key only ever assigned None",
            """
            from typing import TypedDict

            class JobStatus(TypedDict):
                eta: float | None

            def build() -> JobStatus:
                status: JobStatus = {"eta": None}
                status["eta"] = None
                return status
            """,
            ("JobStatus.eta",),
        ),
    ),
)

RULES: dict[str, WiringRule] = {
    rule.code: rule
    for rule in (FIELD_NEVER_SET, OPAQUE_CONSTRUCTION, EVENT_NEVER_EMITTED, FIELD_ONLY_NONE)
}
