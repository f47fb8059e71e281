"""Record numbers in the phrasings people type into a query box: a label glued to its value by a hyphen or by
nothing, words between the label and "is", labels of electronic records and patient files, and values
joined by underscores or grouped by commas; with the look-alikes that must stay."""

from __future__ import annotations

import pytest

from records.phi import PhiCategory
from tests.records.test_deid_generalisation import values


@pytest.mark.parametrize(
    ("text", "mrn"),
    [
        ("Please review the chart for MRN-00482913 before Monday.", "00482913"),
        ("Please review the chart for MRN-AB-1234-CD before Monday.", "AB-1234-CD"),
        ("patient MRN00482913 with gout", "00482913"),
        ("patient mrn#4471 with gout", "4471"),
        ("MR number 12345; admitted with sepsis.", "12345"),
        ("EHR #A1B2C3D4 indicates asthma.", "A1B2C3D4"),
        ("EMR ID 2023-0456 indicates asthma.", "2023-0456"),
        ("Patient file #0012-3456-78 indicates asthma.", "0012-3456-78"),
        ("The MRN for her is 98765-4321.", "98765-4321"),
        ("his medical record number, if it helps, is 77120043-B", "77120043-B"),
        ("the MRN on file for this guy = 2022/001234", "2022/001234"),
        ("(MRN: H_0099812) seen for follow-up", "H_0099812"),
        ("MRN 1,204,556 is the old chart", "1,204,556"),
    ],
)
def test_record_numbers_are_found(text: str, mrn: str) -> None:
    assert mrn in values(text, PhiCategory.MRN)


@pytest.mark.parametrize(
    "text",
    [
        "An MRN-based lookup failed twice this week.",
        "The EHR 2023 upgrade moved the problem list.",
        "The MRN for the newborn is pending registration.",
        "Chart number is 4 of 12 in the binder.",
        "MRN before 10:30, please; K 4.1, Na 138.",
    ],
)
def test_look_alikes_stay(text: str) -> None:
    assert values(text, PhiCategory.MRN) == set()


def test_a_hyphen_after_a_label_does_not_join_a_name() -> None:
    text = "Patient-centred plan agreed with Dr. Hale and Nora Quill."
    assert values(text, PhiCategory.NAME) == {"Hale", "Nora Quill"}
