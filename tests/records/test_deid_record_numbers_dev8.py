"""Medical record numbers added after the dev8 notes (evals/datasets/README_dev8.md): masked numbers, spaced
numbers in headers, a facility's acronym with "#", a number sent as the reply to a request for it, and the
dictation and blood bank labels beside them; with the look-alikes that must stay."""

from __future__ import annotations

import pytest

from records.phi import PhiCategory
from tests.records.test_deid_generalisation import values


@pytest.mark.parametrize(
    ("text", "mrn"),
    [
        ("Portal header shows MRN ***7204; not used.", "***7204"),
        ("mrn xxx-5521 on the band", "xxx-5521"),
        ("Caller verified by name, DOB and MRN ending 5618.", "5618"),
        ("HALLORAN, ORLAITH  447 3391  F  71Y", "447 3391"),
        ("Outside records: NTCI #0047193 (oncology)", "0047193"),
        ("imaging at BVMC # 2291874 and", "2291874"),
        ("Also registered at WCMC# 6630418 for surgery.", "6630418"),
        ("RN 09:12: what's his MRN?\nKim (unit clerk) 09:13: 5830267", "5830267"),
        ("need the med rec # for the wife\nclerk 09:15: 5830268, she's registered separately", "5830268"),
        ("What is her MRN?\n4471229", "4471229"),
    ],
)
def test_record_numbers_are_found(text: str, mrn: str) -> None:
    assert mrn in values(text, PhiCategory.MRN)


def test_facility_acronym_is_a_facility() -> None:
    assert "NTCI" in values("Outside records: NTCI #0047193 (oncology)", PhiCategory.FACILITY)


@pytest.mark.parametrize(
    ("text", "category", "value"),
    [
        ("JOB#: 7715203   DOC#: 4420918   MR#: 0563319", PhiCategory.OTHER_ID, "4420918"),
        ("Second band (blood bank): BB# WX7718", PhiCategory.OTHER_ID, "WX7718"),
        ("Order number for your home oxygen: ORD-66104.", PhiCategory.OTHER_ID, "ORD-66104"),
    ],
)
def test_neighbouring_identifiers_keep_their_category(text: str, category: PhiCategory, value: str) -> None:
    assert value in values(text, category)
    assert value not in values(text, PhiCategory.MRN)


@pytest.mark.parametrize(
    "text",
    [
        "APIXABAN 2.5 MG BID  RX #8812045  QTY 60",
        "CPT #99213, ICD-10 J44.1, NDC 0093-7155-98",
        "Billing: CPT 82962. Call ext 4471 for the POC office.",
        "Fields: MRN ____________  Order # ________  Room ___",
        "what's his MRN?\nBP 132/84 at 09:15, glucose 104",
        "Need the MRN before 10:30\ncall 555-0142 when ready",
        "A footer may repeat it with Page 2 of 3; room 418, bed 2.",
        "HALLORAN, ORLAITH  BP 142 88  F",
        "a QC count of 1234567 tests; lot 4471C2",
        "JOB #7715203 and LOT #2209881 and PAGE #000123",
    ],
)
def test_look_alikes_are_not_record_numbers(text: str) -> None:
    assert values(text, PhiCategory.MRN) == set()
