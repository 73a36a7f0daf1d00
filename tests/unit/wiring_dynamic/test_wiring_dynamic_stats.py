"""Field statistics, progress verdicts, SSE parsing and config reading of the dynamic check."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

import pytest

from checks.config import Config, ConfigError
from checks.wiring.observed.capture import SseParser
from checks.wiring.observed.stats import DISTINCT_CAP, WiringStats, render_table
from checks.wiring.responses import Observation, load_wiring_config


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
    allow: dict[str, str] | None = None, responses: dict[str, object] | None = None
) -> Config:
    routes = responses or {
        "GET /tasks/{id}": f"{__name__}:Task",
        "GET /tasks": {"schema": f"{__name__}:Task", "at": "tasks[]"},
        "GET /listing": f"{__name__}:Listing",
    }
    table = {
        "wiring": {
            "responses": routes,
            "progressive": ["Task.progress"],
            "allow": allow or {},
        }
    }
    return Config(root=Path.cwd(), table=table)


def task(
    task_id: str, progress: float | None, clips: list[dict[str, object]] | None = None
) -> dict[str, object]:
    return {"id": task_id, "progress": progress, "clips": clips}


def stats_for(*observations: Observation, allow: dict[str, str] | None = None) -> WiringStats:
    stats = WiringStats(load_wiring_config(config(allow)))
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
    assert problem.startswith("progressive but no intermediate value seen (only 0.0..1.0")


def test_progress_is_monotonic_per_job_and_per_scope() -> None:
    # Two servers both number their first job "1": their series must not be interleaved.
    stats = stats_for(
        Observation("GET", "/tasks/1", 200, task("1", 0.5), scope="server-a"),
        Observation("GET", "/tasks/1", 200, task("1", 0.1), scope="server-b"),
        Observation("GET", "/tasks/1", 200, task("1", 1.0), scope="server-a"),
        Observation("GET", "/tasks/1", 200, task("1", 0.2), scope="server-b"),
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
