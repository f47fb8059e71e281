"""Finding dates in clinical text and shifting them in place (records.dates), plus the date recognizer's
confidence for bare month/day fractions (the date recognizer in records.recognizers)."""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from records import recognizers
from records.dates import DateMatch, find_dates, parse_date_text, shift_date_text
from records.deid import DEFAULT_THRESHOLD

REFERENCE_YEAR = 2024  # what the vault uses for dates written without a year


def date_recognizer() -> Any:
    """The Presidio recognizer for dates (found by its NAME, so a rename of the class does not matter)."""
    for candidate in vars(recognizers).values():
        if isinstance(candidate, type) and getattr(candidate, "NAME", None) == "dates":
            return candidate()
    pytest.fail("records.recognizers has no date recognizer (NAME == 'dates')")


# --- an independent reader for the parts of a match ---------------------------------------------------

_MONTH_NUMBERS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTH_NUMBERS |= {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
_MONTH_NUMBERS["sept"] = 9


def month_of(found: DateMatch) -> int:
    parts = found.match.groupdict()
    if parts.get("month"):
        return int(parts["month"])
    return _MONTH_NUMBERS[(parts["month_name"] or "").lower()]


def day_of(found: DateMatch) -> int:
    day = found.match.groupdict().get("day")
    return int(day) if day else 1


def year_text_of(found: DateMatch) -> str | None:
    year = found.match.groupdict().get("year")
    return year.lstrip("'") if year else None


def read_full_date(text: str) -> tuple[str, dt.date]:
    """(shape, date) of a text that is one date written with a four-digit year."""
    found = parse_date_text(text)
    assert found is not None, f"{text!r} no longer parses as a date"
    year = year_text_of(found)
    assert year is not None, text
    assert len(year) == 4, text
    return found.shape, dt.date(int(year), month_of(found), day_of(found))


# --- the shapes, rendered independently of the code under test ------------------------------------------


def ordinal(day: int) -> str:
    if 11 <= day <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


@dataclass(frozen=True)
class Style:
    """One way of writing a date: its parser shape and how to render a date in it."""

    name: str
    shape: str
    render: Callable[[dt.date, bool], str]  # (date, zero-padded) -> text
    two_digit_year: bool = False
    padded: bool = False  # written with leading zeros where a numeric part is below 10
    numeric_parts: tuple[str, ...] = ("month", "day")
    full_month_name: bool = False


def _month(value: dt.date) -> str:
    return calendar.month_name[value.month]


def _abbr(value: dt.date) -> str:
    return calendar.month_abbr[value.month]


def _num(number: int, padded: bool) -> str:
    return f"{number:02d}" if padded else str(number)


STYLES_WITH_YEAR = (
    Style("m/d/yyyy", "mdy", lambda d, p: f"{_num(d.month, p)}/{_num(d.day, p)}/{d.year}"),
    Style("mm/dd/yyyy", "mdy", lambda d, p: f"{_num(d.month, p)}/{_num(d.day, p)}/{d.year}", padded=True),
    Style("mm-dd-yyyy", "mdy", lambda d, p: f"{_num(d.month, p)}-{_num(d.day, p)}-{d.year}", padded=True),
    Style(
        "mm/dd/yy",
        "mdy",
        lambda d, p: f"{_num(d.month, p)}/{_num(d.day, p)}/{d.year % 100:02d}",
        two_digit_year=True,
        padded=True,
    ),
    Style("Month d, yyyy", "mdy_name", lambda d, _p: f"{_month(d)} {d.day}, {d.year}", full_month_name=True),
    Style("Mon d, yyyy", "mdy_name", lambda d, _p: f"{_abbr(d)} {d.day}, {d.year}"),
    Style(
        "MONTH dTH, yyyy",
        "mdy_name",
        lambda d, _p: f"{_month(d).upper()} {d.day}{ordinal(d.day).upper()}, {d.year}",
        full_month_name=True,
    ),
    Style(
        "month d yyyy",
        "mdy_name",
        lambda d, _p: f"{_month(d).lower()} {d.day} {d.year}",
        full_month_name=True,
    ),
    Style(
        "dd-Mon-yyyy",
        "dmy_name",
        lambda d, p: f"{_num(d.day, p)}-{_abbr(d)}-{d.year}",
        padded=True,
        numeric_parts=("day",),
    ),
    Style(
        "dd-MON-yy",
        "dmy_name",
        lambda d, p: f"{_num(d.day, p)}-{_abbr(d).upper()}-{d.year % 100:02d}",
        two_digit_year=True,
        padded=True,
        numeric_parts=("day",),
    ),
    Style("d Month yyyy", "dmy_name", lambda d, _p: f"{d.day} {_month(d)} {d.year}", full_month_name=True),
    Style("yyyy-mm-dd", "iso", lambda d, _p: f"{d.year}-{d.month:02d}-{d.day:02d}"),
    Style("yyyy/mm/dd", "iso", lambda d, _p: f"{d.year}/{d.month:02d}/{d.day:02d}"),
    Style("yyyymmdd", "compact", lambda d, _p: f"{d.year}{d.month:02d}{d.day:02d}"),
    Style(
        "dd.mm.yyyy", "dmy_dotted", lambda d, p: f"{_num(d.day, p)}.{_num(d.month, p)}.{d.year}", padded=True
    ),
)
FOUR_DIGIT_STYLES = tuple(style for style in STYLES_WITH_YEAR if not style.two_digit_year)
TWO_DIGIT_STYLES = tuple(style for style in STYLES_WITH_YEAR if style.two_digit_year)

SHIFTS = st.integers(min_value=30, max_value=1095).flatmap(lambda n: st.sampled_from((n, -n)))
DATES = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2090, 12, 31))
# Two-digit years are read with the pivot of the reference year 2024: 00-25 -> 20xx, 26-99 -> 19xx.
PIVOT_WINDOW_DATES = st.dates(min_value=dt.date(1926, 1, 1), max_value=dt.date(2025, 12, 31))


