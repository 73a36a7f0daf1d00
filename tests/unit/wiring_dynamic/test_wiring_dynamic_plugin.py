"""The dynamic wiring plugin, run for real by pytester on a tiny aiohttp job service.

Inner runs are in-process (fast; pytester restores modules and patches afterwards). The negative
control is the production bug itself: a handler that never sets ``progress``. The inner run's
tests all pass, and the plugin alone must turn the run red.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from loopwire.wiring.pytest_wiring import WiringRecorder
from tests.unit.wiring_dynamic import demo_app_source

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def outer_recording_paused(wiring_recorder: WiringRecorder) -> Iterator[None]:
    """The inner runs happen in this process; their demo apps must not reach an outer report."""
    with wiring_recorder.paused():
        yield


def write_project(
    pytester: pytest.Pytester,
    mode: str,
    *,
    marker: bool = False,
    use_sse: bool = False,
    allow: str = "",
) -> None:
    pytester.makefile(".toml", pyproject=demo_app_source.PYPROJECT.format(allow=allow))
    pytester.makepyfile(
        demo_schemas=demo_app_source.SCHEMAS,
        demo_app=demo_app_source.APP.format(mode=mode),
        test_demo=demo_app_source.TEST.format(
            marker="@pytest.mark.loopwire_wiring" if marker else "", use_sse=use_sse
        ),
    )


def run(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict[str, object]]:
    report = pytester.path / "wiring.json"
    result = pytester.runpytest_inprocess(*args, f"--loopwire-wiring-json={report}")
    document = json.loads(report.read_text()) if report.exists() else {}
    return result, document


def field(document: dict[str, object], name: str) -> dict[str, object]:
    fields = document["fields"]
    assert isinstance(fields, list)
    return next(f for f in fields if f["field"] == name)


def test_negative_control_never_set_progress_fails_the_run(pytester: pytest.Pytester) -> None:
    write_project(pytester, "never")
    result, document = run(pytester, "--loopwire-wiring")
    result.assert_outcomes(passed=1, errors=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*loopwire wiring*",
            "Job.progress * FAIL: never non-null*",
            "loopwire wiring FAILED: Job.progress",
        ]
    )
    progress = field(document, "Job.progress")
    assert progress["seen"] == 6
    assert progress["non_null"] == 0
    assert progress["ok"] is False
    assert document["ok"] is False


def test_fixed_app_passes_with_nested_fields_and_progress(pytester: pytest.Pytester) -> None:
    write_project(pytester, "fixed")
    result, document = run(pytester, "--loopwire-wiring")
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["loopwire wiring passed"])
    progress = field(document, "Job.progress")
    judged = progress["progressive"]
    assert isinstance(judged, dict)
    best = judged["best_job"]
    assert judged == {
        "kind": "increasing",
        "jobs": 1,
        "judged_jobs": 1,
        "passing_jobs": 1,
        "best_job": best,
        "min": 0.2,
        "max": 1.0,
        "intermediate_values": 3,
        "monotonic": True,
        "regression": None,
    }
    assert best.startswith('job "1" (test_demo.py::test_job_runs#app')
    assert best.endswith("): 0.2, 0.4, 0.6, 0.8, 1")
    assert progress["distinct"] == 5
    # result.items[] -> Item: nested schemas are followed through the type hints.
    assert field(document, "Item.size")["non_null"] == 2
    assert field(document, "Result.items")["non_null"] == 1
    assert document["routes"] == {"GET /jobs/{id}": 5, "POST /jobs": 1}
    assert document["unmapped_routes"] == {"GET /missing": 1}


def test_progress_going_backwards_fails(pytester: pytest.Pytester) -> None:
    write_project(pytester, "backwards")
    result, document = run(pytester, "--loopwire-wiring")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    progress = field(document, "Job.progress")
    assert progress["progressive"]["monotonic"] is False  # type: ignore[index]
    assert progress["problems"] == ['went backwards: job "1" went 0.5 -> 0.25']


@pytest.mark.parametrize(("mode", "values"), [("stuck", "0, 1"), ("halfway", "0, 0.5, 1")])
def test_progress_that_barely_moves_fails_naming_the_job(
    pytester: pytest.Pytester, mode: str, values: str
) -> None:
    write_project(pytester, mode)
    result, document = run(pytester, "--loopwire-wiring")
    result.assert_outcomes(passed=1, errors=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    problems = field(document, "Job.progress")["problems"]
    assert isinstance(problems, list)
    (problem,) = problems
    assert isinstance(problem, str)
    assert "none of the 1 job(s) seen run from start to end showed 3 distinct values" in problem
    assert problem.endswith(f"): {values}"), problem
    assert 'job "1" (test_demo.py::test_job_runs#app' in problem
    result.stdout.fnmatch_lines(["loopwire wiring FAILED: Job.progress"])


def test_allowlist_entry_with_reason_passes_the_bug(pytester: pytest.Pytester) -> None:
    write_project(pytester, "never", allow='"Job.progress" = "demo: progress is not wired yet"')
    result, document = run(pytester, "--loopwire-wiring")
    assert result.ret == pytest.ExitCode.OK
    assert field(document, "Job.progress")["allowed"] == "demo: progress is not wired yet"
    result.stdout.fnmatch_lines(["Job.progress * allowed (demo: progress is not wired yet)*"])


def test_sse_events_are_recorded(pytester: pytest.Pytester) -> None:
    write_project(pytester, "sse", use_sse=True)
    result, document = run(pytester, "--loopwire-wiring")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    assert document["routes"] == {"GET /jobs/{id}/events": 5, "POST /jobs": 1}
    assert field(document, "Job.progress")["progressive"]["intermediate_values"] == 3  # type: ignore[index]


def test_marker_enables_the_check_without_the_option(pytester: pytest.Pytester) -> None:
    write_project(pytester, "never", marker=True)
    result, _ = run(pytester)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["loopwire wiring FAILED: Job.progress"])


def test_plugin_is_inert_when_not_enabled(pytester: pytest.Pytester) -> None:
    write_project(pytester, "never")
    result, document = run(pytester)
    assert result.ret == pytest.ExitCode.OK
    assert document == {}
    assert "loopwire wiring" not in result.stdout.str()


def test_an_interrupted_run_gets_no_verdict(pytester: pytest.Pytester) -> None:
    """Ctrl-C after the buggy app's test: its evidence is partial, so no "FAILED" (nor "passed")
    on top of pytest's own KeyboardInterrupt; the same run uninterrupted fails (first test)."""
    write_project(pytester, "never")
    # Collected after test_demo.py: the buggy app has run when the user presses Ctrl-C.
    pytester.makepyfile(test_zz_interrupt="def test_ctrl_c() -> None:\n    raise KeyboardInterrupt")
    report = pytester.path / "wiring.json"
    # no_reraise_ctrlc: the inner Ctrl-C ends the inner run only.
    result = pytester.runpytest_inprocess(
        "--loopwire-wiring", f"--loopwire-wiring-json={report}", no_reraise_ctrlc=True
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["loopwire wiring not judged: the run was interrupted"])
    assert "loopwire wiring FAILED" not in result.stdout.str()
    assert not report.exists()


