"""Method resolution order of project classes, as Python computes it (C3 linearisation).

``self.size()`` in a method of ``AsyncStore(Store)`` runs ``AsyncStore.size`` when the class
defines one, whatever ``Store.size`` does; with several bases (mixins) the first class in the
MRO that defines the name wins, and ``super().size()`` continues after the current class. So a
call through ``self``, ``cls`` or ``super()`` is looked up along the MRO, never depth-first
through the bases. Classes outside the project (unknown bases) take their place in the order,
but what they define cannot be seen, so the lookup passes over them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

# Bound on the classes one linearisation visits: deeper hierarchies are not real code.
_MAX_CLASSES = 256


def linearize(
    name: str, bases: Callable[[str], Sequence[str] | None], limit: int = _MAX_CLASSES
) -> list[str]:
    """The MRO of ``name`` given each class's direct bases (None: a class nobody defined here,
    which stands for itself). An inconsistent hierarchy (Python would refuse to create the
    class) falls back to depth-first order without repeats, so a lookup still finds something."""
    memo: dict[str, list[str]] = {}
    return _linearize(name, bases, memo, [], limit)


def _linearize(
    name: str,
    bases: Callable[[str], Sequence[str] | None],
    memo: dict[str, list[str]],
    stack: list[str],
    limit: int,
) -> list[str]:
    known = memo.get(name)
    if known is not None:
        return known
    direct = bases(name) or ()
    if name in stack or len(stack) > limit:
        return [name]  # a cycle (``class A(A)`` across modules) or an absurd depth
    stack.append(name)
    sequences = [_linearize(base, bases, memo, stack, limit) for base in direct]
    stack.pop()
    merged = _merge([*(list(seq) for seq in sequences), list(direct)])
    if merged is None:
        order = _depth_first(name, sequences)
    else:
        # A cycle brings the class back into its own bases' orders: it stands first, once.
        order = [name, *(item for item in merged if item != name)]
    memo[name] = order
    return order


def _merge(sequences: list[list[str]]) -> list[str] | None:
    result: list[str] = []
    while True:
        sequences = [seq for seq in sequences if seq]
        if not sequences:
            return result
        for seq in sequences:
            head = seq[0]
            if not any(head in other[1:] for other in sequences):
                break
        else:
            return None
        result.append(head)
        for seq in sequences:
            if seq[0] == head:
                del seq[0]


def _depth_first(name: str, sequences: Sequence[Sequence[str]]) -> list[str]:
    order = [name]
    for seq in sequences:
        order.extend(item for item in seq if item not in order)
    return order


def resolve(
    mro: Sequence[str], method: str, defines: Mapping[str, frozenset[str]], after: str | None = None
) -> str | None:
    """The first class along ``mro`` (past ``after`` for ``super()``) whose body defines
    ``method``; classes outside the project are passed over (their members cannot be seen)."""
    start = 0
    if after is not None:
        if after not in mro:
            return None
        start = mro.index(after) + 1
    for owner in mro[start:]:
        if method in defines.get(owner, ()):
            return owner
    return None
