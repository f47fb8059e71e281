"""The quality gate: thresholds checked against results, and the command failing on a regression."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from evals.gate import check_result, gates, planned_runs

RESULT = {
    "suite": "drafting",
    "metrics": {"citation_coverage": 0.97, "uncited_numbers": 1, "by": {"nested": 0.5}},
}
CONFIG = {
    "suites": {
        "drafting": {
            "split": "test",
            "thresholds": {
                "citation_coverage": {"min": 0.95},
                "uncited_numbers": {"max": 0},
                "by.nested": {"min": 0.4},
                "not_reported": {"min": 0.1},
            },
        }
    },
    "fast": {"drafting": {"limit": 2}},
}


class TestChecks:
    def test_each_threshold_passes_or_fails_and_a_missing_metric_fails(self) -> None:
        verdicts = {check.metric: check.passed for check in check_result(RESULT, CONFIG)}
        assert verdicts == {
            "citation_coverage": True,
            "uncited_numbers": False,
            "by.nested": True,
            "not_reported": False,
        }

    def test_the_fast_subset_is_smaller_runs_of_the_same_suites(self) -> None:
        assert planned_runs(True, CONFIG) == [("drafting", "test", 2)]
        assert planned_runs(False, CONFIG) == [("drafting", "test", None)]

    def test_the_shipped_gates_cover_every_suite(self) -> None:
        assert set(gates()["suites"]) == {"triage", "discrepancy", "drafting", "deid", "summary"}
        assert set(gates()["fast"]) <= set(gates()["suites"])


def test_the_command_fails_when_a_threshold_is_raised_above_the_value(tmp_path: Path) -> None:
    result = tmp_path / "drafting.json"
    result.write_text(json.dumps(RESULT | {"metrics": {"citation_coverage": 0.97, "uncited_numbers": 0}}))
    relaxed = CONFIG | {
        "suites": {"drafting": {"split": "test", "thresholds": {"citation_coverage": {"min": 0.95}}}}
    }
    raised = CONFIG | {
        "suites": {"drafting": {"split": "test", "thresholds": {"citation_coverage": {"min": 0.99}}}}
    }
    outcomes = []
    for name, config in (("relaxed", relaxed), ("raised", raised)):
        gates_file = tmp_path / f"{name}.json"
        gates_file.write_text(json.dumps(config))
        run = subprocess.run(
            [sys.executable, "-m", "reconsult", "eval", "gate", str(result), "--gates", str(gates_file)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        outcomes.append((run.returncode, run.stdout.splitlines()[-1]))
    assert outcomes == [(0, "gate: 1 of 1 checks pass"), (1, "gate: 0 of 1 checks pass")]
