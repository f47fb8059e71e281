"""De-identification of clinical text (records.deid) on a realistic note, in mixed and in upper case.

The Deidentifier loads spaCy (seconds), so one is built per test session; each note is de-identified once
per module and the tests read the stored results.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from records.dates import DateMatch, parse_date_text
from records.deid import (
    CertifiedText,
    Deidentifier,
    DeidResult,
    apply_spans,
    certify,
    is_certified,
)
from records.offsets import OffsetMap
from records.phi import PhiCategory
from records.vault import PhiVault

NOTE = """DISCHARGE SUMMARY
Patient: Margaret Okonkwo    MRN: 00482913    DOB: 03/14/1931
SSN: 123-45-6789    Member ID: W2231-7781
Phone: (617) 555-0143    Fax: (617) 555-0199
Email: margaret.okonkwo@gmail.com
Address: 42 Willow Brook Road, Springfield, IL 62704
Admitted to Lakeshore General Hospital on 2023-03-01 and discharged on 2023-03-18.
Ms. Okonkwo is a 92 year old woman with Parkinson disease, Crohn's disease and Bell's palsy.
A Foley catheter was placed. Prior biopsy Gleason 3+4. HbA1c 7.2. BP 132/84.
Medications: aspirin 81 mg daily.
Patient portal: https://portal.lakeshorehealth.org/patients/88231
Home router IP address 192.168.14.27. Pacemaker serial number PM7734-221.
Vehicle VIN 1HGCM82633A004352 noted for transport.
Follow up with Dr. Rajesh Venkataraman in two weeks. Margaret Okonkwo agrees with the plan.
"""


@dataclass(frozen=True)
class Planted:
    """An identifier in NOTE: its value, and the text around it that pins where it is (default: itself)."""

    kind: str
    value: str
    anchor: str = ""

    def where(self, text: str, casing: Callable[[str], str]) -> list[tuple[int, int]]:
        """Every (start, end) of the value in ``text``, found through its anchor."""
        anchor, value = casing(self.anchor or self.value), casing(self.value)
        offset = anchor.index(value)
        spots, start = [], text.find(anchor)
        while start != -1:
            spots.append((start + offset, start + offset + len(value)))
            start = text.find(anchor, start + 1)
        return spots


PLANTED = (
    Planted("patient name", "Margaret Okonkwo"),
    Planted("surname", "Okonkwo"),
    Planted("clinician name", "Rajesh Venkataraman"),
    Planted("MRN", "00482913"),
    Planted("DOB", "03/14/1931"),
    Planted("admission date", "2023-03-01"),
    Planted("discharge date", "2023-03-18"),
    Planted("SSN", "123-45-6789"),
    Planted("member ID", "W2231-7781"),
    Planted("phone", "(617) 555-0143"),
    Planted("fax", "(617) 555-0199"),
    Planted("email", "margaret.okonkwo@gmail.com"),
    Planted("street address", "42 Willow Brook Road"),
    Planted("city", "Springfield"),
    Planted("ZIP", "62704"),
    Planted("facility", "Lakeshore General Hospital"),
    Planted("age over 89", "92", anchor="a 92 year old"),
    Planted("URL", "https://portal.lakeshorehealth.org/patients/88231"),
    Planted("IP address", "192.168.14.27"),
    Planted("VIN", "1HGCM82633A004352"),
    Planted("device serial", "PM7734-221"),
)
LOOK_ALIKES = (
    "Parkinson disease",
    "Crohn's disease",
    "Foley catheter",
    "Bell's palsy",
    "Gleason 3+4",
    "HbA1c 7.2",
    "BP 132/84",
    "aspirin 81 mg",
)
CASINGS: dict[str, Callable[[str], str]] = {"mixed": str, "upper": str.upper}


@dataclass(frozen=True)
class Run:
    original: str
    result: DeidResult
    vault: PhiVault


@pytest.fixture(scope="module")
def runs(deidentifier: Deidentifier) -> dict[str, Run]:
    """NOTE and NOTE.upper(), each de-identified once with a vault of its own."""
    found = {}
    for name, casing in CASINGS.items():
        original, case = casing(NOTE), PhiVault.new(random.Random(len(name)))
        found[name] = Run(original, deidentifier.deidentify(original, case), case)
    return found


def covered(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether every character of [start, end) lies inside one of ``spans``."""
    return all(any(s <= index < e for s, e in spans) for index in range(start, end))


def planted_cases() -> list[object]:
    cases: list[object] = []
    for casing in CASINGS:
        for item in PLANTED:
            cases.append(pytest.param(casing, item, id=f"{casing}-{item.kind}"))
    return cases


