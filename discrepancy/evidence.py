"""Reading evidence out of record text for the offline discrepancy check: segments, negation, which texts are
reports, laboratory values and the knowledge file.

A *segment* is a sentence or a line (lab tables and medication lists are one item per line). A finding is
affirmed unless its segment negates it shortly before ("no evidence of carcinoma") or just after ("thymoma
not identified"), or marks it as a pending or absent test ("requested, not yet performed").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

KNOWLEDGE_FILE = Path(__file__).parent / "data" / "knowledge.json"
_SEGMENT_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z(])|\n")
_NEGATED_BEFORE = re.compile(
    r"(?i)\b(?:no|not|nor|without|negative for|ruled out|excluded|no evidence of|absence of|free of|never"
    r"|denies|unlikely|rather than|instead of|not consistent with|inconsistent with|versus|vs\.?|or)\b[^.;]*$"
)
_NEGATED_AFTER = re.compile(
    r"(?i)^[^.;\n]{0,30}?\b(?:(?:was|were|is|are|has|have)\s+)?"
    r"(?:not (?:seen|identified|present|detected|shown|found|demonstrated|performed|measured|tested|done"
    r"|available)|absent|excluded|ruled out)"
)
_PENDING = re.compile(
    r"(?i)\b(?:not (?:yet )?(?:performed|done|measured|tested|available|reported|taken|obtained|requested"
    r"|arranged)"
    r"|has not been (?:performed|done)|have not been (?:performed|done)|to be (?:performed|done|arranged)"
    r"|none to date|none (?:so far|yet)|not tested|not measured|awaited|pending|requested\b|no biops\w+ taken"
    r"|never (?:been )?(?:performed|done|measured|tested))"
)
_REPORT = re.compile(
    r"(?im)^\s*(?:specimen|gross|microscopic|diagnosis|impression|findings|conclusion|technique|results?)\s*:"
    r"|^\s*test\s*\||\breport\b|^\s*[A-Z][A-Z /-]{6,}$"
)
_REFERRAL = re.compile(r"(?i)^\W*(?:referral|dear\b|thank you for seeing|re:)")
_NUMBER = r"(?P<value>\d+(?:\.\d+)?)"
_UNIT = r"(?:\s*\|?\s*(?P<unit>%|[a-zµ]+(?:/[a-z0-9.µ^]+)*(?:\s?/\s?\d\.\d+m2)?))?"


@dataclass(frozen=True)
class Span:
    """A stretch of one input text, named by its key (``diagnosis``, ``d1``...)."""

    key: str
    text: str
    start: int
    end: int

    @property
    def quote(self) -> str:
        """The exact characters of the span."""
        return self.text[self.start : self.end]


@dataclass(frozen=True)
class LabValue:
    """A laboratory or measured value as written."""

    span: Span
    value: float
    unit: str


@cache
def knowledge() -> dict[str, Any]:
    """The knowledge file, parsed."""
    data: dict[str, Any] = json.loads(KNOWLEDGE_FILE.read_text(encoding="utf-8"))
    return data


@cache
def compiled(pattern: str) -> re.Pattern[str]:
    """A knowledge pattern, compiled case-insensitively."""
    return re.compile(pattern, re.IGNORECASE)


def segments(text: str) -> Iterator[tuple[int, int]]:
    """Sentences and lines of ``text``, trimmed of surrounding spaces."""
    position = 0
    for boundary in [*_SEGMENT_END.finditer(text), None]:
        end = boundary.start() if boundary else len(text)
        piece = text[position:end]
        if piece.strip():
            start = position + len(piece) - len(piece.lstrip())
            yield start, position + len(piece.rstrip())
        position = boundary.end() if boundary else len(text)


def segment_of(text: str, index: int) -> tuple[int, int]:
    """The segment holding character ``index``."""
    return next(((s, e) for s, e in segments(text) if s <= index < e), (index, index))


def affirmed(text: str, start: int, end: int) -> bool:
    """The finding at ``text[start:end]`` is stated, not negated or pending, in its segment."""
    segment_start, segment_end = segment_of(text, start)
    before = text[max(segment_start, start - 60) : start]
    after = text[end:segment_end]
    if _NEGATED_BEFORE.search(before) or _NEGATED_AFTER.search(after):
        return False
    return not pending(text, start)


def pending(text: str, index: int) -> bool:
    """The segment at ``index`` says a test is absent, awaited or not done."""
    segment_start, segment_end = segment_of(text, index)
    return _PENDING.search(text[segment_start:segment_end]) is not None


def find_affirmed(key: str, text: str, patterns: list[str]) -> list[Span]:
    """Every affirmed match of any pattern, as spans."""
    found = []
    for pattern in patterns:
        for match in compiled(pattern).finditer(text):
            if affirmed(text, *match.span()):
                found.append(Span(key, text, *match.span()))
    return sorted(found, key=lambda span: span.start)


def find_any(key: str, text: str, patterns: list[str]) -> list[Span]:
    """Every match of any pattern, affirmed or not."""
    spans = [Span(key, text, *m.span()) for pattern in patterns for m in compiled(pattern).finditer(text)]
    return sorted(spans, key=lambda span: span.start)


def affirmed_in(texts: Mapping[str, str], patterns: list[str]) -> list[Span]:
    """Every affirmed match of any pattern in any of ``texts`` (keyed as the model sees them)."""
    return [span for key, text in texts.items() for span in find_affirmed(key, text, patterns)]


def mentions_in(texts: Mapping[str, str], patterns: list[str]) -> list[Span]:
    """Every match of any pattern in any of ``texts``, affirmed or not."""
    return [span for key, text in texts.items() for span in find_any(key, text, patterns)]


def lab_values_in(texts: Mapping[str, str], lab: str) -> list[LabValue]:
    """Values of the laboratory test ``lab`` in any of ``texts``."""
    return [value for key, text in texts.items() for value in lab_values(key, text, lab)]


def is_report(text: str) -> bool:
    """A pathology, imaging, laboratory or other results report (not a referral letter)."""
    return _REFERRAL.search(text) is None and _REPORT.search(text) is not None


def is_referral(text: str) -> bool:
    """A referral letter: it repeats the submitted diagnosis rather than testing it."""
    return _REFERRAL.search(text) is not None


def lab_values(key: str, text: str, lab: str) -> list[LabValue]:
    """Values of the laboratory test ``lab`` (a key of the knowledge file's ``labs``) written in ``text``:
    table rows ("eGFR | 22 | mL/min") and prose ("eGFR of 22"); a parenthesis after the name is skipped."""
    values = []
    for alias in knowledge()["labs"][lab]:
        pattern = compiled(
            rf"(?:{alias})(?:\s*\([^)\n]*\))?[^\d\n|]{{0,20}}?(?:\|\s*)?{_NUMBER}(?![\d/]){_UNIT}"
        )
        for match in pattern.finditer(text):
            if pending(text, match.start()):
                continue
            unit = (match.group("unit") or "").lower()
            values.append(LabValue(Span(key, text, match.start(), match.end()), float(match["value"]), unit))
    return sorted({value.span.start: value for value in values}.values(), key=lambda value: value.span.start)
