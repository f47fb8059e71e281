"""The QA report of an eval run: ``metrics.json``, ``report.md`` and a self-contained ``report.html`` (inline
CSS and SVG only: it opens offline) with every resampled metric's 95 % bootstrap interval, subgroup
breakdowns, confusion matrices, reliability diagrams, per-category recall bars and a sample of failures."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from evals.markup import element, escape, interval_text, markdown_table, number_text, page, table
from evals.stats import Sample, bootstrap_interval

RELIABILITY_BINS = 10


def with_intervals(result: dict[str, Any]) -> dict[str, list[float]]:
    """The 95 % bootstrap interval of every metric the result has per-item samples for."""
    intervals = {}
    for name, data in result.get("samples", {}).items():
        interval = bootstrap_interval(Sample.from_json(data))
        if interval is not None:
            intervals[name] = list(interval)
    return intervals


def write_report(results: list[dict[str, Any]], folder: Path, meta: dict[str, Any]) -> Path:
    """Write the report folder; returns the path of ``report.html``."""
    folder.mkdir(parents=True, exist_ok=True)
    suites = {
        result["suite"]: {
            "dataset": result.get("dataset"),
            "split": result.get("split"),
            "metrics": result["metrics"],
            "intervals": with_intervals(result),
            # Kept so a recorded run (the database keeps metrics.json) can be compared with paired tests.
            "samples": result.get("samples", {}),
            "subgroups": result.get("subgroups", {}),
            "failures": result.get("failures", []),
        }
        for result in results
    }
    (folder / "metrics.json").write_text(
        json.dumps({"run": meta, "suites": suites}, indent=2, sort_keys=True)
    )
    (folder / "report.md").write_text(_markdown(meta, suites))
    html_file = folder / "report.html"
    html_file.write_text(_html(meta, suites, {result["suite"]: result for result in results}))
    return html_file


def scalar_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    """The metrics that are single numbers (not breakdowns or counts of seconds)."""
    return {
        name: value
        for name, value in metrics.items()
        if isinstance(value, int | float) and not isinstance(value, bool) and name != "seconds"
    }


def _markdown(meta: dict[str, Any], suites: dict[str, Any]) -> str:
    lines = [f"# Eval run {meta.get('run_id', '')}", "", f"Model: {meta.get('model', 'offline engine')}", ""]
    for name, suite in suites.items():
        lines += [f"## {name} ({suite['dataset']}, {suite['split']} split)", ""]
        lines += markdown_table(METRIC_HEADERS, _metric_rows(suite))
        for breakdown, groups in suite["subgroups"].items():
            lines += ["", f"{breakdown}:", ""]
            lines += markdown_table(GROUP_HEADERS, _group_rows(groups))
        if suite["failures"]:
            lines += ["", "Failures (sample):", ""]
            lines += [f"- {json.dumps(failure, ensure_ascii=False)}" for failure in suite["failures"]]
        lines.append("")
    return "\n".join(lines)


METRIC_HEADERS = ("metric", "value", "95 % CI")
GROUP_HEADERS = ("group", "value", "95 % CI", "n")


def _metric_rows(suite: dict[str, Any]) -> list[list[str]]:
    return [
        [metric, f"{value:g}", interval_text(suite["intervals"].get(metric))]
        for metric, value in scalar_metrics(suite["metrics"]).items()
    ]


def _group_rows(groups: dict[str, dict[str, Any]]) -> list[list[str]]:
    """A row per subgroup (breakdowns written before intervals were added have none)."""
    return [
        [group, number_text(entry["value"]), interval_text(entry.get("interval")), str(entry["n"])]
        for group, entry in groups.items()
    ]


def _html(meta: dict[str, Any], suites: dict[str, Any], results: dict[str, dict[str, Any]]) -> str:
    run_id, model = escape(meta.get("run_id", "")), escape(meta.get("model", "offline engine"))
    parts = [
        f"<h1>Eval run {run_id}</h1>",
        f"<p>Model: {model}. Intervals: 95 % percentile bootstrap over items.</p>",
    ]
    for name, suite in suites.items():
        source = escape(f"({suite['dataset']}, {suite['split']} split)")
        parts.append(f"<h2>{escape(name)} <small>{source}</small></h2>")
        parts.append(table(METRIC_HEADERS, _metric_rows(suite), numeric=(1, 2)))
        parts += _figures(name, suite["metrics"], results[name])
        for breakdown, groups in suite["subgroups"].items():
            parts.append(element("h3", escape(breakdown)))
            parts.append(table(GROUP_HEADERS, _group_rows(groups), numeric=(1, 2, 3)))
        if suite["failures"]:
            shown = (escape(json.dumps(failure, ensure_ascii=False)) for failure in suite["failures"])
            items = "".join(f"<li><code>{text}</code></li>" for text in shown)
            parts.append(f"<h3>Failures (sample)</h3><ul>{items}</ul>")
    return page(f"Eval run {meta.get('run_id', '')}", parts)


def _figures(name: str, metrics: dict[str, Any], result: dict[str, Any]) -> list[str]:
    figures = []
    for key in ("urgency_confusion", "subspecialty_confusion"):
        if isinstance(metrics.get(key), dict) and metrics[key]:
            figures.append(
                _figure(_confusion_svg(metrics[key]), f"Confusion matrix: {key.split('_')[0]} (gold rows)")
            )
    for label, pairs in result.get("reliability", {}).items():
        figures.append(_figure(_reliability_svg(pairs), f"Reliability diagram: {label}"))
    for key in ("recall_by_category", "synthea_recall_by_category"):
        if isinstance(metrics.get(key), dict) and metrics[key]:
            figures.append(_figure(_bars_svg(metrics[key]), f"{name}: recall by category"))
    return figures


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>"


def _confusion_svg(matrix: dict[str, dict[str, int]]) -> str:
    labels = sorted(set(matrix) | {p for row in matrix.values() for p in row})[:25]
    cell, margin = 22, 150
    size = margin + cell * len(labels)
    peak = max((count for row in matrix.values() for count in row.values()), default=1)
    parts = []
    for i, gold in enumerate(labels):
        row_y = margin + cell * i
        parts.append(
            element("text", escape(gold[:22]), x=margin - 4, y=row_y + 15, font_size=10, text_anchor="end")
        )
        turn = f"translate({row_y + 14},{margin - 4}) rotate(-60)"
        parts.append(element("text", escape(gold[:22]), transform=turn, font_size=10))
        for j, predicted in enumerate(labels):
            count = matrix.get(gold, {}).get(predicted, 0)
            shade = 255 - int(200 * count / peak) if count else 255
            tip = element("title", f"{escape(gold)} to {escape(predicted)}: {count}")
            x = margin + cell * j
            fill = f"rgb({shade},{shade},255)"
            parts.append(
                element("rect", tip, x=x, y=row_y, width=cell, height=cell, fill=fill, stroke="#999")
            )
            if count:
                parts.append(
                    element(
                        "text", str(count), x=x + cell / 2, y=row_y + 15, font_size=9, text_anchor="middle"
                    )
                )
    return _svg(size, size, parts)


def reliability_bins(pairs: Iterable[tuple[float, bool] | list[Any]]) -> list[tuple[float, float, int]]:
    """(mean confidence, accuracy, count) per equal-width confidence bin that holds items."""
    bins: list[list[tuple[float, bool]]] = [[] for _ in range(RELIABILITY_BINS)]
    for confidence, correct in pairs:
        index = min(int(float(confidence) * RELIABILITY_BINS), RELIABILITY_BINS - 1)
        bins[index].append((float(confidence), bool(correct)))
    return [
        (sum(c for c, _ in members) / len(members), sum(ok for _, ok in members) / len(members), len(members))
        for members in bins
        if members
    ]


def _reliability_svg(pairs: list[Any]) -> str:
    size, pad = 220, 30
    scale = size - 2 * pad
    middle = size / 2
    parts = [
        element("rect", x=pad, y=pad, width=scale, height=scale, fill="none", stroke="#999"),
        element("line", x1=pad, y1=size - pad, x2=size - pad, y2=pad, stroke="#bbb", stroke_dasharray=4),
        element("text", "confidence", x=middle, y=size - 6, font_size=10, text_anchor="middle"),
        element(
            "text",
            "accuracy",
            x=10,
            y=middle,
            font_size=10,
            transform=f"rotate(-90 10 {middle})",
            text_anchor="middle",
        ),
    ]
    for confidence, accuracy, count in reliability_bins(pairs):
        x, y = pad + confidence * scale, size - pad - accuracy * scale
        radius = 2 + min(count, 40) / 8
        parts.append(
            element(
                "circle",
                element("title", f"n={count}"),
                cx=f"{x:.1f}",
                cy=f"{y:.1f}",
                r=f"{radius:.1f}",
                fill="#1f5fa8",
            )
        )
    return _svg(size, size, parts)


def _bars_svg(values: dict[str, Any]) -> str:
    rows = [(name, float(value)) for name, value in values.items() if isinstance(value, int | float)]
    height, width, label = 18 * len(rows) + 10, 360, 140
    span = width - label - 40
    parts = []
    for i, (name, value) in enumerate(rows):
        y = 5 + 18 * i
        parts.append(element("text", escape(name), x=label - 4, y=y + 12, font_size=10, text_anchor="end"))
        parts.append(element("rect", x=label, y=y, width=f"{value * span:.1f}", height=14, fill="#2e7d4f"))
        parts.append(
            element("text", f"{value:.3f}", x=f"{label + value * span + 4:.1f}", y=y + 12, font_size=10)
        )
    return _svg(width, height, parts)


def _svg(width: float, height: float, parts: list[str]) -> str:
    return element(
        "svg", "".join(parts), xmlns="http://www.w3.org/2000/svg", width=width, height=height, role="img"
    )
