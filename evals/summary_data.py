"""Loaders for the summary suite: Synthea patients (notes and their structured truth) and dialogue/reference
pairs from MTS-Dialog and ACI-BENCH.

Splits: Synthea has none, so patients are split by a hash of their id (``evals.loaders.split_of``); for the
dialogue sets the published splits are used: tuning on the training and validation files (``dev``),
reporting on the test files (``test``).
"""

from __future__ import annotations

import base64
import csv
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.loaders import SHARED_DATA, split_of

SYNTHEA = SHARED_DATA / "synthea-fhir-10"
CATEGORIES = ("conditions", "medications", "allergies")
_SEMANTIC_TAG = re.compile(
    r"\s*\((?:disorder|finding|situation|procedure|substance|event|morphologic abnormality"
    r"|observable entity|person|product|qualifier value|regime/therapy)\)\s*$"
)
DIALOGUE_FILES = {
    "mts_dialog": {
        "dev": ["mts-dialog/MTS-Dialog-ValidationSet.csv"],
        "test": [
            "mts-dialog/MTS-Dialog-TestSet-1-MEDIQA-Chat-2023.csv",
            "mts-dialog/MTS-Dialog-TestSet-2-MEDIQA-Sum-2023.csv",
        ],
    },
    "aci_bench": {
        "dev": ["aci-bench/valid.csv"],
        "test": [
            "aci-bench/clinicalnlp_taskB_test1.csv",
            "aci-bench/clinicalnlp_taskC_test2.csv",
            "aci-bench/clef_taskC_test3.csv",
        ],
    },
}


def normalise_concept(display: str) -> str:
    """A concept name for matching: lower case, single spaces, no SNOMED semantic tag."""
    text = " ".join(display.lower().split())
    while True:
        stripped = _SEMANTIC_TAG.sub("", text)
        if stripped == text:
            return text.strip(" .;,")
        text = stripped


@dataclass
class SyntheaPatient:
    """One patient's notes (in date order) and the concepts of their structured resources."""

    patient_id: str
    notes: list[tuple[str, str]] = field(default_factory=list)  # (date, text)
    truth: dict[str, set[str]] = field(default_factory=lambda: {category: set() for category in CATEGORIES})

    @property
    def split(self) -> str:
        return split_of(self.patient_id)


def load_synthea(folder: Path = SYNTHEA) -> list[SyntheaPatient]:
    """Every patient with at least one note."""
    patients: dict[str, SyntheaPatient] = defaultdict(lambda: SyntheaPatient(""))
    for resource in _resources(folder / "DocumentReference.000.ndjson"):
        patient = _patient(patients, resource["subject"]["reference"])
        data = resource["content"][0]["attachment"]["data"]
        date = resource.get("date") or resource.get("context", {}).get("period", {}).get("start", "")
        patient.notes.append((date, base64.b64decode(data).decode("utf-8")))
    for name, category, concept_key, subject_key in (
        ("Condition", "conditions", "code", "subject"),
        ("MedicationRequest", "medications", "medicationCodeableConcept", "subject"),
        ("AllergyIntolerance", "allergies", "code", "patient"),
    ):
        for resource in _resources(folder / f"{name}.000.ndjson"):
            reference = resource.get(subject_key, {}).get("reference", "")
            concept = resource.get(concept_key) or {}
            display = concept.get("text") or next((c.get("display") for c in concept.get("coding", [])), None)
            if reference in patients and display:
                patients[reference].truth[category].add(normalise_concept(display))
    for patient in patients.values():
        patient.notes.sort()
    return sorted(patients.values(), key=lambda patient: patient.patient_id)


def _patient(patients: dict[str, SyntheaPatient], reference: str) -> SyntheaPatient:
    patient = patients[reference]
    patient.patient_id = reference
    return patient


def _resources(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


@dataclass(frozen=True)
class DialoguePair:
    """A doctor-patient dialogue and its reference summary."""

    dataset: str
    key: str
    dialogue: str
    reference: str


def load_dialogues(split: str) -> Iterator[DialoguePair]:
    """MTS-Dialog (dialogue, section text) and ACI-BENCH (dialogue, note) pairs of ``split``."""
    for dataset, files in DIALOGUE_FILES.items():
        chosen = [name for part in ("dev", "test") if split in (part, "all") for name in files[part]]
        for name in chosen:
            with (SHARED_DATA / name).open(encoding="utf-8-sig", newline="") as handle:
                for row in csv.DictReader(handle):
                    reference = row.get("section_text") or row.get("note") or ""
                    key = row.get("ID") or row.get("encounter_id") or ""
                    yield DialoguePair(dataset, f"{name}:{key}", row["dialogue"], reference)
