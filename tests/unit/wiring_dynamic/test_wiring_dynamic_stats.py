"""Field statistics, progress verdicts, SSE parsing and config reading of the dynamic check."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

import pytest

from loopwire.config import Config, ConfigError
from loopwire.wiring.observed.capture import SseParser
from loopwire.wiring.observed.stats import DISTINCT_CAP, WiringStats, render_table
from loopwire.wiring.responses import Observation, load_wiring_config


@dataclass
class Clip:
    name: str
    codec: str | None = None


class Listing(TypedDict, total=False):
    clips: list[Clip]
    cursor: str | None


@dataclass
class Task:
    id: str
    progress: float | None = None
    clips: list[Clip] | None = None


def config(
    allow: dict[str, str] | None = None,
    responses: dict[str, object] | None = None,
    progressive: object = ("Task.progress",),
    extra: Mapping[str, object] | None = None,
) -> Config:
    routes = responses or {
        "GET /tasks/{id}": f"{__name__}:Task",
        "GET /tasks": {"schema": f"{__name__}:Task", "at": "tasks[]"},
        "POST /tasks": f"{__name__}:Task",
        "GET /listing": f"{__name__}:Listing",
    }
    progressive = list(progressive) if isinstance(progressive, tuple) else progressive
    table = {
        "wiring": {
            "responses": routes,
            "progressive": progressive,
            "allow": allow or {},
            **(extra or {}),
        }
    }
    return Config(root=Path.cwd(), table=table)


def task(
    task_id: str, progress: float | None, clips: list[dict[str, object]] | None = None
) -> dict[str, object]:
    return {"id": task_id, "progress": progress, "clips": clips}


def stats_for(
    *observations: Observation,
    allow: dict[str, str] | None = None,
    progressive: object = ("Task.progress",),
    extra: Mapping[str, object] | None = None,
) -> WiringStats:
    stats = WiringStats(load_wiring_config(config(allow, progressive=progressive, extra=extra)))
    stats.add_all(observations)
    return stats


def verdicts(stats: WiringStats) -> dict[str, list[str]]:
    return {f.name: list(f.problems) for f in stats.report().fields}


def test_schemas_are_followed_into_lists_and_typeddicts() -> None:
    wiring = load_wiring_config(config())
    assert sorted(wiring.schemas()) == ["Clip", "Listing", "Task"]
    assert wiring.schemas()["Listing"].fields == ("clips", "cursor")


def test_never_non_null_and_never_seen_fields_are_problems() -> None:
    stats = stats_for(Observation("GET", "/tasks/a", 200, task("a", None)))
    problems = verdicts(stats)
    assert problems["Task.progress"] == ["never non-null: every response carried null"]
    assert problems["Task.id"] == []
    assert problems["Clip.name"] == ["never seen in any response"]


def test_progress_needs_an_intermediate_value() -> None:
    stats = stats_for(
        Observation("GET", "/tasks/{id}", 200, task("a", 0.0)),
        Observation("GET", "/tasks/{id}", 200, task("a", 1.0)),
    )
    (problem,) = verdicts(stats)["Task.progress"]
    assert problem == (
        "increasing field, but none of the 1 job(s) seen run from start to end showed 3 distinct "
        'values strictly between its extremes; closest: job "a" (): 0, 1'
    )


def test_progress_is_monotonic_per_job_and_per_scope() -> None:
    # Two servers both number their first job "1": their series must not be interleaved.
    stats = stats_for(
        Observation("GET", "/tasks/1", 200, task("1", 0.5), scope="server-a"),
        Observation("GET", "/tasks/1", 200, task("1", 0.1), scope="server-b"),
        Observation("GET", "/tasks/1", 200, task("1", 1.0), scope="server-a"),
        Observation("GET", "/tasks/1", 200, task("1", 0.2), scope="server-b"),
        progressive={"Task.progress": {"intermediate": 0}},
    )
    assert verdicts(stats)["Task.progress"] == []


def test_progress_turning_null_again_is_a_regression() -> None:
    stats = stats_for(
        Observation("GET", "/tasks/x", 200, task("x", 0.5)),
        Observation("GET", "/tasks/x", 200, task("x", None)),
    )
    assert 'went backwards: job "x" went 0.5 -> null' in verdicts(stats)["Task.progress"]


def test_list_route_and_nested_items_count_per_item() -> None:
    body = {"tasks": [task("a", 0.5, [{"name": "c1", "codec": None}]), task("b", 0.2)]}
    stats = stats_for(Observation("GET", "/tasks", 200, body))
    report = {f.name: f for f in stats.report().fields}
    assert report["Task.id"].seen == 2
    assert report["Clip.name"].non_null == 1
    assert report["Clip.codec"].problems == ("never non-null: every response carried null",)


def test_error_statuses_and_unknown_routes_are_not_counted_as_schema_instances() -> None:
    stats = stats_for(
        Observation("GET", "/tasks/zz", 404, {"error": {"code": "x", "message": "y"}}),
        Observation("GET", "/health", 200, {"status": "ok"}),
    )
    report = stats.report()
    assert report.routes == {"GET /tasks/{id}": 1}
    assert report.unmapped == {"GET /health": 1}
    assert {f.name: f.seen for f in report.fields}["Task.id"] == 0


def test_allowlist_names_a_field_or_a_whole_schema() -> None:
    stats = stats_for(
        Observation("GET", "/tasks/a", 200, task("a", None)),
        allow={"Task.progress": "not wired yet", "Clip": "no clips in these tests"},
    )
    report = stats.report()
    assert [f.name for f in report.failed] == ["Listing.clips", "Listing.cursor", "Task.clips"]
    text = "\n".join(render_table(report))
    assert "allowed (not wired yet): never non-null" in text
    assert "allowed (no clips in these tests): never seen" in text


def test_distinct_values_are_capped() -> None:
    stats = stats_for(
        *(Observation("GET", "/tasks/a", 200, task(f"t{i}", 0.5)) for i in range(DISTINCT_CAP + 5))
    )
    task_id = next(f for f in stats.report().fields if f.name == "Task.id")
    assert (task_id.distinct, task_id.distinct_capped) == (DISTINCT_CAP, True)


def test_sse_parser_reassembles_split_events_and_multiline_data() -> None:
    parser = SseParser()
    assert list(parser.feed(b'event: progress\r\ndata: {"a"')) == []
    assert list(parser.feed(b": 1}\r\n\r\n: keep-alive\n\ndata: x\ndata: y\n\n")) == [
        ("progress", '{"a": 1}'),
        (None, "x\ny"),
    ]


@pytest.mark.parametrize(
    ("responses", "message"),
    [
        ({"/no-method": "m:C"}, "must be 'METHOD /route'"),
        ({"GET /x": 3}, "must be 'module:Class'"),
        ({"GET /x": "no_such_module_here:C"}, "cannot import no_such_module_here"),
        ({"GET /x": f"{__name__}:config"}, "is not a dataclass, TypedDict or model class"),
        ({"GET /x": "nocolon"}, "must be written 'module:Class'"),
    ],
)
def test_config_errors_are_reported(responses: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_wiring_config(config(responses=responses))


def test_allow_entries_need_a_reason() -> None:
    with pytest.raises(ConfigError, match="non-empty reason"):
        load_wiring_config(config(allow={"Task.progress": " "}))


RAN: dict[str, object] = {"started-by": ["POST /tasks"], "finished-when": {"status": "done"}}


def run_task(task_id: str, values: list[float | None], scope: str = "") -> list[Observation]:
    """A task the tests saw start (POST) and finish (status "done" on its last value)."""
    observations = [Observation("POST", "/tasks", 202, task(task_id, None), scope=scope)]
    for index, value in enumerate(values):
        body = {**task(task_id, value), "status": "done" if index == len(values) - 1 else "run"}
        observations.append(Observation("GET", f"/tasks/{task_id}", 200, body, scope=scope))
    return observations


def test_progress_values_are_never_pooled_across_jobs() -> None:
    # Three jobs, each with one intermediate value: pooled they would make three.
    stats = stats_for(
        *run_task("a", [0.0, 0.25, 1.0]),
        *run_task("b", [0.0, 0.5, 1.0]),
        *run_task("c", [0.0, 0.75, 1.0]),
        extra=RAN,
    )
    (problem,) = verdicts(stats)["Task.progress"]
    assert "none of the 3 job(s) seen run from start to end showed 3 distinct values" in problem
    assert problem.endswith('closest: job "a" (): 0, 0.25, 1')


def test_one_job_that_moved_passes_and_is_named_in_the_json() -> None:
    stats = stats_for(
        *run_task("tiny", [0.0, 1.0]), *run_task("big", [0, 0.2, 0.4, 0.6, 1]), extra=RAN
    )
    verdict = next(f for f in stats.report().fields if f.name == "Task.progress")
    assert verdict.problems == ()
    progress = verdict.as_json()["progressive"]
    assert isinstance(progress, dict)
    assert (progress["judged_jobs"], progress["passing_jobs"]) == (2, 1)
    assert progress["best_job"] == 'job "big" (): 0, 0.2, 0.4, 0.6, 1'


def test_rows_the_service_did_not_run_are_not_judged() -> None:
    # A restart test's seeded row shows up with progress values, but was never started by the
    # run; a job cancelled half-way never finished. Neither stands in for real progress.
    seeded = [
        Observation("GET", "/tasks/seed", 200, {**task("seed", p), "status": "done"})
        for p in (0.2, 0.4, 0.6, 0.8)
    ]
    cancelled = run_task("stopped", [0.0, 0.2, 0.4, 0.6])[:-1]
    stats = stats_for(*seeded, *cancelled, *run_task("stuck", [0.0, 0.0, 1.0]), extra=RAN)
    (problem,) = verdicts(stats)["Task.progress"]
    assert "none of the 1 job(s) seen run from start to end" in problem
    assert 'closest: job "stuck" (): 0, 1' in problem


def test_no_job_seen_from_start_to_end_is_a_problem() -> None:
    stats = stats_for(Observation("GET", "/tasks/seed", 200, task("seed", 0.5)), extra=RAN)
    (problem,) = verdicts(stats)["Task.progress"]
    assert problem == (
        "increasing field, but no job was seen run from start to end (first seen in a response "
        "of POST /tasks; later seen with status = 'done'): nothing shows it moving"
    )


DECREASING = {"Task.progress": {"kind": "decreasing", "intermediate": 3, "end-within": 0.1}}


@pytest.mark.parametrize(
    ("values", "ok"),
    [
        ([None, 4.0, 3.1, 2.0, 1.05, 0.0, None], True),
        # An estimate may rise after a slow step, as long as it ends near zero.
        ([None, 4.0, 4.4, 2.0, 1.0, 0.2, None], True),
        # remaining = files_total: the estimate stays at the whole scan's length.
        ([None, 4.0, 4.1, 3.9, 4.2, 4.0, None], False),
        # Counts down, but the job ended with most of the estimate left.
        ([None, 4.0, 3.0, 2.5, 2.0, None], False),
        ([None, 4.0, 0.0, None], False),
    ],
)
def test_decreasing_fields_count_down_to_near_zero(values: list[float | None], ok: bool) -> None:
    stats = stats_for(*run_task("j", values), progressive=DECREASING, extra=RAN)
    problems = verdicts(stats)["Task.progress"]
    if ok:
        assert problems == []
    else:
        (problem,) = problems
        assert problem.startswith("decreasing field, but none of the 1 job(s)"), problem
        assert "ending at most 0.1 x its largest; closest: job" in problem


@pytest.mark.parametrize(
    ("progressive", "message"),
    [
        ({"Task.progress": {"kind": "sideways"}}, "kind must be one of increasing, decreasing"),
        ({"Task.progress": {"steps": 3}}, "unknown key(s) steps"),
        ({"Task.progress": {"end-within": 2}}, "end-within must be a number between 0 and 1"),
        ({"Task.progress": {"intermediate": -1}}, "intermediate must be a whole number >= 0"),
        ({"Task.progress": "increasing"}, "must be a table"),
        (7, "progressive must be a list of 'Schema.field' or a table"),
    ],
)
def test_bad_progressive_settings_are_config_errors(progressive: object, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_wiring_config(config(progressive=progressive))


def test_started_by_must_name_a_route() -> None:
    with pytest.raises(ConfigError, match="started-by 'tasks' must be 'METHOD /route'"):
        load_wiring_config(config(extra={"started-by": ["tasks"]}))
