"""The soak counts a run green only when pytest said so and nothing failed, erred or skipped."""

from __future__ import annotations

from bench.soak import Run, counts_of, table

SUMMARY = "==== 2 failed, 981 passed, 1 skipped, 3 warnings in 540.12s (0:09:00) ===="


def test_counts_come_from_the_last_summary_line() -> None:
    output = "tests/a.py ..F\n1 passed in the middle of a test name\n" + SUMMARY + "\n"
    assert counts_of(output) == {"failed": 2, "passed": 981, "skipped": 1}


def test_a_run_with_failures_or_skips_is_not_green_even_if_exit_code_is_zero() -> None:
    clean = Run(1, 0, {"passed": 983}, 540.0, 3.9, "abc1234")
    skipped = Run(2, 0, {"passed": 982, "skipped": 1}, 540.0, 3.9, "abc1234")
    failed = Run(3, 1, {"passed": 982, "failed": 1}, 540.0, 3.9, "abc1234")
    empty = Run(4, 0, {}, 1.0, 0.1, "abc1234")
    assert clean.green
    assert not skipped.green
    assert not failed.green
    # A run that passed nothing (pytest crashed at start, or selected no test) proves nothing.
    assert not empty.green
    assert not Run(5, 2, {}, 1.0, 0.1, "abc1234").green
    assert table([clean, skipped, failed], 2).endswith("1/3 full runs green with 2 CPU burners")
