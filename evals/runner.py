"""Running suites by name and keeping their results."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evals import deid_suite, discrepancy_suite, drafting_suite, summary_suite, triage_suite
from llm.gateway import Gateway

Suite = Callable[..., dict[str, Any]]
Digest = Callable[[dict[str, Any]], list[str]]


# Suites whose model calls go through the gateway (de-identification and triage run their own models).
GATEWAY_SUITES = frozenset({"summary", "discrepancy", "drafting"})


def run_suite(
    name: str, *, data: Path | None, limit: int | None, split: str, gateway: Gateway | None = None
) -> dict[str, Any]:
    """Run one suite (with ``gateway`` for the suites that call models through it); KeyError for an unknown
    suite name."""
    if gateway is not None and name in GATEWAY_SUITES:
        return SUITES[name][0](data=data, limit=limit, split=split, gateway=gateway)
    return SUITES[name][0](data=data, limit=limit, split=split)


def summary_lines(result: dict[str, Any]) -> list[str]:
    """A readable digest of any suite's result."""
    return SUITES[result["suite"]][1](result)


def write_result(result: dict[str, Any], output_dir: Path) -> Path:
    """Save a result as JSON under ``output_dir``, named by suite and time."""
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = output_dir / f"{result['suite']}-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, sort_keys=True))
    return path


def deid_lines(result: dict[str, Any]) -> list[str]:
    """A readable digest of a deid-style result: ours against the baseline."""
    metrics, baseline = result["metrics"], result["metrics"].get("baseline", {})
    lines = [f"suite {result['suite']} on {result['dataset']} ({result.get('split', 'all')} split)"]
    lines.append(f"{'metric':<24}{'reconsult':>12}{'baseline':>12}")
    for key in ("recall", "precision", "f1", "leaks", "over_redaction_rate"):
        lines.append(f"{key:<24}{metrics[key]!s:>12}{baseline.get(key, '')!s:>12}")
    token, base_token = metrics.get("token", {}), baseline.get("token", {})
    for key in ("recall", "precision", "f1"):
        lines.append(f"{'token ' + key:<24}{token.get(key, '')!s:>12}{base_token.get(key, '')!s:>12}")
    lines.append("recall by category:")
    for category, value in metrics["recall_by_category"].items():
        support = metrics.get("support_by_category", {}).get(category, "")
        base = baseline.get("recall_by_category", {}).get(category, "")
        lines.append(f"  {category:<22}{value!s:>12}{base!s:>12}   n={support}")
    for name, scores in metrics.get("by_dataset", {}).items():
        base = baseline.get("by_dataset", {}).get(name, {})
        lines.append(
            f"dataset {name}: recall {scores['recall']} precision {scores['precision']}"
            f" leaks {scores['leaks']}"
            f"  (baseline recall {base.get('recall')} precision {base.get('precision')}"
            f" leaks {base.get('leaks')})"
        )
    for case, scores in metrics.get("by_case", {}).items():
        lines.append(f"{case}-case notes: recall {scores['recall']} precision {scores['precision']}")
    return lines


# Each suite: how to run it, and how to print its result for a person.
SUITES: dict[str, tuple[Suite, Digest]] = {
    "deid": (deid_suite.run, deid_lines),
    "summary": (summary_suite.run, summary_suite.summary_lines),
    "triage": (triage_suite.run, triage_suite.summary_lines),
    "discrepancy": (discrepancy_suite.run, discrepancy_suite.summary_lines),
    "drafting": (drafting_suite.run, drafting_suite.summary_lines),
}
