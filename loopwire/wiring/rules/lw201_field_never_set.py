"""LW201 field-never-set: A field of an outgoing schema has a default that no code replaces."""

from __future__ import annotations

from collections.abc import Iterator

from loopwire.core.rule import Example, Expected, Rule
from loopwire.wiring.evidence import Evidence, Verdict
from loopwire.wiring.setters import SetState

RULE = Rule(
    code="LW201",
    slug="field-never-set",
    summary="A field of an outgoing schema has a default that no code replaces",
    message="{symbol} is declared but never set; every response will carry its default",
    rationale=(
        "A field with a default type-checks, validates and serialises even when no code "
        "ever assigns it, so a schema can promise `progress` while every response "
        "carries `null`. Some construction, attribute assignment, setattr, replace, "
        "model_copy or typed dict literal in the checked project must set it. Judged on "
        "the classes the project builds and sends out of the process (serialised, sent, "
        "responded with, returned by a handler, stored and served back); input models, "
        "keyword-argument types, a library's exported classes, models the other side of "
        "the wire fills and state that never leaves are someone else's to fill."
    ),
    valid=(
        Example(
            """
            from dataclasses import dataclass

            @dataclass
            class JobStatusResponse:
                id: str
                progress: float | None = None

            def snapshot(job_id, done, total):
                return JobStatusResponse(id=job_id, progress=done / total)
            """,
            title="keyword at a construction site",
        ),
        Example(
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
            title="positional argument, inherited fields first",
        ),
        Example(
            """
            from dataclasses import dataclass

            @dataclass
            class JobStatusResponse:
                progress: float | None = None

            def advance(status: JobStatusResponse, done: int, total: int) -> None:
                status.progress = done / total
            """,
            title="attribute assignment",
        ),
        Example(
            """
            from dataclasses import dataclass

            @dataclass(frozen=True)
            class Settings:
                verbose: bool = False

                @classmethod
                def from_flags(cls, flags: set[str]) -> "Settings":
                    return cls(verbose="-v" in flags)
            """,
            title="cls(...) in an alternative constructor",
        ),
        Example(
            """
            from dataclasses import dataclass

            @dataclass
            class Counter:
                done: int = 0

            def tick(counter: Counter) -> None:
                counter.done += 1
            """,
            title="augmented assignment",
        ),
        Example(
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
            title="a container field filled in place",
        ),
        Example(
            """
            import dataclasses

            @dataclasses.dataclass(frozen=True)
            class JobStatusResponse:
                progress: float | None = None

            def advance(status, value):
                object.__setattr__(status, "progress", value)
            """,
            title="setattr with a literal name",
        ),
        Example(
            """
            import dataclasses

            @dataclasses.dataclass(frozen=True)
            class JobStatusResponse:
                progress: float | None = None

            def advance(status, value):
                return dataclasses.replace(status, progress=value)
            """,
            title="dataclasses.replace",
        ),
        Example(
            """
            from pydantic import BaseModel, Field

            class JobStatusResponse(BaseModel):
                progress: float | None = Field(default=None)

            def advance(status, value):
                return status.model_copy(update={"progress": value})
            """,
            title="pydantic model_copy(update=...)",
        ),
        Example(
            """
            from pydantic import BaseModel

            class JobStatusResponse(BaseModel):
                progress: float | None = None

            def load(value):
                return JobStatusResponse.model_validate({"progress": value})
            """,
            title="pydantic model_validate with a dict literal",
        ),
        Example(
            """
            from dataclasses import dataclass as record

            @record
            class JobStatusResponse:
                progress: float | None = None

            Response = JobStatusResponse

            def build(value):
                return Response(**{"progress": value})
            """,
            title="double-star of a dict literal, through an import alias",
        ),
        Example(
            """
            from typing import TypedDict

            class JobStatus(TypedDict, total=False):
                progress: float

            def build(value):
                status: JobStatus = {"progress": value}
                return status
            """,
            title="TypedDict literal assigned to an annotated variable",
        ),
        Example(
            """
            from typing import NotRequired, TypedDict

            class JobStatus(TypedDict):
                id: str
                progress: NotRequired[float]

            def build(job_id: str, value: float) -> JobStatus | None:
                return {"id": job_id, "progress": value}
            """,
            title="TypedDict literal returned from an annotated function",
        ),
        Example(
            """
            from typing import TypedDict

            class JobStatus(TypedDict, total=False):
                progress: float

            def advance(status: JobStatus, value: float) -> None:
                status["progress"] = value
            """,
            title="TypedDict key assignment",
        ),
        Example(
            """
            from pydantic import BaseModel, Field

            class JobStatusResponse(BaseModel):
                progress: float | None = Field(default=None, alias="pct")

            def load(value):
                return JobStatusResponse.model_validate({"pct": value})
            """,
            title="pydantic alias in a validated payload",
        ),
        Example(
            """
            from dataclasses import dataclass

            @dataclass
            class Options:
                verbose: bool = False
            """,
            title="a module outside schema-modules is not checked",
            config={"wiring": {"schema-modules": ["service.schemas", "service.api.*"]}},
        ),
        Example(
            """
            from typing import TypedDict

            class Metadata(TypedDict, total=False):
                functions: list[str]
                title: str

            def add(metadata: Metadata, name: str) -> None:
                metadata.setdefault("functions", []).append(name)
                metadata.update(title=name)
            """,
            title="TypedDict setdefault and update",
        ),
        Example(
            """
            from pydantic import BaseModel

            class Status(BaseModel):
                progress: float | None = None

            class ScanStatus(Status):
                path: str

            status = ScanStatus(path="/media", progress=0.5)
            """,
            title="subclass construction sets the inherited field",
        ),
        Example(
            """
            from typing import NamedTuple

            class Progress(NamedTuple):
                done: int
                total: int | None = None

            def learn_total(progress, total):
                return progress._replace(total=total)
            """,
            title="NamedTuple _replace",
        ),
        Example(
            """
            import attrs

            @attrs.define
            class Progress:
                done: int = attrs.field(default=0)

            def tick(progress):
                return attrs.evolve(progress, done=progress.done + 1)
            """,
            title="attrs evolve",
        ),
        Example(
            """
            import msgspec

            class Progress(msgspec.Struct):
                done: int = 0

            progress = Progress(done=3)
            """,
            title="msgspec keyword",
        ),
        Example(
            """
            from dataclasses import dataclass

            @dataclass
            class JobStatusResponse:
                id: str
            """,
            title="a field without a default is always set by the constructor",
        ),
        Example(
            """
            from aiohttp import web
            from pydantic import BaseModel

            class OrderRequest(BaseModel):
                sku: str
                coupon: str | None = None

            async def place(request: web.Request) -> web.Response:
                order = OrderRequest.model_validate(await request.json())
                return web.json_response({"sku": order.sku})
            """,
            title="an input model: only parsed from requests, never built by the project",
        ),
        Example(
            """
            from typing import TypedDict, Unpack

            class ConnectOptions(TypedDict, total=False):
                timeout: float
                proxy: str

            def connect(**options: Unpack[ConnectOptions]) -> float:
                return options.get("timeout", 10.0)
            """,
            title="keyword arguments a library's callers pass",
        ),
        Example(
            """
            import json
            from dataclasses import asdict, dataclass

            __all__ = ["DocumentInfo", "render"]

            @dataclass
            class DocumentInfo:
                title: str
                summary: str | None = None

            def render(title):
                return json.dumps(asdict(DocumentInfo(title=title)))
            """,
            title="a library's exported class, whose users fill it in",
        ),
        Example(
            """
            from pydantic import BaseModel

            class Quote(BaseModel):
                sku: str
                discount: float | None = None

            async def send_quote(session, url, sku):
                await session.post(url, json=Quote(sku=sku).model_dump())

            def receive(body: bytes) -> Quote:
                return Quote.model_validate_json(body)
            """,
            title="exchanged: also parsed off the wire, where the other side fills it",
        ),
        Example(
            """
            from dataclasses import dataclass

            @dataclass
            class AppState:
                app: object
                is_stopping: bool = False

            class App:
                def __init__(self):
                    self.state = AppState(app=self)
            """,
            title="state that never leaves the process",
        ),
        Example(
            """
            import attrs

            @attrs.define
            class Sticker:
                name: str
                kind: str = attrs.field(init=False, default="guild")

            def sticker(name):
                return Sticker(name=name)
            """,
            title="a constant the constructor cannot set",
        ),
        Example(
            """
            import asyncio
            from dataclasses import dataclass, field

            @dataclass
            class _DispatchContext:
                request_id: int
                cancelled: asyncio.Event = field(default_factory=asyncio.Event)

            def context(request_id):
                return _DispatchContext(request_id)
            """,
            title="a private class: the module's own bookkeeping",
        ),
    ),
    invalid=(
        Example(
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
            title="setting a None default to None is not setting it",
            expected=(Expected(5, 5, "JobStatusResponse.progress"),),
        ),
        Example(
            """
            from dataclasses import dataclass

            @dataclass
            class JobStatusResponse:
                id: str
                progress: float | None = None

            def snapshot(job_id):
                return JobStatusResponse(id=job_id)
            """,
            title="dataclass field with a None default that nothing sets",
            expected=(Expected(6, 5, "JobStatusResponse.progress"),),
        ),
        Example(
            """
            import dataclasses

            @dataclasses.dataclass(slots=True)
            class ScanResult:
                videos: list[str] = dataclasses.field(default_factory=list)
                errors: list[str] = dataclasses.field(default_factory=list)

            def scan(paths):
                return ScanResult(videos=paths)
            """,
            title="field(default_factory=...) nothing sets",
            expected=(Expected(6, 5, "ScanResult.errors"),),
        ),
        Example(
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

            def snapshot():
                return JobStatusResponse()
            """,
            title="reading a field is not setting it",
            expected=(Expected(5, 5, "JobStatusResponse.progress"),),
        ),
        Example(
            """
            from pydantic import BaseModel, Field

            class JobStatusResponse(BaseModel):
                id: str
                required: int = Field(...)
                progress: float | None = Field(default=None)
                tags: list[str] = Field(default_factory=list)

            def snapshot():
                return JobStatusResponse(id="1", required=2)
            """,
            title="pydantic Field(default=...) and Field(default_factory=...)",
            expected=(
                Expected(6, 5, "JobStatusResponse.progress"),
                Expected(7, 5, "JobStatusResponse.tags"),
            ),
        ),
        Example(
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

            def status() -> Status:
                current: Status = {"id": "1"}
                return current
            """,
            title="TypedDict total=False keys and NotRequired keys",
            expected=(
                Expected(6, 5, "Partial.progress"),
                Expected(10, 5, "Status.eta"),
            ),
        ),
        Example(
            """
            from typing import NamedTuple

            class Progress(NamedTuple):
                done: int
                total: int | None = None

            def progress(done):
                return Progress(done)
            """,
            title="NamedTuple default",
            expected=(Expected(5, 5, "Progress.total"),),
        ),
        Example(
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

            def build():
                return Modern(), Classic(name="x")
            """,
            title="attrs defaults, annotated and attr.ib",
            expected=(
                Expected(6, 5, "Modern.done"),
                Expected(10, 5, "Classic.total"),
            ),
        ),
        Example(
            """
            import msgspec

            class Progress(msgspec.Struct, frozen=True):
                done: int = 0
                total: int | None = msgspec.field(default=None)

            def progress():
                return Progress(done=1)
            """,
            title="msgspec default",
            expected=(Expected(5, 5, "Progress.total"),),
        ),
        Example(
            """
            from dataclasses import dataclass

            @dataclass
            class JobStatusResponse:
                progress: float | None = None

            def load(row):
                return JobStatusResponse(**row)  # noqa: LW202

            def start():
                return JobStatusResponse()
            """,
            title="an opaque construction sets nothing",
            expected=(Expected(5, 5, "JobStatusResponse.progress"),),
        ),
        Example(
            """
            from dataclasses import dataclass

            @dataclass
            class JobStatusResponse:
                progress: float | None = None

            def load(row):
                return JobStatusResponse(**row)

            def start():
                return JobStatusResponse()
            """,
            title="a trusted opaque construction is not reported, but still sets nothing",
            expected=(Expected(5, 5, "JobStatusResponse.progress"),),
            config={"wiring": {"trusted": ["JobStatusResponse"]}},
        ),
        Example(
            """
            from service.base import Response

            class JobStatusResponse(Response):
                progress: float | None = None

            def snapshot():
                return JobStatusResponse()
            """,
            title="a configured base class makes a schema",
            expected=(Expected(4, 5, "JobStatusResponse.progress"),),
            config={"wiring": {"schema-bases": ["service.base.Response"]}},
        ),
        Example(
            """
            from dataclasses import asdict, dataclass

            from aiohttp import web

            @dataclass
            class OrderStatus:
                id: str
                eta_seconds: float | None = None

            def respond(payload):
                return web.json_response(asdict(payload))

            async def get_order(request: web.Request) -> web.Response:
                return respond(OrderStatus(id=request.match_info["id"]))
            """,
            title="served by a handler through the project's own helper",
            expected=(Expected(8, 5, "OrderStatus.eta_seconds"),),
        ),
        Example(
            """
            from pydantic import BaseModel

            class ProgressMessage(BaseModel):
                done: int
                total: int | None = None

            async def push(ws, done):
                await ws.send_json(ProgressMessage(done=done).model_dump())
            """,
            title="sent over a WebSocket",
            expected=(Expected(5, 5, "ProgressMessage.total"),),
        ),
        Example(
            """
            from dataclasses import dataclass

            __all__ = ["JobStatusResponse", "snapshot"]

            @dataclass
            class JobStatusResponse:
                id: str
                progress: float | None = None

            def snapshot(job_id):
                return JobStatusResponse(id=job_id)
            """,
            title="an application that exports its responses names them in `outgoing`",
            expected=(Expected(8, 5, "JobStatusResponse.progress"),),
            config={"wiring": {"outgoing": ["JobStatusResponse"]}},
        ),
        Example(
            """
            from dataclasses import dataclass

            @dataclass
            class Receipt:
                id: str
                coupon: str | None = None

            class Mailer:
                def issue(self, order_id):
                    self.deliver(Receipt(id=order_id))
            """,
            title="sent through the project's own transport, named in `sink-calls`",
            expected=(Expected(6, 5, "Receipt.coupon"),),
            config={"wiring": {"sink-calls": ["deliver"]}},
        ),
        Example(
            """
            from dataclasses import asdict, dataclass

            from aiohttp import web

            @dataclass
            class Job:
                id: str
                eta_seconds: float | None = None

            class Registry:
                def __init__(self):
                    self._jobs = {}

                def add(self, job_id):
                    self._jobs[job_id] = Job(id=job_id)

                def get(self, job_id):
                    return self._jobs[job_id]

            async def get_job(request: web.Request) -> web.Response:
                job = request.app["jobs"].get(request.match_info["id"])
                return web.json_response(asdict(job))
            """,
            title="stored in the project's registry and served back by a handler",
            expected=(Expected(8, 5, "Job.eta_seconds"),),
        ),
    ),
)


def judge(evidence: Evidence) -> Iterator[Verdict]:
    """A field with a default that nothing sets, or that is only ever set to its None default."""
    for schema in evidence.schemas:
        if not evidence.settings.reports_module(schema.module) or not evidence.judges(schema):
            continue
        for item in schema.own_fields:
            # ``field(init=False, default=Kind.GUILD)``: a constant of the class, not a value
            # some code forgot to give.
            constant = not item.init and not item.default_is_none
            if not item.has_default or constant:
                continue
            state = evidence.setters.state(schema, item)
            if state is SetState.UNSET or (state is SetState.ONLY_NONE and item.default_is_none):
                yield Verdict(item.site, f"{schema.name}.{item.name}")