class TestEveryPlantedIdentifierIsReplaced:
    @pytest.mark.parametrize(("casing", "item"), planted_cases())
    def test_identifier_is_inside_spans_and_gone_from_the_output(
        self, runs: dict[str, Run], casing: str, item: Planted
    ) -> None:
        run, cased = runs[casing], CASINGS[casing]
        spans = [(span.start, span.end) for span in run.result.spans]
        spots = item.where(run.original, cased)
        assert spots, f"{item.kind} is not in the note"
        for start, end in spots:
            assert covered(spans, start, end), f"{item.kind} {run.original[start:end]!r} was not detected"
        assert cased(item.anchor or item.value) not in run.result.text

    def test_mixed_case_spans_are_exactly_the_identifiers(self, runs: dict[str, Run]) -> None:
        run = runs["mixed"]
        detected = {run.original[span.start : span.end]: span.category for span in run.result.spans}
        assert detected["00482913"] is PhiCategory.MRN
        assert detected["123-45-6789"] is PhiCategory.SSN
        assert detected["(617) 555-0143"] is PhiCategory.PHONE
        assert detected["(617) 555-0199"] is PhiCategory.FAX
        assert detected["margaret.okonkwo@gmail.com"] is PhiCategory.EMAIL
        assert detected["03/14/1931"] is PhiCategory.DATE
        assert detected["92"] is PhiCategory.AGE_OVER_89
        assert detected["1HGCM82633A004352"] is PhiCategory.VEHICLE_ID
        assert detected["PM7734-221"] is PhiCategory.DEVICE_ID
        assert detected["Margaret Okonkwo"] is PhiCategory.NAME

    @pytest.mark.parametrize("casing", CASINGS)
    def test_the_age_becomes_90_plus(self, runs: dict[str, Run], casing: str) -> None:
        assert CASINGS[casing]("a 90+ year old woman") in runs[casing].result.text


class TestClinicalLookAlikesSurvive:
    @pytest.mark.parametrize("casing", CASINGS)
    @pytest.mark.parametrize("phrase", LOOK_ALIKES)
    def test_phrase_is_untouched(self, runs: dict[str, Run], casing: str, phrase: str) -> None:
        run, cased = runs[casing], CASINGS[casing]
        start = run.original.index(cased(phrase))
        spans = [(span.start, span.end) for span in run.result.spans]
        assert not any(s < start + len(phrase) and start < e for s, e in spans), f"{phrase!r} was touched"
        assert cased(phrase) in run.result.text

    def test_dose_fractions_are_not_dates(self, deidentifier: Deidentifier) -> None:
        text = "Dose increased from 1/2 tab to 3/4 tab."
        assert deidentifier.deidentify(text, PhiVault.new(random.Random(1))).text == text


class TestEponymAllowListDoesNotHideIdentifiers:
    @pytest.mark.parametrize(
        ("text", "identifier"),
        [
            ("Seen by Dr. Foley today.", "Foley"),
            ("Mr. Graves reports improvement.", "Graves"),
            ("Lives in Framingham, MA 01701.", "Framingham"),
            ("Lives in Huntington, WV 25701.", "Huntington"),
        ],
    )
    def test_a_bare_eponym_used_as_a_name_or_place_is_replaced(
        self, deidentifier: Deidentifier, text: str, identifier: str
    ) -> None:
        result = deidentifier.deidentify(text, PhiVault.new(random.Random(1)))
        assert identifier not in result.text


class TestSpans:
    @pytest.mark.parametrize("casing", CASINGS)
    def test_spans_point_into_the_original_sorted_and_disjoint(
        self, runs: dict[str, Run], casing: str
    ) -> None:
        run = runs[casing]
        assert run.result.spans
        previous_end = 0
        for span in run.result.spans:
            assert previous_end <= span.start < span.end <= len(run.original)
            assert run.original[span.start : span.end].strip()
            assert span.surrogate != run.original[span.start : span.end]
            previous_end = span.end

    @pytest.mark.parametrize("casing", CASINGS)
    def test_output_is_the_original_with_the_spans_applied(self, runs: dict[str, Run], casing: str) -> None:
        run = runs[casing]
        assert run.result.text == apply_spans(run.original, run.result.spans)

    @pytest.mark.parametrize("casing", CASINGS)
    def test_every_surrogate_comes_from_the_vault(self, runs: dict[str, Run], casing: str) -> None:
        run = runs[casing]
        for span in run.result.spans:
            assert run.vault.surrogate(span.category, run.original[span.start : span.end]) == span.surrogate


