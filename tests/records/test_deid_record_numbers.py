"""Medical record numbers added after the dev7 notes (evals/datasets/README_dev7.md): numbers beside the
patient's name in unlabelled headers and labels, running-text and subject-line mentions, superseded and
merged numbers, file names, and more labels; with the look-alikes that must stay."""

from __future__ import annotations

import pytest

from records.phi import PhiCategory
from tests.records.test_deid_generalisation import values


@pytest.mark.parametrize(
    ("text", "mrn"),
    [
        ("Marchetti, Giuliana   0048812   DOB 3/4/1950   F", "0048812"),
        ("RE: Casimir Wrenfield (0073155), DOB 11/19/1962", "0073155"),
        ("QUILLAN, DESMOND R / 00-61-447\nDOB 07/22/1958", "00-61-447"),
        ("DRAGOMIR, ANSELM P    E-4471873    01/09/1955    M", "E-4471873"),
        ("Label: HENRIKSEN, MAGDALENA 00493817 03/21/1949 CT ABD", "00493817"),
        ("Subject: RE: pt 4471229 results", "4471229"),
        ("The echo was scanned in as 4471229_echo.pdf in the media tab.", "4471229"),
        ("MRN: 0004471506 (old: 88-1123)", "88-1123"),
        ("Charts merged: MRNs 77120043 and 66190217 now filed under the first.", "66190217"),
        ("Pt is Anatoly Varga, registered under 6603192 at the medical center.", "6603192"),
        ("RESIDENT ID: R-20417   UNIT #: 3304", "3304"),
        ("RESIDENT ID: R-20417   UNIT #: 3304", "R-20417"),
        ("Clinic Number: 5-882-104 | Patient Identifier: EFP00317762", "5-882-104"),
        ("Clinic Number: 5-882-104 | Patient Identifier: EFP00317762", "EFP00317762"),
        ("Subject: second opinion - ID# 3318820", "3318820"),
        ("PATIENT: HOLLOWAY-PIKE, ISOLDE   REG #: 0920115", "0920115"),
        ("Número de historia clínica: HC-0092314", "HC-0092314"),
        ("Dossier no. FR-2024-11873 - Avis", "FR-2024-11873"),
    ],
)
def test_record_numbers_are_found(text: str, mrn: str) -> None:
    assert mrn in values(text, PhiCategory.MRN)


@pytest.mark.parametrize(
    "text",
    [
        "RN: C. YOUNG, RN (0700-1900) / N. ACHEAMPONG, RN (1900-0700)",
        "Dr. Halvard Osric 608-555-0131 DOB",
        "Pantoprazole 40 mg daily  Rx 7710342",
        "Control solution lot 2209881, level 2 in range.",
        "Serial Number 2209881 on 03/04/2024",
        "Room numbers (e.g. 4471) are not identifiers; call extension 4471.",
        "Scanned as 20240502_echo.pdf",
        "patient 2 of 10 was seen; children under 12 excluded",
        "FORM 4471-22 REV 2. CPT 99214, ICD-10 E11.9",
    ],
)
def test_look_alikes_are_not_record_numbers(text: str) -> None:
    assert values(text, PhiCategory.MRN) == set()
