"""Per-field statistics over observed responses, and the verdict the dynamic wiring check gives.

A field that exists in the schema but that no real response ever carried with a value is exactly
the bug the wiring check hunts (``progress`` always ``null``). For every schema field this module
counts how often responses carried it, how often with a non-null value and how many distinct
values. Progressive fields are judged per job, never pooled across jobs, and only on jobs the
tests saw the service run from start to end (``started-by``, ``finished-when``), so a row a test
seeded into a database cannot stand in for real progress: an increasing field (a progress
fraction) must show, in some such job, enough distinct values strictly between that job's first
and last one and never go backwards; a decreasing one (time left) must count down to near zero.
A failing verdict names the job that came closest, with its values and the test that ran it.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from loopwire.wiring.responses import Observation, Progressive, Schema, WiringConfig

# Distinct values are remembered up to this many per field; beyond it the count reads "N+".
DISTINCT_CAP = 1000
# Routes without a schema are listed in the table up to this many (all of them in the JSON).
UNMAPPED_SHOWN = 20
# A job's values quoted in a verdict: the first few and the last ones.
QUOTED_HEAD = 6
QUOTED_TAIL = 2


@dataclass(slots=True)
class _FieldCounts:
    seen: int = 0
    non_null: int = 0
    distinct: set[str] = field(default_factory=set)
    capped: bool = False


@dataclass(slots=True)
class _JobSeen:
    # First seen in a response of a ``started-by`` route; later seen matching ``finished-when``.
    started: bool
    finished: bool = False


@dataclass(frozen=True, slots=True)
class JobSeries:
    """One judged job's non-null values of a progressive field, in the order they were sent."""

    job: str
    scope: str
    values: tuple[float, ...]
    intermediate: int
    ok: bool

    def describe(self) -> str:
        """``job "id" (scope): 0, 0.5, 1``, a value repeated in a row quoted once."""
        shown = [_number(v) for i, v in enumerate(self.values) if i == 0 or self.values[i - 1] != v]
        if len(shown) > QUOTED_HEAD + QUOTED_TAIL:
            shown = [*shown[:QUOTED_HEAD], "...", *shown[-QUOTED_TAIL:]]
        values = ", ".join(shown) or "no value"
        return f"job {self.job} ({self.scope}): {values}"


@dataclass(frozen=True, slots=True)
class ProgressVerdict:
    kind: str
    jobs: int
    # Jobs seen run from start to end, and those of them whose values moved as the kind asks.
    judged: int
    passing: int
    minimum: float | None
    maximum: float | None
    # Distinct intermediate values of the best judged job.
    intermediate_values: int
    monotonic: bool
    # First backwards step seen, e.g. "job 'a1' went 0.5 -> 0.25".
    regression: str | None
    # The judged job that moved best (the one to look at when the field fails).
    best: JobSeries | None


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
                "kind": self.progress.kind,
                "jobs": self.progress.jobs,
                "judged_jobs": self.progress.judged,
                "passing_jobs": self.progress.passing,
                "best_job": None if self.progress.best is None else self.progress.best.describe(),
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
    # Keys of [tool.loopwire.wiring.responses] that no observed response matched: a key that
    # names no real route (a typo, a missing prefix) would otherwise only show as unseen fields.
    unmatched_keys: tuple[str, ...] = ()

    @property
    def failed(self) -> tuple[FieldVerdict, ...]:
        return tuple(f for f in self.fields if f.failed)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.unmatched_keys

    def as_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "observations": self.observations,
            "routes": self.routes,
            "unmapped_routes": self.unmapped,
            "unmatched_keys": list(self.unmatched_keys),
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
        # (schema, scope, job id) -> whether the run saw that job start and finish.
        self._jobs: dict[tuple[str, str, str], _JobSeen] = {}
        self._observations = 0
        self._routes: Counter[str] = Counter()
        self._unmapped: Counter[str] = Counter()
        self._registered: set[str] = set()

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
            self._account(rule.schema, obj, observation.scope, key)

    def _account(self, schema: Schema, obj: object, scope: str, route: str) -> None:
        if not isinstance(obj, dict):
            return
        identity_field = self._config.identity_field(schema.name)
        job = json.dumps(obj.get(identity_field) if identity_field else None, default=str)
        seen = self._jobs.setdefault(
            (schema.name, scope, job),
            _JobSeen(started=not self._config.started_by or route in self._config.started_by),
        )
        finished_when = self._config.finished_when
        if all(name in obj and obj[name] == value for name, value in finished_when.items()):
            seen.finished = True
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
                    self._account(nested, item, scope, route)

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
            unmatched_keys=self._unmatched_keys(),
        )

    def add_registered(self, routes: Iterable[str]) -> None:
        """Routes (``"METHOD /template"``) an app under test registered, seen or not."""
        self._registered.update(routes)

    def _unmatched_keys(self) -> tuple[str, ...]:
        """Mapping keys that name no registered route of the watched apps and saw no response.

        Judged only when some app's routes are known (apps started in-process); a key merely
        not exercised by this run is not a mistake.
        """
        if not self._registered:
            return ()
        return tuple(
            key
            for key in self._config.rules
            if key not in self._routes
            and not any(self._config.key_matches(key, route) for route in self._registered)
        )

    def _verdict(self, qualified: str) -> FieldVerdict:
        counts = self._counts.get(qualified, _FieldCounts())
        problems: list[str] = []
        if counts.seen == 0:
            problems.append("never seen in any response")
        elif counts.non_null == 0:
            problems.append("never non-null: every response carried null")
        progress = None
        rule = self._config.progressive.get(qualified)
        if rule is not None:
            progress = self._progress_verdict(qualified, rule)
            if counts.non_null:
                problems.extend(self._progress_problems(progress, rule))
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

    def _progress_verdict(self, qualified: str, rule: Progressive) -> ProgressVerdict:
        schema = qualified.split(".", 1)[0]
        series = self._series.get(qualified, {})
        judged: list[JobSeries] = []
        regression = None
        for (scope, job), values in series.items():
            if rule.kind == "increasing" and regression is None:
                regression = _first_regression(job, values)
            seen = self._jobs.get((schema, scope, job))
            if seen is not None and seen.started and seen.finished:
                judged.append(_judge(job, scope, _numbers(values), rule))
        numbers = [v for values in series.values() for v in _numbers(values)]
        best = _closest(judged)
        return ProgressVerdict(
            kind=rule.kind,
            jobs=len(series),
            judged=len(judged),
            passing=sum(j.ok for j in judged),
            minimum=min(numbers, default=None),
            maximum=max(numbers, default=None),
            intermediate_values=best.intermediate if best is not None else 0,
            monotonic=regression is None,
            regression=regression,
            best=best,
        )

    def _progress_problems(self, progress: ProgressVerdict, rule: Progressive) -> list[str]:
        problems = []
        if progress.judged == 0:
            problems.append(
                f"{rule.kind} field, but no job was seen run from start to end "
                f"({_criteria(self._config)}): nothing shows it moving"
            )
        elif progress.passing == 0 and progress.best is not None:
            between = f"{rule.intermediate} distinct values strictly between its extremes"
            if rule.kind == "increasing":
                wanted = between
            else:
                wanted = f"{between}, ending at most {rule.end_within:g} x its largest"
            problems.append(
                f"{rule.kind} field, but none of the {progress.judged} job(s) seen run from "
                f"start to end showed {wanted}; closest: {progress.best.describe()}"
            )
        if progress.regression is not None:
            problems.append(f"went backwards: {progress.regression}")
        return problems


