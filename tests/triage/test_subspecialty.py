"""The taxonomy, the MTSamples mapping and the subspecialty model."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from llm.embeddings import default_embedder
from tests.conftest import SHARED_DATA
from triage.subspecialty import SubspecialtyModel, default_model, note_vectors, train
from triage.taxonomy import mtsamples_targets, subspecialties, training_label

MTSAMPLES = SHARED_DATA / "mtsamples"


class TestTaxonomy:
    def test_at_least_thirty_routable_subspecialties(self) -> None:
        assert len(subspecialties()) >= 30

    @pytest.mark.parametrize("split", ["train.csv", "dev.csv"])
    def test_every_mtsamples_label_is_mapped_to_known_subspecialties(self, split: str) -> None:
        with (MTSAMPLES / split).open(encoding="utf-8", newline="") as handle:
            labels = {row["medical_specialty"] for row in csv.DictReader(handle)}
        for label in labels:
            assert set(mtsamples_targets(label)) <= set(subspecialties())

    @pytest.mark.parametrize(
        "label",
        [
            "Consult - History and Phy.",
            "Discharge Summary",
            "SOAP / Chart / Progress Notes",
            "Letters",
            "Office Notes",
            "Surgery",
        ],
    )
    def test_document_types_are_not_routing_targets(self, label: str) -> None:
        assert mtsamples_targets(label) == ()
        assert training_label(label, "any text") is None

    @pytest.mark.parametrize(
        ("label", "text", "expected"),
        [
            ("Cardiovascular / Pulmonary", "Flexible bronchoscopy with lavage.", "pulmonology"),
            ("Cardiovascular / Pulmonary", "Dual-chamber pacemaker insertion.", "cardiac_electrophysiology"),
            ("Cardiovascular / Pulmonary", "Chest pain, troponin negative.", "cardiology"),
            ("Obstetrics / Gynecology", "Repeat cesarean delivery at 39 weeks.", "obstetrics"),
            ("Hematology - Oncology", "Metastatic adenocarcinoma of the colon.", "medical_oncology"),
            ("Orthopedic", "L4-L5 laminectomy for spinal stenosis.", "spine_surgery"),
        ],
    )
    def test_a_multi_target_label_is_narrowed_by_the_note(self, label: str, text: str, expected: str) -> None:
        assert training_label(label, text) == expected
        assert expected in mtsamples_targets(label)


class TestModel:
    def test_the_shipped_model_gives_calibrated_probabilities(self) -> None:
        model = default_model()
        vectors = note_vectors(["Cataract in the left eye; phacoemulsification planned."], default_embedder())
        probabilities = model.probabilities(vectors)[0]
        assert probabilities.sum() == pytest.approx(1.0)
        assert model.classes[int(np.argmax(probabilities))] == "ophthalmology"
        assert 0.05 < model.temperature < 20

    def test_training_is_deterministic_and_round_trips(self, tmp_path: Path) -> None:
        rows = (
            [
                (
                    "Ophthalmology",
                    f"Cataract surgery note {i}: lens opacity, phacoemulsification, intraocular lens.",
                )
                for i in range(6)
            ]
            + [
                ("Urology", f"Urology note {i}: kidney stone, ureteroscopy, hematuria, prostate exam.")
                for i in range(6)
            ]
            + [("Discharge Summary", "Discharged home in good condition.")]
        )
        path = tmp_path / "mini.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                ["", "description", "medical_specialty", "sample_name", "transcription", "keywords"]
            )
            writer.writerows([i, "", label, f"s{i}", text, ""] for i, (label, text) in enumerate(rows))
        first, second = train(path, default_embedder()), train(path, default_embedder())
        assert first.classes == second.classes == ("urology", "ophthalmology")
        np.testing.assert_array_equal(first.weights, second.weights)
        first.save(tmp_path / "model.npz")
        loaded = SubspecialtyModel.load(tmp_path / "model.npz")
        np.testing.assert_array_equal(loaded.weights, first.weights)
        assert (loaded.temperature, loaded.training_digest) == (first.temperature, first.training_digest)

    def test_a_missing_artifact_names_the_command(self, tmp_path: Path) -> None:
        with pytest.raises(FileNotFoundError, match="reconsult triage train"):
            SubspecialtyModel.load(tmp_path / "none.npz")
