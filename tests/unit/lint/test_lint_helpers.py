"""One decision per blocking helper, across modules, as a user runs ``loopwire lint``: the MRO
decides which method a call through ``self`` runs, a ``noqa`` on a helper covers every chain
through it, the summary counts helpers, JSON carries the chain, start-up functions and the
project's offloading decorators come from ``[tool.loopwire]``.

Each check has its negative control beside it: the same project without the suppression, the
override, the selection or the declaration reports the chain.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.unit.lint.lint_project import run_cli, write_project

STORE = """
import os

class Store:
    def size(self, path):
        return os.stat(path).st_size

def probe(path):{noqa}
    return os.stat(path)
"""

APP = """
from pkg import Store, probe

class AsyncStore(Store):{override}
    async def total(self, paths):
        return [await self.size(p) for p in paths]

async def one(path):
    probe(path)

async def two(path):
    probe(path)

async def three(path):
    return probe(path)
"""

OVERRIDE = "\n    async def size(self, path):\n        return 0\n"


def _project(tmp_path: Path, *, noqa: str = "", override: str = "", table: str = "") -> Path:
    return write_project(
        tmp_path,
        {
            # The base class and the helper are re-exported by the package.
            "pkg/__init__.py": "from pkg.store import Store, probe\n",
            "pkg/store.py": STORE.format(noqa=noqa),
            "pkg/app.py": APP.format(override=override),
        },
        table,
    )


def _lint(project: Path, *options: str) -> tuple[list[dict[str, object]], str]:
    result = run_cli("lint", "--format", "json", *options, "pkg", cwd=project)
    return json.loads(result.stdout), result.stderr


def test_an_async_override_in_the_subclass_is_what_self_runs(tmp_path: Path) -> None:
    findings, _ = _lint(_project(tmp_path / "a", override=OVERRIDE))
    assert all("Store.size" not in str(item["message"]) for item in findings)
    # Without the override, AsyncStore inherits the blocking Store.size.
    findings, _ = _lint(_project(tmp_path / "b"))
    assert [item["line"] for item in findings if "Store.size" in str(item["message"])] == [5]


def test_json_carries_the_chain_and_the_summary_counts_helpers(tmp_path: Path) -> None:
    findings, stderr = _lint(_project(tmp_path, override=OVERRIDE))
    chains = [item["chain"] for item in findings]
    assert chains == [["pkg.app.one", "pkg.store.probe", "os.stat"]] + [
        [f"pkg.app.{caller}", "pkg.store.probe", "os.stat"] for caller in ("two", "three")
    ]
    assert "(3 findings through 1 blocking helper)" in stderr


def test_a_noqa_on_the_helper_covers_every_chain_through_it(tmp_path: Path) -> None:
    findings, _ = _lint(_project(tmp_path / "def", override=OVERRIDE, noqa="  # noqa: LW110"))
    assert findings == []
    # A noqa naming an unrelated code covers nothing.
    findings, _ = _lint(_project(tmp_path / "other", override=OVERRIDE, noqa="  # noqa: E501"))
    assert len(findings) == 3


def test_startup_functions_report_lw113_only_when_selected(tmp_path: Path) -> None:
    table = 'startup = ["pkg.app.one", "pkg.app.th*"]\n'
    project = _project(tmp_path, override=OVERRIDE, table=table)
    findings, _ = _lint(project)
    assert [item["chain"][0] for item in findings] == ["pkg.app.two"]  # type: ignore[index]
    selected, _ = _lint(project, "--select", "LW110,LW113")
    assert sorted(str(item["code"]) for item in selected) == ["LW110", "LW113", "LW113"]


def test_the_projects_own_offloading_decorator_is_not_followed(tmp_path: Path) -> None:
    source = (
        "import time\nimport jobs\n\n@jobs.in_thread\ndef export():\n    time.sleep(1)\n\n"
        "async def handle():\n    await export()\n"
    )
    declared = write_project(
        tmp_path / "declared", {"m.py": source}, 'offload-decorators = ["jobs.in_*"]\n'
    )
    assert run_cli("lint", "m.py", cwd=declared).returncode == 0
    undeclared = write_project(tmp_path / "undeclared", {"m.py": source})
    result = run_cli("lint", "m.py", cwd=undeclared)
    assert result.returncode == 1
    assert "LW110" in result.stdout
