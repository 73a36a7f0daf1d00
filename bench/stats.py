"""Summaries of repeated measurements: median with spread, percentiles, and ratios.

One number per measurement hides noise on a shared 2-core machine; every figure the bench prints
is a median with its spread, computed here so the table and the JSON agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Linear-interpolation percentile (numpy's default); ``fraction`` in [0, 1]."""
    if not samples:
        raise ValueError("percentile of no samples")
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction {fraction} outside [0, 1]")
    ordered = sorted(samples)
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = math.ceil(position)
    weight = position - low
    return ordered[low] + (ordered[high] - ordered[low]) * weight


@dataclass(frozen=True)
class Summary:
    """Median and spread of repeated samples of one quantity."""

    count: int
    median: float
    minimum: float
    maximum: float
    q1: float
    q3: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Summary:
        return cls(
            count=len(samples),
            median=percentile(samples, 0.5),
            minimum=min(samples),
            maximum=max(samples),
            q1=percentile(samples, 0.25),
            q3=percentile(samples, 0.75),
        )

    def as_json(self) -> dict[str, float | int]:
        return asdict(self)


@dataclass(frozen=True)
class Latency:
    """Request latencies under load: the tail matters more than the median."""

    count: int
    p50: float
    p99: float
    maximum: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Latency:
        return cls(
            count=len(samples),
            p50=percentile(samples, 0.5),
            p99=percentile(samples, 0.99),
            maximum=max(samples),
        )

    def as_json(self) -> dict[str, float | int]:
        return asdict(self)


def ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``; infinite when the denominator is zero (never a crash)."""
    if denominator == 0:
        return math.inf
    return numerator / denominator
