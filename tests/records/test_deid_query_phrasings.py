"""Identifiers in the phrasings people type into a query box: a label glued to its value by a hyphen or by
nothing, small words between the label and "is", labels of electronic records and patient files, "social"
for a social security number, and values joined by underscores or grouped by commas; with the look-alikes
that must stay."""

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
    ("text", "category", "value"),
    [
        ("the member ID for her is W2231-7781", PhiCategory.HEALTH_PLAN_ID, "W2231-7781"),
        ("Can you check coverage for HMO-234567?", PhiCategory.HEALTH_PLAN_ID, "234567"),
        ("the acct # for this guy = AC-0099812", PhiCategory.ACCOUNT_NUMBER, "AC-0099812"),
        ("her social is 912-44-0187, please verify", PhiCategory.SSN, "912-44-0187"),
        ("soc sec # is 945221903", PhiCategory.SSN, "945221903"),
        ("the DL# for her is D123-4567-8901", PhiCategory.LICENSE_NUMBER, "D123-4567-8901"),
    ],
)
def test_other_identifiers_in_query_phrasings(text: str, category: PhiCategory, value: str) -> None:
    assert any(value in found for found in values(text, category))


@pytest.mark.parametrize(
    "text",
    [
        "Social 2019: quit smoking; social history is 2 packs a day.",
        "An MRN-based lookup failed twice this week.",
        "The EHR 2023 upgrade moved the problem list.",
        "The MRN for the newborn is pending registration.",
        "Chart number is 4 of 12 in the binder.",
        "MRN before 10:30, please; K 4.1, Na 138.",
    ],
)
def test_look_alikes_stay(text: str) -> None:
    assert values(text, PhiCategory.MRN) | values(text, PhiCategory.SSN) == set()


def test_a_hyphen_after_a_label_does_not_join_a_name() -> None:
    text = "Patient-centred plan agreed with Dr. Hale and Nora Quill."
    assert values(text, PhiCategory.NAME) == {"Hale", "Nora Quill"}
