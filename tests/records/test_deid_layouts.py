"""Identifier shapes added after the dev4 notes (evals/datasets/README_dev4.md): label pairs and labels of
other systems and countries, values wrapped across lines, column-header tables, raw HL7 segments,
barcodes, initials legends, names in patients' messages and e-mails, day-first dates; and the look-alikes
that must stay untouched.

Recognizer-level tests call the Presidio recognizers directly (no spaCy); the end-to-end ones share one
Deidentifier.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from records.dates import find_dates, shift_date_text
from records.deid import DEFAULT_THRESHOLD, Deidentifier
from records.layouts import (
    barcode_lines,
    conversational_names,
    hl7_segment_ids,
    initials_legends,
    table_values,
)
from records.phi import PhiCategory
from records.recognizers import ClinicalDateRecognizer, LabeledValueRecognizer, ShapeRecognizer
from records.vault import PhiVault

ENTITIES = [category.value for category in PhiCategory]
DATASETS = Path(__file__).resolve().parents[2] / "evals" / "datasets"


def found(text: str) -> set[tuple[str, str]]:
    """(category, value) of every recognizer result at or above the default threshold."""
    results = []
    for recognizer in (LabeledValueRecognizer(), ShapeRecognizer(), ClinicalDateRecognizer()):
        results += recognizer.analyze(text, ENTITIES)
    return {(r.entity_type, text[r.start : r.end]) for r in results if r.score >= DEFAULT_THRESHOLD}


def values(text: str, category: PhiCategory) -> set[str]:
    """The values found in ``text`` for one category."""
    return {value for kind, value in found(text) if kind == category.value}


def layout_values(finder: object, text: str) -> set[tuple[str, str]]:
    """(category, value) of what one records.layouts finder reports."""
    assert callable(finder)
    return {(category.value, text[start:end]) for category, start, end, _ in finder(text)}


class TestLabelPairs:
    @pytest.mark.parametrize(
        ("text", "first", "second"),
        [
            ("ACCT/MRN: 60119283/00552817    ADM", ("ACCOUNT_NUMBER", "60119283"), ("MRN", "00552817")),
            ("MRN/FIN: 00733419 / 5566120014", ("MRN", "00733419"), ("ACCOUNT_NUMBER", "5566120014")),
            (
                "Patient ID / Specimen ID: LR-551208 / S24-0419-0031",
                ("MRN", "LR-551208"),
                ("OTHER_ID", "S24-0419-0031"),
            ),
        ],
    )
    def test_each_value_gets_its_own_label(
        self, text: str, first: tuple[str, str], second: tuple[str, str]
    ) -> None:
        results = found(text)
        assert first in results
        assert second in results


class TestRecordNumberLabels:
    @pytest.mark.parametrize(
        ("text", "value"),
        [
            ("UR No: 0071 8842        Sex: M", "0071 8842"),
            ("UHID: SG2024/118832    Bed No: 12", "SG2024/118832"),
            ("Pat.-No.: 40012877", "40012877"),
            ("EMPI: E100448821", "E100448821"),
            ("Local ID: 004512877     Ext ID: NVH77120", "004512877"),
            ("Local ID: 004512877     Ext ID: NVH77120", "NVH77120"),
            ("RES #: 10442    RM 14A", "10442"),
            ("Agency MR #: SV-10882", "SV-10882"),
            ("Expediente / Record No.: CMO-88-2041", "CMO-88-2041"),
            ("M R N: CF 00 4471 29", "CF 00 4471 29"),
            ("JANKOWSKI, F   MR 0041187   PAGE 2", "0041187"),
            ("reviewed your mother's chart (MRN 0044182276) with", "0044182276"),
        ],
    )
    def test_the_value_is_a_record_number(self, text: str, value: str) -> None:
        assert value in values(text, PhiCategory.MRN)

    def test_mitral_regurgitation_is_not_a_record_number(self) -> None:
        assert not values("Echo: MR 2+, TR 1+, EF 55%.", PhiCategory.MRN)

    @pytest.mark.parametrize(
        ("text", "category", "value"),
        [
            ("CSN: 1029384756   HAR: 44019283", PhiCategory.ACCOUNT_NUMBER, "1029384756"),
            ("CSN: 1029384756   HAR: 44019283", PhiCategory.ACCOUNT_NUMBER, "44019283"),
            ("IP No: IP-24-00871", PhiCategory.ACCOUNT_NUMBER, "IP-24-00871"),
            ("Medicare HIC: 911447362A", PhiCategory.HEALTH_PLAN_ID, "911447362A"),
            ("BIN 004336  PCN ADV  GRP RX8821", PhiCategory.HEALTH_PLAN_ID, "RX8821"),
            ("Reg. No. NJ-25MA08812", PhiCategory.LICENSE_NUMBER, "NJ-25MA08812"),
            ("activation code: 7XKQ2-9MDPL-44TRE (expires", PhiCategory.OTHER_ID, "7XKQ2-9MDPL-44TRE"),
        ],
    )
    def test_other_identifier_labels(self, text: str, category: PhiCategory, value: str) -> None:
        assert value in values(text, category)

    def test_a_version_after_a_label_is_no_identifier(self) -> None:
        assert not found("1. Barcode scanners: reprogram to Code 128 (template v4.2).")


class TestWrappedValues:
    def test_a_record_number_wrapped_at_its_hyphen(self) -> None:
        text = "Medical Record\nNumber:                 SKC-2024-\n                        0098812\nDate"
        assert values(text, PhiCategory.MRN) == {"SKC-2024-\n                        0098812"}

    def test_a_phone_number_wrapped_at_its_hyphen(self) -> None:
        assert "928-555-\n0142" in values("his sister [928-555-\n0142].", PhiCategory.PHONE)

    def test_a_phone_after_call_her_at(self) -> None:
        assert "5095550147" in values("you can call her at 5095550147 if", PhiCategory.PHONE)


class TestTables:
    def test_a_csv_export_with_quoted_cells(self) -> None:
        text = (
            "PAT_MRN,PAT_NAME,DOB,ROOM,ATTENDING\n"
            '00612094,"BERGSTROM, ELLA M",1948-02-14,412-B,"NAKASHIMA, RYO"\n'
            "TIME,HR,BP,SPO2,RN\n"
            "04/08 2000,88,132/78,95,KLW\n"
        )
        assert layout_values(table_values, text) == {
            ("MRN", "00612094"),
            ("NAME", "BERGSTROM, ELLA M"),
            ("NAME", "NAKASHIMA, RYO"),
            ("NAME", "KLW"),
        }

    def test_a_fixed_width_pharmacy_profile(self) -> None:
        text = (
            "RX#      DRUG                         QTY  RF  PRESCRIBER\n"
            "2219873  LEVOTHYROXINE 88 MCG TAB    90   3   OYELARAN, T\n"
            "2230118  OXYCODONE/APAP 5/325 TAB    12   0   VU, HANH\n"
        )
        assert layout_values(table_values, text) == {
            ("OTHER_ID", "2219873"),
            ("OTHER_ID", "2230118"),
            ("NAME", "OYELARAN, T"),
            ("NAME", "VU, HANH"),
        }

    def test_a_table_without_identifying_columns_is_left_alone(self) -> None:
        text = "TIME,HR,BP,SPO2,PAIN\n0800,88,132/78,95,3\n1200,91,128/74,94,4\n"
        assert table_values(text) == []

    def test_prose_with_commas_is_no_table(self) -> None:
        text = "Diagnoses: hip fracture, dementia, atrial fibrillation.\nMRN, name and DOB verified, ok.\n"
        assert table_values(text) == []


class TestHl7Segments:
    def test_identifiers_in_numbered_fields(self) -> None:
        text = (
            "PID|1||00781123^^^STMARYS^MR||NOWAK^PIOTR^J||19450923|M\n"
            "PV1|1|I|4E^411^B" + "|" * 16 + "V00918273\n"
            "OBR|1|ORD448812|LAB24-0502-117|80048^BASIC METABOLIC PANEL\n"
            "OBX|1|NM|2951-2^SODIUM||131|MMOL/L|136-145|L|||F\n"
        )
        assert layout_values(hl7_segment_ids, text) == {
            ("MRN", "00781123"),
            ("ACCOUNT_NUMBER", "V00918273"),
            ("OTHER_ID", "ORD448812"),
            ("OTHER_ID", "LAB24-0502-117"),
        }

    def test_a_birth_date_in_a_field_is_a_date(self) -> None:
        assert "19450923" in values("PID|1||00781123||NOWAK^PIOTR||19450923|M", PhiCategory.DATE)


class TestBarcodes:
    def test_the_number_over_the_bars(self) -> None:
        text = "00552817\n|||| ||| | |||| || ||||\nPATIENT LABEL"
        assert layout_values(barcode_lines, text) == {("MRN", "00552817")}

    def test_bars_without_a_number_are_nothing(self) -> None:
        assert barcode_lines("FORM 7110-22 REV 03/19   BARCODE ||| |||| || |||") == []


class TestInitialsLegends:
    def test_legend_initials_are_found_wherever_they_sign(self) -> None:
        text = (
            "DONEPEZIL 10 MG PO QHS   2100 | JT JT MK\n"
            "INITIALS/SIGNATURES: JT J. TOLLIVER LPN  MK M. KRAUSE CMA\n"
        )
        assert layout_values(initials_legends, text) == {("NAME", "JT"), ("NAME", "MK")}

    def test_words_whose_first_letters_spell_a_word_are_no_legend(self) -> None:
        assert initials_legends("EMPLOYED AT A TIRE SHOP. I CONSENT TO TRANSFUSION OF BLOOD.") == []


class TestNamesInMessages:
    @pytest.mark.parametrize(
        ("text", "name"),
        [
            ("my daughter jessie will pick it up", "jessie"),
            ("Caller: daughter, tegan (on HIPAA form)", "tegan"),
            ("hey its kevin. the rash is spreading", "kevin"),
            ("is mr hargreaves still on the metop?", "hargreaves"),
            ("Thanks,\nEmeka", "Emeka"),
            ("Dana, quick question on the platelets", "Dana"),
        ],
    )
    def test_the_name_after_a_cue(self, text: str, name: str) -> None:
        assert ("NAME", name) in layout_values(conversational_names, text)

    @pytest.mark.parametrize(
        "text",
        [
            "Per daughter text msg forwarded to nurse line",
            "my wife says i should tell you",
            "hi again, thanks so much",
            "Thanks,\nThe team",
            "to support the firm in its mission to become a leader",
        ],
    )
    def test_ordinary_words_after_a_cue_are_not_names(self, text: str) -> None:
        assert conversational_names(text) == []

    def test_email_headers_name_people(self) -> None:
        text = "From: Okafor, Emeka <e@example.org>\nTo: Dana Wexford\nSubject: curbside\n"
        assert {"Okafor, Emeka", "Dana Wexford"} <= values(text, PhiCategory.NAME)

    def test_a_verb_glued_to_its_colon(self) -> None:
        assert "Bree" in values("Your nurse was: Bree        Your doctor", PhiCategory.NAME)

    @pytest.mark.parametrize("name", ["MCALLISTER, JORJA R", "LINDQVIST, MARGARETA"])
    def test_surname_first_with_one_known_half(self, name: str) -> None:
        assert any(name.startswith(value) for value in values(f"PT: {name}   DOB", PhiCategory.NAME))

    @pytest.mark.parametrize("text", ["given - Priya Raman, LPN\n", "with Jonah Feld, LICSW. Plan"])
    def test_a_credential_is_no_given_name(self, text: str) -> None:
        assert not any("LPN" in v or "LICSW" in v for v in values(text, PhiCategory.NAME))


class TestDayFirstDates:
    @pytest.mark.parametrize(
        ("text", "date"),
        [
            ("Date typed: 18/03/2024", "18/03/2024"),
            ("DOB: 23/07/1939 (Age 84)", "23/07/1939"),
            ("D O B   : 11 / 03 / 1947", "11 / 03 / 1947"),
            ("who passed in 2019-06.", "2019-06"),
        ],
    )
    def test_the_whole_date_is_found(self, text: str, date: str) -> None:
        assert [text[d.start : d.end] for d in find_dates(text)] == [date]

    def test_a_day_first_date_shifts_in_its_shape(self) -> None:
        assert shift_date_text("18/03/2024", 20, 2024) == "07/04/2024"

    def test_a_month_abbreviation_alone(self) -> None:
        assert "Dec" in values("platelets 48 today, were 61 in Dec. No bleeding.", PhiCategory.DATE)

    @pytest.mark.parametrize("text", ["*** INCOMING FAX ***  PG 01/03", "page 2/3 of the packet"])
    def test_a_page_count_is_no_date(self, text: str) -> None:
        assert not values(text, PhiCategory.DATE)


class TestPlacesAndPhotos:
    def test_an_accented_city(self) -> None:
        text = "Centro Médico del Oeste - Mayagüez, PR 00680"
        assert ("CITY", "Mayagüez") in found(text)
        assert ("ZIP", "00680") in found(text)

    def test_a_rural_route(self) -> None:
        assert "Rt 3 Box 118" in values("Address: Rt 3 Box 118, Hazard, KY", PhiCategory.STREET_ADDRESS)

    def test_a_face_photo_file_is_a_photo_reference(self) -> None:
        text = "CLIENT PHOTO ON FILE: HDRS-PH-04418.JPG\nCHECK-IN: 06:41"
        assert values(text, PhiCategory.PHOTO_REFERENCE) == {"HDRS-PH-04418.JPG"}

    def test_a_rash_picture_is_not(self) -> None:
        assert not values("pic attached (rash_arm.jpg). should i stop it", PhiCategory.PHOTO_REFERENCE)


class TestEndToEnd:
    def test_file_names_and_variants_are_no_urls(self, deidentifier: Deidentifier) -> None:
        text = "pic attached (rash_arm.jpg). BRCA2 c.5946delT (p.Ser1982Argfs*22)."
        spans = deidentifier.deidentify(text, PhiVault.new(random.Random(1))).spans
        assert not [span for span in spans if span.category is PhiCategory.URL]

    def test_an_eponym_list_is_not_a_surname_first_name(self, deidentifier: Deidentifier) -> None:
        text = "Procedures covered: Whipple, Ivor Lewis, Roux-en-Y, Nissen, Hartmann.\n"
        assert deidentifier.deidentify(text, PhiVault.new(random.Random(2))).text == text

    def test_a_mar_legend_hides_every_initial(self, deidentifier: Deidentifier) -> None:
        text = (
            "METOPROLOL 25 MG PO BID   0900 | AB AB CL\n"
            "INITIALS/SIGNATURES: AB A. BRANNIGAN RN  CL C. LUO LPN\n"
        )
        result = deidentifier.deidentify(text, PhiVault.new(random.Random(3))).text
        assert " AB " not in result
        assert " CL\n" not in result
        assert "BRANNIGAN" not in result


class TestDev4File:
    def test_the_dev4_notes_are_all_dev(self) -> None:
        lines = (DATASETS / "clinical_notes_deid_dev4.jsonl").read_text(encoding="utf-8").splitlines()
        notes = [json.loads(line) for line in lines if line.strip()]
        assert len(notes) >= 40
        assert {note["split"] for note in notes} == {"dev"}
        assert all(note["id"].startswith("dev4-") for note in notes)
