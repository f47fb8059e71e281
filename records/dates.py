"""Dates in clinical text: finding them in every common format, and shifting them in place.

Each pattern names its parts (``year``, ``month``, ``month_name``, ``day``); :func:`shift_date_text`
moves the date by a number of days and writes it back in the same shape (padding, separators, month-name
style, two- or four-digit year), so a shifted note reads like the original.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

_MONTHS = {name.lower(): index for index, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): index for index, name in enumerate(calendar.month_abbr) if name}
_MONTHS["sept"] = 9
_MONTH_NAME = (
    r"(?P<month_name>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DAY = r"(?P<day>0?[1-9]|[12]\d|3[01])"
_ORDINAL = r"(?P<ordinal>st|nd|rd|th)?"
_YEAR4 = r"(?P<year>(?:18|19|20)\d\d)"
_YEAR = r"(?P<year>(?:18|19|20)\d\d|'?\d\d)"
_MONTH = r"(?P<month>0?[1-9]|1[0-2])"

# Order matters: longer, more specific shapes first. Case-insensitive.
DATE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        # ISO dates, also when a time follows ("2023-03-14T10:30").
        (
            "iso",
            rf"\b{_YEAR4}(?P<sep>[-/.])(?P<month>0[1-9]|1[0-2])(?P=sep)(?P<day>0[1-9]|[12]\d|3[01])(?!\d)",
        ),
        # HL7 and DICOM timestamps: YYYYMMDD, then optionally the time and a UTC offset, which are kept.
        (
            "compact",
            rf"\b{_YEAR4}(?P<month>0[1-9]|1[0-2])(?P<day>0[1-9]|[12]\d|3[01])"
            r"(?:[0-2]\d(?:[0-5]\d(?:[0-5]\d(?:\.\d{1,6})?)?)?)?(?:[+-]\d{4})?(?!\d)",
        ),
        # Lab and pharmacy systems print day, month name and year run together: "05JAN2024", "14MAR31".
        ("dmy_compact", rf"\b{_DAY}{_MONTH_NAME}{_YEAR}\b"),
        (
            "dmy_name",
            rf"\b{_DAY}{_ORDINAL}(?P<sep>[-\s/]|\s+of\s+){_MONTH_NAME}(?:(?P<sep2>[-\s/,]\s*){_YEAR})?\b",
        ),
        # "March 14th, 2023", and with hyphens as registration systems print it: "Jan-05-2024", "FEB-28".
        ("mdy_name", rf"(?<!\d-)\b{_MONTH_NAME}(?:\s+|-){_DAY}{_ORDINAL}(?:(?P<sep2>,?\s+|-){_YEAR4})?\b"),
        ("month_year", rf"\b{_MONTH_NAME}(?P<sep2>,?\s+|[-/]){_YEAR4}\b"),
        ("mdy", rf"\b{_MONTH}(?P<sep>[/-]){_DAY}(?P=sep){_YEAR}\b"),
        # Day first, as most of the world writes it: only when the day cannot be a month ("18/03/2024").
        ("dmy", rf"\b(?P<day>1[3-9]|2\d|3[01])(?P<sep>[/-])(?P<month>0?[1-9]|1[0-2])(?P=sep){_YEAR4}\b"),
        # Scanned forms space the slashes: "11 / 03 / 1947".
        ("mdy_spaced", rf"\b{_MONTH}[ ]/[ ]{_DAY}[ ]/[ ]{_YEAR4}\b"),
        ("dmy_dotted", rf"\b{_DAY}\.{_MONTH}\.{_YEAR4}\b"),
        # Dots and a two-digit year, only where the order is certain: "27.02.25" (day first), "6.19.87".
        (
            "dmy_dotted_short",
            r"(?<![\d.])\b(?P<day>1[3-9]|2\d|3[01])\.(?P<month>0?[1-9]|1[0-2])\.(?P<year>\d\d)\b(?!\.\d)",
        ),
        (
            "mdy_dotted",
            rf"(?<![\d.])\b{_MONTH}\.(?P<day>1[3-9]|2\d|3[01])\.(?P<year>(?:18|19|20)\d\d|\d\d)\b(?!\.\d)",
        ),
        # A month and an apostrophe year: "Feb '24".
        ("month_year_short", rf"\b{_MONTH_NAME}\s+(?P<year>'\d\d)\b"),
        # The first month of a range whose second has the year: "Mar-Jun 2023".
        (
            "month_before_range",
            rf"\b{_MONTH_NAME}(?=\s*[-\u2013]\s*"
            r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?[ ,]+(?:18|19|20)\d\d)",
        ),
        ("month_year_numeric", rf"(?<![\d/])\b{_MONTH}/{_YEAR4}\b(?!/)"),
        # ISO year and month ("2019-06"), not a span of years ("2019-21") nor part of a longer code.
        ("iso_month", rf"(?<![\w/.-]){_YEAR4}-(?P<month>0[1-9]|1[0-2])(?![\w/-]|\.\d)"),
        ("md", rf"(?<![\d/.])\b{_MONTH}/{_DAY}\b(?![/\d])"),
    )
)


@dataclass(frozen=True)
class DateMatch:
    """A date found in text: where, which shape, and its parts."""

    start: int
    end: int
    shape: str
    match: re.Match[str]


def find_dates(text: str) -> list[DateMatch]:
    """Every non-overlapping date in ``text``, leftmost-longest, in order."""
    found: list[DateMatch] = []
    taken: list[tuple[int, int]] = []
    for shape, pattern in DATE_PATTERNS:
        for match in pattern.finditer(text):
            if _valid(match) and not any(match.start() < end and start < match.end() for start, end in taken):
                found.append(DateMatch(match.start(), match.end(), shape, match))
                taken.append((match.start(), match.end()))
    return sorted(found, key=lambda item: item.start)


def parse_date_text(text: str) -> DateMatch | None:
    """The date if the whole of ``text`` is one date, else None."""
    for shape, pattern in DATE_PATTERNS:
        match = pattern.fullmatch(text.strip())
        if match and _valid(match):
            return DateMatch(0, len(text), shape, match)
    return None


def shift_date_text(text: str, days: int, reference_year: int) -> str | None:
    """``text`` (one date) moved by ``days`` and written back in the same shape; None if unparseable.

    Dates without a year are shifted as if in ``reference_year`` and written back without one.
    """
    found = parse_date_text(text)
    if found is None:
        return None
    parts = found.match.groupdict()
    original = _to_date(parts, reference_year)
    if original is None:
        return None
    shifted = original + dt.timedelta(days=days)
    return _render(found, shifted)


def _valid(match: re.Match[str]) -> bool:
    return _to_date(match.groupdict(), 2000) is not None


def _to_date(parts: dict[str, str | None], reference_year: int) -> dt.date | None:
    month_digits, month_name, day_digits = parts.get("month"), parts.get("month_name"), parts.get("day")
    month = int(month_digits) if month_digits else _MONTHS.get((month_name or "").lower())
    if month is None:
        return None
    year = _year(parts.get("year"), reference_year)
    day = int(day_digits) if day_digits else 1
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _year(raw: str | None, reference_year: int) -> int:
    if not raw:
        return reference_year
    digits = raw.lstrip("'")
    if len(digits) == 4:
        return int(digits)
    two = int(digits)
    return 2000 + two if two <= (reference_year % 100) + 1 else 1900 + two


def _render(found: DateMatch, value: dt.date) -> str:
    """Rebuild the matched text with each part replaced, keeping everything between the parts."""
    match = found.match
    replacements = []
    padded = found.shape in ("iso", "compact", "dmy_compact") or any(
        (match.groupdict().get(group) or "").startswith("0") for group in ("month", "day")
    )
    for group in ("year", "month", "month_name", "day", "ordinal"):
        if match.groupdict().get(group) is None:
            continue
        new = _render_part(group, match.group(group), value, padded)
        replacements.append((match.start(group), match.end(group), new))
    text = match.group(0)
    offset = match.start()
    for start, end, new in sorted(replacements, reverse=True):
        text = text[: start - offset] + new + text[end - offset :]
    return text


def _render_part(group: str, original: str, value: dt.date, padded: bool) -> str:
    if group == "year":
        if len(original.lstrip("'")) == 2:
            return ("'" if original.startswith("'") else "") + f"{value.year % 100:02d}"
        return str(value.year)
    if group in ("day", "month"):
        number = value.day if group == "day" else value.month
        return f"{number:02d}" if padded else str(number)
    if group == "ordinal":
        suffix = _ordinal_suffix(value.day)
        return suffix.upper() if original.isupper() else suffix
    abbreviated = len(original.rstrip(".")) <= 4 and original.lower() not in ("june", "july")
    name = calendar.month_abbr[value.month] if abbreviated else calendar.month_name[value.month]
    if original.isupper():
        return name.upper()
    if original.islower():
        return name.lower()
    return name


def _ordinal_suffix(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def date_value(text: str, reference_year: int = 2000) -> dt.date | None:
    """The calendar date ``text`` (one date, any supported shape) stands for; None if it is not one."""
    found = parse_date_text(text)
    return _to_date(found.match.groupdict(), reference_year) if found else None
