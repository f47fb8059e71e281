"""Identifiers in the phrasings people type into a query box (evals/datasets/README_dev9.md): labels glued to
their values or with small words before "is", record numbers before their label or in JSON and logs, names
and ages beside a patient's demographics; with the look-alikes that must stay."""

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
        "Reviewed the record 2023 discharge summary and the file 12 pages long.",
        "pt had I48.91 and Z79.01 on the claim, 99223 billed on 03/02.",
        "Maria Lopez (2019) trial cohort; patient 2 of 12.",
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


@pytest.mark.parametrize(
    ("text", "mrn"),
    [
        ("2210874 is her MRN. Imelda asked again.", "2210874"),
        ("Fintan Rafferty, 00551823 being his medical record number there", "00551823"),
        ("the path report on 2022/008137 - that's the MRN not the accession", "2022/008137"),
        ("MRNs 4120093, 4120117, and 4120245 all got MMR", "4120245"),
        ('{"mrn": "40019283", "last": "Tancredi-Wynn"}', "40019283"),
        ("log says: pt_mrn=00739912 enc_id=88120047731", "00739912"),
        ("MRN/DOB: 7720183 / 04/12/1951", "7720183"),
        ("- mrn \u2192 6610293", "6610293"),
        ("HIS MRN NUMBER IS 5501873 AND I HAVE ASKED", "5501873"),
        ("registered under 2290017 at our place but under G-0071842 at Grayhaven", "G-0071842"),
        ("1. Ostrowski, C  #2201837  vanc 1 g q12  Cr 1.1", "2201837"),
        ("PATIENT WOLFRAM ASKE (6617025) 96 Y/O MALE", "6617025"),
        ("Can you review the labs under record 4471229?", "4471229"),
        ("Patient (HRN: AB-123456) presented with chest pain.", "AB-123456"),
        ("MedRec # 2023-00451 for the biopsy", "2023-00451"),
        ("registration number 00451822 at the front desk", "00451822"),
        ("Patient (I.D.: 4471229) presented with chest pain.", "4471229"),
        ("What is the prognosis for Maria Lopez (AB-12345) with stage III CRC?", "AB-12345"),
        ("Labs for Jane Doe #AB-12345 show anemia", "AB-12345"),
        ("For patient 12345-AB with AF", "12345-AB"),
        ("patient JD-55123 with AF", "JD-55123"),
        ("anyone have the mrn for the lady in 12?\n[09:15] rj: one sec\n[09:16] rj: it's 5528041", "5528041"),
    ],
)
def test_record_numbers_without_a_label_before_them(text: str, mrn: str) -> None:
    assert mrn in values(text, PhiCategory.MRN)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Summarize the labs for Amara Diallo (DOB 04/02/1955).", "Amara Diallo"),
        ("Aroha Ngata is a 45-year-old woman with lupus nephritis.", "Aroha Ngata"),
        ("AMARA DIALLO - 72M - CHF exacerbation", "AMARA DIALLO"),
        ("Transfer from Ashland: Fintan Rafferty, 00551823 being his record", "Fintan Rafferty"),
        ("MRN: #3380412 - Halina Gasiorowski wants to know if she can", "Halina Gasiorowski"),
        ("She's Roc\u00edo Corbal\u00e1n, retired teacher.", "Roc\u00edo Corbal\u00e1n"),
        ("CHART # WF-118204 TORLEIF NESS DOB 01/30/1930", "TORLEIF NESS"),
        ("KRISTIANSEN,ELOF  MRN:6612093  COLL: 09/03", "KRISTIANSEN,ELOF"),
        ('{"mrn": "40019283", "last": "Tancredi-Wynn", "first": "Rosalind"}', "Tancredi-Wynn"),
        ("1. Ostrowski, C  #2201837  vanc 1 g q12", "Ostrowski, C"),
        ("pt grace okafor needs a prior auth for dupilumab", "grace okafor"),
        ("I saw Amara Diallo in clinic today for follow-up of CKD.", "Amara Diallo"),
        ("Can you help me with Keanu Kahale's insulin regimen?", "Keanu Kahale"),
        ("Elif Y\u0131lmaz is a 45-year-old woman with lupus nephritis.", "Elif Y\u0131lmaz"),
    ],
)
def test_names_beside_demographics(text: str, name: str) -> None:
    assert name in values(text, PhiCategory.NAME)


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("Edeltraud Beitz, 92, fell at home", "92"),
        ('{"dob": "1930-02-11", "age": 94}', "94"),
        ("He's 97. Is the K real or hemolysed?", "97"),
    ],
)
def test_ages_over_89_beside_a_name_or_a_key(text: str, age: str) -> None:
    assert age in values(text, PhiCategory.AGE_OVER_89)


@pytest.mark.parametrize(
    "text",
    [
        "Femur PS size 6, UDI (01)00889024221143(17)270601",
        "MRN FWI-2088190, ID band LB-771429 on the left wrist",
        "REPORT FAXED TO SNF AT (708) 555-0167",
        "Epic MRN 40021983 / Cerner MRN CN7718204",
        "(MRN: JH-123456). pt reportd rxns to Lisinopril.",
        "The Patient, 67, was seen; Heart Failure (DOB unknown) clinic",
        "I saw Lyme Disease twice this summer; treated Emergency Department patients.",
        "Any update on Medicare Advantage's prior auth rules?",
    ],
)
def test_demographics_beside_words_that_are_not_names(text: str) -> None:
    assert values(text, PhiCategory.NAME) == set()
