"""Identifiers that ordinary documents of the everyday kinds still hid after the special rounds
(evals/datasets/README_dev11.md): initials of whoever collected, transcribed or commented, nicknames, the
person a result was called to, state Medicaid programs, practices named with a weak word, places after their
own label, ages written "(97 y)"; with the look-alikes that must stay."""

from __future__ import annotations

import pytest

from records.deid import default_deidentifier
from records.phi import PhiCategory
from tests.records.test_deid_generalisation import values


@pytest.mark.parametrize(
    ("text", "category", "value"),
    [
        ("DUNNINGTON, DO   11/02/2024 10:14\nTRANSCRIBED: KLM   JOB #: 558120", PhiCategory.NAME, "KLM"),
        ("Collected 10/22/2024 0545 by FMR    Armband # RC-58820", PhiCategory.NAME, "FMR"),
        ("Provider comments (KAD 7/19/24):\nArnfinn - your labs", PhiCategory.NAME, "KAD"),
        ("CALLED TO DR MCALPINE'S OFFICE 12/04/2024 06:40 BY RJH. PREVIOUS CR 1.9", PhiCategory.NAME, "RJH"),
        ('Patient: Taliesin C.  (goes by "Emmy")  DOB 07/04/2020', PhiCategory.NAME, "Emmy"),
        ("RL = ROSCOE LOVERIDGE, LPN     TNV = THUY-LINH NGUYEN-VOSS, RN\n0800 TNV", PhiCategory.NAME, "TNV"),
        ("Insurance: KanCare K9920184471", PhiCategory.HEALTH_PLAN_ID, "K9920184471"),
        ("SECONDARY: MO HEALTHNET 118204937", PhiCategory.HEALTH_PLAN_ID, "118204937"),
        (
            "Submitting physician: H. Cole, MD, Huron Urology Group",
            PhiCategory.FACILITY,
            "Huron Urology Group",
        ),
        ("Sent out to: Tamarack Lab, Salina, KS", PhiCategory.FACILITY, "Tamarack Lab"),
        ("PT CITY: TERRE HAUTE   INSURANCE MEMBER ID: X", PhiCategory.CITY, "TERRE HAUTE"),
        ("7B. CITY: SAPULPA   7C. COUNTY: CREEK   7D. STATE: OK", PhiCategory.COUNTY, "CREEK"),
        ("Quackenbush   DOB 09/02/1927   (97 y)   MRN GPMC-551039", PhiCategory.AGE_OVER_89, "97"),
        ("Weight down 11 lb since\nOct. Family recalls", PhiCategory.DATE, "Oct"),
    ],
)
def test_identifiers_of_ordinary_documents(text: str, category: PhiCategory, value: str) -> None:
    assert any(value in found for found in values(text, category))


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("MOCA 24/30 (MIS 11/15). PHQ-9 4; BIMS 6/15", PhiCategory.NAME),
        ("City: Same as above", PhiCategory.CITY),
        ("Support Group meets Tuesdays; Cath Lab at 0800", PhiCategory.FACILITY),
        ("Blood Group O positive; age group 60-69", PhiCategory.FACILITY),
    ],
)
def test_look_alikes_of_ordinary_documents_stay(text: str, category: PhiCategory) -> None:
    assert values(text, category) == set()


def test_a_person_span_from_ner_stops_before_its_first_number() -> None:
    text = (
        "WHO ORDERED 10 MG IV HYDRALAZINE ON LUSARDI MRN 3021167?? BP WENT 180/100.\nMEDS: TAMSULOSIN 0.4 MG"
    )
    found = {text[d.start : d.end] for d in default_deidentifier().detect(text)}
    assert any("LUSARDI" in value for value in found)
    assert not any("TAMSULOSIN" in value for value in found)


def test_a_zip_code_after_a_state_code_without_a_comma() -> None:
    assert "93940" in values("Address: 17/4 Pelican Parade, Monterey CA 93940", PhiCategory.ZIP)
