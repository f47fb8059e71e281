"""Small metric helpers shared by the suites."""

from __future__ import annotations


def ratio(numerator: int, denominator: int) -> float | None:
    """``numerator / denominator`` to four places; None when there is nothing to divide by."""
    return round(numerator / denominator, 4) if denominator else None


def f1(precision: float | None, recall: float | None) -> float | None:
    """The harmonic mean of precision and recall to four places (0 when both are 0; None when either is
    undefined)."""
    if precision is None or recall is None:
        return None
    return round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0
