"""What a suite reports beside its metrics, for the QA report: per-item samples (for confidence intervals and
paired comparisons), confidence-and-outcome pairs (for reliability diagrams), subgroup breakdowns and a few
failures (synthetic or public, de-identified data only)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from evals.metrics import ratio
from evals.stats import Sample

MAX_FAILURES = 10


@dataclass
class Details:
    """Collected while a suite runs; ``as_json`` adds it to the result."""

    samples: dict[str, Sample] = field(default_factory=dict)
    reliability: dict[str, list[tuple[float, bool]]] = field(default_factory=dict)
    subgroups: dict[str, dict[str, dict[str, float | int | None]]] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)

    def outcomes(self, metric: str, outcomes: Sequence[bool]) -> None:
        """A 0/1 outcome per item of ``metric``."""
        self.samples[metric] = Sample.of_outcomes(outcomes)

    def by_group(self, breakdown: str, outcomes: Iterable[tuple[str, bool]]) -> None:
        """A 0/1 outcome per item with the item's group: the share and count per group."""
        groups: dict[str, list[bool]] = defaultdict(list)
        for group, outcome in outcomes:
            groups[group].append(outcome)
        self.subgroups[breakdown] = {
            name: {"n": len(values), "value": ratio(sum(values), len(values))}
            for name, values in sorted(groups.items())
        }

    def ratios(self, metric: str, numerators: Sequence[float], denominators: Sequence[float]) -> None:
        """Per-item parts of a ratio-of-sums metric (a precision, a recall)."""
        self.samples[metric] = Sample(list(numerators), list(denominators))

    def as_json(self) -> dict[str, Any]:
        """The details as result-file keys."""
        return {
            "samples": {name: sample.as_json() for name, sample in self.samples.items()},
            "reliability": {name: [list(pair) for pair in pairs] for name, pairs in self.reliability.items()},
            "subgroups": self.subgroups,
            "failures": self.failures[:MAX_FAILURES],
        }
