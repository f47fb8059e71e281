"""The triage suite's urgency scores, on the dev vignettes that train the urgency model."""

from __future__ import annotations

from evals.triage_suite import load_vignettes, urgency_scores


class TestHeldOutFileValidation:
    def test_dev_scores_include_each_file_held_out_of_training(self) -> None:
        metrics = urgency_scores("dev")
        assert metrics["urgency_vignettes"] == len(load_vignettes(split="dev"))
        scored = sum(sum(row.values()) for row in metrics["held_out_file_urgency_confusion"].values())
        assert scored == metrics["urgency_vignettes"]  # every dev vignette scored once, by a model without it
        # Scoring a file with a model trained on it would match the training accuracy.
        assert metrics["held_out_file_urgency_accuracy"] < metrics["urgency_accuracy"]

    def test_test_scores_have_no_held_out_variant(self) -> None:
        assert not any(key.startswith("held_out_file_") for key in urgency_scores("test"))
