"""The routable subspecialties and the mapping from MTSamples labels (``triage/data/taxonomy.json``).

A MTSamples label maps to every subspecialty it can mean ("Cardiovascular / Pulmonary" covers cardiology,
pulmonology, electrophysiology, cardiothoracic and vascular surgery); labels that name a kind of document
("Discharge Summary", "Surgery") map to nothing. For training, a multi-target label is narrowed to one
subspecialty by the note's own words (:func:`training_label`), rules written from the subspecialties' scope
before any model was trained.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TAXONOMY_FILE = Path(__file__).parent / "data" / "taxonomy.json"


@dataclass(frozen=True)
class Subspecialty:
    """One routing target."""

    slug: str
    name: str
    scope: str


@cache
def _taxonomy() -> dict[str, object]:
    data: dict[str, object] = json.loads(TAXONOMY_FILE.read_text(encoding="utf-8"))
    return data


@cache
def subspecialties() -> dict[str, Subspecialty]:
    """Every routable subspecialty by slug, in taxonomy order."""
    entries = _taxonomy()["subspecialties"]
    assert isinstance(entries, list)
    return {entry["slug"]: Subspecialty(entry["slug"], entry["name"], entry["scope"]) for entry in entries}


def mtsamples_targets(label: str) -> tuple[str, ...]:
    """The subspecialties a MTSamples ``medical_specialty`` label can mean (empty: not a routing target).
    KeyError for a label the taxonomy does not know."""
    mapping = _taxonomy()["mtsamples"]
    assert isinstance(mapping, dict)
    return tuple(mapping[label.strip()])


# Words that tell which member of a multi-target label a note is about (checked in order; first wins).
_NARROWING: dict[str, tuple[tuple[str, str], ...]] = {
    "Cardiovascular / Pulmonary": (
        ("cardiac_electrophysiology", r"pacemaker|defibrillator|ablation|electrophysiolog|atrial flutter"),
        ("cardiothoracic_surgery", r"sternotomy|bypass graft|cabg|valve replacement|lobectomy|thoracotomy"),
        (
            "vascular_surgery",
            r"carotid|aneurysm|endarterectomy|femoral-popliteal|varicose|arteriovenous fistula",
        ),
        (
            "pulmonology",
            r"bronch|pulmonary function|copd|asthma|emphysema|pleural|lung nodule|interstitial lung",
        ),
    ),
    "Gastroenterology": (
        ("hepatology", r"cirrhosis|hepatitis|liver biopsy|ascites|varices"),
        ("colorectal_surgery", r"hemorrhoidectomy|colectomy|anal fistula|low anterior resection"),
    ),
    "Obstetrics / Gynecology": (
        ("gynecologic_oncology", r"carcinoma|malignan|cancer"),
        ("obstetrics", r"pregnan|gestation|cesarean|labor|prenatal|fetal|delivery|postpartum"),
    ),
    "Neurosurgery": (
        ("spine_surgery", r"laminectomy|discectomy|spinal fusion|spinal stenosis|radiculopathy"),
    ),
    "Orthopedic": (("spine_surgery", r"laminectomy|discectomy|spinal fusion|spinal stenosis|radiculopathy"),),
    "Hematology - Oncology": (
        ("medical_oncology", r"carcinoma|metasta|chemotherapy for .{0,30}cancer|adenocarcinoma"),
    ),
}


def training_label(label: str, text: str) -> str | None:
    """The one subspecialty a labelled note trains (None for a label that is not a routing target)."""
    targets = mtsamples_targets(label)
    if not targets:
        return None
    lowered = text.lower()
    for slug, pattern in _NARROWING.get(label.strip(), ()):
        if re.search(pattern, lowered):
            return slug
    return targets[0]