def shows_padding(style: Style, value: dt.date) -> bool:
    """Whether a date written in ``style`` visibly carries leading zeros (12/14 shows none)."""
    return style.padded and any(getattr(value, part) < 10 for part in style.numeric_parts)


def written(style: Style, value: dt.date) -> str:
    return style.render(value, style.padded)


def expected_after_shift(style: Style, value: dt.date, shifted: dt.date) -> str:
    return style.render(shifted, shows_padding(style, value))


def unambiguous(style: Style, value: dt.date) -> bool:
    # "May" is both the full name and the abbreviation; which one the writer meant cannot be known.
    return not (style.full_month_name and value.month == 5)


# --- finding dates --------------------------------------------------------------------------------------


class TestFindDatesInContext:
    @pytest.mark.parametrize(
        ("written_date", "shape"),
        [
            ("3/14/2023", "mdy"),
            ("03/14/23", "mdy"),
            ("March 14th", "mdy_name"),
            ("March 14, 2023", "mdy_name"),
            ("14-Mar-2023", "dmy_name"),
            ("14-MAR-23", "dmy_name"),
            ("2023-03-14", "iso"),
            ("14.03.2023", "dmy_dotted"),
            ("Mar 2023", "month_year"),
            ("20230314", "compact"),
            ("3/14", "md"),
        ],
    )
    @pytest.mark.parametrize("casing", [str, str.upper], ids=["as-written", "upper"])
    def test_each_supported_shape_is_found_whole_in_a_sentence(
        self, written_date: str, shape: str, casing: Callable[[str], str]
    ) -> None:
        text = casing(f"Seen on {written_date} in clinic; BP 132/84, pulse 72.")
        found = find_dates(text)
        assert [(item.shape, text[item.start : item.end]) for item in found] == [
            (shape, casing(written_date))
        ]

    def test_several_dates_come_back_in_order_without_overlap(self) -> None:
        text = "Admitted 2023-03-01, CT on 03/05/2023, discharged March 18, 2023; follow-up 14-Apr-2023."
        found = find_dates(text)
        assert [text[item.start : item.end] for item in found] == [
            "2023-03-01",
            "03/05/2023",
            "March 18, 2023",
            "14-Apr-2023",
        ]
        assert all(first.end <= second.start for first, second in itertools.pairwise(found))

    @pytest.mark.parametrize(
        "text",
        [
            "BP 120/80 at rest",  # month 120
            "BP 132/84",
            "ratio 13/45",  # month 13
            "on 2/30",  # no 30 February
            "dated 02/30/2023",
            "dated 2023-02-29",  # 2023 is not a leap year
            "invalid 20231301",  # month 13
        ],
    )
    def test_impossible_dates_and_blood_pressures_are_not_dates(self, text: str) -> None:
        assert find_dates(text) == []

    def test_an_impossible_day_month_name_date_keeps_only_its_month_and_year(self) -> None:
        text = "dated 29-Feb-2023"  # 2023 has no Feb 29: only "Feb-2023" is a date
        assert [(item.shape, text[item.start : item.end]) for item in find_dates(text)] == [
            ("month_year", "Feb-2023")
        ]

    def test_a_bare_fraction_is_found_as_a_month_day_shape(self) -> None:
        # The finder cannot tell "1/2 tab" from January 2nd; the recognizer's score decides (below).
        text = "Take 1/2 tab by mouth."
        assert [(item.shape, text[item.start : item.end]) for item in find_dates(text)] == [("md", "1/2")]

    def test_iso_date_time_is_found(self) -> None:
        text = "Specimen collected 2023-03-14T10:30:00 by the lab."
        assert [text[item.start : item.end] for item in find_dates(text)] == ["2023-03-14"]

    def test_hl7_timestamp_with_time_is_found(self) -> None:
        text = "Message MDM^T02; sent 200801311600+0215; from PROSOLV"
        found = find_dates(text)
        assert found, "the date in the HL7 timestamp was not found"
        assert text[found[0].start : found[0].end].startswith("20080131")


