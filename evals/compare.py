"""Comparing two eval runs: metrics side by side with paired significance, regressions marked.

A run is a folder of suite results (what ``reconsult eval run --suite all`` writes) or a single result
file. Metrics resampled over the same items in both runs get a paired bootstrap p-value, and McNemar's
exact test where the items are 0/1 outcomes; a change for the worse with p < 0.05 is a regression. A
metric without per-item samples is compared by value only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.report import scalar_metrics
from evals.stats import Sample, mcnemar, paired_bootstrap

SIGNIFICANCE = 0.05
# Metrics where a lower value is better; every other metric is better higher.
_LOWER_IS_BETTER = ("rate", "leaks", "ece", "uncited", "dropped", "below_urgent", "seconds", "model_calls")
_HIGHER_IS_BETTER = ("accuracy", "recall", "precision", "f1", "coverage", "top1", "top3", "completeness")
# Counts of what was scored or produced: neither better nor worse by themselves.
_NEUTRAL = (
    "predicted",
    "items",
    "sentences",
    "texts",
    "notes",
    "vignettes",
    "cases",
    "drafts",
    "patients",
    "gold",
    "summaries",
    "entities",
    "flagged",
)


@dataclass(frozen=True)
class MetricComparison:
    """One metric of one suite in both runs."""

    suite: str
    metric: str
    first: float | None
    second: float | None
    p_bootstrap: float | None = None
    p_mcnemar: float | None = None

    @property
    def delta(self) -> float | None:
        """second - first."""
        return None if self.first is None or self.second is None else round(self.second - self.first, 4)

    @property
    def worse(self) -> bool:
        """The second run is worse on this metric (never for a count of items)."""
        if self.delta is None or self.delta == 0 or any(word in self.metric for word in _NEUTRAL):
            return False
        return self.delta > 0 if lower_is_better(self.metric) else self.delta < 0

    @property
    def regression(self) -> bool:
        """Worse, and significantly so where the metric could be tested (McNemar's exact test for 0/1
        outcomes, else the paired bootstrap)."""
        if not self.worse:
            return False
        p_value = self.p_mcnemar if self.p_mcnemar is not None else self.p_bootstrap
        return p_value is None or p_value < SIGNIFICANCE

    def line(self) -> str:
        """A row of the comparison table."""
        shown = [("-" if v is None else f"{v:g}") for v in (self.first, self.second, self.delta)]
        tests = " ".join(
            f"{name} p={p:g}"
            for name, p in (("bootstrap", self.p_bootstrap), ("McNemar", self.p_mcnemar))
            if p is not None
        )
        mark = "REGRESSION" if self.regression else ("worse" if self.worse else "")
        values = f"{shown[0]:>9} {shown[1]:>9} {shown[2]:>9}"
        return f"{self.suite:<12} {self.metric:<36} {values}  {tests:<34} {mark}"


def lower_is_better(metric: str) -> bool:
    """Whether a lower value of ``metric`` is the better one."""
    if any(word in metric for word in _HIGHER_IS_BETTER):
        return False
    return any(word in metric for word in _LOWER_IS_BETTER)


def load_run(path: Path) -> dict[str, dict[str, Any]]:
    """The suite results of a run folder (the newest per suite), or of one result file, by suite."""
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    results = {}
    for file in files:
        data = json.loads(file.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "suite" in data and "metrics" in data:
            results[data["suite"]] = data
    return results


def compare_runs(
    first: dict[str, dict[str, Any]], second: dict[str, dict[str, Any]]
) -> list[MetricComparison]:
    """Every scalar metric of every suite the two runs share."""
    comparisons = []
    for suite in sorted(set(first) & set(second)):
        a, b = first[suite], second[suite]
        metrics_a, metrics_b = scalar_metrics(a["metrics"]), scalar_metrics(b["metrics"])
        for metric in sorted(set(metrics_a) | set(metrics_b)):
            comparisons.append(
                _compare_metric(suite, metric, metrics_a.get(metric), metrics_b.get(metric), a, b)
            )
    return comparisons


def _compare_metric(
    suite: str, metric: str, first: float | None, second: float | None, a: dict[str, Any], b: dict[str, Any]
) -> MetricComparison:
    sample_a, sample_b = a.get("samples", {}).get(metric), b.get("samples", {}).get(metric)
    if not sample_a or not sample_b or len(sample_a["numerators"]) != len(sample_b["numerators"]):
        return MetricComparison(suite, metric, first, second)
    one, two = Sample.from_json(sample_a), Sample.from_json(sample_b)
    _, p_bootstrap = paired_bootstrap(one, two)
    binary = all(d == 1 for d in [*one.denominators, *two.denominators])
    p_mcnemar = mcnemar(one.numerators, two.numerators) if binary else None
    return MetricComparison(suite, metric, first, second, p_bootstrap, p_mcnemar)
