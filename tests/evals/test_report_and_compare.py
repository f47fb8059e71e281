"""Intervals, paired significance, the report folder and the comparison of two runs."""

from __future__ import annotations

import json
from pathlib import Path

from evals.compare import compare_runs, default_output, load_run, lower_is_better, write_comparison
from evals.report import reliability_bins, write_report
from evals.stats import Sample, bootstrap_interval, mcnemar, paired_bootstrap


def result(suite: str, outcomes: list[int]) -> dict[str, object]:
    accuracy = sum(outcomes) / len(outcomes)
    return {
        "suite": suite,
        "dataset": "synthetic",
        "split": "test",
        "metrics": {
            "urgency_accuracy": accuracy,
            "urgency_confusion": {"urgent": {"urgent": 3, "routine": 1}},
        },
        "samples": {"urgency_accuracy": Sample.of_outcomes(outcomes).as_json()},
        "reliability": {"urgency": [[0.9, True], [0.6, False], [0.65, True]]},
        "subgroups": {
            "urgency_accuracy_by_sex": {"female": {"n": 2, "value": 0.5, "interval": [0.0, 1.0]}},
            # written before subgroup intervals existed
            "urgency_accuracy_by_subspecialty": {"cardiology": {"n": 2, "value": 0.5}},
        },
        "failures": [{"item": "v-1", "gold": "urgent", "predicted": "routine"}],
    }


class TestStatistics:
    def test_the_interval_holds_the_value_and_is_the_same_every_time(self) -> None:
        sample = Sample.of_outcomes([1] * 80 + [0] * 20)
        interval = bootstrap_interval(sample)
        assert interval is not None
        assert interval[0] < 0.8 < interval[1]
        assert bootstrap_interval(sample) == interval

    def test_a_ratio_of_sums_is_resampled_by_item(self) -> None:
        precision = Sample([1, 0, 2], [1, 1, 2])  # three cases: matched over predicted flags
        assert precision.value == 0.75
        assert bootstrap_interval(precision) is not None

    def test_paired_tests_see_a_real_difference_and_not_a_tie(self) -> None:
        worse, better = Sample.of_outcomes([1] * 60 + [0] * 40), Sample.of_outcomes([1] * 90 + [0] * 10)
        delta, p_value = paired_bootstrap(worse, better)
        assert delta == 0.3
        assert p_value < 0.01
        assert mcnemar(worse.numerators, better.numerators) < 0.01
        assert paired_bootstrap(worse, worse)[1] == 1.0
        assert mcnemar(worse.numerators, worse.numerators) == 1.0


class TestReport:
    def test_the_folder_holds_json_markdown_and_a_self_contained_page(self, tmp_path: Path) -> None:
        page = write_report([result("triage", [1, 1, 0, 1, 1, 0, 1, 1])], tmp_path, {"run_id": "r1"})
        metrics = json.loads((tmp_path / "metrics.json").read_text())
        interval = metrics["suites"]["triage"]["intervals"]["urgency_accuracy"]
        assert interval[0] <= 0.75 <= interval[1]
        html = page.read_text()
        assert "<svg" in html
        assert "Reliability diagram: urgency" in html
        assert "http" not in html.replace("http://www.w3.org/2000/svg", "")  # nothing fetched from a network
        assert "<h3>urgency_accuracy_by_sex</h3>" in html
        assert "<td class='num'>[0.000, 1.000]</td>" in html
        markdown = (tmp_path / "report.md").read_text()
        assert "| female | 0.5 | [0.000, 1.000] | 2 |" in markdown
        assert "| cardiology | 0.5 |  | 2 |" in markdown

    def test_reliability_bins_average_confidence_and_accuracy(self) -> None:
        assert reliability_bins([(0.9, True), (0.95, False), (0.1, False)]) == [
            (0.1, 0.0, 1),
            (0.925, 0.5, 2),
        ]


class TestCompare:
    def test_a_significant_drop_is_a_regression(self, tmp_path: Path) -> None:
        first, second = tmp_path / "a.json", tmp_path / "b.json"
        first.write_text(json.dumps(result("triage", [1] * 90 + [0] * 10)))
        second.write_text(json.dumps(result("triage", [1] * 60 + [0] * 40)))
        (comparison,) = compare_runs(load_run(first), load_run(second))
        assert comparison.metric == "urgency_accuracy"
        assert comparison.regression
        (reverse,) = compare_runs(load_run(second), load_run(first))
        assert not reverse.worse

    def test_the_page_shows_both_intervals_and_marks_a_regression_in_words_and_colour(
        self, tmp_path: Path
    ) -> None:
        first, second = tmp_path / "run-a", tmp_path / "run-b"
        for folder, outcomes in ((first, [1] * 90 + [0] * 10), (second, [1] * 60 + [0] * 40)):
            write_report([result("triage", outcomes)], folder, {"run_id": folder.name, "model": folder.name})
            (folder / "triage.json").write_text(json.dumps(result("triage", outcomes)))
        output = default_output(first, second)
        assert output == tmp_path / "compare-run-a-vs-run-b.html"
        write_comparison(compare_runs(load_run(first), load_run(second)), first, second, output)
        html = output.read_text()
        assert "run-a (run-a) vs run-b (run-b)" in html
        row = html[html.index("<tr class='regression'>") :].split("</tr>")[0]
        assert "<td>urgency_accuracy</td>" in row
        assert "<td class='num'>0.9</td>" in row
        assert "<td class='num'>0.6</td>" in row
        assert row.count("<td class='num'>[") == 2  # both runs' intervals
        assert "McNemar p=" in row
        assert "<td>REGRESSION</td>" in row
        assert "1 REGRESSION(S): triage urgency_accuracy." in html
        assert "<script" not in html
        assert "http" not in html
        markdown = output.with_suffix(".md").read_text()
        assert "| urgency_accuracy | 0.9 | [" in markdown
        assert "| REGRESSION |" in markdown

    def test_a_recorded_run_is_compared_with_paired_tests_and_its_stored_intervals(
        self, tmp_path: Path
    ) -> None:
        suites = []
        for folder, outcomes in ((tmp_path / "a", [1] * 9 + [0]), (tmp_path / "b", [1] * 6 + [0] * 4)):
            write_report([result("triage", outcomes)], folder, {"run_id": folder.name})
            suites.append(json.loads((folder / "metrics.json").read_text())["suites"])
        (comparison,) = compare_runs(*suites)
        assert comparison.first_interval is not None
        assert comparison.second_interval is not None
        assert comparison.p_bootstrap is not None  # metrics.json keeps the per-item samples
        assert comparison.p_mcnemar is not None

    def test_the_direction_of_better(self) -> None:
        assert lower_is_better("under_triage_rate")
        assert lower_is_better("leaks")
        assert not lower_is_better("urgency_accuracy")
        assert not lower_is_better("flag_recall")
