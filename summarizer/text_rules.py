"""Reading clinical text with rules: sections, list entries, sentences, dates, doses and lab values.

Shared by the offline engine (:mod:`summarizer.local`) and the citation check (:mod:`summarizer.verify`),
so both read a dose or a date the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from records.dates import find_dates

# Section names common enough to be recognised without a colon or Markdown (C-CDA and PDF headings).
_SECTION_NAMES = (
    r"chief complaint|reason for (?:referral|visit|consult(?:ation)?)|history of present illness|history|hpi"
    r"|past medical history|past surgical history|medications?|current medications|allergies(?:[ ,/&\w]*)?"
    r"|labs?|laboratory(?: data| results)?|results|impression|assessment(?: and plan)?|plan(?: of care)?"
    r"|diagnos[ie]s|findings|procedures?|social history|family history|problems?|problem list|vital signs"
    r"|immunizations?|encounters?"
)
# A heading: Markdown "# Title", or a label line "ASSESSMENT:" / "Past Medical History:" (maybe with text).
_HEADING = re.compile(
    r"^\s{0,3}(?:#{1,6}\s+(?P<markdown>[^\n]+?)\s*$"
    # A label is a few words, not a sentence ending in a colon ("The patient was prescribed the following:").
    r"|(?!(?:The|A|An|Patient|Pt|He|She|They|We|I)\b)"
    r"(?P<label>[A-Z][A-Za-z0-9/&()'-]*(?: [A-Za-z0-9/&()'-]+){0,4}):(?=\s|$))"
    # A well-known section name alone on its line ("PROBLEMS", "Vital Signs (Last Filed)").
    rf"|^(?P<line>(?i:{_SECTION_NAMES})(?: \([A-Za-z ]+\))?)[ \t]*$"
    # A well-known section name after a sentence, when a PDF or a dictation ran the lines together.
    rf"|(?<=[.!?;)] )(?P<inline>(?i:{_SECTION_NAMES})):(?=\s)",
    re.MULTILINE,
)
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\d])")
DOSE = re.compile(
    r"(?i)\b\d+(?:\.\d+)?\s*(?:mg|mcg|µg|g|ml|mL|units?|unt|iu|meq|%|mg/ml|unt/ml|mg/hr|puffs?|tabs?)(?:/[a-z]+)?\b"
)
ROUTES = re.compile(
    r"(?i)\b(oral|by mouth|po|iv|intravenous|im|intramuscular|subcutaneous|sc|subq|sq|topical|inhaled"
    r"|inhalation|nasal|transdermal|sublingual|rectal|ophthalmic|injection|injectable)\b"
)
FREQUENCY = re.compile(
    r"(?i)\b(once daily|twice daily|three times daily|four times daily|daily|nightly|weekly|monthly"
    r"|every \d+ (?:hours|days|weeks)|q\d+h|qd|bid|b\.i\.d\.|tid|t\.i\.d\.|qid|q\.i\.d\.|qhs|prn|as needed"
    r"|at bedtime|every morning|every evening)\b"
)
# A sentence ends at . ! or ? before whitespace, or at a blank line; single line breaks do not end one, nor
# does the period of a title or common abbreviation ("Mrs.", "Dr.", "e.g.").
_BOUNDARY = re.compile(r"(?P<stop>[.!?])(?=\s|$)|\n\s*\n")
_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "st", "vs", "no", "approx", "e.g", "i.e", "etc", "fig", "jr", "sr", "pt", "hx"}
)


@dataclass(frozen=True)
class Section:
    """A run of text under one heading (``title`` is '' before the first heading)."""

    title: str
    start: int
    end: int


@dataclass(frozen=True)
class Piece:
    """A piece of text and where it is."""

    text: str
    start: int
    end: int


def sections(text: str) -> list[Section]:
    """The text cut at its headings; a heading line's own text after the colon belongs to its section."""
    found: list[Section] = []
    position, title = 0, ""
    for match in _HEADING.finditer(text):
        if match.start() > position or found or title:
            found.append(Section(title, position, match.start()))
        title = (
            next(
                (match.group(name) for name in ("markdown", "label", "line", "inline") if match.group(name)),
                "",
            )
            .strip()
            .rstrip(":")
        )
        position = match.end()
    found.append(Section(title, position, len(text)))
    return [section for section in found if text[section.start : section.end].strip()]


def trimmed(text: str, start: int, end: int) -> Piece | None:
    """``text[start:end]`` without surrounding whitespace, bullets and list numbers; None if empty."""
    piece = text[start:end]
    lead = re.match(r"^[\s\-*•·]*(?:\d{1,2}[.)]\s+)?\s*", piece)
    start += lead.end() if lead else 0
    piece = text[start:end]
    stripped = piece.rstrip(" \t\n;,.")
    end = start + len(stripped)
    return Piece(text[start:end], start, end) if end > start else None