class TestBareMonthDayConfidence:
    """A bare month/day is also a fraction or a ratio: it scores below the threshold unless a date word
    comes before it."""

    @staticmethod
    def scores(text: str) -> dict[str, float]:
        results = date_recognizer().analyze(text, ["DATE"])
        return {text[result.start : result.end]: float(result.score) for result in results}

    @pytest.mark.parametrize(
        "text", ["Take 1/2 tab daily.", "Pain 5/10 today.", "Strength 4/5 in the left arm."]
    )
    def test_without_a_date_word_it_scores_below_the_threshold(self, text: str) -> None:
        scores = self.scores(text)
        assert len(scores) == 1
        assert all(score < DEFAULT_THRESHOLD for score in scores.values())

    @pytest.mark.parametrize("text", ["Patient seen on 3/14 in clinic.", "Follow-up 4/2 with cardiology."])
    def test_after_a_date_word_it_scores_above_the_threshold(self, text: str) -> None:
        scores = self.scores(text)
        assert len(scores) == 1
        assert all(score >= DEFAULT_THRESHOLD for score in scores.values())

    def test_full_dates_score_above_the_threshold_without_context(self) -> None:
        scores = self.scores("CT 03/14/2023 showed no change.")
        assert scores == {"03/14/2023": pytest.approx(scores["03/14/2023"])}
        assert scores["03/14/2023"] >= DEFAULT_THRESHOLD

    def test_dose_fractions_after_from_and_to_stay_below_the_threshold(self) -> None:
        scores = self.scores("Dose increased from 1/2 tab to 3/4 tab.")
        assert set(scores) == {"1/2", "3/4"}
        assert all(score < DEFAULT_THRESHOLD for score in scores.values())


# --- shifting -------------------------------------------------------------------------------------------


