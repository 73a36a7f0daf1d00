"""Spreading per-file work over a process pool, shared by the linter and the wiring check.

Parsing dominates both, and each file's parse is independent; what costs is pickling and the
pool's round trips, so files go out in a few batches of similar total size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Executor

Item = TypeVar("Item")
Result = TypeVar("Result")


def map_batched(
    pool: Executor,
    jobs: int,
    function: Callable[..., list[Result]],
    items: Sequence[Item],
    size: Callable[[Item], int],
    *args: Any,
) -> list[Result]:
    """``function(batch, *args)`` over batches of ``items`` in ``pool``; one result per item, in
    the order of ``items``. ``function`` returns one result per item of its batch."""
    # Largest first, dealt round-robin: chunks of similar cost, few pickling round trips.
    order = sorted(range(len(items)), key=lambda i: -size(items[i]))
    chunks = min(len(items), jobs * 4)
    batches = [order[start::chunks] for start in range(chunks)]
    futures = [pool.submit(function, [items[i] for i in batch], *args) for batch in batches]
    results: dict[int, Result] = {}
    for batch, future in zip(batches, futures, strict=True):
        results.update(zip(batch, future.result(), strict=True))
    return [results[i] for i in range(len(items))]
