"""Identifiers of the document kinds in evals/datasets/README_dev10.md: letters from outside the US, scanned
pages read by OCR, flowsheets with initials, forms naming employers and funeral homes, pasted tables; with the
look-alikes that must stay."""

from __future__ import annotations

import pytest

from records.dates import find_dates
from records.deid import default_deidentifier, ocr_digits
from records.phi import PhiCategory
from tests.records.test_deid_generalisation import values


@pytest.mark.parametrize(
    ("text", "category", "value"),
    [
        ("Tel: 0117 555 0143   Email: x", PhiCategory.PHONE, "0117 555 0143"),
        ("PH (07) 3555 0148\nNEXT OF KIN", PhiCategory.PHONE, "(07) 3555 0148"),
        ("the clinic's direct line, 0117 555 0144, in case", PhiCategory.PHONE, "0117 555 0144"),
        ("Tel +1 905-555-0135", PhiCategory.PHONE, "+1 905-555-0135"),
        ("Wexbridge Falls, ON L6X 4R2   Tel", PhiCategory.ZIP, "L6X 4R2"),
        ("UNIT 2/14 BANKSIA PDE, YARRANDOO HEADS QLD 4573   PH", PhiCategory.ZIP, "4573"),
        (
            "Email: rheum.secretaries@wessexdowns.nhs.test",
            PhiCategory.EMAIL,
            "rheum.secretaries@wessexdowns.nhs.test",
        ),
        ("OHIP: 6271-840-933-KT (active since 2024)", PhiCategory.HEALTH_PLAN_ID, "6271-840-933-KT"),
        ("Consultant Rheumatologist   GMC 7041183", PhiCategory.LICENSE_NUMBER, "7041183"),
        ("State Bar No. 031447.", PhiCategory.LICENSE_NUMBER, "031447"),
        ("Claim #: 25003-118-4471   Denial ref: UM-DN-0912277", PhiCategory.OTHER_ID, "UM-DN-0912277"),
        ("Booking #: P24-0417723   SID: AZ26718834", PhiCategory.OTHER_ID, "AZ26718834"),
    ],
)
def test_identifiers_of_letters_from_abroad_and_of_forms(
    text: str, category: PhiCategory, value: str
) -> None:
    assert value in values(text, category)


def test_ocr_digits_reads_letters_in_numbers_only() -> None:
    assert ocr_digits("SSN: 9l2-3O-4471  D0B: O4/3O/l952") == "SSN: 912-30-4471  D0B: 04/30/1952"
    for unchanged in ("O2 sat 94%", "IL-6 and HbA1c 7.2", "modafini1 200 mg", "Oliver 12"):
        assert ocr_digits(unchanged) == unchanged


@pytest.mark.parametrize(
    ("text", "category", "value"),
    [
        ("Pat ient: Eudora P.   SSN: 9l2-3O-4471", PhiCategory.SSN, "9l2-3O-4471"),
        ("Phone: (4O6) 555-Ol3l", PhiCategory.PHONE, "(4O6) 555-Ol3l"),
    ],
)
def test_scanned_numbers_are_found_as_written(text: str, category: PhiCategory, value: str) -> None:
    # The de-identifier, not the recognizers alone: it hands them the OCR-read copy.
    detections = default_deidentifier().detect(text)
    assert (category, value) in {(d.category, text[d.start : d.end]) for d in detections}


def test_initials_after_a_name_define_a_legend() -> None:
    text = (
        "PRIMARY RN: D. KAMAU-HOLT (DKH)\n0715  149/80  78  400  DKH\n"
        "COMMERCIAL DRIVER LICENSE (CDL): FL B653"
    )
    names = values(text, PhiCategory.NAME)
    assert {"DKH", "D. KAMAU-HOLT"} <= names
    assert not {"CDL", "COMMERCIAL DRIVER LICENSE"} & names


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("CRP 31 on 27.02.25, and he responded", "27.02.25"),
        ("MRN SCG-0061284   DOB 6.19.87", "6.19.87"),
        ("Last ED visit for asthma: Feb '24.", "Feb '24"),
        ("failed methotrexate (Mar-Jun 2023, stopped)", "Mar"),
        ("estranged since 2010, last contact Christmas 2021.", "Christmas 2021"),
        ("after an altercation at a bus stop on Labor Day", "Labor Day"),
    ],
)
def test_dates_in_other_shapes(text: str, date: str) -> None:
    assert date in values(text, PhiCategory.DATE)


def test_version_numbers_and_addresses_are_not_dotted_dates() -> None:
    assert find_dates("ver 1.2.10 and 3.5.1; host 10.13.24.1") == []


@pytest.mark.parametrize(
    ("text", "facility"),
    [
        ("Larch Street Family Dentistry - Periodic Exam", "Larch Street Family Dentistry"),
        ("Released to Heritage & Hickory Funeral Chapel (870-555-0168)", "Heritage & Hickory Funeral Chapel"),
        ("Employer: Palouse Grain Cooperative, 300 Elevator Rd", "Palouse Grain Cooperative"),
        ("NPI 1274509839   JUNIATA NEUROLOGY & SLEEP\nDIAGNOSES", "JUNIATA NEUROLOGY & SLEEP"),
    ],
)
def test_facilities_named_after_a_trade(text: str, facility: str) -> None:
    assert any(facility in found for found in values(text, PhiCategory.FACILITY))


def test_sleep_apnea_is_no_facility() -> None:
    assert values("REASON FOR REFERRAL: SUSPECTED OBSTRUCTIVE SLEEP APNEA", PhiCategory.FACILITY) == set()


def test_a_misaligned_pasted_table_maps_cells_by_order() -> None:
    text = (
        "Scr #    Init    MRN        YOB / Age    Status\n"
        "S-031   JRM     0882104     1951 / 73     ENROLLED\n"
        "S-032     AKW   1130922   1933/91     SCREEN FAIL\n"
    )
    assert {"0882104", "1130922"} <= values(text, PhiCategory.MRN)
    assert {"JRM", "AKW"} <= values(text, PhiCategory.NAME)


def test_an_age_after_a_titled_name() -> None:
    assert "96" in values("Mrs. Carrico-Sauer was 96. Per her wishes: no EMS.", PhiCategory.AGE_OVER_89)


@pytest.mark.parametrize(
    "text",
    [
        "Decision rules used at triage: Ottawa ankle and knee rules, San Francisco syncope rule, PECARN.",
        "GI bleed: Glasgow-Blatchford 12 vs Rockall 5; baby's Finnegan scores 9, 11; Calvert formula?",
        "Thyroid nodule, Bethesda IV; Graves disease on methimazole; Lynch syndrome testing.",
        "Old Meditech format; pull it up in Epic; a Tigrinya interpreter by telephone.",
        "Emergency Department Triage Protocol (Rev. 03/2024, replaces Rev. 11/2021); VIS (editions 8/6/21).",
    ],
)
def test_eponyms_systems_and_document_dates_are_not_phi(text: str) -> None:
    assert default_deidentifier().detect(text) == []


def test_an_eponym_allowed_in_a_phrase_is_still_a_surname_alone() -> None:
    text = "Seen by Dr. Lynch for Lynch syndrome; Dr. Graves follows her Graves disease."
    # (Once a surname is a person's, its every mention is redacted, the eponym's too: safer that way.)
    found = {text[d.start : d.end] for d in default_deidentifier().detect(text)}
    assert {"Lynch", "Graves"} <= found