class TestConsistency:
    def test_the_same_name_twice_in_a_note_gets_the_same_surrogate(self, runs: dict[str, Run]) -> None:
        run = runs["mixed"]
        surrogates = {
            span.surrogate
            for span in run.result.spans
            if run.original[span.start : span.end] == "Margaret Okonkwo"
        }
        assert len(surrogates) == 1
        (full,) = surrogates
        surname = next(s.surrogate for s in run.result.spans if run.original[s.start : s.end] == "Okonkwo")
        assert full.split()[-1] == surname  # "Ms. Okonkwo" uses the same surname surrogate

    def test_one_vault_gives_the_same_name_the_same_surrogate_across_notes_and_case(
        self, deidentifier: Deidentifier
    ) -> None:
        case = PhiVault.new(random.Random(3))
        first = deidentifier.deidentify("Patient: Margaret Okonkwo\nMRN: 00482913\n", case)
        second = deidentifier.deidentify("PATIENT: MARGARET OKONKWO\nMRN: 00482913\n", case)
        assert [s.surrogate.lower() for s in first.spans] == [s.surrogate.lower() for s in second.spans]
        assert len(first.spans) == 2

    def test_different_vaults_give_different_surrogates(self, deidentifier: Deidentifier) -> None:
        text = "Patient: Margaret Okonkwo\nMRN: 00482913\n"
        one = deidentifier.deidentify(text, PhiVault.new(random.Random(1)))
        two = deidentifier.deidentify(text, PhiVault.new(random.Random(2)))
        assert [s.surrogate for s in one.spans] != [s.surrogate for s in two.spans]
        assert one.spans[1].surrogate != two.spans[1].surrogate  # 8 random digits each

    def test_every_mention_of_a_detected_name_is_replaced(self, deidentifier: Deidentifier) -> None:
        text = "Patient: Ifeoma Okonkwo\nIfeoma Okonkwo agrees with the plan.\n"
        result = deidentifier.deidentify(text, PhiVault.new(random.Random(4)))
        assert "Okonkwo" not in result.text


def date_of(found: DateMatch | None) -> dt.date:
    assert found is not None
    parts = found.match.groupdict()
    return dt.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))


class TestDatesInANote:
    @pytest.mark.parametrize("casing", CASINGS)
    def test_intervals_survive_and_every_date_moves_by_the_case_shift(
        self, runs: dict[str, Run], casing: str
    ) -> None:
        run = runs[casing]
        by_original = {
            run.original[s.start : s.end]: s.surrogate
            for s in run.result.spans
            if s.category is PhiCategory.DATE
        }
        admitted = date_of(parse_date_text(by_original["2023-03-01"]))
        discharged = date_of(parse_date_text(by_original["2023-03-18"]))
        assert (discharged - admitted).days == 17
        shift = dt.timedelta(days=run.vault.date_shift_days)
        assert admitted == dt.date(2023, 3, 1) + shift
        assert date_of(parse_date_text(by_original["03/14/1931"])) == dt.date(1931, 3, 14) + shift


@pytest.fixture(scope="module")
def certified(deidentifier: Deidentifier) -> CertifiedText:
    """NOTE through the gate."""
    return certify(NOTE, PhiVault.new(random.Random(6)), deidentifier)


class TestCertify:
    def test_certified_text_holds_no_planted_identifier(self, certified: CertifiedText) -> None:
        leaked = [item.kind for item in PLANTED if (item.anchor or item.value) in certified.text]
        assert leaked == []
        assert all(phrase in certified.text for phrase in LOOK_ALIKES)

    def test_it_records_the_source_hash_and_category_counts(self, certified: CertifiedText) -> None:
        assert certified.source_sha256 == hashlib.sha256(NOTE.encode()).hexdigest()
        assert certified.categories[PhiCategory.DATE.value] == 3
        assert certified.categories[PhiCategory.SSN.value] == 1
        assert all(count > 0 for count in certified.categories.values())

    def test_its_offsets_map_back_to_the_original(self, certified: CertifiedText) -> None:
        start = certified.text.index("SSN")
        source_start, source_end = certified.offsets.to_source(start, len(certified.text))
        assert NOTE[source_start:source_end].startswith("SSN")
        assert certified.offsets.to_source(0, len(certified.text)) == (0, len(NOTE))

    def test_an_excerpt_is_certified_too(self, certified: CertifiedText) -> None:
        excerpt = certified.excerpt(5, 40)
        assert is_certified(excerpt)
        assert excerpt.text == certified.text[5:40]

    def test_only_certify_makes_one(self, certified: CertifiedText) -> None:
        with pytest.raises(TypeError, match="created only by"):
            CertifiedText(object(), "Patient: Margaret Okonkwo", "0" * 64, {}, OffsetMap([]))
        assert is_certified(certified)
        assert not is_certified(certified.text)
        assert not is_certified(DeidResult(text=certified.text, spans=[]))


class TestBlankText:
    @pytest.mark.parametrize("text", ["", " ", "\n\n\t  \n"])
    def test_no_spans_and_the_text_unchanged(self, deidentifier: Deidentifier, text: str) -> None:
        case = PhiVault.new(random.Random(1))
        result = deidentifier.deidentify(text, case)
        assert result.spans == []
        assert result.text == text
        assert case.entries == {}
        assert deidentifier.detect(text) == []
