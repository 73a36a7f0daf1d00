"""LW204 field-only-none: A nullable field of an outgoing schema is only ever set to the
literal None."""

from __future__ import annotations

from collections.abc import Iterator

from loopwire.core.rule import Example, Expected, Rule
from loopwire.wiring.evidence import Evidence, Verdict
from loopwire.wiring.setters import SetState

RULE = Rule(
    code="LW204",
    slug="field-only-none",
    summary="A nullable field of an outgoing schema is only ever set to the literal None",
    message="{symbol} is only ever set to None; every response will carry null",
    rationale=(
        "Making a field required does not make it produced: `progress=None` at every "
        "construction is the never-set bug with extra typing. Some place must give the "
        "field a value other than the literal `None` (an expression, a variable, a "
        "call). Judged on the same outgoing classes as LW201."
    ),
    valid=(
        Example(
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
            title="None at the start, a value later",
        ),
        Example(
            """
            from dataclasses import dataclass

            @dataclass
            class JobStatusResponse:
                progress: float | None

            def snapshot(progress: float | None):
                return JobStatusResponse(progress)
            """,
            title="passed in as a variable",
        ),
    ),
    invalid=(
        Example(
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
            title="required, but every construction passes None",
            expected=(Expected(6, 5, "JobStatusResponse.progress"),),
        ),
        Example(
            """
            from typing import TypedDict

            class JobStatus(TypedDict):
                eta: float | None

            def build() -> JobStatus:
                status: JobStatus = {"eta": None}
                status["eta"] = None
                return status
            """,
            title="a TypedDict key only ever assigned None",
            expected=(Expected(4, 5, "JobStatus.eta"),),
        ),
    ),
)


def judge(evidence: Evidence) -> Iterator[Verdict]:
    """A field without a default that every setter sets to the literal None."""
    for schema in evidence.schemas:
        if not evidence.settings.reports_module(schema.module) or not evidence.judges(schema):
            continue
        for item in schema.own_fields:
            if item.has_default:
                continue
            if evidence.setters.state(schema, item) is SetState.ONLY_NONE:
                yield Verdict(item.site, f"{schema.name}.{item.name}")