def list_entries(text: str, start: int, end: int) -> Iterator[Piece]:
    """Entries of a list: lines, or '; '-separated parts when a line holds several."""
    for line in re.finditer(r"[^\n]+", text[start:end]):
        line_start = start + line.start()
        separator = "; " if "; " in line.group() else None
        if separator is None:
            piece = trimmed(text, line_start, start + line.end())
            if piece:
                yield piece
            continue
        position = line_start
        for part in line.group().split(separator):
            piece = trimmed(text, position, position + len(part))
            position += len(part) + len(separator)
            if piece:
                yield piece


def sentences(text: str, start: int, end: int) -> Iterator[Piece]:
    """Sentences (or paragraphs without a full stop) of ``text[start:end]``."""
    position = start
    for boundary in _BOUNDARY.finditer(text, start, end):
        if boundary.group("stop") and _is_abbreviation(text, position, boundary.start()):
            continue
        yield from _sentence(text, position, boundary.start() + (1 if boundary.group("stop") else 0))
        position = boundary.end()
    yield from _sentence(text, position, end)


def _is_abbreviation(text: str, start: int, stop: int) -> bool:
    word = re.search(r"([A-Za-z.]+)$", text[start:stop])
    if word is None:
        return False
    return word.group(1).lower() in _ABBREVIATIONS or len(word.group(1)) == 1


def _sentence(text: str, start: int, end: int) -> Iterator[Piece]:
    piece = trimmed(text, start, end)
    if piece and re.search(r"[A-Za-z]{2}", piece.text):
        yield piece


def split_series(text: str, start: int, end: int) -> Iterator[Piece]:
    """The members of "A, B (finding), C and D": commas outside parentheses and the last "and"; a part that
    cannot stand alone ("TNM stage 1 (disorder)" after "carcinoma of lung") stays with the one before. The
    series ends where a clause begins ("... and D who presents with ...")."""
    clause = _CLAUSE.search(text, start, end)
    end = clause.start() if clause else end
    parts: list[tuple[int, int]] = []
    depth, part_start = 0, start
    for index in range(start, end):
        char = text[index]
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            parts.append((part_start, index))
            part_start = index + 1
    parts.append((part_start, end))
    parts[-1:] = _split_last_and(text, *parts[-1])
    merged: list[tuple[int, int]] = []
    for part in parts:
        # A part closing with its own "(disorder)" tag is whole; one without may continue in the next.
        previous_whole = bool(merged) and text[merged[-1][0] : merged[-1][1]].rstrip().endswith(")")
        if merged and not previous_whole and _continues(text[part[0] : part[1]]):
            merged[-1] = (merged[-1][0], part[1])
        else:
            merged.append(part)
    for part_start, part_end in merged:
        piece = trimmed(text, part_start, part_end)
        if piece:
            piece = _without_leading_and(text, piece)
            yield piece


_CONTINUATION = re.compile(
    r"^\s*(?:with|without|due|nos|unspecified|human|regular|left|right|bilateral|initial|subsequent"
    r"|sequela|in|of|by)\b",
    re.IGNORECASE,
)
# "TNM stage 1", "type 2", "grade 3": a qualifier on its own, not "type 2 diabetes mellitus".
_QUALIFIER = re.compile(r"(?i)^\s*(?:tnm\s+)?(?:stage|grade|type|class)\s+\w+\s*(?:\([a-z ]+\))?\s*$")
_CLAUSE = re.compile(
    r"\s(?:who|which|that|presents|presenting|presented|admitted|referred|now|since|but|was|is|are)\b|[;:]"
)


def _split_last_and(text: str, start: int, end: int) -> list[tuple[int, int]]:
    part = text[start:end]
    match = re.search(r"\s(?:and|or)\s", part)
    if match is None:
        return [(start, end)]
    inside_parentheses = "(" in part[: match.start()] and ")" in part[match.end() :]
    if part.count("(") != part.count(")") or inside_parentheses:
        return [(start, end)]
    return [(start, start + match.start()), (start + match.end(), end)]


def _continues(part: str) -> bool:
    return bool(_CONTINUATION.match(part) or _QUALIFIER.match(part))


def _without_leading_and(text: str, piece: Piece) -> Piece:
    match = re.match(r"(?i)^(?:and|or)\s+", piece.text)
    if not match:
        return piece
    start = piece.start + match.end()
    return Piece(text[start : piece.end], start, piece.end)


def first_date(text: str) -> str | None:
    """The first date written in ``text``."""
    found = find_dates(text)
    return text[found[0].start : found[0].end] if found else None


def dates_in(text: str) -> list[str]:
    """Every date written in ``text``, as written."""
    return [text[found.start : found.end] for found in find_dates(text)]


def normalise(text: str) -> str:
    """Lower case, single spaces, no trailing punctuation: for comparing names."""
    return re.sub(r"\s+", " ", text.lower()).strip(" .;,:")
