"""The bench report: a missed target must be printed as missed, in Markdown and in JSON."""

from __future__ import annotations

import json

import pytest

from bench.report import MISSED, Report, Section, Target, duration, markdown_table, spread
from bench.stats import Summary


def _report(met: bool | None) -> Report:
    report = Report({"runs": 3})
    section = Section("Linters", ("tool", "median"))
    section.add_row("ruff | cold", "1.0 ms")
    section.notes.append("a note")
    report.sections.append(section)
    report.targets.append(Target("cold speed-up", "8.4x", ">= 20x", met, "parse fewer files"))
    return report


def test_missed_target_is_printed_as_missed_with_its_remedy() -> None:
    text = _report(met=False).markdown()
    assert f"| cold speed-up | 8.4x | >= 20x | {MISSED} |" in text
    assert "- MISSED cold speed-up: parse fewer files" in text
    assert "Every target was met" not in text


def test_met_target_says_so_and_prints_no_remedy() -> None:
    text = _report(met=True).markdown()
    assert "| cold speed-up | 8.4x | >= 20x | met |" in text
    assert "parse fewer files" not in text
    assert "Every target was met in this run." in text


def test_unmeasured_target_is_not_counted_as_met() -> None:
    text = _report(met=None).markdown()
    assert "not measured" in text
    assert "Every target was met" not in text


def test_header_names_the_machine() -> None:
    report = _report(met=True)
    report.load_at_end = "0.5 0.5 0.5"
    text = report.markdown()
    assert f"{report.host['cores']} cores" in text
    assert report.host["python"] in text
    assert "load average at start" in text


def test_json_carries_the_same_rows_and_verdicts() -> None:
    data = _report(met=False).as_json()
    encoded = json.loads(json.dumps(data))
    assert encoded["targets"][0]["met"] is False
    assert encoded["sections"][0]["rows"] == [["ruff | cold", "1.0 ms"]]
    assert "cores" in encoded["machine"]


def test_pipes_in_cells_do_not_break_the_table() -> None:
    lines = markdown_table(("a", "b"), [("x | y", "z")])
    assert lines[2] == "| x \\| y | z |"
    assert lines[1] == "|---|---|"


def test_row_width_must_match_columns() -> None:
    section = Section("s", ("a", "b"))
    with pytest.raises(ValueError, match="1 cells for 2 columns"):
        section.add_row("only one")


def test_durations_pick_their_unit() -> None:
    assert duration(0.0123) == "12.3 ms"
    assert duration(2.5) == "2.50 s"
    assert spread(Summary.of([0.01, 0.02])) == "10.0-20.0 ms"
    assert spread(Summary.of([1.0, 3.0])) == "1.00-3.00 s"
