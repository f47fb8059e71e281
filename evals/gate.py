"""The quality gate: thresholds per metric per suite (``evals/gates.json``, versioned), checked against
suite results, so that a regression in a model, a prompt or a template fails loudly.

``reconsult eval gate`` runs the gated suites (or the fast subset that ``make test`` runs) and exits non-zero
when any check fails; given result files, it checks those instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

GATES_FILE = Path(__file__).parent / "gates.json"


@dataclass(frozen=True)
class GateCheck:
    """One metric against its threshold."""

    suite: str
    metric: str
    value: float | None
    bound: str  # "min" or "max"
    threshold: float

    @property
    def passed(self) -> bool:
        """The value is present and on the right side of the threshold."""
        if self.value is None:
            return False
        return self.value >= self.threshold if self.bound == "min" else self.value <= self.threshold

    def line(self) -> str:
        """A row of the gate's table."""
        sign = ">=" if self.bound == "min" else "<="
        shown = "missing" if self.value is None else f"{self.value:g}"
        verdict = "pass" if self.passed else "FAIL"
        return f"{verdict:<5} {self.suite:<12} {self.metric:<44} {shown:>10} {sign} {self.threshold:g}"


@cache
def gates(path: Path = GATES_FILE) -> dict[str, Any]:
    """The gates file, parsed."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def check_result(result: dict[str, Any], config: dict[str, Any] | None = None) -> list[GateCheck]:
    """Every threshold of the result's suite, checked against its metrics."""
    suite = result["suite"]
    thresholds = (config or gates())["suites"].get(suite, {}).get("thresholds", {})
    checks = []
    for metric, rule in thresholds.items():
        bound = "min" if "min" in rule else "max"
        checks.append(GateCheck(suite, metric, _lookup(result["metrics"], metric), bound, float(rule[bound])))
    return checks


def _lookup(metrics: dict[str, Any], dotted: str) -> float | None:
    value: Any = metrics
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def planned_runs(fast: bool, config: dict[str, Any] | None = None) -> list[tuple[str, str, int | None]]:
    """The (suite, split, limit) runs of the full gate, or of the fast subset."""
    config = config or gates()
    suites: dict[str, Any] = config["suites"]
    chosen: Iterable[str] = config["fast"] if fast else suites
    return [
        (name, suites[name]["split"], (config["fast"].get(name) or {}).get("limit") if fast else None)
        for name in chosen
    ]


def run_gate(
    run_suite: Callable[..., dict[str, Any]],
    fast: bool,
    on_result: Callable[[dict[str, Any]], object],
    config: dict[str, Any] | None = None,
) -> list[GateCheck]:
    """Run the gated suites with ``run_suite`` and check each result (``on_result`` sees every result)."""
    config = config or gates()
    checks = []
    for suite, split, limit in planned_runs(fast, config):
        result = run_suite(suite, data=None, limit=limit, split=split)
        on_result(result)
        checks += check_result(result, config)
    return checks
