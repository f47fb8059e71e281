"""Identifier shapes, labels and look-alikes added after the dev3 notes (evals/datasets/README_dev3.md):
registration-system dates, masked SSNs, MRN labels and barcodes, case and donation numbers, initials,
facility names, and the look-alikes that must stay untouched.

Recognizer-level tests call the Presidio recognizers directly (no spaCy); the end-to-end ones share one
Deidentifier.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from evals.dataset_check import file_problems, note_problems
from records.dates import find_dates, shift_date_text
from records.deid import DEFAULT_THRESHOLD, WINDOW_CHARS, Deidentifier, text_windows
from records.lexicon import is_everyday_word
from records.phi import PhiCategory
from records.recognizers import ClinicalDateRecognizer, LabeledValueRecognizer, ShapeRecognizer
from records.vault import PhiVault

ENTITIES = [category.value for category in PhiCategory]
DATASETS = Path(__file__).resolve().parents[2] / "evals" / "datasets"


def found(text: str, threshold: float = DEFAULT_THRESHOLD) -> set[tuple[str, str]]:
    """(category, value) of every recognizer result at or above ``threshold``."""
    results = []
    for recognizer in (LabeledValueRecognizer(), ShapeRecognizer(), ClinicalDateRecognizer()):
        results += recognizer.analyze(text, ENTITIES)
    return {(r.entity_type, text[r.start : r.end]) for r in results if r.score >= threshold}


def values(text: str, category: PhiCategory) -> set[str]:
    """The values found in ``text`` for one category."""
    return {value for kind, value in found(text) if kind == category.value}


class TestRegistrationSystemDates:
    @pytest.mark.parametrize(
        ("text", "date"),
        [
            ("DOB: 14MAR1931 per chart", "14MAR1931"),
            ("COLLECTED: 05JAN2024 0730", "05JAN2024"),
            ("Issued 12may24 to floor", "12may24"),
            ("Admitted: Jan-05-2024.", "Jan-05-2024"),
            ("COMPARISON: RADIOGRAPHS FEB-28-2024.", "FEB-28-2024"),
            ("CXR on Jan-05 showed consolidation", "Jan-05"),
        ],
    )
    def test_the_whole_date_is_found(self, text: str, date: str) -> None:
        assert [text[item.start : item.end] for item in find_dates(text)] == [date]

    @pytest.mark.parametrize(
        ("written", "days", "shifted"),
        [("05JAN2024", 10, "15JAN2024"), ("Jan-05-2024", 31, "Feb-05-2024"), ("28feb1931", 1, "01mar1931")],
    )
    def test_they_shift_in_their_own_shape(self, written: str, days: int, shifted: str) -> None:
        assert shift_date_text(written, days, 2024) == shifted


class TestBareMonthDayContext:
    @pytest.mark.parametrize("text", ["Repeat CBC Fri 2/2.", "Recheck INR Thurs 4/1.", "D/C TUESDAY, 3/4"])
    def test_a_weekday_before_it_makes_it_a_date(self, text: str) -> None:
        assert values(text, PhiCategory.DATE)

    @pytest.mark.parametrize("text", ["S/P ORIF 04/03, WBAT", "Drawn 01/02 AM"])
    def test_zero_padding_makes_it_a_date(self, text: str) -> None:
        assert values(text, PhiCategory.DATE)

    @pytest.mark.parametrize(
        "text", ["IRON SUCROSE (DOSE 6/10 GIVEN)", "pip-tazo day 5/7 today", "cycle 2/6 of FOLFOX"]
    )
    def test_a_count_of_doses_or_days_is_not_a_date(self, text: str) -> None:
        assert not values(text, PhiCategory.DATE)

    def test_percentile_ordinals_are_not_days(self) -> None:
        text = "weight fell from the 25th to the 3rd percentile; seen on the 4th"
        assert values(text, PhiCategory.DATE) == {"4th"}


class TestSocialSecurityNumbers:
    @pytest.mark.parametrize(
        ("text", "ssn"),
        [
            ("SSN: xxx-xx-5521 on file", "xxx-xx-5521"),
            ("SS# ***-**-4406", "***-**-4406"),
            ("SSN 942.18.6630 verified", "942.18.6630"),
            ("SSN last 4: 3342", "3342"),
            ("last four of SSN 7710", "7710"),
            ("SOC SEC 931-08-2277", "931-08-2277"),
        ],
    )
    def test_whole_masked_or_last_four(self, text: str, ssn: str) -> None:
        assert ssn in values(text, PhiCategory.SSN)

    def test_an_unlabelled_masked_ssn_is_found_by_its_shape(self) -> None:
        assert values("verified XXX-XX-9031 today", PhiCategory.SSN) == {"XXX-XX-9031"}

    def test_four_digits_without_an_ssn_label_are_not_an_ssn(self) -> None:
        assert not values("Room 3342, last 4 doses given", PhiCategory.SSN)


class TestRecordNumbers:
    @pytest.mark.parametrize(
        ("text", "mrn"),
        [
            ("Hosp #: H-4471093", "H-4471093"),
            ("HOSP# 448120", "448120"),
            ("Hospital no. 77120", "77120"),
            ("CLIENT # HDAS-3318", "HDAS-3318"),
            ("MR#: *E1234567*", "E1234567"),
            ("Label: *E2290417*", "E2290417"),
        ],
    )
    def test_labels_and_barcodes(self, text: str, mrn: str) -> None:
        assert mrn in values(text, PhiCategory.MRN)

    @pytest.mark.parametrize("text", ["Hosp day 3 of 5", "Client services 1-800", "*NOTE* read *ALL*"])
    def test_look_alikes_are_not_record_numbers(self, text: str) -> None:
        assert not values(text, PhiCategory.MRN)


class TestOtherIdentifiers:
    @pytest.mark.parametrize(
        ("text", "value"),
        [
            ("Compared with the biopsy (KP23-22871, 11.12.2023)", "KP23-22871"),
            ("PRIOR: C22-0981 ON 04.05.2022", "C22-0981"),
            ("UNIT: W0000 24 123456 PRBC", "W0000 24 123456"),
            ("REQ #: R4471902", "R4471902"),
            ("Dictated today, job D240603-0331.", "D240603-0331"),
            ("Rx # 6604418 (refills 2)", "6604418"),
        ],
    )
    def test_case_donation_requisition_job_and_prescription_numbers(self, text: str, value: str) -> None:
        assert value in values(text, PhiCategory.OTHER_ID)

    @pytest.mark.parametrize("text", ["QC lot QC24-117 expires", "label REF CV-15703 / serial", "COVID-19"])
    def test_product_codes_are_not_case_numbers(self, text: str) -> None:
        assert not values(text, PhiCategory.OTHER_ID)

    def test_a_policy_document_number_is_not_a_health_plan_id(self) -> None:
        assert not values("per policy LAB-POC-017 rev 12", PhiCategory.HEALTH_PLAN_ID)
        assert values("Policy #: XWB812004", PhiCategory.HEALTH_PLAN_ID) == {"XWB812004"}

    def test_serials_in_the_plural_list_every_serial(self) -> None:
        text = "leads (serials CBT331207 and CBT331590) placed"
        assert values(text, PhiCategory.DEVICE_ID) == {"CBT331207", "CBT331590"}


class TestPhoneNumbers:
    def test_a_seven_digit_number_after_a_label(self) -> None:
        assert values("ID consulted (pager 555-0192).", PhiCategory.PHONE) == {"555-0192"}

    def test_an_area_code_in_parentheses_is_not_split_off(self) -> None:
        phones = values("intake line call (406) 555-0177 ext. 3.", PhiCategory.PHONE)
        assert "(406) 555-0177 ext. 3" in phones
        assert all(phone.startswith("(406)") for phone in phones)


class TestNames:
    @pytest.mark.parametrize(
        ("text", "name"),
        [
            ("REFERRING: CHAVIS, DENISE, LCSW, NPI 1673343723", "CHAVIS, DENISE"),
            ("Assistant: Raj Sethuraman, PA-C", "Raj Sethuraman"),
            ("PATIENT: PARK, JI-HOON     MRN", "PARK, JI-HOON"),
            ("GIRLFRIEND YESENIA EXPECTING IN MAY", "YESENIA"),
            ("RECIPIENT: OKONKWO-BRIGHT, ADAEZE   MR#", "OKONKWO-BRIGHT, ADAEZE"),
        ],
    )
    def test_labelled_names_stop_at_credentials_and_everyday_words(self, text: str, name: str) -> None:
        names = values(text, PhiCategory.NAME)
        assert name in names
        assert not any(len(other) > len(name) and name in other for other in names)

    def test_a_credential_after_a_name_is_not_a_state(self) -> None:
        assert not values("Assistant: Raj Sethuraman, PA-C", PhiCategory.CITY)

    @pytest.mark.parametrize(
        ("text", "initials"),
        [
            ("Dictated 06/03/2024, job 1. IW/tbm", {"IW", "tbm"}),
            ("REPORT GIVEN.\nJRT / J. TREMBLAY, RN", {"JRT"}),
            ("TRANSCRIBED 04/22/24 BY KJS", {"KJS"}),
            ("RN: C. WHITEHORSE   INITIALS CW", {"CW"}),
            ("Call back if bleeding. \u2014 AAQ\n", {"AAQ"}),
        ],
    )
    def test_initials_where_documents_put_them(self, text: str, initials: set[str]) -> None:
        assert initials <= values(text, PhiCategory.NAME)

    @pytest.mark.parametrize("text", ["PT/OT evaluated", "HR/min 72", "BP/HR stable \u2014 ICU\n"])
    def test_abbreviations_with_slashes_are_not_initials(self, text: str) -> None:
        assert not values(text, PhiCategory.NAME)


class TestFacilities:
    @pytest.mark.parametrize(
        ("text", "facility"),
        [
            ("FROM HOLY CROSS MANOR ADMITTED", "HOLY CROSS MANOR"),
            ("TO: Stillwater Heart & Vascular - referrals", "Stillwater Heart & Vascular"),
            ("RETURNING TO ST. AGNES HOME ON 5/10", "ST. AGNES HOME"),
            ("Telephone Encounter - Brookhaven Cardiology Group", "Brookhaven Cardiology Group"),
            ("Harbor Point Imaging - 45 Wharf St", "Harbor Point Imaging"),
        ],
    )
    def test_named_facilities(self, text: str, facility: str) -> None:
        assert facility in values(text, PhiCategory.FACILITY)

    @pytest.mark.parametrize(
        "text",
        [
            "FOLLOW UP: HF CLINIC TUES 1/16",
            "STARTED METHYLPHENIDATE ER 18 MG ON 12/4",
            "TAKE 1/2 TAB ONLY IF YOUR CLINIC TELLS YOU.",
        ],
    )
    def test_abbreviations_function_words_and_drug_formulations_are_not_facilities(self, text: str) -> None:
        assert not values(text, PhiCategory.FACILITY)

    def test_a_facility_match_starts_after_a_sentence_break(self) -> None:
        text = "LIKELY ATN FROM SEPSIS. MERCY HEIGHTS DIALYSIS TO FOLLOW"
        assert values(text, PhiCategory.FACILITY) == {"MERCY HEIGHTS DIALYSIS"}


class TestAddressesAndAges:
    def test_a_rural_route_box_is_a_street_address(self) -> None:
        text = "LIVES ON RURAL ROUTE 2 BOX 41, EAGLE RIVER"
        assert "RURAL ROUTE 2 BOX 41" in values(text, PhiCategory.STREET_ADDRESS)

    @pytest.mark.parametrize("text", ["AGE 90 OR OLDER: DOCUMENT CAPACITY", "aged 95 and over", "age 90+"])
    def test_an_age_threshold_is_not_an_age(self, text: str) -> None:
        assert not values(text, PhiCategory.AGE_OVER_89)

    def test_an_age_is_still_an_age(self) -> None:
        assert values("RESIDENT AGE 96, RM 118", PhiCategory.AGE_OVER_89) == {"96"}


class TestEverydayWords:
    @pytest.mark.parametrize("word", ["teachers", "Electronically", "ENCLOSED", "ratios"])
    def test_inflections_of_listed_words_are_everyday(self, word: str) -> None:
        assert is_everyday_word(word)

    @pytest.mark.parametrize("word", ["Okonkwo", "Tremblay", "Przybylski", "ies"])
    def test_names_and_bare_suffixes_are_not(self, word: str) -> None:
        assert not is_everyday_word(word)


class TestEndToEnd:
    def test_eponyms_and_instruments_survive(self, deidentifier: Deidentifier) -> None:
        text = (
            "Request forms name the Whipple, Nissen, Hartmann and Ivor Lewis procedures.\n"
            "SCREENING TOOLS: MOCA __/30, MINI-COG __/5, TINETTI __/28.\n"
        )
        assert deidentifier.deidentify(text, PhiVault.new(random.Random(1))).text == text

    def test_a_drug_with_its_dose_is_not_a_name(self, deidentifier: Deidentifier) -> None:
        text = "MEDICATIONS:\nLisinopril 20 mg oral daily\nAtorvastatin 40 mg nightly\n"
        assert deidentifier.deidentify(text, PhiVault.new(random.Random(4))).text == text

    def test_a_committee_is_not_a_facility(self, deidentifier: Deidentifier) -> None:
        text = "Version 3.2, approved by the Medical Executive Committee last spring."
        assert deidentifier.deidentify(text, PhiVault.new(random.Random(2))).text == text

    def test_a_label_full_of_identifiers_is_replaced(self, deidentifier: Deidentifier) -> None:
        text = "PATIENT: NGUYEN, THANH HUONG    MR#: *E1234567*\nDOB: 22AUG1960   SSN: XXX-XX-4406\n"
        result = deidentifier.deidentify(text, PhiVault.new(random.Random(3)))
        for identifier in ("NGUYEN", "E1234567", "22AUG1960", "4406"):
            assert identifier not in result.text


class TestDatasetFiles:
    @pytest.mark.parametrize(
        "path", sorted(DATASETS.glob("clinical_notes_deid*.jsonl")), ids=lambda p: p.name
    )
    def test_every_annotated_file_is_consistent(self, path: Path) -> None:
        assert file_problems(path) == []

    def test_the_dev3_notes_are_all_dev(self) -> None:
        lines = (DATASETS / "clinical_notes_deid_dev3.jsonl").read_text(encoding="utf-8").splitlines()
        notes = [json.loads(line) for line in lines if line.strip()]
        assert len(notes) >= 30
        assert {note["split"] for note in notes} == {"dev"}

    def test_the_check_catches_a_misplaced_or_overlapping_span(self) -> None:
        note = {
            "id": "x",
            "split": "dev",
            "text": "MRN 1234 5678",
            "spans": [
                {"start": 4, "end": 8, "category": "MRN", "value": "1234"},
                {"start": 6, "end": 13, "category": "MRN", "value": "34 5678"},
                {"start": 9, "end": 13, "category": "ZIPCODE", "value": "5679"},
            ],
        }
        problems = note_problems(note)
        assert any("overlaps" in problem for problem in problems)
        assert any("unknown category" in problem for problem in problems)
        assert any("is not the text" in problem for problem in problems)


class TestLongTexts:
    def test_windows_cover_the_text_and_cut_between_lines(self) -> None:
        text = "\n".join(f"Line {index} of a long record." for index in range(5000))
        windows = text_windows(text, 10_000)
        assert "".join(window for _, window in windows) == text
        assert all(len(window) <= 10_000 for _, window in windows)
        assert all(window.endswith("\n") for _, window in windows[:-1])
        assert [offset for offset, _ in windows] == [0, *[o + len(w) for o, w in windows[:-1]]]

    def test_a_record_longer_than_one_window_is_read_whole(self, deidentifier: Deidentifier) -> None:
        filler = "Blood pressure stable on current regimen; continue to monitor.\n"
        planted = "Seen by Dr. Ifeoma Okonkwo on 03/14/2023, MRN 4471-2290.\n"
        text = (filler * 900 + planted) * 3  # about 180,000 characters: four windows
        assert len(text) > 3 * WINDOW_CHARS
        result = deidentifier.deidentify(text, PhiVault.new(random.Random(5)))
        for value in ("Okonkwo", "03/14/2023", "4471-2290"):
            assert value not in result.text
