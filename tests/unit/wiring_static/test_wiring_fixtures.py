"""The fixture projects in tests/fixtures/wiring: the original never-set ``progress`` bug and an
object of every outgoing shape with a field left unset must fail the check (negative controls),
the fixed versions and the shapes real projects are full of (input models, a library's options
and specification models, events sent by value or name) must pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from loopwire.config import load_config
from loopwire.core.source import SourceFile
from loopwire.discovery import Excludes, iter_python_files
from loopwire.findings import Finding
from loopwire.wiring.analysis import analyse, read_sources
from loopwire.wiring.settings import WiringSettings

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
    # Folder is only ever parsed (``Folder.model_validate(data)``): an input model, not judged.
    assert check("opaque") == [("LW202", "VideoInfo", "media/storage.py", 9)]


def test_every_outgoing_shape_with_a_field_left_unset_is_reported() -> None:
    assert check("leaving") == [
        # Stored, read back through a getter, served by a handler through the project's helper.
        ("LW201", "OrderStatus.eta_seconds", "shop/schemas.py", 16),
        # Sent over a WebSocket as ``model_dump()``.
        ("LW201", "ProgressMessage.total", "shop/schemas.py", 22),
        # Written to an SSE stream through the project's encoder: every event carries null.
        ("LW204", "Tick.label", "shop/schemas.py", 28),
        # A TypedDict literal stored and served back.
        ("LW201", "Receipt.coupon", "shop/schemas.py", 34),
        # Returned by a route handler.
        ("LW201", "Item.price", "shop/schemas.py", 39),
        ("LW202", "OrderStatus", "shop/store.py", 19),
    ]


@pytest.mark.parametrize("project", ["quiet_input_models", "quiet_library", "quiet_events"])
def test_shapes_whose_fields_others_fill_are_quiet(project: str) -> None:
    assert check(project) == []


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