def test_bad_schema_reference_is_a_usage_error(pytester: pytest.Pytester) -> None:
    write_project(pytester, "fixed")
    pyproject = Path(pytester.path / "pyproject.toml")
    pyproject.write_text(pyproject.read_text().replace("demo_schemas:Job", "demo_schemas:Nope"))
    result, _ = run(pytester, "--loopwire-wiring")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*loopwire wiring: schema 'demo_schemas:Nope'*"])


def test_enabling_the_check_without_any_schema_mapping_is_a_usage_error(
    pytester: pytest.Pytester,
) -> None:
    write_project(pytester, "fixed")
    no_mapping = demo_app_source.PYPROJECT.split("[tool.loopwire.wiring]")[0]
    pytester.makefile(".toml", pyproject=no_mapping)
    result, _ = run(pytester, "--loopwire-wiring")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*maps no route to a schema*"])


def test_failed_check_is_counted_in_the_closing_summary_line(pytester: pytest.Pytester) -> None:
    write_project(pytester, "never")
    result, _ = run(pytester, "--loopwire-wiring")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["ERROR loopwire wiring - loopwire wiring FAILED: Job.progress*"])
    assert "error" in result.stdout.lines[-1]


def test_passing_check_adds_no_error(pytester: pytest.Pytester) -> None:
    write_project(pytester, "fixed")
    result, _ = run(pytester, "--loopwire-wiring")
    result.assert_outcomes(passed=1, errors=0)
    assert result.ret == pytest.ExitCode.OK


def test_empty_mapping_prints_no_verdict_before_its_usage_error(pytester: pytest.Pytester) -> None:
    write_project(pytester, "fixed")
    pytester.makefile(
        ".toml", pyproject=demo_app_source.PYPROJECT.split("[tool.loopwire.wiring]")[0]
    )
    result, _ = run(pytester, "--loopwire-wiring")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "loopwire wiring passed" not in result.stdout.str()


def with_key(pytester: pytest.Pytester, old: str, new: str) -> None:
    pyproject = Path(pytester.path / "pyproject.toml")
    text = pyproject.read_text()
    assert old in text
    pyproject.write_text(text.replace(old, new))


def test_mapping_key_matching_no_route_fails_the_check(pytester: pytest.Pytester) -> None:
    write_project(pytester, "fixed")
    with_key(pytester, '"GET /jobs/{id}" =', '"GET /job/{id}" =')
    result, document = run(pytester, "--loopwire-wiring")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["FAIL: *key 'GET /job/{id}' matches no route*"])
    assert document["unmatched_keys"] == ["GET /job/{id}"]


def test_route_keys_match_whatever_the_parameter_names(pytester: pytest.Pytester) -> None:
    write_project(pytester, "fixed")
    with_key(pytester, '"GET /jobs/{id}" =', '"get /jobs/{job_id}" =')
    result, document = run(pytester, "--loopwire-wiring")
    result.assert_outcomes(passed=1, errors=0)
    assert document["unmatched_keys"] == []


def test_mapping_key_not_exercised_by_the_run_is_not_unmatched(pytester: pytest.Pytester) -> None:
    # The SSE route exists in the app, but this run never opens it.
    write_project(pytester, "fixed")
    _, document = run(pytester, "--loopwire-wiring")
    assert document["routes"] == {"GET /jobs/{id}": 5, "POST /jobs": 1}
    assert document["unmatched_keys"] == []


def test_misspelt_schema_class_says_it_does_not_exist(pytester: pytest.Pytester) -> None:
    write_project(pytester, "fixed")
    with_key(pytester, '"POST /jobs" = "demo_schemas:Job"', '"POST /jobs" = "demo_schemas:Jbo"')
    result, _ = run(pytester, "--loopwire-wiring")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*module demo_schemas has no 'Jbo'; did you mean Job?*"])
