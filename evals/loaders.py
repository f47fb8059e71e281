"""Loaders for the de-identification datasets, into one shape: texts with gold PHI spans and a split.

Splits are deterministic. presidio-synth is split by template (sentences from one template stay together,
or the test split would repeat the dev split), the synthetic clinical queries by query, and our own notes
carry their split in the file. Tuning uses ``dev`` only.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from records.phi import PhiCategory

SHARED_DATA = Path(
    os.environ.get("RECONSULT_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
CLINICAL_NOTES = Path(__file__).with_name("datasets") / "clinical_notes_deid.jsonl"

# Labels that are not PHI under Safe Harbor (job titles, nationalities, ages under 90, whole countries and
# states) are "ignored": neither gold to find nor a false positive when redacted.
PRESIDIO_SYNTH_CATEGORIES: dict[str, PhiCategory | None] = {
    "PERSON": PhiCategory.NAME,
    "STREET_ADDRESS": PhiCategory.STREET_ADDRESS,
    "GPE": None,
    "ORGANIZATION": None,
    "CREDIT_CARD": PhiCategory.ACCOUNT_NUMBER,
    "DATE_TIME": PhiCategory.DATE,
    "TITLE": None,
    "PHONE_NUMBER": PhiCategory.PHONE,
    "AGE": None,
    "NRP": None,
    "EMAIL_ADDRESS": PhiCategory.EMAIL,
    "ZIP_CODE": PhiCategory.ZIP,
    "DOMAIN_NAME": PhiCategory.URL,
    "IBAN_CODE": PhiCategory.ACCOUNT_NUMBER,
    "US_SSN": PhiCategory.SSN,
    "IP_ADDRESS": PhiCategory.IP_ADDRESS,
    "US_DRIVER_LICENSE": PhiCategory.LICENSE_NUMBER,
}
CLINICAL_QUERY_CATEGORIES: dict[str, PhiCategory] = {
    "NAME": PhiCategory.NAME,
    "DATE": PhiCategory.DATE,
    "GEOGRAPHIC_LOCATION": PhiCategory.FACILITY,  # mostly facilities and cities; scored by any location kind
    "MEDICAL_RECORD_NUMBER": PhiCategory.MRN,
    "HEALTH_PLAN_BENEFICIARY_NUMBER": PhiCategory.HEALTH_PLAN_ID,
    "PHONE_NUMBER": PhiCategory.PHONE,
    "SOCIAL_SECURITY_NUMBER": PhiCategory.SSN,
    "EMAIL_ADDRESS": PhiCategory.EMAIL,
    "UNIQUE_IDENTIFIER": PhiCategory.OTHER_ID,
    "ACCOUNT_NUMBER": PhiCategory.ACCOUNT_NUMBER,
    "FAX_NUMBER": PhiCategory.FAX,
    "CERTIFICATE_LICENSE_NUMBER": PhiCategory.LICENSE_NUMBER,
    "IP_ADDRESS": PhiCategory.IP_ADDRESS,
}


@dataclass(frozen=True)
class GoldSpan:
    """A PHI span in a gold text; ``category`` None marks a span to ignore when scoring."""

    start: int
    end: int
    category: PhiCategory | None


@dataclass(frozen=True)
class GoldText:
    """One evaluation text."""

    id: str
    text: str
    spans: tuple[GoldSpan, ...]
    split: str
    upper_case: bool = False

    @property
    def phi_spans(self) -> tuple[GoldSpan, ...]:
        """The spans that count as PHI."""
        return tuple(span for span in self.spans if span.category is not None)


def split_of(key: str) -> str:
    """A stable half/half dev/test assignment."""
    return "dev" if hashlib.sha256(key.encode()).digest()[0] % 2 == 0 else "test"


def load_clinical_notes(path: Path = CLINICAL_NOTES) -> Iterator[GoldText]:
    """Our hand-written clinical notes with gold spans."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            note = json.loads(line)
            spans = tuple(GoldSpan(s["start"], s["end"], PhiCategory(s["category"])) for s in note["spans"])
            yield GoldText(note["id"], note["text"], spans, note["split"], bool(note.get("upper_case")))


def load_presidio_synth(path: Path | None = None) -> Iterator[GoldText]:
    """presidio-research's synthetic PII sentences."""
    source = path or SHARED_DATA / "presidio-synth" / "synth_dataset_v2.json"
    for index, record in enumerate(json.loads(source.read_text(encoding="utf-8"))):
        spans = tuple(
            GoldSpan(s["start_position"], s["end_position"], PRESIDIO_SYNTH_CATEGORIES.get(s["entity_type"]))
            for s in record["spans"]
        )
        yield GoldText(
            f"synth-{index}", record["full_text"], spans, split_of(f"template-{record['template_id']}")
        )


def load_clinical_queries(path: Path | None = None) -> Iterator[GoldText]:
    """Synthetic physician queries; the tags carry values only, so spans are found by string search."""
    source = path or SHARED_DATA / "synthetic-clinical-queries" / "synthetic_dataset.txt"
    blocks = source.read_text(encoding="utf-8").split("===QUERY===")[1:]
    for index, block in enumerate(blocks):
        query, _, tags = block.partition("===PHI_TAGS===")
        text = query.strip()
        spans = []
        for line in tags.strip().splitlines():
            tag = json.loads(line)
            start = _find(text, tag["value"])
            if start >= 0:
                spans.append(
                    GoldSpan(
                        start, start + len(tag["value"]), CLINICAL_QUERY_CATEGORIES[tag["identifier_type"]]
                    )
                )
        yield GoldText(
            f"query-{index}", text, tuple(sorted(spans, key=lambda s: s.start)), split_of(f"query-{index}")
        )


def _find(text: str, value: str) -> int:
    position = text.find(value)
    if position < 0:  # one tag uses an ASCII apostrophe where the query has a typographic one
        position = text.find(value.replace("'", "\u2019"))
    return position


def load_all_clinical_notes() -> Iterator[GoldText]:
    """Every annotated note file in ``evals/datasets`` (the main set and later additions)."""
    for path in sorted(CLINICAL_NOTES.parent.glob("clinical_notes_deid*.jsonl")):
        yield from load_clinical_notes(path)


DATASETS = {
    "clinical_notes": load_all_clinical_notes,
    "clinical_queries": load_clinical_queries,
    "presidio_synth": load_presidio_synth,
}
CLINICAL_DATASETS = ("clinical_notes", "clinical_queries")


def load_path(path: Path) -> Iterator[GoldText]:
    """A dataset file in any of the three formats, recognised by its shape."""
    if path.suffix == ".jsonl":
        return load_clinical_notes(path)
    if path.suffix == ".json":
        return load_presidio_synth(path)
    return load_clinical_queries(path)
