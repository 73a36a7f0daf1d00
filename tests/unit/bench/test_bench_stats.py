"""The bench's summaries: a wrong percentile would misstate every latency and speed-up."""

from __future__ import annotations

import math

import pytest

from bench.stats import Latency, Summary, percentile, ratio


def test_percentile_interpolates_between_ranks() -> None:
    samples = [4.0, 1.0, 3.0, 2.0]
    assert percentile(samples, 0.0) == 1.0
    assert percentile(samples, 1.0) == 4.0
    assert percentile(samples, 0.5) == pytest.approx(2.5)
    assert percentile(samples, 0.25) == pytest.approx(1.75)


def test_percentile_of_one_sample_is_that_sample() -> None:
    assert percentile([7.0], 0.99) == 7.0


@pytest.mark.parametrize("fraction", [-0.1, 1.5])
def test_percentile_rejects_fractions_outside_unit_interval(fraction: float) -> None:
    with pytest.raises(ValueError, match="outside"):
        percentile([1.0], fraction)


def test_percentile_rejects_no_samples() -> None:
    with pytest.raises(ValueError, match="no samples"):
        percentile([], 0.5)


def test_summary_reports_median_and_spread() -> None:
    summary = Summary.of([3.0, 1.0, 2.0, 10.0, 4.0])
    assert summary.count == 5
    assert summary.median == 3.0
    assert (summary.minimum, summary.maximum) == (1.0, 10.0)
    assert (summary.q1, summary.q3) == (2.0, 4.0)
    assert summary.as_json()["median"] == 3.0


def test_latency_tail_is_not_the_median() -> None:
    samples = [0.001] * 99 + [1.0]
    latency = Latency.of(samples)
    assert latency.p50 == pytest.approx(0.001)
    assert latency.p99 > 0.001
    assert latency.maximum == 1.0
    assert latency.count == 100


def test_ratio_of_zero_denominator_is_infinite_not_a_crash() -> None:
    assert ratio(2.0, 0.0) == math.inf
    assert ratio(6.0, 3.0) == 2.0
