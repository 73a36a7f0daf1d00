"""``loopwire lint``, ``rules`` and ``explain`` as a user runs them: real processes, exit codes
and every output format."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from loopwire.lint import catalog
from loopwire.lint.classifier import KIND_NAMES
from loopwire.lint.rules import RULES
from loopwire.wiring.rules import RULES as WIRING_RULES
from tests.unit.lint.lint_project import run_cli, write_project

BLOCKING = "import subprocess\n\nasync def probe(path):\n    subprocess.run(['ffprobe', path])\n"
CLEAN = "import asyncio\n\nasync def nap():\n    await asyncio.sleep(0)\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path, {"app/__init__.py": "", "app/probe.py": BLOCKING})


def test_exit_0_when_clean(tmp_path: Path) -> None:
    write_project(tmp_path, {"clean.py": CLEAN})
    result = run_cli("lint", ".", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "")
    assert "0 findings in 1 file checked" in result.stderr


def test_exit_1_and_text_format(project: Path) -> None:
    result = run_cli("lint", "app", cwd=project)
    assert result.returncode == 1
    assert result.stdout == (
        f"{Path('app/probe.py')}:4:5: LW101 blocking call subprocess.run in async function "
        "probe; use asyncio.create_subprocess_exec\n"
    )


def test_exit_2_on_syntax_error_with_other_files_checked(project: Path) -> None:
    (project / "app" / "broken.py").write_text("async def f(:\n    pass\n")
    result = run_cli("lint", "--format", "json", "app", cwd=project)
    assert result.returncode == 2
    codes = {(Path(f["path"]).name, f["code"]) for f in json.loads(result.stdout)}
    assert codes == {("broken.py", "LW001"), ("probe.py", "LW101")}
    assert "Traceback" not in result.stderr


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    # ``loopwire lint --format json | head``: the pipe closes while findings are still written.
    many = "import time\n\nasync def nap():\n" + "    time.sleep(1)\n" * 5000
    write_project(tmp_path, {"many.py": many})
    command = [sys.executable, "-m", "loopwire", "lint", "--no-cache", "--format", "json", "."]
    with subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.read(10)
        process.stdout.close()
        stderr = process.stderr.read().decode()
        process.wait(timeout=120)
    assert "Traceback" not in stderr
    assert process.returncode == 1


def test_json_items_carry_the_contract_fields(project: Path) -> None:
    result = run_cli("lint", "--format", "json", "app", cwd=project)
    (item,) = json.loads(result.stdout)
    assert set(item) >= {"path", "line", "column", "code", "message"}
    assert (item["line"], item["column"], item["code"]) == (4, 5, "LW101")


def test_github_annotations(project: Path) -> None:
    result = run_cli("lint", "--format", "github", "app", cwd=project)
    assert result.stdout.startswith(
        f"::error file={Path('app/probe.py')},line=4,col=5,title=LW101::blocking call"
    )


def test_sarif_is_structurally_valid(project: Path) -> None:
    result = run_cli("lint", "--format", "sarif", "app", cwd=project)
    sarif = json.loads(result.stdout)
    assert sarif["version"] == "2.1.0"
    (run,) = sarif["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert {rule["id"] for rule in rules} >= {rule.code for rule in RULES}
    (finding,) = run["results"]
    assert rules[finding["ruleIndex"]]["id"] == finding["ruleId"] == "LW101"
    region = finding["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (4, 5)


def test_select_and_ignore_flags(project: Path) -> None:
    assert run_cli("lint", "--select", "LW102", "app", cwd=project).returncode == 0
    assert run_cli("lint", "--ignore", "LW101", "app", cwd=project).returncode == 0
    assert run_cli("lint", "--select", "LW1", "app", cwd=project).returncode == 1


def test_usage_errors_exit_2(project: Path) -> None:
    assert run_cli("lint", "--format", "xml", "app", cwd=project).returncode == 2
    missing = run_cli("lint", "no-such-dir", cwd=project)
    assert missing.returncode == 2
    assert "no such file or directory" in missing.stderr


def test_rules_lists_every_code() -> None:
    result = run_cli("rules", cwd=Path.cwd())
    assert result.returncode == 0
    codes = [r.code for r in RULES] + list(WIRING_RULES)
    assert [line.split()[0] for line in result.stdout.splitlines()] == codes


def test_explain_covers_wiring_rules() -> None:
    result = run_cli("explain", "LW201", cwd=Path.cwd())
    assert result.returncode == 0
    assert result.stdout.startswith("## LW201 field-never-set")


def test_explain_by_code_and_by_flake8_async_code() -> None:
    result = run_cli("explain", "LW101", cwd=Path.cwd())
    assert result.returncode == 0
    assert result.stdout.startswith("## LW101 blocking-subprocess")
    assert "asyncio.create_subprocess_exec" in result.stdout
    assert "```python" in result.stdout
    assert run_cli("explain", "ASYNC251", cwd=Path.cwd()).stdout.startswith("## LW102")
    unknown = run_cli("explain", "LW999", cwd=Path.cwd())
    assert unknown.returncode == 2
    assert "unknown rule" in unknown.stderr


def test_a_call_on_an_unnamed_client_is_shown_by_its_class_not_an_internal_kind(
    tmp_path: Path,
) -> None:
    """``Redis.from_url(url).set(...)`` has no name to show: the message names the client's
    class, never the catalog's internal kind (``redis-client``)."""
    source = (
        "import pymongo\nimport redis\n\n\nasync def save(url):\n"
        "    redis.Redis.from_url(url).set('k', 'v')\n"
        "    pymongo.MongoClient()['app']['users'].find_one({})\n"
    )
    write_project(tmp_path, {"app.py": source})
    result = run_cli("lint", "--format", "json", ".", cwd=tmp_path)
    symbols = [item["symbol"] for item in json.loads(result.stdout)]
    assert symbols == ["Redis.set", "Collection.find_one"]


def test_every_catalogued_kind_has_a_name_to_show() -> None:
    assert set(catalog.METHODS) <= set(KIND_NAMES)
