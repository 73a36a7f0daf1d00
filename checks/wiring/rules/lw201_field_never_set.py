"""LW201 field-never-set: A schema field with a default is never set by any code."""

from __future__ import annotations

from collections.abc import Iterator

from checks.core.rule import Example, Expected, Rule
from checks.wiring.evidence import Evidence, Verdict
from checks.wiring.setters import SetState

RULE = Rule(
    code="LW201",
    slug="field-never-set",
    summary="A schema field with a default is never set by any code",
    message="{symbol} is declared but never set; every response will carry its default",
    rationale=(
        "A field with a default type-checks, validates and serialises even when no code "
        "ever assigns it, so a schema can promise `progress` while every response "
        "carries `null`. Some construction, attribute assignment, setattr, replace, "
        "model_copy or typed dict literal in the checked project must set it."
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

            result = ScanResult(videos=["a.mp4"])
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

            status = JobStatusResponse(id="1", required=2)
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

            status: Status = {"id": "1"}
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

            progress = Progress(3)
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

            Modern()
            Classic(name="x")
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

            Progress(done=1)
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
            """,
            title="a configured base class makes a schema",
            expected=(Expected(4, 5, "JobStatusResponse.progress"),),
            config={"wiring": {"schema-bases": ["service.base.Response"]}},
        ),
    ),
)


def judge(evidence: Evidence) -> Iterator[Verdict]:
    """A field with a default that nothing sets, or that is only ever set to its None default."""
    for schema in evidence.schemas:
        if not evidence.settings.reports_module(schema.module):
            continue
        for item in schema.own_fields:
            if not item.has_default:
                continue
            state = evidence.setters.state(schema, item)
            if state is SetState.UNSET or (state is SetState.ONLY_NONE and item.default_is_none):
                yield Verdict(item.site, f"{schema.name}.{item.name}")
