"""``fix_source`` on the shapes the rule examples do not cover: where ``await`` may not go
(negative controls), how calls are found, how ``asyncio`` gets imported, and the guards."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from textwrap import dedent

import pytest

from loopwire.core import syntax
from loopwire.findings import Finding
from loopwire.lint.engine import lint_source
from loopwire.lint.fixes import fix_source


def _fix(source: str, *, unsafe: bool = True) -> tuple[str, list[str], list[str]]:
    """(fixed source, codes fixed, codes still reported after the fix)."""
    source = dedent(source).lstrip("\n")
    findings = lint_source(source)
    assert findings, "the input must have findings"
    result = fix_source(source, findings, unsafe=unsafe)
    assert result.problem is None, result.problem
    compile(result.source, "<fixed>", "exec", dont_inherit=True)
    remaining = [f.code for f in lint_source(result.source)]
    return result.source, sorted(f.code for f in result.fixed), sorted(remaining)


@pytest.mark.parametrize(
    "source",
    [
        # A helper whose result a `with` enters: its enter and exit would stay on the loop.
        """
        def opened(path):
            return open(path)

        async def first(path):
            with opened(path) as handle:
                return handle.readline()
        """,
        # A generator function: only the generator would be built in the thread.
        """
        def lines(path):
            with open(path) as handle:
                yield from handle

        async def count(path):
            return sum(1 for _ in lines(path))

        async def first(path):
            for line in lines(path):
                return line
        """,
    ],
    ids=["entered-by-with", "generator"],
)
def test_a_lazy_or_entered_helper_is_not_moved_to_a_thread(source: str) -> None:
    # Negative control for the fix: moving these calls to a thread would hide the blocking
    # work (it runs later, on the loop) and the re-lint would report nothing.
    fixed, codes, remaining = _fix(source)
    assert fixed == dedent(source).lstrip("\n")
    assert codes == []
    assert remaining
    assert set(remaining) == {"LW110"}


def test_generator_expression_call_is_not_rewritten() -> None:
    # Negative control: `await` inside a generator expression makes it an async generator.
    source = """
        import time

        async def nap(n):
            return sum(time.sleep(i) or 1 for i in range(n))
    """
    fixed, codes, remaining = _fix(source)
    assert (fixed, codes, remaining) == (dedent(source).lstrip("\n"), [], ["LW102"])


def test_list_comprehension_call_is_rewritten() -> None:
    fixed, codes, remaining = _fix(
        """
        import time

        async def nap(n):
            return [time.sleep(i) for i in range(n)]
        """
    )
    assert "[await asyncio.sleep(i) for i in range(n)]" in fixed
    assert (codes, remaining) == (["LW102"], [])


def test_class_body_inside_async_def_is_not_rewritten() -> None:
    # `await` in a class body is a syntax error even inside an async function.
    source = """
        import time

        async def build():
            class Config:
                delay = time.sleep(0)
            return Config
    """
    fixed, codes, remaining = _fix(source)
    assert (fixed, codes, remaining) == (dedent(source).lstrip("\n"), [], ["LW102"])


def test_awaited_call_is_left_alone() -> None:
    source = """
        import subprocess

        async def run():
            await subprocess.run(["true"])
    """
    fixed, codes, remaining = _fix(source)
    assert (fixed, codes, remaining) == (dedent(source).lstrip("\n"), [], ["LW101"])


def test_default_of_nested_def_runs_on_the_loop_and_is_rewritten() -> None:
    fixed, codes, _ = _fix(
        """
        import time

        async def outer():
            def inner(delay=time.sleep(0)):
                return delay
            return inner
        """
    )
    assert "def inner(delay=await asyncio.sleep(0)):" in fixed
    assert codes == ["LW102"]


def test_parentheses_are_kept_and_added_where_await_needs_them() -> None:
    fixed, codes, remaining = _fix(
        """
        import subprocess

        async def run():
            out = (subprocess.run(["ls"]))
            return subprocess.check_output(["ls"])[0], subprocess.Popen(["ls"]).pid
        """
    )
    assert 'out = (await asyncio.to_thread(subprocess.run, ["ls"]))' in fixed
    assert '(await asyncio.to_thread(subprocess.check_output, ["ls"]))[0]' in fixed
    assert '(await asyncio.to_thread(subprocess.Popen, ["ls"])).pid' in fixed
    assert (codes, remaining) == (["LW101"] * 3, [])


def test_every_spelling_of_time_sleep_and_unused_imports_go() -> None:
    fixed, codes, remaining = _fix(
        """
        import time as t
        from time import sleep

        async def nap():
            t.sleep(1)
            sleep(2)
        """
    )
    assert fixed == "import asyncio\n\nasync def nap():\n    await asyncio.sleep(1)\n" + (
        "    await asyncio.sleep(2)\n"
    )
    assert (codes, remaining) == (["LW102", "LW102"], [])


def test_existing_asyncio_import_is_reused_and_not_duplicated() -> None:
    fixed, _, _ = _fix(
        """
        import asyncio
        import time

        async def nap():
            time.sleep(1)
            await asyncio.sleep(0)
        """
    )
    assert fixed.count("import asyncio") == 1
    assert "import time" not in fixed


def test_a_local_asyncio_that_is_not_the_module_blocks_the_fix() -> None:
    source = """
        import time

        async def nap(asyncio):
            time.sleep(1)
    """
    fixed, codes, remaining = _fix(source)
    assert (fixed, codes, remaining) == (dedent(source).lstrip("\n"), [], ["LW102"])


def test_asyncio_imported_only_for_type_checkers_blocks_the_fix() -> None:
    # `if TYPE_CHECKING: import asyncio` binds nothing at run time; `asyncio.sleep` would fail.
    source = """
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            import asyncio
        import time

        async def nap():
            time.sleep(1)
    """
    fixed, codes, remaining = _fix(source)
    assert (fixed, codes, remaining) == (dedent(source).lstrip("\n"), [], ["LW102"])


def test_a_function_local_import_asyncio_is_used_and_none_is_added() -> None:
    fixed, codes, _ = _fix(
        """
        import time

        async def nap():
            import asyncio
            time.sleep(1)
        """
    )
    assert fixed == "async def nap():\n    import asyncio\n    await asyncio.sleep(1)\n"
    assert codes == ["LW102"]


def test_asyncio_from_another_module_blocks_the_fix() -> None:
    source = """
        from compat import asyncio
        import time

        async def nap():
            time.sleep(1)
    """
    fixed, codes, remaining = _fix(source)
    assert (fixed, codes, remaining) == (dedent(source).lstrip("\n"), [], ["LW102"])


def test_columns_count_characters_on_non_ascii_lines() -> None:
    fixed, codes, remaining = _fix(
        """
        import time

        async def f():
            label = "é€😀"; time.sleep(1)
        """
    )
    assert 'label = "é€😀"; await asyncio.sleep(1)' in fixed
    assert (codes, remaining) == (["LW102"], [])


def test_safe_only_leaves_unsafe_findings_reported() -> None:
    fixed, codes, remaining = _fix(
        """
        import subprocess
        import time

        async def run():
            time.sleep(1)
            subprocess.run(["ls"])
        """,
        unsafe=False,
    )
    assert 'subprocess.run(["ls"])' in fixed
    assert (codes, remaining) == (["LW102"], ["LW101"])


def test_comments_and_layout_survive() -> None:
    fixed, _, _ = _fix(
        """
        import subprocess


        async def run(path):  # entry point
            # probe the file
            result = subprocess.run(  # the slow part
                ["ffprobe", path],
                check=True,  # fail loudly
            )
            return result
        """
    )
    assert fixed.endswith(
        "async def run(path):  # entry point\n"
        "    # probe the file\n"
        "    result = await asyncio.to_thread(  # the slow part\n"
        "        subprocess.run,\n"
        '        ["ffprobe", path],\n'
        "        check=True,  # fail loudly\n"
        "    )\n"
        "    return result\n"
    )


def test_a_finding_that_points_at_no_call_is_not_fixed() -> None:
    source = "import time\n\nasync def nap():\n    time.sleep(1)\n"
    stray = Finding("example.py", 4, 2, "LW102", "blocking call time.sleep in async function nap")
    result = fix_source(source, [stray])
    assert (result.source, result.fixed, result.problem) == (source, (), None)


def test_nested_calls_at_one_position_are_told_apart_by_the_message() -> None:
    fixed, codes, remaining = _fix(
        """
        from pathlib import Path

        async def load(name):
            return Path(name).read_text()
        """
    )
    assert "await asyncio.to_thread(Path(name).read_text)" in fixed
    assert (codes, remaining) == (["LW105"], [])


def test_a_result_that_would_not_compile_is_refused() -> None:
    # ast parses a `break` outside a loop; only the compiler rejects it, so the fix does too.
    source = "import time\n\nasync def nap():\n    time.sleep(1)\n\nbreak\n"
    result = fix_source(source, lint_source(source))
    assert result.source == source
    assert result.fixed == ()
    assert result.problem is not None
    assert "would not compile" in result.problem
    assert "'break' outside loop" in result.problem


def test_source_libcst_cannot_parse_is_reported_not_raised() -> None:
    finding = Finding("example.py", 1, 1, "LW102", "blocking call time.sleep in async function f")
    result = fix_source("async def f(:\n", [finding])
    assert result.problem is not None
    assert result.problem.startswith("libcst cannot parse")


@pytest.mark.parametrize(
    "source",
    [
        "import time, subprocess\n\nasync def a():\n    time.sleep(1)\n"
        "    subprocess.run([])\n    subprocess.run([])\n",
        "import asyncio\nimport shutil\n\nasync def a(x, y):\n"
        "    shutil.copy(x, y)\n    return await asyncio.sleep(0)\n",
    ],
)
def test_fixing_twice_changes_nothing(source: str) -> None:
    first = fix_source(source, lint_source(source), unsafe=True)
    assert first.fixed
    second = fix_source(first.source, lint_source(first.source), unsafe=True)
    assert (second.source, second.fixed) == (first.source, ())


FIXTURES = sorted((Path(__file__).resolve().parents[2] / "fixtures" / "lint").glob("lint_*.py"))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda path: path.stem)
def test_every_lint_fixture_fixes_to_compilable_code_that_lints_clean(path: Path) -> None:
    # The fixtures are dense tables of every blocking shape the linter knows.
    source = path.read_text()
    findings = lint_source(source)
    result = fix_source(source, findings, unsafe=True)
    assert result.problem is None
    # A fixture written for a newer Python compiles once lowered to this one's grammar.
    compile(syntax.newer_syntax(result.source) or result.source, str(path), "exec")
    remaining = lint_source(result.source)
    unfixed = Counter(f.code for f in findings) - Counter(f.code for f in result.fixed)
    assert Counter(f.code for f in remaining) == unfixed
    again = fix_source(result.source, remaining, unsafe=True)
    assert again.source == result.source
