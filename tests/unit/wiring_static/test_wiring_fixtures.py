"""The fixture projects in tests/fixtures/wiring: the original never-set ``progress`` bug must
fail the check (negative control), its fixed versions must pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.config import load_config
from checks.discovery import Excludes, iter_python_files
from checks.findings import Finding
from checks.wiring.analysis import analyse, read_sources
from checks.wiring.settings import WiringSettings

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "wiring"


def check(project: str) -> list[tuple[str, str | None, str]]:
    root = FIXTURES / project
    config = load_config(start=root)
    assert config.root == root  # the fixture's own pyproject, not the repository's
    sources, errors = read_sources(iter_python_files([root], Excludes([], root)))
    assert errors == []
    findings: list[Finding] = analyse(sources, WiringSettings.from_config(config))
    return [(f.code, f.symbol, Path(f.path).relative_to(root).as_posix()) for f in findings]


def test_bug_progress_is_reported_at_its_declaration() -> None:
    assert check("bug_progress") == [
        ("LW201", "JobStatusResponse.progress", "jobs/schemas.py"),
    ]


@pytest.mark.parametrize("project", ["fixed_progress", "fixed_progress_attribute"])
def test_fixed_progress_is_clean(project: str) -> None:
    assert check(project) == []


def test_opaque_constructions_are_reported_and_set_nothing() -> None:
    assert check("opaque") == [
        ("LW202", "VideoInfo", "media/storage.py"),
        ("LW202", "Folder", "media/storage.py"),
    ]


def test_event_never_emitted_is_reported_at_the_member() -> None:
    assert check("events") == [("LW203", "JobEventType.PROGRESS", "bus/events.py")]
