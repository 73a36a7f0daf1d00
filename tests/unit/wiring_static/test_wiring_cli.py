"""``loopwire wiring`` as users and CI run it: a real subprocess, real files, exit codes and
every output format."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "wiring"


def wiring(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "loopwire", "wiring", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_bug_fails_with_a_json_item_naming_the_symbol() -> None:
    result = wiring("--format", "json", cwd=FIXTURES / "bug_progress")
    assert result.returncode == 1, result.stderr
    items = json.loads(result.stdout)
    assert items == [
        {
            "path": "jobs/schemas.py",
            "line": 16,
            "column": 5,
            "code": "LW201",
            "message": "JobStatusResponse.progress is declared but never set; "
            "every response will carry its default",
            "symbol": "JobStatusResponse.progress",
        }
    ]
    assert "1 finding in 3 files checked" in result.stderr


def test_fixed_project_exits_clean() -> None:
    result = wiring(".", cwd=FIXTURES / "fixed_progress")
    assert (result.returncode, result.stdout) == (0, ""), result.stderr


def test_text_format_is_path_line_col_code_message() -> None:
    result = wiring("jobs", cwd=FIXTURES / "bug_progress")
    assert result.stdout == (
        "jobs/schemas.py:16:5: LW201 JobStatusResponse.progress is declared but never set; "
        "every response will carry its default\n"
    )


def test_github_and_sarif_formats(tmp_path: Path) -> None:
    github = wiring("--format", "github", cwd=FIXTURES / "events")
    assert github.returncode == 1
    assert github.stdout.startswith("::error file=bus/events.py,line=8,col=5,title=LW203::")
    sarif = wiring("--format", "sarif", cwd=FIXTURES / "opaque")
    assert sarif.returncode == 1
    run = json.loads(sarif.stdout)["runs"][0]
    assert {r["ruleId"] for r in run["results"]} == {"LW202"}
    names = {d["id"]: d.get("name") for d in run["tool"]["driver"]["rules"]}
    assert names["LW201"] == "field-never-set"


def test_unparsable_file_exits_2_with_lw001(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.loopwire]\n")
    (tmp_path / "broken.py").write_text("def broken(:\n    pass\n")
    result = wiring("--format", "json", cwd=tmp_path)
    assert result.returncode == 2
    (item,) = json.loads(result.stdout)
    # Where CPython points, with its message, as ``loopwire lint`` reports the same file.
    assert (item["code"], item["line"], item["column"]) == ("LW001", 1, 12)
    assert item["message"].endswith("syntax error: invalid syntax")
    assert "Traceback" not in result.stderr


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = wiring("no-such-dir", cwd=tmp_path)
    assert result.returncode == 2
    assert "no such file or directory" in result.stderr


def test_noqa_on_the_declaration_suppresses(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "bug_progress", project)
    schemas = project / "jobs" / "schemas.py"
    schemas.write_text(
        schemas.read_text().replace(
            "progress: float | None = None", "progress: float | None = None  # noqa: LW201"
        )
    )
    assert wiring(cwd=project).returncode == 0


def test_select_and_ignore() -> None:
    project = FIXTURES / "bug_progress"
    assert wiring("--ignore", "LW201", cwd=project).returncode == 0
    assert wiring("--select", "LW202,LW203", cwd=project).returncode == 0
    assert wiring("--select", "LW2", cwd=project).returncode == 1


def test_trusted_entries_silence_opaque_constructions(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "opaque", project)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text() + 'trusted = ["media.storage:VideoInfo", "Folder"]\n'
    )
    result = wiring("--format", "json", cwd=project)
    assert (result.returncode, json.loads(result.stdout)) == (0, []), result.stderr


def test_bad_configuration_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.loopwire.wiring]\ntrusted = "x"\n')
    (tmp_path / "ok.py").write_text("x = 1\n")
    assert wiring(cwd=tmp_path).returncode == 0
    (tmp_path / "pyproject.toml").write_text("[tool.loopwire.wiring]\ntrusted = [1]\n")
    result = wiring(cwd=tmp_path)
    assert result.returncode == 2
    assert "configuration error" in result.stderr


def test_undecodable_file_is_lw001_and_other_files_are_still_checked(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "bug_progress", project)
    (project / "jobs" / "latin.py").write_bytes(b"# coding: utf-8\nname = '\xff\xfe'\n")
    result = wiring("--format", "json", cwd=project)
    assert result.returncode == 2
    codes = {(item["code"], item["path"]) for item in json.loads(result.stdout)}
    assert codes == {("LW001", "jobs/latin.py"), ("LW201", "jobs/schemas.py")}