def _criteria(config: WiringConfig) -> str:
    parts = []
    if config.started_by:
        parts.append(f"first seen in a response of {' or '.join(sorted(config.started_by))}")
    if config.finished_when:
        ends = " and ".join(f"{k} = {v!r}" for k, v in config.finished_when.items())
        parts.append(f"later seen with {ends}")
    return "; ".join(parts) or "any job"


def _numbers(values: Iterable[object]) -> tuple[float, ...]:
    return tuple(float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool))


def _number(value: float) -> str:
    return f"{value:g}"


def _judge(job: str, scope: str, values: tuple[float, ...], rule: Progressive) -> JobSeries:
    """Whether one job's values moved the way ``rule`` asks."""
    low, high = min(values, default=0.0), max(values, default=0.0)
    intermediate = len({v for v in values if low < v < high})
    ok = intermediate >= rule.intermediate
    if rule.kind == "decreasing":
        ok = ok and high > 0 and values[-1] <= rule.end_within * high
    return JobSeries(job, scope, values, intermediate, ok)


def _closest(judged: Sequence[JobSeries]) -> JobSeries | None:
    """The job that moved best: passing first, then most intermediate values, then most values."""
    return max(judged, key=lambda j: (j.ok, j.intermediate, len(j.values)), default=None)


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
    for key in report.unmatched_keys:
        lines.append(
            f"FAIL: [tool.loopwire.wiring.responses] key {key!r} matches no route of the apps "
            "under test (keys are 'METHOD /full/path' as registered; {name} matches any one "
            "path segment)"
        )
    return lines


def _verdict_text(verdict: FieldVerdict) -> str:
    progress = ""
    if verdict.progress is not None:
        p = verdict.progress
        # Only an increasing field must never go back; an estimate may rise after a slow step.
        monotonic = (
            "" if p.kind != "increasing" else ("monotonic, " if p.monotonic else "NOT monotonic, ")
        )
        progress = (
            f" [{p.kind}: {p.passing} of {p.judged} judged jobs moved, best "
            f"{p.intermediate_values} intermediate, {monotonic}{p.jobs} jobs]"
        )
    if not verdict.problems:
        return f"ok{progress}"
    joined = "; ".join(verdict.problems)
    if verdict.allowed is not None:
        return f"allowed ({verdict.allowed}): {joined}{progress}"
    return f"FAIL: {joined}{progress}"
