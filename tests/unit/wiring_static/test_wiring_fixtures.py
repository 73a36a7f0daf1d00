"""The fixture projects in tests/fixtures/wiring: the original never-set ``progress`` bug must
fail the check (negative control), its fixed versions must pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.config import load_config
from checks.core.source import SourceFile
from checks.discovery import Excludes, iter_python_files
from checks.findings import Finding
from checks.wiring.analysis import analyse, read_sources
from checks.wiring.settings import WiringSettings

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "wiring"


def check(project: str) -> list[tuple[str, str | None, str, int]]:
    root = FIXTURES / project
    config = load_config(start=root)
    assert config.root == root  # the fixture's own pyproject, not the repository's
    sources, errors = read_sources(iter_python_files([root], Excludes([], root)))
    assert errors == []
    findings: list[Finding] = analyse(sources, WiringSettings.from_config(config))
    return [(f.code, f.symbol, Path(f.path).relative_to(root).as_posix(), f.line) for f in findings]


def test_bug_progress_is_reported_at_its_declaration() -> None:
    assert check("bug_progress") == [
        ("LW201", "JobStatusResponse.progress", "jobs/schemas.py", 16),
    ]


@pytest.mark.parametrize("project", ["fixed_progress", "fixed_progress_attribute"])
def test_fixed_progress_is_clean(project: str) -> None:
    assert check(project) == []


def test_opaque_constructions_are_reported_and_set_nothing() -> None:
    assert check("opaque") == [
        ("LW202", "VideoInfo", "media/storage.py", 9),
        ("LW202", "Folder", "media/storage.py", 13),
    ]


def test_event_never_emitted_is_reported_at_the_member() -> None:
    assert check("events") == [("LW203", "JobEventType.PROGRESS", "bus/events.py", 8)]


def test_same_named_schemas_in_two_modules_neither_loop_nor_mix_up() -> None:
    # Matching is by name, so each Settings looks like the other's parent: no endless lineage.
    first = SourceFile.of_text(
        "a.py",
        "a",
        "import dataclasses\nimport base\n\n"
        "@dataclasses.dataclass\nclass Settings(base.Settings):\n    debug: bool = False\n",
    )
    second = SourceFile.of_text(
        "b.py",
        "b",
        "import dataclasses\nimport base\n\n"
        "@dataclasses.dataclass\nclass Settings(base.Settings):\n    port: int = 0\n\n"
        "Settings(True, 8080)\n",
    )
    findings = analyse([first, second], WiringSettings())
    assert findings == []
