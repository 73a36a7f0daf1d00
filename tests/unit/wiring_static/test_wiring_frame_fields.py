"""The static wiring check on the frame job's fields, run on a copy of the real service.

The check matches setters by attribute name, so it sees ``current_frame`` written as long as
anything assigns it: a frame report that goes nowhere but into the job's own bookkeeping is the
dynamic check's to catch (``test_service_frame_job_wiring``). What it catches is the field left
with no source at all: nothing assigns the frame reached, and every response is built with
``current_frame=None``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.unit.lint.lint_project import run_cli

ROOT = Path(__file__).resolve().parents[3]

# Every place the real service gives the field a value, and what the mutant puts there instead.
NEVER_WRITTEN = {
    "jobs.py": [
        ("        job.current_frame = frame\n", ""),
        ("            current_frame=self.current_frame,\n", "            current_frame=None,\n"),
    ],
    "schemas.py": [
        ("        current_frame=job.current_frame,\n", "        current_frame=None,\n"),
        ('        current_frame=data.get("current_frame"),\n', "        current_frame=None,\n"),
    ],
}


def wiring_findings(service: Path) -> list[tuple[str, str]]:
    result = run_cli("wiring", "--format", "json", "service", cwd=service.parent)
    assert result.returncode in (0, 1), result.stderr
    return sorted((f["code"], f["symbol"]) for f in json.loads(result.stdout))


def test_the_service_as_it_is_has_no_wiring_finding(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "service", tmp_path / "service")
    assert wiring_findings(tmp_path / "service") == []


def test_negative_control_a_frame_field_with_no_source_is_reported(tmp_path: Path) -> None:
    service = tmp_path / "service"
    shutil.copytree(ROOT / "service", service)
    for name, edits in NEVER_WRITTEN.items():
        text = (service / name).read_text()
        for old, new in edits:
            assert text.count(old) == 1, f"{name} changed: update the mutant ({old.strip()})"
            text = text.replace(old, new)
        (service / name).write_text(text)

    assert wiring_findings(service) == [
        ("LW204", "JobStatusResponse.current_frame"),
        ("LW204", "JobSummary.current_frame"),
    ]
