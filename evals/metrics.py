"""Small metric helpers shared by the suites."""

from __future__ import annotations


def ratio(numerator: int, denominator: int) -> float | None:
    """``numerator / denominator`` to four places; None when there is nothing to divide by."""
    return round(numerator / denominator, 4) if denominator else None
