"""What a suite reports beside its metrics, for the QA report: per-item samples (for confidence intervals and
paired comparisons), confidence-and-outcome pairs (for reliability diagrams), subgroup breakdowns and a few
failures (synthetic or public, de-identified data only)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from evals.stats import Sample, bootstrap_interval

MAX_FAILURES = 10


@dataclass
class Details:
    """Collected while a suite runs; ``as_json`` adds it to the result."""

    samples: dict[str, Sample] = field(default_factory=dict)
    reliability: dict[str, list[tuple[float, bool]]] = field(default_factory=dict)
    subgroups: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)

    def outcomes(self, metric: str, outcomes: Sequence[bool]) -> None:
        """A 0/1 outcome per item of ``metric``."""
        self.samples[metric] = Sample.of_outcomes(outcomes)

    def ratios(self, metric: str, numerators: Sequence[float], denominators: Sequence[float]) -> None:
        """Per-item parts of a ratio-of-sums metric (a precision, a recall)."""
        self.samples[metric] = Sample(list(numerators), list(denominators))

    def by_groups(self, metric: str, groupings: Mapping[str, Sequence[str]]) -> None:
        """``metric`` (already sampled per item) broken down by each grouping of the items, a group per item
        in sample order: ``{"sex": [...]}`` gives the breakdown ``<metric>_by_sex``."""
        sample = self.samples[metric]
        for grouping, groups in groupings.items():
            parts = zip(groups, sample.numerators, sample.denominators, strict=True)
            self._breakdown(f"{metric}_by_{grouping}", parts)

    def _breakdown(self, breakdown: str, parts: Iterable[tuple[str, float, float]]) -> None:
        """Per group of items the metric, its 95 % bootstrap interval (small groups get wide ones, which is
        the point of showing them) and the number of items."""
        groups: dict[str, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
        for group, numerator, denominator in parts:
            groups[group][0].append(numerator)
            groups[group][1].append(denominator)
        self.subgroups[breakdown] = {
            name: _group_entry(Sample(*values)) for name, values in sorted(groups.items())
        }

    def as_json(self) -> dict[str, Any]:
        """The details as result-file keys."""
        return {
            "samples": {name: sample.as_json() for name, sample in self.samples.items()},
            "reliability": {name: [list(pair) for pair in pairs] for name, pairs in self.reliability.items()},
            "subgroups": self.subgroups,
            "failures": self.failures[:MAX_FAILURES],
        }


def _group_entry(sample: Sample) -> dict[str, Any]:
    interval = bootstrap_interval(sample)
    value = None if sample.value is None else round(sample.value, 4)
    return {"n": len(sample.numerators), "value": value, "interval": list(interval) if interval else None}
