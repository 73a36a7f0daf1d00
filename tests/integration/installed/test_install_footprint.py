"""Installing loopwire adds one top-level import package, ``loopwire``, and nothing generic.

A project with its own ``checks`` and ``service`` packages (the names loopwire's repository uses
for its folders) keeps them, and loopwire's pytest plugin and fixtures still load and work there.
Before the move, the wheel installed ``checks`` and ``service``: pytest then failed at start-up
with ``No module named 'checks.pytest_plugin'``, which ``test_the_clash_fails_...`` reproduces.
"""

from __future__ import annotations

import textwrap
import zipfile
from pathlib import Path

from tests.integration.installed.conftest import InstalledLoopwire

PROJECT = {
    "checks/__init__.py": "",
    "checks/rules.py": "RULES = ('own-rule',)\n",
    "service/__init__.py": "",
    "service/app.py": "NAME = 'their service'\n",
    "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["."]\nasyncio_mode = "auto"\n',
    "tests/test_own_packages.py": """
        import asyncio
        import subprocess

        from checks.rules import RULES
        from service.app import NAME

        from loopwire.harness.fake_program import Behaviour


        def test_their_packages_are_theirs():
            assert RULES == ('own-rule',) and NAME == 'their service'


        async def test_loopwire_fixtures_work_beside_them(fake_program):
            render = fake_program("render", default=Behaviour(output="rendered\\n"))
            process = await asyncio.create_subprocess_exec(
                "render", "a.png", stdout=subprocess.PIPE
            )
            out, _ = await process.communicate()
            assert out == b"rendered\\n"
            assert [call.path for call in render.invocations()] == ["a.png"]
        """,
}


def write_project(root: Path) -> Path:
    for name, text in PROJECT.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def test_the_wheel_holds_only_the_loopwire_package(installed_loopwire: InstalledLoopwire) -> None:
    with zipfile.ZipFile(installed_loopwire.wheel) as wheel:
        top = {name.split("/")[0] for name in wheel.namelist()}
    assert {name for name in top if not name.endswith(".dist-info")} == {"loopwire"}


def test_a_project_with_its_own_checks_and_service_runs_loopwire(
    installed_loopwire: InstalledLoopwire, tmp_path: Path
) -> None:
    project = write_project(tmp_path / "project")
    output = installed_loopwire.run("-m", "pytest", "-p", "no:cacheprovider", "-q", cwd=project)
    assert output.startswith("exit 0"), output
    assert "2 passed" in output, output
    lint = installed_loopwire.run("-m", "loopwire", "lint", "--no-cache", "checks", cwd=project)
    assert lint.startswith("exit 0"), lint


def test_the_clash_fails_when_loopwire_owns_a_generic_name(
    installed_loopwire: InstalledLoopwire, tmp_path: Path
) -> None:
    """Negative control: a distribution whose plugin lives in a top-level ``checks`` package (as
    loopwire's did) cannot load in this project, so the test above would catch a regression."""
    clashing = tmp_path / "clashing"
    (clashing / "checks").mkdir(parents=True)
    (clashing / "checks" / "__init__.py").write_text("")
    (clashing / "checks" / "pytest_plugin.py").write_text("")
    dist = clashing / "clashing_tool-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: clashing-tool\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[pytest11]\nclashing = checks.pytest_plugin\n")
    project = write_project(tmp_path / "project")
    output = installed_loopwire.run(
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-q",
        cwd=project,
        extra_env={"PYTHONPATH": f"{clashing}"},
    )
    assert not output.startswith("exit 0"), output
    assert "No module named 'checks.pytest_plugin'" in output, output
