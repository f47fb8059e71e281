"""Facility names added after the dev5 notes (evals/datasets/README_dev5.md): weak facility words after a
place word, shared hospital names, saints, words before a sentence break, places after a care verb, short
forms that recur, and the department names that must stay untouched.

Recognizer-level tests call the shape recognizer directly (no spaCy); the end-to-end ones share one
Deidentifier.
"""

from __future__ import annotations

import random

import pytest

from records.deid import DEFAULT_THRESHOLD, Deidentifier
from records.facilities import is_proper_venue, only_department_words
from records.phi import PhiCategory
from records.recognizers import ShapeRecognizer
from records.vault import PhiVault

ENTITIES = [category.value for category in PhiCategory]


def facilities(text: str) -> set[str]:
    """The facility values the shape recognizer finds in ``text``."""
    return {
        text[r.start : r.end]
        for r in ShapeRecognizer().analyze(text, ENTITIES)
        if r.entity_type == PhiCategory.FACILITY.value and r.score >= DEFAULT_THRESHOLD
    }


class TestFacilityNames:
    @pytest.mark.parametrize(
        ("text", "value"),
        [
            ("COMPARISON: CT FROM TYRONE MEMORIAL DATED 03/14/2022.", "TYRONE MEMORIAL"),
            ("Nephrology consult - Hennepin Valley General", "Hennepin Valley General"),
            ("Prescriptions were sent to Gulf Breeze Apothecary.", "Gulf Breeze Apothecary"),
            ("BACKUP PHARMACY: MED-SAVE DRUGS ON 12TH ST", "MED-SAVE DRUGS"),
            ("Medication reconciliation - Sunnyslope Senior Living", "Sunnyslope Senior Living"),
            ("final pathology from Osage Hills Pathology.", "Osage Hills Pathology"),
            ("Glasses from Bayside Optical.", "Bayside Optical"),
            ("HOME HEALTH BY VNA OF THE BLUFFS STARTING", "VNA OF THE BLUFFS"),
        ],
    )
    def test_facility_words_find_the_name(self, text: str, value: str) -> None:
        # In capitals a name after "of" may run on a word ("VNA OF THE BLUFFS STARTING"): covered is enough.
        assert any(value in found for found in facilities(text))

    @pytest.mark.parametrize(
        ("text", "value"),
        [
            ("RECORDS FROM TONAWANDA MERCY SCANNED TO CHART.", "TONAWANDA MERCY"),
            ("Device Clinic at Good Samaritan in 2 weeks", "Good Samaritan"),
            ("SISTERS OF CHARITY ST. BRENDAN HOSPITAL - 4 WEST", "SISTERS OF CHARITY"),
            ("after hospitalization at St. Luke's for CHF", "St. Luke's"),
            ("RETURNED FROM ST. VINCENT ER LAST NIGHT", "ST. VINCENT"),
            ("or go to st. francis for an mri", "st. francis"),
        ],
    )
    def test_shared_hospital_names_and_saints(self, text: str, value: str) -> None:
        assert any(value in found for found in facilities(text))

    def test_a_sentence_break_does_not_hide_the_name_before_it(self) -> None:
        text = "MEDS SENT FROM HOLLIS DRUG. EMERGENCY DEPARTMENT RECORDS SCANNED."
        assert facilities(text) == {"HOLLIS DRUG"}

    @pytest.mark.parametrize(
        "text",
        [
            "Seen by the Attorney General's office.",
            "PT DENIES DRUGS OR ALCOHOL.",
            "BILATERAL SEVERE-TO-PROFOUND SENSORINEURAL HEARING LOSS",
            "Started St. John's wort last month; ST. JOHN'S WORT STOPPED.",
            "12 Main St. Apt 4",
            "Regional anesthesia was used.",
            "lower-case mercy and a saint in running text: st johns wort.",
        ],
    )
    def test_look_alikes_are_not_facilities(self, text: str) -> None:
        assert facilities(text) == set()

    @pytest.mark.parametrize(
        "text",
        [
            "Follow-up in the Device Clinic.",
            "Inpatient Pharmacy verifies orders; the Infusion Center accepts referrals.",
            "DISCHARGE TO: INPATIENT REHAB OR LONG-TERM ACUTE CARE HOSPITAL. REHAB SERVICES.",
            "Heart Failure Clinic and Anticoagulation Clinic; Patient Access Services.",
            "HOME HEALTH, SLEEP CENTER, ONCOLOGY INFUSION CENTER, REFERENCE LABORATORY",
        ],
    )
    def test_department_names_are_not_facilities(self, text: str) -> None:
        assert facilities(text) == set()

    @pytest.mark.parametrize(
        ("value", "department"),
        [
            ("Heart Failure Clinic", True),
            ("Thoracic Surgery", True),
            ("the Wound Care Center", True),
            ("Platte Valley Home Health", False),
            ("Mercy Heart Rehab", False),
        ],
    )
    def test_department_words(self, value: str, department: bool) -> None:
        assert only_department_words(value) is department


class TestVenues:
    @pytest.mark.parametrize(
        ("value", "proper"),
        [
            ("Harbor View", True),
            ("Lakeside", True),
            ("Thoracic Surgery", False),
            ("Internal Medicine", False),
            ("March", False),
            ("HARBOR VIEW", False),
        ],
    )
    def test_a_title_case_place_after_a_care_verb_is_a_name(self, value: str, proper: bool) -> None:
        assert is_proper_venue(value) is proper


class TestEndToEnd:
    def test_places_after_care_verbs_and_short_forms_are_replaced(self, deidentifier: Deidentifier) -> None:
        text = (
            "He was seen at Harbor View last spring. Dialyzes at Northstar Dialysis (MWF); "
            "will fax orders to Northstar. Seen at Crossroads Wound Care Center; wound care per Crossroads."
        )
        result = deidentifier.deidentify(text, PhiVault.new(random.Random(5)))
        for identifier in ("Harbor View", "Northstar", "Crossroads"):
            assert identifier not in result.text

    def test_department_words_survive(self, deidentifier: Deidentifier) -> None:
        text = (
            "The Emergency Department pages the admitting team; Cardiology sees chest pain within one hour. "
            "Patients needing a thoracotomy go to Thoracic Surgery. Transfers to the ICU need approval. "
            "Case Management arranges Home Health, Hospice and Outpatient Dialysis."
        )
        assert deidentifier.deidentify(text, PhiVault.new(random.Random(6))).text == text
