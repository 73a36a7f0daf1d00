"""``noqa`` comments: only real comments suppress, on the lines CPython numbers."""

from __future__ import annotations

from loopwire.lint.engine import lint_source
from loopwire.suppression import noqa_lines


def test_codes_and_bare_noqa() -> None:
    source = (
        "a = 1  # noqa: LW101, asyncio221\nb = 2  # NOQA\nc = 3  # type: ignore  # noqa:LW102\n"
    )
    assert noqa_lines(source) == {
        1: frozenset({"LW101", "ASYNCIO221"}),
        2: None,
        3: frozenset({"LW102"}),
    }


def test_noqa_inside_a_string_is_not_a_comment() -> None:
    source = 'x = "# noqa"\ny = """\n# noqa\n"""\nz = 1  # noqa: LW104\n'
    assert noqa_lines(source) == {5: frozenset({"LW104"})}


def test_lines_are_counted_as_cpython_counts_them() -> None:
    # A form feed does not end a line for CPython; a lone CR does.
    source = "a = 1\x0c b = 2\rc = 3  # noqa: LW102\r\nd = 4  # noqa\n"
    assert noqa_lines(source) == {2: frozenset({"LW102"}), 3: None}


def test_source_the_tokenizer_refuses_falls_back_to_the_text() -> None:
    source = 'x = (1,  # noqa: LW101\ny = "unterminated\n'
    assert noqa_lines(source) == {1: frozenset({"LW101"})}


def test_a_string_that_looks_like_noqa_does_not_hide_a_finding() -> None:
    # Negative control for the linter: the call on this line must still be reported.
    source = 'import time\n\nasync def f():\n    label = "# noqa"; time.sleep(1)\n'
    assert [(f.line, f.code) for f in lint_source(source)] == [(4, "LW102")]
