"""The verdict on the values a progress bar showed (the browser depth of the wiring check)."""

from __future__ import annotations

import pytest

from loopwire.wiring.observed.browser import assert_progress_bar_moved, progress_bar_problems


def test_a_bar_that_moved_through_intermediate_values_passes() -> None:
    assert progress_bar_problems([0, 0, 12, 25, 37, 50, 100, 100]) == []
    assert_progress_bar_moved([0, 12, 25, 37, 100])


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ([0, 0, 0, 0], "0 distinct values strictly between 0% and 100%"),
        ([0, 100], "0 distinct values strictly between 0% and 100%"),
        ([0, 50, 50, 50, 100], "1 distinct values strictly between"),
        ([0, 25, 50, 40, 75, 100], "went backwards: 50% -> 40%"),
        ([0, 25, 50, 75], "did not end at 100% (last value: 75%)"),
        ([], "did not end at 100% (last value: nothing)"),
    ],
)
def test_a_bar_that_did_not_really_move_fails(values: list[float], problem: str) -> None:
    with pytest.raises(AssertionError, match="progress bar did not show real progress") as caught:
        assert_progress_bar_moved(values)
    assert problem in str(caught.value)


def test_unfinished_bars_can_be_judged_without_the_final_100() -> None:
    assert progress_bar_problems([0, 10, 20, 30], finished=False) == []
    assert progress_bar_problems([5, 10, 20], intermediate=4, finished=False) == [
        "the bar showed 3 distinct values strictly between 0% and 100% ([5, 10, 20]); "
        "at least 4 required"
    ]
