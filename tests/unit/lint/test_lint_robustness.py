"""The linter never crashes on valid Python: the whole CPython standard library, and generated
programs from hypothesmith. Only files that really do not parse may be reported as LW001."""

from __future__ import annotations

import ast
import sysconfig
import warnings
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings

from loopwire.findings import UNANALYSABLE
from loopwire.lint.engine import Options, lint_files, lint_source


def _compiles(path: Path) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings would be errors under pytest
            compile(
                path.read_bytes(), str(path), "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True
            )
    except (SyntaxError, ValueError):
        return False
    return True


@pytest.mark.integration
def test_whole_standard_library(tmp_path: Path) -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in stdlib.rglob("*.py") if "site-packages" not in p.parts)
    assert len(files) > 1000
    result = lint_files(files, Options(cache_dir=tmp_path))
    assert result.files_checked == len(files)
    unanalysable = {Path(f.path) for f in result.findings if f.code == UNANALYSABLE}
    # CPython's own parser does the analysis: exactly the files it refuses are reported.
    assert unanalysable == {p for p in files if not _compiles(p)}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
@given(source=hypothesmith.from_grammar())
def test_generated_programs_never_crash(source: str) -> None:
    findings = lint_source(source)
    # hypothesmith only yields programs CPython compiles: none of them is unanalysable.
    assert [f for f in findings if f.code == UNANALYSABLE] == []


@settings(
    max_examples=40,
    deadline=None,
    # from_node() discards many generated trees itself; that is its design, not a test problem.
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
@given(source=hypothesmith.from_node())
def test_generated_syntax_trees_never_crash(source: str) -> None:
    lint_source(source)


def test_columns_count_characters_not_utf8_bytes() -> None:
    # ast gives UTF-8 byte offsets; editors, flake8 and ruff count characters.
    source = (
        'import time\n\nasync def f():\n    label = "é€"; time.sleep(1)\n    time.sleep(2)  # "ü"\n'
    )
    found = [(f.line, f.column, f.code) for f in lint_source(source)]
    assert found == [(4, 19, "LW102"), (5, 5, "LW102")]