class TestShiftKeepsShapeAndMovesTheDateExactly:
    @given(style=st.sampled_from(FOUR_DIGIT_STYLES), value=DATES, shift=SHIFTS)
    def test_four_digit_year_shapes(self, style: Style, value: dt.date, shift: int) -> None:
        assume(unambiguous(style, value))
        text = written(style, value)
        shifted = value + dt.timedelta(days=shift)
        result = shift_date_text(text, shift, REFERENCE_YEAR)
        assert result == expected_after_shift(style, value, shifted)
        assert read_full_date(result) == (style.shape, shifted)

    @given(style=st.sampled_from(TWO_DIGIT_STYLES), value=PIVOT_WINDOW_DATES, shift=SHIFTS)
    def test_two_digit_year_shapes(self, style: Style, value: dt.date, shift: int) -> None:
        text = written(style, value)
        shifted = value + dt.timedelta(days=shift)
        result = shift_date_text(text, shift, REFERENCE_YEAR)
        assert result == expected_after_shift(style, value, shifted)
        found = parse_date_text(result)
        assert found is not None
        assert found.shape == style.shape
        assert year_text_of(found) == f"{shifted.year % 100:02d}"
        assert (month_of(found), day_of(found)) == (shifted.month, shifted.day)

    @given(value=st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2024, 12, 31)), shift=SHIFTS)
    def test_month_day_without_year_shifts_within_the_reference_year(
        self, value: dt.date, shift: int
    ) -> None:
        shifted = value + dt.timedelta(days=shift)
        assert shift_date_text(f"{value.month}/{value.day}", shift, 2024) == f"{shifted.month}/{shifted.day}"

    @given(value=DATES, shift=SHIFTS)
    def test_month_year_moves_with_the_first_of_its_month(self, value: dt.date, shift: int) -> None:
        first = value.replace(day=1)
        moved = first + dt.timedelta(days=shift)
        text = f"{calendar.month_abbr[first.month]} {first.year}"
        assert (
            shift_date_text(text, shift, REFERENCE_YEAR) == f"{calendar.month_abbr[moved.month]} {moved.year}"
        )

    def test_unparseable_text_gives_none(self) -> None:
        assert shift_date_text("next Tuesday", 30, REFERENCE_YEAR) is None
        assert shift_date_text("BP 120/80", 30, REFERENCE_YEAR) is None

    @pytest.mark.parametrize(
        ("text", "expected"),
        [("Sept 5, 2021", "Mar 24, 2022"), ("Sept. 5, 2021", "Mar. 24, 2022")],
    )
    def test_sept_abbreviation_stays_abbreviated(self, text: str, expected: str) -> None:
        assert shift_date_text(text, 200, REFERENCE_YEAR) == expected


class TestShiftPreservesIntervalsAndOrder:
    @given(style=st.sampled_from(FOUR_DIGIT_STYLES), first=DATES, second=DATES, shift=SHIFTS)
    def test_interval_between_two_dates_survives(
        self, style: Style, first: dt.date, second: dt.date, shift: int
    ) -> None:
        assume(unambiguous(style, first) and unambiguous(style, second))
        results = [shift_date_text(written(style, value), shift, REFERENCE_YEAR) for value in (first, second)]
        assert results[0] is not None
        assert results[1] is not None
        _, moved_first = read_full_date(results[0])
        _, moved_second = read_full_date(results[1])
        assert moved_second - moved_first == second - first
        assert (moved_first < moved_second) == (first < second)


class TestFebruary29:
    @pytest.mark.parametrize(
        ("text", "days", "expected"),
        [
            ("02/29/2024", 1, "03/01/2024"),
            ("02/29/2024", 365, "02/28/2025"),
            ("2/28/2023", 366, "2/29/2024"),
            ("2024-03-01", -1, "2024-02-29"),
            ("29-Feb-2024", -365, "1-Mar-2023"),
            ("12/31/99", 1, "1/1/00"),  # across the century on a two-digit year
        ],
    )
    def test_shifts_across_leap_days(self, text: str, days: int, expected: str) -> None:
        assert shift_date_text(text, days, REFERENCE_YEAR) == expected

    def test_year_less_feb_29_needs_a_leap_reference_year(self) -> None:
        assert shift_date_text("Feb 29", 1, 2024) == "Mar 1"
        assert shift_date_text("2/29", -29, 2024) == "1/31"
        assert shift_date_text("Feb 29", 1, 2023) is None

    def test_feb_29_is_found_only_in_leap_years(self) -> None:
        assert [item.shape for item in find_dates("born 02/29/2024")] == ["mdy"]
        assert [item.shape for item in find_dates("born 29-FEB-24")] == ["dmy_name"]
        assert find_dates("born 02/29/2023") == []
        assert find_dates("born 29-FEB-23") == []
