"""The linter over real files: modules calling each other, the cache, excludes, selection,
unanalysable files and the process pool."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from loopwire.findings import UNANALYSABLE
from loopwire.lint.engine import Options, Result, lint_files
from tests.unit.lint.lint_project import run_cli, write_project


def _lint(root: Path, options: Options | None = None) -> Result:
    return lint_files(sorted(root.rglob("*.py")), options or Options())


def _codes(result: Result) -> list[tuple[str, int, str]]:
    return [(Path(f.path).name, f.line, f.code) for f in result.findings]


def test_chain_through_a_module_without_async_or_blocking_words(tmp_path: Path) -> None:
    # mid.py mentions neither `async` nor any blocking call, so it is only analysed because
    # app.py calls into it; low.py holds the sleep.
    write_project(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/app.py": """
                from pkg.mid import middle

                async def go():
                    middle()
                """,
            "pkg/mid.py": """
                from pkg.low import bottom

                def middle():
                    return bottom()
                """,
            "pkg/low.py": """
                import time

                def bottom():
                    time.sleep(1)
                """,
        },
    )
    result = _lint(tmp_path)
    assert _codes(result) == [("app.py", 4, "LW110")]
    assert "go -> middle -> bottom -> time.sleep" in result.findings[0].message


def test_method_of_a_project_class_instance_from_another_module(tmp_path: Path) -> None:
    # The service pattern: a handler gets a Prober (parameter annotation, attribute set in
    # __init__, or a local instance) and calls its sync method, which runs ffprobe.
    write_project(
        tmp_path,
        {
            "svc/__init__.py": "",
            "svc/probing.py": """
                import subprocess as sp

                class Prober:
                    def probe(self, path):
                        return self._run(["ffprobe", path])

                    def _run(self, argv):
                        return sp.run(argv, capture_output=True)
                """,
            "svc/handlers.py": """
                import asyncio

                from svc.probing import Prober

                class Scanner:
                    def __init__(self, prober: Prober) -> None:
                        self.prober = prober

                    async def scan(self, path):
                        self.prober.probe(path)
                        await asyncio.to_thread(self.prober.probe, path)

                async def handle(prober: Prober, path):
                    Prober().probe(path)
                    prober.probe(path)
                """,
        },
    )
    result = _lint(tmp_path)
    assert _codes(result) == [
        ("handlers.py", 10, "LW110"),
        ("handlers.py", 14, "LW110"),
        ("handlers.py", 15, "LW110"),
    ]
    assert (
        "Scanner.scan -> Prober.probe -> Prober._run -> subprocess.run"
        in result.findings[0].message
    )


def test_reexport_and_inherited_method_across_modules(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {
            "pkg/__init__.py": "from pkg.helpers import probe as probe\n",
            "pkg/helpers.py": """
                import subprocess

                def probe(path):
                    return subprocess.run(["ffprobe", path])

                class Base:
                    def load(self, path):
                        with open(path) as fh:
                            return fh.read()
                """,
            "pkg/service.py": """
                from pkg import probe
                from pkg.helpers import Base

                class Service(Base):
                    async def handle(self, path):
                        probe(path)
                        return self.load(path)
                """,
        },
    )
    assert _codes(_lint(tmp_path)) == [("service.py", 6, "LW110"), ("service.py", 7, "LW110")]


def test_cycles_terminate_and_still_find_the_blocking_call(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {
            "a.py": """
                import b

                def ping(n):
                    return b.pong(n)

                async def main():
                    ping(3)
                """,
            "b.py": """
                import a
                import time

                def pong(n):
                    if n:
                        return a.ping(n - 1)
                    time.sleep(n)
                """,
        },
    )
    assert _codes(_lint(tmp_path)) == [("a.py", 7, "LW110")]


def test_unanalysable_files_are_reported_and_the_rest_checked(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {
            "broken.py": "def f(:\n    pass\n",
            "fine.py": "import time\n\nasync def f():\n    time.sleep(1)\n",
        },
    )
    (tmp_path / "latin.py").write_bytes(b"# coding: ascii\nx = '\xff'\n")
    result = _lint(tmp_path)
    assert _codes(result) == [
        ("broken.py", 1, UNANALYSABLE),
        ("fine.py", 4, "LW102"),
        ("latin.py", 1, UNANALYSABLE),
    ]
    assert "syntax error" in result.findings[0].message


def test_select_ignore_and_noqa(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {
            "m.py": """
                import subprocess, time

                async def f():
                    time.sleep(1)
                    subprocess.run([])
                    subprocess.run([])  # noqa: ASYNC221
                    time.sleep(1)  # noqa: LW102
                """
        },
    )
    assert _codes(_lint(tmp_path)) == [("m.py", 4, "LW102"), ("m.py", 5, "LW101")]
    assert _codes(_lint(tmp_path, Options(select=["LW101"]))) == [("m.py", 5, "LW101")]
    assert _codes(_lint(tmp_path, Options(ignore=["LW10"]))) == []


def test_cache_reuses_results_and_notices_edits(tmp_path: Path) -> None:
    project = write_project(
        tmp_path / "project",
        {"m.py": "import time\n\nasync def f():\n    time.sleep(1)\n"},
    )
    cache = tmp_path / "cache"
    first = _lint(project, Options(cache_dir=cache))
    assert (cache / "lint.json").is_file()
    assert (
        _codes(_lint(project, Options(cache_dir=cache))) == _codes(first) == [("m.py", 4, "LW102")]
    )
    (project / "m.py").write_text("import asyncio\n\nasync def f():\n    await asyncio.sleep(1)\n")
    assert _codes(_lint(project, Options(cache_dir=cache))) == []


def test_lint_never_imports_libcst_and_a_cached_run_parses_nothing(tmp_path: Path) -> None:
    project = write_project(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg.b import helper\n\nasync def f():\n    helper()\n",
            "pkg/b.py": "import time\n\ndef helper():\n    time.sleep(1)\n",
        },
    )
    script = (
        "import sys\n"
        "from loopwire.cli import main\n"
        "status = main(['lint', '--format', 'json', 'pkg'])\n"
        "parsed = 'loopwire.lint.worker' in sys.modules\n"
        "print('libcst' in sys.modules, parsed, status, file=sys.stderr)\n"
    )
    cold = _python(script, project)
    warm = _python(script, project)
    # libcst is for --fix only; analysis uses CPython's ast, and a warm run not even that.
    assert cold[1].splitlines()[-1] == "False True 1"
    assert warm[1].splitlines()[-1] == "False False 1"
    assert json.loads(cold[0]) == json.loads(warm[0])
    assert [f["code"] for f in json.loads(warm[0])] == ["LW110"]


def _python(script: str, cwd: Path) -> tuple[str, str]:
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout, done.stderr


def test_process_pool_gives_the_same_findings(tmp_path: Path) -> None:
    files = {
        f"pkg/m{i}.py": f"import time\n\nasync def f{i}():\n    time.sleep({i})\n"
        for i in range(40)
    }
    write_project(tmp_path, {"pkg/__init__.py": "", **files})
    serial = _lint(tmp_path, Options(jobs=1))
    parallel = _lint(tmp_path, Options(jobs=2))
    assert len(serial.findings) == 40
    assert serial == parallel


def test_excludes_from_config_and_command_line(tmp_path: Path) -> None:
    blocking = "import time\n\nasync def f():\n    time.sleep(1)\n"
    write_project(
        tmp_path,
        {"src/a.py": blocking, "generated/b.py": blocking, "vendor/c.py": blocking},
        pyproject='exclude = ["generated"]\n',
    )
    result = run_cli("lint", "--no-cache", "--exclude", "vendor", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{Path('src/a.py')}:4:5: LW102 blocking call time.sleep in async function f; "
        "use await asyncio.sleep(...)"
    ]


def test_configured_blocking_calls_from_pyproject(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {"app.py": "import legacy.db\n\nasync def f():\n    legacy.db.query()\n"},
        pyproject='[tool.loopwire.blocking-calls]\n"legacy.db.*" = "legacy.aio.query"\n',
    )
    result = run_cli("lint", "--no-cache", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert "LW109" in result.stdout
    assert "legacy.aio.query" in result.stdout


def test_edit_to_a_sync_helper_reaches_a_cached_async_caller(tmp_path: Path) -> None:
    project = write_project(
        tmp_path / "project",
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg.b import helper\n\nasync def f():\n    helper()\n",
            "pkg/b.py": "def helper():\n    return 1\n",
        },
    )
    options = Options(cache_dir=tmp_path / "cache")
    assert _codes(_lint(project, options)) == []
    (project / "pkg" / "b.py").write_text("import time\n\ndef helper():\n    time.sleep(1)\n")
    assert _codes(_lint(project, options)) == [("a.py", 4, "LW110")]
