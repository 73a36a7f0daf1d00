"""Per-field statistics over observed responses, and the verdict the dynamic wiring check gives.

A field that exists in the schema but that no real response ever carried with a value is exactly
the bug the wiring check hunts (``progress`` always ``null``). For every schema field this module
counts how often responses carried it, how often with a non-null value and how many distinct
values; for progressive fields (a progress fraction) it also checks that some value strictly
between the smallest and largest one was seen, and that values never went backwards per job.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from checks.wiring.responses import Observation, Schema, WiringConfig

# Distinct values are remembered up to this many per field; beyond it the count reads "N+".
DISTINCT_CAP = 1000
# Routes without a schema are listed in the table up to this many (all of them in the JSON).
UNMAPPED_SHOWN = 20


@dataclass(slots=True)
class _FieldCounts:
    seen: int = 0
    non_null: int = 0
    distinct: set[str] = field(default_factory=set)
    capped: bool = False


@dataclass(frozen=True, slots=True)
class ProgressVerdict:
    jobs: int
    minimum: float | None
    maximum: float | None
    intermediate_values: int
    monotonic: bool
    # First backwards step seen, e.g. "job 'a1' went 0.5 -> 0.25".
    regression: str | None


@dataclass(frozen=True, slots=True)
class FieldVerdict:
    name: str
    seen: int
    non_null: int
    distinct: int
    distinct_capped: bool
    progress: ProgressVerdict | None
    problems: tuple[str, ...]
    allowed: str | None

    @property
    def failed(self) -> bool:
        return bool(self.problems) and self.allowed is None

    def as_json(self) -> dict[str, object]:
        progress = None
        if self.progress is not None:
            progress = {
                "jobs": self.progress.jobs,
                "min": self.progress.minimum,
                "max": self.progress.maximum,
                "intermediate_values": self.progress.intermediate_values,
                "monotonic": self.progress.monotonic,
                "regression": self.progress.regression,
            }
        return {
            "field": self.name,
            "seen": self.seen,
            "non_null": self.non_null,
            "distinct": self.distinct,
            "distinct_capped": self.distinct_capped,
            "progressive": progress,
            "problems": list(self.problems),
            "allowed": self.allowed,
            "ok": not self.failed,
        }


@dataclass(frozen=True, slots=True)
class WiringReport:
    fields: tuple[FieldVerdict, ...]
    observations: int
    routes: dict[str, int]
    unmapped: dict[str, int]

    @property
    def failed(self) -> tuple[FieldVerdict, ...]:
        return tuple(f for f in self.fields if f.failed)

    def as_json(self) -> dict[str, object]:
        return {
            "ok": not self.failed,
            "observations": self.observations,
            "routes": self.routes,
            "unmapped_routes": self.unmapped,
            "fields": [f.as_json() for f in self.fields],
        }


class WiringStats:
    """Accumulates observations; ``report()`` gives the verdict at any time."""

    def __init__(self, config: WiringConfig) -> None:
        self._config = config
        self._schemas = config.schemas()
        self._counts: dict[str, _FieldCounts] = defaultdict(_FieldCounts)
        # progressive field -> (scope, job id) -> values in the order the app sent them.
        self._series: dict[str, dict[tuple[str, str], list[object]]] = defaultdict(dict)
        self._observations = 0
        self._routes: Counter[str] = Counter()
        self._unmapped: Counter[str] = Counter()

    def add_all(self, observations: Iterable[Observation]) -> None:
        for observation in observations:
            self.add(observation)

    def add(self, observation: Observation) -> None:
        self._observations += 1
        # Observations fed from outside the app carry concrete paths: match them to templates.
        route = self._config.route_for(observation.method, observation.route)
        key = f"{observation.method.upper()} {route}"
        rule = self._config.rules.get(key)
        if rule is None:
            self._unmapped[key] += 1
            return
        self._routes[key] += 1
        # Error bodies ({"error": ...}) are not instances of the route's success schema.
        if not 200 <= observation.status < 300:
            return
        for obj in _select(observation.body, rule.at):
            self._account(rule.schema, obj, observation.scope)

    def _account(self, schema: Schema, obj: object, scope: str) -> None:
        if not isinstance(obj, dict):
            return
        identity_field = self._config.identity_field(schema.name)
        job = json.dumps(obj.get(identity_field) if identity_field else None, default=str)
        for name in schema.fields:
            if name not in obj:
                continue
            qualified = f"{schema.name}.{name}"
            counts = self._counts[qualified]
            counts.seen += 1
            value = obj[name]
            if qualified in self._config.progressive:
                self._series[qualified].setdefault((scope, job), []).append(value)
            if value is None:
                continue
            counts.non_null += 1
            if len(counts.distinct) < DISTINCT_CAP:
                counts.distinct.add(json.dumps(value, sort_keys=True, default=str))
            elif json.dumps(value, sort_keys=True, default=str) not in counts.distinct:
                counts.capped = True
            nested = schema.nested.get(name)
            if nested is not None:
                for item in value if isinstance(value, list) else [value]:
                    self._account(nested, item, scope)

    def report(self) -> WiringReport:
        verdicts: list[FieldVerdict] = []
        for schema_name in sorted(self._schemas):
            for name in self._schemas[schema_name].fields:
                verdicts.append(self._verdict(f"{schema_name}.{name}"))
        return WiringReport(
            fields=tuple(verdicts),
            observations=self._observations,
            routes=dict(sorted(self._routes.items())),
            unmapped=dict(sorted(self._unmapped.items())),
        )

    def _verdict(self, qualified: str) -> FieldVerdict:
        counts = self._counts.get(qualified, _FieldCounts())
        problems: list[str] = []
        if counts.seen == 0:
            problems.append("never seen in any response")
        elif counts.non_null == 0:
            problems.append("never non-null: every response carried null")
        progress = None
        if qualified in self._config.progressive:
            progress = _progress_verdict(self._series.get(qualified, {}))
            if counts.non_null and progress.intermediate_values == 0:
                problems.append(
                    f"progressive but no intermediate value seen (only {progress.minimum}"
                    f"..{progress.maximum}, nothing strictly between)"
                )
            if progress.regression is not None:
                problems.append(f"went backwards: {progress.regression}")
        return FieldVerdict(
            name=qualified,
            seen=counts.seen,
            non_null=counts.non_null,
            distinct=len(counts.distinct),
            distinct_capped=counts.capped,
            progress=progress,
            problems=tuple(problems),
            allowed=self._config.allowed(qualified) if problems else None,
        )


def _progress_verdict(series: dict[tuple[str, str], list[object]]) -> ProgressVerdict:
    numbers = [
        float(v)
        for values in series.values()
        for v in values
        if isinstance(v, int | float) and not isinstance(v, bool)
    ]
    low = min(numbers, default=None)
    high = max(numbers, default=None)
    intermediate = {v for v in numbers if low is not None and high is not None and low < v < high}
    regression = None
    for (_, job), values in series.items():
        regression = _first_regression(job, values)
        if regression is not None:
            break
    return ProgressVerdict(
        jobs=len(series),
        minimum=low,
        maximum=high,
        intermediate_values=len(intermediate),
        monotonic=regression is None,
        regression=regression,
    )


def _first_regression(job: str, values: Sequence[object]) -> str | None:
    previous: object = None
    for value in values:
        if previous is not None:
            if value is None:
                return f"job {job} went {previous} -> null"
            if _less(value, previous):
                return f"job {job} went {previous} -> {value}"
        previous = value if value is not None else previous
    return None


def _less(a: object, b: object) -> bool:
    numeric = (int, float)
    if isinstance(a, numeric) and isinstance(b, numeric):
        return a < b
    return False


def _select(body: object, path: Sequence[str]) -> Iterator[object]:
    """The objects at ``path`` in ``body``; ``"name[]"`` steps into every item of a list."""
    if not path:
        yield body
        return
    step, rest = path[0], path[1:]
    name, many = (step[:-2], True) if step.endswith("[]") else (step, False)
    value = body.get(name) if isinstance(body, dict) and name else body
    if many:
        for item in value if isinstance(value, list) else []:
            yield from _select(item, rest)
    else:
        yield from _select(value, rest)


def render_table(report: WiringReport) -> list[str]:
    """The terminal table: one row per schema field, failing rows first in each schema."""
    header = f"{'field':<40} {'seen':>6} {'non-null':>8} {'distinct':>8}  verdict"
    lines = [
        f"loopwire wiring: {report.observations} observed responses/events, "
        f"{len(report.fields)} schema fields, {len(report.failed)} failing",
        header,
        "-" * len(header),
    ]
    for verdict in report.fields:
        distinct = f"{verdict.distinct}{'+' if verdict.distinct_capped else ''}"
        lines.append(
            f"{verdict.name:<40} {verdict.seen:>6} {verdict.non_null:>8} {distinct:>8}  "
            f"{_verdict_text(verdict)}"
        )
    for key, count in report.routes.items():
        lines.append(f"route {key}: {count}")
    unmapped = list(report.unmapped.items())
    for key, count in unmapped[:UNMAPPED_SHOWN]:
        lines.append(f"route {key}: {count} (no schema in [tool.loopwire.wiring.responses])")
    if len(unmapped) > UNMAPPED_SHOWN:
        lines.append(f"... and {len(unmapped) - UNMAPPED_SHOWN} more routes without a schema")
    return lines


def _verdict_text(verdict: FieldVerdict) -> str:
    progress = ""
    if verdict.progress is not None:
        p = verdict.progress
        progress = (
            f" [progressive: {p.intermediate_values} intermediate, "
            f"{'monotonic' if p.monotonic else 'NOT monotonic'}, {p.jobs} jobs]"
        )
    if not verdict.problems:
        return f"ok{progress}"
    joined = "; ".join(verdict.problems)
    if verdict.allowed is not None:
        return f"allowed ({verdict.allowed}): {joined}{progress}"
    return f"FAIL: {joined}{progress}"
