"""The discrepancy suite's metrics, on a small MEDEC-format file and on dev cases."""

from __future__ import annotations

import csv
from pathlib import Path

from evals.discrepancy_suite import case_scores, medec_scores
from llm.gateway import Gateway

ERROR = (
    "A 30-year-old woman has a sore throat.",
    "She is allergic to penicillin (anaphylaxis).",
    "She is treated with amoxicillin 500 mg three times daily.",
)
CORRECT = (
    "A 30-year-old man has a sore throat.",
    "Rapid strep test is positive.",
    "He is given penicillin V.",
)


def medec_file(path: Path) -> Path:
    columns = ["Text ID", "Text", "Sentences", "Error Flag", "Error Type", "Error Sentence ID"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for index, (sentences, flag, sentence_id) in enumerate(((ERROR, "1", 2), (CORRECT, "0", -1))):
            writer.writerow(
                {
                    "Text ID": f"t-{index}",
                    "Text": " ".join(sentences),
                    "Sentences": "\n".join(f"{i} {s}" for i, s in enumerate(sentences)),
                    "Error Flag": flag,
                    "Error Type": "pharmacotherapy" if flag == "1" else "NA",
                    "Error Sentence ID": sentence_id,
                }
            )
    return path


class TestMedec:
    def test_the_flag_and_the_sentence_are_scored(self, tmp_path: Path) -> None:
        metrics = medec_scores(Gateway(), medec_file(tmp_path / "medec.csv"))
        assert metrics["medec_notes"] == 2
        assert metrics["error_flag_accuracy"] == 1.0
        assert metrics["error_sentence_accuracy"] == 1.0  # the amoxicillin sentence, id 2
        assert metrics["false_positive_rate"] == 0.0


class TestCases:
    def test_precision_recall_and_evidence_on_dev_cases(self) -> None:
        metrics = case_scores(Gateway(), "dev", limit=8)
        assert metrics["discrepancy_cases"] == 8
        assert 0 <= metrics["flag_precision"] <= 1
        assert 0 <= metrics["flag_recall"] <= 1
        assert metrics["flags_gold"] == sum(scores["gold"] for scores in metrics["per_type"].values())
