"""C3 linearisation of project classes matches Python's own MRO, and lookups follow it."""

from __future__ import annotations

import pytest

from loopwire.lint.mro import linearize, resolve


def _python_mro(classes: dict[str, tuple[str, ...]], name: str) -> list[str]:
    """Build the classes for real and ask Python."""
    built: dict[str, type] = {}
    for key, bases in classes.items():
        built[key] = type(key, tuple(built[base] for base in bases) or (object,), {})
    return [cls.__name__ for cls in built[name].__mro__ if cls is not object]


HIERARCHIES = {
    "single": {"Store": (), "AsyncStore": ("Store",)},
    "mixin first": {"Store": (), "Mixin": (), "Both": ("Mixin", "Store")},
    "diamond": {"Base": (), "Left": ("Base",), "Right": ("Base",), "Diamond": ("Left", "Right")},
    "async over sync": {
        "FileMixin": (),
        "AsyncFileMixin": ("FileMixin",),
        "Manager": (),
        "AsyncManager": ("Manager",),
        "Files": ("FileMixin", "Manager"),
        "AsyncFiles": ("Files", "AsyncFileMixin", "AsyncManager"),
    },
}


@pytest.mark.parametrize("classes", HIERARCHIES.values(), ids=HIERARCHIES.keys())
def test_linearisation_is_pythons(classes: dict[str, tuple[str, ...]]) -> None:
    for name in classes:
        assert linearize(name, classes.get) == _python_mro(classes, name)


def test_lookup_takes_the_first_definer_and_super_continues_after_the_class() -> None:
    classes = HIERARCHIES["diamond"]
    mro = linearize("Diamond", classes.get)
    defines = {
        "Base": frozenset({"load"}),
        "Right": frozenset({"load"}),
        "Left": frozenset(),
        "Diamond": frozenset(),
    }
    # Depth-first through the bases would find Base.load through Left; Python runs Right.load.
    assert resolve(mro, "load", defines) == "Right"
    assert resolve(mro, "load", defines, after="Right") == "Base"
    assert resolve(mro, "missing", defines) is None


def test_unknown_bases_are_passed_over_and_cycles_end() -> None:
    classes = {"Handler": ("web.View", "Mixin"), "Mixin": ()}
    mro = linearize("Handler", classes.get)
    assert mro == ["Handler", "web.View", "Mixin"]
    assert resolve(mro, "run", {"Handler": frozenset(), "Mixin": frozenset({"run"})}) == "Mixin"
    assert linearize("A", {"A": ("B",), "B": ("A",)}.get) == ["A", "B"]


def test_an_inconsistent_hierarchy_still_gives_an_order() -> None:
    # class X(A, B) with B a subclass of A: Python refuses to create it.
    classes = {"A": (), "B": ("A",), "X": ("A", "B")}
    assert linearize("X", classes.get) == ["X", "A", "B"]
