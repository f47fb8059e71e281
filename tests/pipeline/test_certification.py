"""Which stored documents the deidentify stage certifies: the readable ones without a certificate from the
current engine."""

from __future__ import annotations

import pytest

from pipeline.stages import needs_certifying
from records.deid import ENGINE_VERSION
from records.documents import DocumentStatus
from store.models import CaseDocument


def _row(**fields: object) -> CaseDocument:
    values: dict[str, object] = {"status": DocumentStatus.OK.value, "text": "Seen 3/14 by Dr. Hale."}
    return CaseDocument(**(values | fields))


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, True),
        ({"certified_text": "Seen 5/02 by Dr. Quill.", "deid_engine": ENGINE_VERSION}, False),
        ({"certified_text": "Seen 5/02 by Dr. Quill.", "deid_engine": "deid-1"}, True),
        ({"certified_text": "Seen 5/02 by Dr. Quill.", "deid_engine": None}, True),
        ({"status": DocumentStatus.NEEDS_OCR.value}, False),
        ({"text": ""}, False),
    ],
)
def test_documents_are_certified_by_the_current_engine(fields: dict[str, object], expected: bool) -> None:
    assert needs_certifying(_row(**fields)) is expected
