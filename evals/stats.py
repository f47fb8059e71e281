"""Confidence intervals and paired significance for eval metrics.

A suite reports, beside each aggregate metric it can resample, the per-item parts of it: a numerator and a
denominator per item (a note, a vignette, a case), so that the metric is ``sum(numerators) /
sum(denominators)`` (an accuracy has a denominator of 1 per item; a precision has the item's predicted
count). Resampling items with replacement gives a 95 % percentile bootstrap interval; two runs over the
same items in the same order are compared with a paired bootstrap of the difference and, for 0/1 outcomes,
McNemar's exact test.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

BOOTSTRAP_SAMPLES = 2_000
SEED = 20_261_128  # fixed: the same samples give the same interval on every run


@dataclass(frozen=True)
class Sample:
    """Per-item numerators and denominators of one metric."""

    numerators: Sequence[float]
    denominators: Sequence[float]

    @property
    def value(self) -> float | None:
        """The metric over all items."""
        total = float(sum(self.denominators))
        return float(sum(self.numerators)) / total if total else None

    def as_json(self) -> dict[str, list[float]]:
        """The sample as plain lists (for a result file)."""
        return {"numerators": list(self.numerators), "denominators": list(self.denominators)}

    @classmethod
    def of_outcomes(cls, outcomes: Sequence[bool | int]) -> Sample:
        """A 0/1 outcome per item (an accuracy, a rate)."""
        return cls([float(outcome) for outcome in outcomes], [1.0] * len(outcomes))

    @classmethod
    def from_json(cls, data: dict[str, list[float]]) -> Sample:
        """A sample read back from a result file."""
        return cls(data["numerators"], data["denominators"])


def bootstrap_interval(sample: Sample, level: float = 0.95) -> tuple[float, float] | None:
    """The percentile bootstrap interval of the metric (None when it is undefined)."""
    if sample.value is None:
        return None
    values = _resampled(sample, _indices(len(sample.numerators)))
    values = values[~np.isnan(values)]
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return round(float(low), 4), round(float(high), 4)


def paired_bootstrap(first: Sample, second: Sample) -> tuple[float, float]:
    """The difference ``second - first`` over the same items, and its two-sided bootstrap p-value."""
    if len(first.numerators) != len(second.numerators):
        raise ValueError("a paired comparison needs the same items in both runs")
    indices = _indices(len(first.numerators))
    differences = _resampled(second, indices) - _resampled(first, indices)
    differences = differences[~np.isnan(differences)]
    observed = (second.value or 0.0) - (first.value or 0.0)
    if not len(differences):
        return observed, 1.0
    below, above = float(np.mean(differences <= 0)), float(np.mean(differences >= 0))
    return round(observed, 4), round(min(1.0, 2 * min(below, above)), 4)


def mcnemar(first: Sequence[float], second: Sequence[float]) -> float:
    """McNemar's exact two-sided p-value for paired 0/1 outcomes (1 when no item changed)."""
    only_first = sum(1 for a, b in zip(first, second, strict=True) if a and not b)
    only_second = sum(1 for a, b in zip(first, second, strict=True) if b and not a)
    changed = only_first + only_second
    if not changed:
        return 1.0
    tail = sum(math.comb(changed, k) for k in range(min(only_first, only_second) + 1)) / 2**changed
    return round(min(1.0, 2 * float(tail)), 4)


def _indices(count: int) -> np.ndarray:
    generator = np.random.default_rng(SEED)
    indices: np.ndarray = generator.integers(0, count, size=(BOOTSTRAP_SAMPLES, count))
    return indices


def _resampled(sample: Sample, indices: np.ndarray) -> np.ndarray:
    numerators = np.asarray(sample.numerators, dtype=float)[indices].sum(axis=1)
    denominators = np.asarray(sample.denominators, dtype=float)[indices].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        result: np.ndarray = numerators / denominators
    return result
