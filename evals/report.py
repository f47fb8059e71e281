"""The QA report of an eval run: ``metrics.json``, ``report.md`` and a self-contained ``report.html`` (inline
CSS and SVG only: it opens offline) with every resampled metric's 95 % bootstrap interval, subgroup
breakdowns, confusion matrices, reliability diagrams, per-category recall bars and a sample of failures."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

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
            "subgroups": result.get("subgroups", {}),
            "failures": result.get("failures", []),
        }
        for result in results
    }
    (folder / "metrics.json").write_text(
        json.dumps({"run": meta, "suites": suites}, indent=2, sort_keys=True)
    )
    (folder / "report.md").write_text(_markdown(meta, suites))
    page = folder / "report.html"
    page.write_text(_html(meta, suites, {result["suite"]: result for result in results}))
    return page


def scalar_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    """The metrics that are single numbers (not breakdowns or counts of seconds)."""
    return {
        name: value
        for name, value in metrics.items()
        if isinstance(value, int | float) and not isinstance(value, bool) and name != "seconds"
    }


def _interval_text(interval: list[float] | None) -> str:
    return f"[{interval[0]:.3f}, {interval[1]:.3f}]" if interval else ""


def _markdown(meta: dict[str, Any], suites: dict[str, Any]) -> str:
    lines = [f"# Eval run {meta.get('run_id', '')}", "", f"Model: {meta.get('model', 'offline engine')}", ""]
    for name, suite in suites.items():
        lines += [
            f"## {name} ({suite['dataset']}, {suite['split']} split)",
            "",
            "| metric | value | 95 % CI |",
            "|---|---|---|",
        ]
        for metric, value in scalar_metrics(suite["metrics"]).items():
            lines.append(f"| {metric} | {value:g} | {_interval_text(suite['intervals'].get(metric))} |")
        for group_name, groups in suite["subgroups"].items():
            lines += ["", f"{group_name}:", ""]
            lines += [f"- {group}: {entry['value']} (n={entry['n']})" for group, entry in groups.items()]
        if suite["failures"]:
            lines += ["", "Failures (sample):", ""]
            lines += [f"- {json.dumps(failure, ensure_ascii=False)}" for failure in suite["failures"]]
        lines.append("")
    return "\n".join(lines)


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1a1a1a;max-width:70rem}
table{border-collapse:collapse;margin:.5rem 0 1rem}
th,td{border:1px solid #999;padding:.25rem .5rem;text-align:left}
th{background:#e8eef4}td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{display:inline-block;margin:0 1.5rem 1rem 0}figcaption{font-size:.9rem}
"""


def _html(meta: dict[str, Any], suites: dict[str, Any], results: dict[str, dict[str, Any]]) -> str:
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Eval run {_e(meta.get('run_id', ''))}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Eval run {_e(meta.get('run_id', ''))}</h1>",
        f"<p>Model: {_e(meta.get('model', 'offline engine'))}. Intervals: 95 % percentile bootstrap.</p>",
    ]
    for name, suite in suites.items():
        parts.append(
            f"<h2>{_e(name)} <small>({_e(suite['dataset'])}, {_e(suite['split'])} split)</small></h2>"
        )
        parts.append(_metrics_table(suite))
        parts += _figures(name, suite["metrics"], results[name])
        for group_name, groups in suite["subgroups"].items():
            rows = "".join(
                _el(
                    "tr",
                    _el("td", _e(group))
                    + _el("td", _e(entry["value"]), class_="num")
                    + _el("td", _e(entry["n"])),
                )
                for group, entry in groups.items()
            )
            parts.append(
                f"<h3>{_e(group_name)}</h3><table><tr><th>group</th><th>value</th><th>n</th></tr>{rows}</table>"
            )
        if suite["failures"]:
            items = "".join(
                f"<li><code>{_e(json.dumps(f, ensure_ascii=False))}</code></li>" for f in suite["failures"]
            )
            parts.append(f"<h3>Failures (sample)</h3><ul>{items}</ul>")
    parts.append("</body></html>")
    return "".join(parts)


def _metrics_table(suite: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{_e(metric)}</td><td class='num'>{value:g}</td>"
        f"<td class='num'>{_e(_interval_text(suite['intervals'].get(metric)))}</td></tr>"
        for metric, value in scalar_metrics(suite["metrics"]).items()
    )
    return f"<table><tr><th>metric</th><th>value</th><th>95 % CI</th></tr>{rows}</table>"


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
    return f"<figure>{svg}<figcaption>{_e(caption)}</figcaption></figure>"


def _confusion_svg(matrix: dict[str, dict[str, int]]) -> str:
    labels = sorted(set(matrix) | {p for row in matrix.values() for p in row})[:25]
    cell, margin = 22, 150
    size = margin + cell * len(labels)
    peak = max((count for row in matrix.values() for count in row.values()), default=1)
    parts = []
    for i, gold in enumerate(labels):
        row_y = margin + cell * i
        parts.append(_el("text", _e(gold[:22]), x=margin - 4, y=row_y + 15, font_size=10, text_anchor="end"))
        turn = f"translate({row_y + 14},{margin - 4}) rotate(-60)"
        parts.append(_el("text", _e(gold[:22]), transform=turn, font_size=10))
        for j, predicted in enumerate(labels):
            count = matrix.get(gold, {}).get(predicted, 0)
            shade = 255 - int(200 * count / peak) if count else 255
            tip = _el("title", f"{_e(gold)} to {_e(predicted)}: {count}")
            x = margin + cell * j
            fill = f"rgb({shade},{shade},255)"
            parts.append(_el("rect", tip, x=x, y=row_y, width=cell, height=cell, fill=fill, stroke="#999"))
            if count:
                parts.append(
                    _el("text", str(count), x=x + cell / 2, y=row_y + 15, font_size=9, text_anchor="middle")
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
        _el("rect", x=pad, y=pad, width=scale, height=scale, fill="none", stroke="#999"),
        _el("line", x1=pad, y1=size - pad, x2=size - pad, y2=pad, stroke="#bbb", stroke_dasharray=4),
        _el("text", "confidence", x=middle, y=size - 6, font_size=10, text_anchor="middle"),
        _el(
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
            _el(
                "circle",
                _el("title", f"n={count}"),
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
        parts.append(_el("text", _e(name), x=label - 4, y=y + 12, font_size=10, text_anchor="end"))
        parts.append(_el("rect", x=label, y=y, width=f"{value * span:.1f}", height=14, fill="#2e7d4f"))
        parts.append(_el("text", f"{value:.3f}", x=f"{label + value * span + 4:.1f}", y=y + 12, font_size=10))
    return _svg(width, height, parts)


def _svg(width: float, height: float, parts: list[str]) -> str:
    return _el(
        "svg", "".join(parts), xmlns="http://www.w3.org/2000/svg", width=width, height=height, role="img"
    )


def _el(tag: str, content: str = "", **attributes: Any) -> str:
    """An element. Attribute names use ``_`` for ``-`` (``font_size``), and a trailing ``_`` avoids a
    keyword (``class_``). ``content`` is markup: escape text before passing it."""
    names = {key: key.rstrip("_").replace("_", "-") for key in attributes}
    attrs = " ".join(f"{names[key]}='{_e(value)}'" for key, value in attributes.items())
    return f"<{tag} {attrs}>{content}</{tag}>"


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)
