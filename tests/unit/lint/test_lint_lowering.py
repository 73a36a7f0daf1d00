"""Newer syntax is lowered so ``ast`` parses it, with every call kept at its line and column;
a real syntax error is still refused."""

from __future__ import annotations

import ast

import pytest

from loopwire.core.lowering import lower

NEWER = {
    "pep695 function": "def first[T: (int, str) = int](items: list[T]) -> T:\n"
    "    return open(items[0]).read()\n",
    "pep695 class over lines": "class Box[\n    T,\n](Base):\n    x = open('a')\n",
    "pep695 alias": "type Pair[T] = tuple[T, T]\nsize = len('ab')\n",
    "pep695 alias over lines": "type Pair[\n    T] = (\n    tuple[T, T]\n)\nsize = len('ab')\n",
    "pep758 except": "try:\n    pass\nexcept ValueError, TypeError:\n    print('x')\n",
    "pep758 except star": "try:\n    pass\nexcept* ValueError, TypeError:\n    print('x')\n",
}


def _calls(tree: ast.AST) -> list[tuple[int, int, str]]:
    return sorted(
        (node.lineno, node.col_offset, ast.unparse(node.func))
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    )


def _expected_calls(text: str) -> list[tuple[int, int, str]]:
    """Where the calls are in the original text, found by name (each name is called once)."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for name in ("open", "len", "print"):
            column = line.find(f"{name}(")
            if column >= 0:
                found.append((number, column, name))
    return sorted(found)


@pytest.mark.parametrize("source", NEWER.values(), ids=NEWER.keys())
def test_newer_syntax_parses_once_lowered_with_calls_where_they_were(source: str) -> None:
    with pytest.raises(SyntaxError):
        ast.parse(source, feature_version=(3, 11))
    lowered = lower(source)
    assert lowered is not None
    tree = ast.parse(lowered, feature_version=(3, 11))
    assert lowered.count("\n") == source.count("\n")
    assert [(line, column) for line, column, _ in _calls(tree)] == [
        (line, column) for line, column, _ in _expected_calls(source)
    ]


@pytest.mark.parametrize("source", ["def f(:\n    pass\n", "x = = 1\n", "except:\n"])
def test_a_real_syntax_error_is_not_lowered(source: str) -> None:
    assert lower(source) is None


def test_source_with_nothing_to_lower_is_left_to_the_caller() -> None:
    assert lower("x = [1, 2]\n") is None
