"""Comparing two eval runs: metrics side by side with paired significance, regressions marked.

A run is a folder of suite results (what ``reconsult eval run --suite all`` writes), a single result file,
or the suites of a recorded run's ``metrics.json`` (intervals and per-item samples). Metrics resampled over
the same items in both runs get a paired bootstrap p-value, and McNemar's exact test where the items are
0/1 outcomes; a change for the worse with p < 0.05 is a regression. A metric without per-item samples is
compared by value only. ``write_comparison`` saves the comparison as a self-contained HTML page (and
markdown beside it) with both runs' 95 % bootstrap intervals.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from evals.markup import escape, interval_text, markdown_table, number_text, page, table
from evals.report import scalar_metrics, with_intervals
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
    first_interval: list[float] | None = None
    second_interval: list[float] | None = None

    @property
    def delta(self) -> float | None:
        """second - first."""
        return None if self.first is None or self.second is None else round(self.second - self.first, 4)

    @property
    def neutral(self) -> bool:
        """A count of what was scored or produced: a change is neither better nor worse."""
        return any(word in self.metric for word in _NEUTRAL)

    @property
    def worse(self) -> bool:
        """The second run is worse on this metric (never for a count of items)."""
        if self.delta is None or self.delta == 0 or self.neutral:
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

    @property
    def verdict(self) -> str:
        """REGRESSION, worse (not significantly), better, or empty (unchanged, or a count of items)."""
        if self.regression:
            return "REGRESSION"
        if self.worse:
            return "worse, not significant"
        return "better" if self.delta and not self.neutral else ""

    def tests_text(self) -> str:
        """The p-values of the paired tests that could be run."""
        return " ".join(
            f"{name} p={p:g}"
            for name, p in (("bootstrap", self.p_bootstrap), ("McNemar", self.p_mcnemar))
            if p is not None
        )

    def line(self) -> str:
        """A row of the comparison table."""
        shown = [number_text(value) for value in (self.first, self.second, self.delta)]
        values = f"{shown[0]:>9} {shown[1]:>9} {shown[2]:>9}"
        return f"{self.suite:<12} {self.metric:<36} {values}  {self.tests_text():<34} {self.verdict}"


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
        intervals = _intervals(a), _intervals(b)
        for metric in sorted(set(metrics_a) | set(metrics_b)):
            comparison = _compare_metric(suite, metric, metrics_a.get(metric), metrics_b.get(metric), a, b)
            comparisons.append(
                replace(
                    comparison,
                    first_interval=intervals[0].get(metric),
                    second_interval=intervals[1].get(metric),
                )
            )
    return comparisons


def _intervals(result: dict[str, Any]) -> dict[str, list[float]]:
    """A report's ``metrics.json`` suite (what a recorded run keeps) holds its intervals ready; a result file
    gets them from its samples."""
    return result.get("intervals") or with_intervals(result)


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


def default_output(first: Path, second: Path) -> Path:
    """``compare-<first>-vs-<second>.html`` beside the first run (in ``reports/evals`` for run folders)."""
    return first.parent / f"compare-{_run_name(first)}-vs-{_run_name(second)}.html"


def write_comparison(comparisons: list[MetricComparison], first: Path, second: Path, output: Path) -> Path:
    """Write the comparison as ``output`` (a self-contained page) and as markdown beside it."""
    output.parent.mkdir(parents=True, exist_ok=True)
    runs = (_run_label(first), _run_label(second))
    output.write_text(_comparison_html(comparisons, runs), encoding="utf-8")
    output.with_suffix(".md").write_text(_comparison_markdown(comparisons, runs), encoding="utf-8")
    return output


COMPARISON_HEADERS = (
    "metric",
    "first",
    "first 95 % CI",
    "second",
    "second 95 % CI",
    "difference",
    "paired tests",
    "verdict",
)
# What a row's colour says; the verdict column says it in words too, for readers who cannot see colour.
_ROW_CLASSES = {"REGRESSION": "regression", "worse, not significant": "worse", "better": "better"}


def _rows(comparisons: list[MetricComparison]) -> list[list[str]]:
    return [
        [
            c.metric,
            number_text(c.first),
            interval_text(c.first_interval),
            number_text(c.second),
            interval_text(c.second_interval),
            number_text(c.delta),
            c.tests_text(),
            c.verdict,
        ]
        for c in comparisons
    ]


def _by_suite(comparisons: list[MetricComparison]) -> dict[str, list[MetricComparison]]:
    suites: dict[str, list[MetricComparison]] = {}
    for comparison in comparisons:
        suites.setdefault(comparison.suite, []).append(comparison)
    return suites


def _summary(comparisons: list[MetricComparison], runs: tuple[str, str]) -> list[str]:
    regressions = [f"{c.suite} {c.metric}" for c in comparisons if c.regression]
    found = (
        f"{len(regressions)} REGRESSION(S): {', '.join(regressions)}." if regressions else "No regressions."
    )
    return [
        f"First run: {runs[0]}. Second run: {runs[1]}. Difference: second minus first.",
        "Intervals: 95 % percentile bootstrap over items. Paired tests over the same items: a bootstrap of"
        " the difference, and McNemar's exact test for 0/1 outcomes. A change for the worse is a"
        f" REGRESSION when p < {SIGNIFICANCE}, or when the metric has no per-item samples to test.",
        found,
    ]


def _comparison_html(comparisons: list[MetricComparison], runs: tuple[str, str]) -> str:
    title = f"Eval comparison: {runs[0]} vs {runs[1]}"
    parts = [f"<h1>{escape(title)}</h1>"] + [f"<p>{escape(line)}</p>" for line in _summary(comparisons, runs)]
    for suite, rows in _by_suite(comparisons).items():
        classes = [_ROW_CLASSES.get(row.verdict, "") for row in rows]
        parts.append(f"<h2>{escape(suite)}</h2>")
        parts.append(table(COMPARISON_HEADERS, _rows(rows), numeric=(1, 2, 3, 4, 5), row_classes=classes))
    return page(title, parts)


def _comparison_markdown(comparisons: list[MetricComparison], runs: tuple[str, str]) -> str:
    lines = [f"# Eval comparison: {runs[0]} vs {runs[1]}", ""]
    for line in _summary(comparisons, runs):
        lines += [line, ""]
    for suite, rows in _by_suite(comparisons).items():
        lines += [f"## {suite}", "", *markdown_table(COMPARISON_HEADERS, _rows(rows)), ""]
    return "\n".join(lines)


def _run_name(path: Path) -> str:
    return path.name if path.is_dir() else path.stem


def _run_label(path: Path) -> str:
    """The run's name, with the model it measured where its report folder says."""
    meta_file = path / "metrics.json" if path.is_dir() else path.parent / "metrics.json"
    if meta_file.is_file():
        model = json.loads(meta_file.read_text(encoding="utf-8")).get("run", {}).get("model")
        if model:
            return f"{_run_name(path)} ({model})"
    return _run_name(path)
