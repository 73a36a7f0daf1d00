"""``loopwire lint --fix / --unsafe-fixes / --diff`` as a user runs them: real processes, real
files, exit statuses, and the guards that keep a fix from losing anything."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from loopwire.findings import Finding
from loopwire.lint.engine import Options, lint_files
from loopwire.lint.fix_files import plan_fixes, stamps, write_plan
from tests.unit.lint.lint_project import run_cli, write_project

MIXED = (
    "import subprocess\nimport time\n\n\nasync def scan(path):\n    time.sleep(1)\n"
    '    subprocess.run(["ffprobe", path])\n'
)
SAFE_FIXED = (
    "import asyncio\nimport subprocess\n\n\nasync def scan(path):\n    await asyncio.sleep(1)\n"
    '    subprocess.run(["ffprobe", path])\n'
)
ALL_FIXED = (
    "import asyncio\nimport subprocess\n\n\nasync def scan(path):\n    await asyncio.sleep(1)\n"
    '    await asyncio.to_thread(subprocess.run, ["ffprobe", path])\n'
)
UNFIXABLE = (
    "import time\n\n\nasync def naps(n):\n    return list(time.sleep(i) for i in range(n))\n"
)


def test_fix_applies_safe_fixes_and_reports_what_remains(tmp_path: Path) -> None:
    write_project(tmp_path, {"app.py": MIXED})
    result = run_cli("lint", "--fix", ".", cwd=tmp_path)
    assert (tmp_path / "app.py").read_text() == SAFE_FIXED
    assert result.returncode == 1
    assert [line.split()[1] for line in result.stdout.splitlines()] == ["LW101"]
    assert "fixed 1 of 2 findings in 1 file" in result.stderr


def test_unsafe_fixes_clean_the_file_and_a_second_fix_changes_nothing(tmp_path: Path) -> None:
    write_project(tmp_path, {"app.py": MIXED})
    first = run_cli("lint", "--fix", "--unsafe-fixes", ".", cwd=tmp_path)
    assert (first.returncode, first.stdout) == (0, "")
    assert "fixed 2 of 2 findings in 1 file" in first.stderr
    assert (tmp_path / "app.py").read_text() == ALL_FIXED
    second = run_cli("lint", "--fix", "--unsafe-fixes", ".", cwd=tmp_path)
    assert (second.returncode, second.stdout) == (0, "")
    assert "fixed 0 of 0 findings in 0 files" in second.stderr
    assert (tmp_path / "app.py").read_text() == ALL_FIXED


def test_unfixable_finding_stays_reported_with_exit_1(tmp_path: Path) -> None:
    # Negative control: a call in a generator expression must not be rewritten.
    write_project(tmp_path, {"naps.py": UNFIXABLE})
    result = run_cli("lint", "--fix", "--unsafe-fixes", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert "LW102" in result.stdout
    assert "fixed 0 of 1 findings in 0 files" in result.stderr
    assert (tmp_path / "naps.py").read_text() == UNFIXABLE


def test_diff_prints_and_writes_nothing(tmp_path: Path) -> None:
    write_project(tmp_path, {"app.py": MIXED})
    result = run_cli("lint", "--diff", "--unsafe-fixes", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert (tmp_path / "app.py").read_text() == MIXED
    assert result.stdout.startswith("--- app.py\n+++ app.py\n@@ ")
    changed = [line for line in result.stdout.splitlines() if line[:1] in "+-"][2:]
    assert changed == [
        "+import asyncio",
        "-import time",
        "-    time.sleep(1)",
        '-    subprocess.run(["ffprobe", path])',
        "+    await asyncio.sleep(1)",
        '+    await asyncio.to_thread(subprocess.run, ["ffprobe", path])',
    ]
    assert "would fix 2 of 2 findings in 1 file" in result.stderr


def test_diff_exits_0_when_there_is_nothing_to_fix(tmp_path: Path) -> None:
    write_project(tmp_path, {"naps.py": UNFIXABLE})
    result = run_cli("lint", "--diff", ".", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "")


def test_unsafe_fixes_alone_is_a_usage_error(tmp_path: Path) -> None:
    write_project(tmp_path, {"app.py": MIXED})
    result = run_cli("lint", "--unsafe-fixes", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert "--unsafe-fixes needs --fix or --diff" in result.stderr


def test_a_fix_that_would_not_compile_leaves_the_file_untouched(tmp_path: Path) -> None:
    # `break` outside a loop parses (so it is linted) but does not compile.
    source = "import time\n\n\nasync def nap():\n    time.sleep(1)\n\n\nbreak\n"
    write_project(tmp_path, {"odd.py": source})
    result = run_cli("lint", "--fix", ".", cwd=tmp_path)
    assert (tmp_path / "odd.py").read_text() == source
    assert result.returncode == 1
    assert "odd.py: not fixed: the fixed file would not compile" in result.stderr


def test_a_file_edited_after_linting_is_not_overwritten(tmp_path: Path) -> None:
    path = write_project(tmp_path, {"app.py": MIXED}) / "app.py"
    taken = stamps([path])
    run = plan_fixes(_findings(path), taken, unsafe=True)
    (plan,) = run.plans
    edited = MIXED + "# edited meanwhile\n"
    path.write_text(edited)
    problem = write_plan(plan)
    assert problem is not None
    assert "changed since it was linted" in problem
    assert path.read_text() == edited


def test_a_file_edited_between_lint_and_plan_is_not_fixed(tmp_path: Path) -> None:
    path = write_project(tmp_path, {"app.py": MIXED}) / "app.py"
    taken = stamps([path])
    findings = _findings(path)
    path.write_text(MIXED + "\n")
    run = plan_fixes(findings, taken, unsafe=True)
    assert run.plans == []
    assert run.problems == [f"{path}: not fixed: the file changed since it was linted"]


def test_encoding_line_endings_and_mode_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "legacy.py"
    source = "# -*- coding: latin-1 -*-\r\nimport time\r\n\r\nasync def f():\r\n"
    source += "    time.sleep(1)  # caf\xe9\r\n"
    path.write_bytes(source.encode("latin-1"))
    os.chmod(path, 0o750)
    write_project(tmp_path, {})
    result = run_cli("lint", "--fix", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    fixed = path.read_bytes().decode("latin-1")
    assert "    await asyncio.sleep(1)  # caf\xe9\r\n" in fixed
    assert "\n" not in fixed.replace("\r\n", "")
    assert path.stat().st_mode & 0o777 == 0o750


def test_plain_lint_imports_neither_the_fixer_nor_libcst(tmp_path: Path) -> None:
    write_project(tmp_path, {"app.py": MIXED})
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import sys\nfrom loopwire.cli import main\n"
        "status = main(['lint', '--no-cache', 'app.py'])\n"
        "print(sorted(m for m in ('libcst', 'loopwire.lint.fixes') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, str(probe)], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.stdout.splitlines()[-1] == "[]", result.stderr


def test_explain_shows_the_fix() -> None:
    result = run_cli("explain", "LW102", cwd=Path.cwd())
    assert result.returncode == 0
    assert "Fix (safe, applied by `loopwire lint --fix`)" in result.stdout
    assert "await asyncio.sleep(1)" in result.stdout


def _findings(path: Path) -> list[Finding]:
    return lint_files([path], Options()).findings


LAZY_AND_PLAIN = (
    "import contextlib\nimport os\n\n\n@contextlib.contextmanager\ndef opened(path):\n"
    "    with open(path) as handle:\n        yield handle\n\n\ndef size(path):\n"
    "    return os.stat(path).st_size\n\n\nasync def first(path):\n"
    "    with opened(path) as handle:\n        handle.readline()\n    return size(path)\n"
)


def test_a_lazy_helper_is_not_told_to_run_in_a_thread(tmp_path: Path) -> None:
    """A thread would only build the context manager: its message must not suggest one, and
    --unsafe-fixes leaves it reported while the plain helper beside it is fixed."""
    write_project(tmp_path, {"app.py": LAZY_AND_PLAIN})
    result = run_cli("lint", ".", cwd=tmp_path)
    lazy, plain = result.stdout.splitlines()
    assert "calls opened" in lazy
    assert "to_thread" not in lazy
    assert "make it async" in lazy
    assert "calls size" in plain
    assert "await asyncio.to_thread(...)" in plain
    fixed = run_cli("lint", "--fix", "--unsafe-fixes", ".", cwd=tmp_path)
    assert fixed.returncode == 1
    assert [line.split()[1] for line in fixed.stdout.splitlines()] == ["LW110"]
    assert "calls opened" in fixed.stdout
    assert "await asyncio.to_thread(size, path)" in (tmp_path / "app.py").read_text()
