"""Identifiers that a document's layout or register gives away, where no label sits next to the value.

Exports and printouts put the label in a column header and the value rows below it (flowsheets, pharmacy
profiles); raw HL7 puts it in a numbered field; a wristband prints the value above or below its bars; a
MAR defines its initials once in a legend; patients write to their clinicians in lower case ("my daughter
jessie will pick it up"). Each finder returns ``(category, start, end, score)`` for
:class:`records.recognizers.ShapeRecognizer` to report.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from records.census_names import census_words
from records.lexicon import clinical_vocabulary, is_everyday_word
from records.patterns import LETTERS, UPPER_LETTERS
from records.phi import PhiCategory

Found = tuple[PhiCategory, int, int, float]

# --- tables: a header row, then value rows ----------------------------------------------------------------

# Column headers and the category of the values under them (the whole header cell must match).
_COLUMNS: tuple[tuple[PhiCategory, re.Pattern[str]], ...] = tuple(
    (category, re.compile(pattern, re.IGNORECASE))
    for category, pattern in (
        (
            PhiCategory.MRN,
            r"(?:pat(?:ient)?_?|pt_?)?(?:mrn|mr ?#|med ?rec(?: ?#| no\.?)?|chart ?(?:#|no\.?)?|unit no\.?)"
            r"|(?:patient|pt|pat)[ _]?(?:id|#|no\.?)",
        ),
        (
            PhiCategory.NAME,
            r"(?:pat(?:ient)?_?|pt_?)?name|patient|attending|prescriber|provider|physician|nurse|rn|lpn"
            r"|(?:first|last|given|family|middle)(?:[ _]?name)?|surname"
            r"|initials|init\.?|signed(?: by)?|by|rph|pharmacist|caregiver|pcp",
        ),
        (PhiCategory.OTHER_ID, r"rx ?(?:#|no\.?)|order ?(?:#|id|no\.?)|accession(?: ?#)?|specimen ?(?:id|#)"),
        (PhiCategory.ACCOUNT_NUMBER, r"acct ?#?|account(?: ?#| no\.?)?|fin|csn|enc(?:ounter)?(?: ?#| id)?"),
    )
)
_HEADER_CELL = re.compile(r"[A-Za-z][A-Za-z0-9_#/ .()%-]{0,23}")
# Fixed-width columns are separated by two spaces or more; delimited ones by a tab, a comma or a pipe.
_WIDE_GAP = re.compile(r"[ \t]{2,}")
_DELIMITERS = ("\t", "|", ",")
_NAME_CELL = re.compile(rf"[{LETTERS}][{LETTERS}'., -]*")
_INITIALS_CELL = re.compile(r"[A-Z]{2,4}")
# An identifier cell: one token of letters, digits and hyphens (not "04/08 2000", a flowsheet time).
_ID_CELL = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{3,}")


def table_values(text: str) -> list[Found]:
    """Values under identifying column headers, in delimited and fixed-width tables."""
    found: list[Found] = []
    lines = list(_lines(text))
    for index, (_, line) in enumerate(lines):
        for separator in (*_DELIMITERS, None):
            header = _cells(line, separator)
            if not _is_header(header):
                continue
            columns = {position: _column_category(cell) for position, (_, _, cell) in enumerate(header)}
            found += _rows_below(lines[index + 1 :], header, columns, separator)
            break
    return found


def _rows_below(
    rows: list[tuple[int, str]],
    header: list[tuple[int, int, str]],
    columns: dict[int, PhiCategory | None],
    separator: str | None,
) -> list[Found]:
    """The identifying cells of the rows under a header, until a row no longer fits its columns."""
    found: list[Found] = []
    for offset, line in rows:
        cells = _cells(line, separator)
        if _is_header(cells) or (separator is not None and len(cells) != len(header)):
            break  # the next table, or the end of this one
        # A pasted table loses its alignment but keeps a cell for each column: then the order tells.
        by_order = separator is not None or len(cells) == len(header)
        if not by_order and (len(cells) < 2 or not _aligned(cells, header)):
            break
        for index, (start, end, cell) in enumerate(cells):
            position = index if by_order else _column_of(start, header)
            category = columns.get(position) if position is not None else None
            if category is not None and _fits(category, cell):
                found.append((category, offset + start, offset + end, 0.7))
    return found


def _lines(text: str) -> Iterator[tuple[int, str]]:
    offset = 0
    for line in text.split("\n"):
        yield offset, line
        offset += len(line) + 1


def _cells(line: str, separator: str | None) -> list[tuple[int, int, str]]:
    """The non-empty cells of a line (offsets within it, quotes and padding stripped)."""
    if separator is not None and line.count(separator) < 2:
        return []
    pieces = _WIDE_GAP.split(line) if separator is None else _split_quoted(line, separator)
    cells, position = [], 0
    for piece in pieces:
        start = line.index(piece, position) if piece else position
        position = start + len(piece)
        stripped = piece.strip().strip('"')
        if stripped:
            inner = start + piece.index(stripped)
            cells.append((inner, inner + len(stripped), stripped))
        elif separator is not None:
            cells.append((start, start, ""))
    return cells


def _is_header(cells: list[tuple[int, int, str]]) -> bool:
    """Three cells or more, all short labels, at least one of them an identifying column."""
    if len(cells) < 3 or not all(_HEADER_CELL.fullmatch(cell) for _, _, cell in cells):
        return False
    return any(_column_category(cell) for _, _, cell in cells)


def _split_quoted(line: str, separator: str) -> list[str]:
    """``line`` split at ``separator`` outside double quotes ("00612094,\"BERGSTROM, ELLA M\",...")."""
    return [m.group(0) for m in re.finditer(rf'(?:"[^"]*"|[^"{re.escape(separator)}])*', line)][::2]


def _column_category(cell: str) -> PhiCategory | None:
    for category, pattern in _COLUMNS:
        if pattern.fullmatch(cell.strip()):
            return category
    return None


def _aligned(cells: list[tuple[int, int, str]], header: list[tuple[int, int, str]]) -> bool:
    """Whether most cells of a fixed-width row start where a header cell starts."""
    starts = {start for start, _, _ in header}
    hits = sum(1 for start, _, _ in cells if any(abs(start - column) <= 2 for column in starts))
    return hits >= max(2, len(cells) - 1)


def _column_of(start: int, header: list[tuple[int, int, str]]) -> int | None:
    """The fixed-width column a cell starting at ``start`` sits in (within two characters)."""
    for position, (column, _, _) in enumerate(header):
        if abs(start - column) <= 2:
            return position
    return None


def _fits(category: PhiCategory, cell: str) -> bool:
    """Whether a cell holds a value of its column's kind (an ID has a digit; a name is not ordinary words)."""
    if category is PhiCategory.NAME:
        if _INITIALS_CELL.fullmatch(cell):
            return not _ordinary(cell)
        words = re.findall(rf"[{LETTERS}'-]{{2,}}", cell)
        return bool(_NAME_CELL.fullmatch(cell)) and bool(words) and not all(_ordinary(w) for w in words)
    return any(ch.isdigit() for ch in cell) and bool(_ID_CELL.fullmatch(cell))


def _ordinary(word: str) -> bool:
    return is_everyday_word(word) or word.lower() in clinical_vocabulary()


# --- key-value exports: JSON, logs and query strings name each value by its key -------------------------

# '"mrn": "40019283"', '"last": "Tancredi-Wynn"', "pt_mrn=00739912", '"age": 94'. Only a quoted key or a key
# glued to "=", so that prose ("Patient: 45-year-old ...") stays with the labelled patterns.
_KEYED_VALUE = re.compile(
    r"(?:\"(?P<quoted_key>[A-Za-z][\w #.]{0,23})\"[ \t]*:|(?<![\w.])(?P<key>[A-Za-z][\w.]{0,23})=)[ \t]*"
    r"(?:\"(?P<quoted>[^\"\n]{1,60})\"|(?P<bare>[^\s,;&\"}\]]{1,60}))"
)


def keyed_values(text: str) -> list[Found]:
    """Values of JSON and log keys that name a column of :data:`_COLUMNS`, and ages of 90 or more."""
    found: list[Found] = []
    for match in _KEYED_VALUE.finditer(text):
        key = match.group("quoted_key") or match.group("key")
        group = "quoted" if match.group("quoted") is not None else "bare"
        value = match.group(group)
        if key.lower() == "age" and value.isdigit() and 90 <= int(value) < 130:
            found.append((PhiCategory.AGE_OVER_89, *match.span(group), 0.7))
        elif (category := _column_category(key)) is not None and _fits(category, value):
            found.append((category, *match.span(group), 0.7))
    return found


# --- raw HL7 v2 segments ------------------------------------------------------------------------------

# Segment, field number, category of the field's first component: patient identifiers (PID-2, -3, -4),
# patient account (PID-18), visit number (PV1-19), placer and filler order numbers (ORC/OBR-2, -3).
_HL7_FIELDS = {
    "PID": {2: PhiCategory.MRN, 3: PhiCategory.MRN, 4: PhiCategory.MRN, 18: PhiCategory.ACCOUNT_NUMBER},
    "PV1": {19: PhiCategory.ACCOUNT_NUMBER},
    "OBR": {2: PhiCategory.OTHER_ID, 3: PhiCategory.OTHER_ID},
    "ORC": {2: PhiCategory.OTHER_ID, 3: PhiCategory.OTHER_ID},
}
_HL7_SEGMENT = re.compile(r"^(?P<segment>PID|PV1|OBR|ORC)\|.*$", re.MULTILINE)


def hl7_segment_ids(text: str) -> list[Found]:
    """Identifiers in the numbered fields of raw HL7 segments ("PID|1||00781123^^^STMARYS^MR")."""
    found: list[Found] = []
    for segment in _HL7_SEGMENT.finditer(text):
        fields = _HL7_FIELDS[segment.group("segment")]
        position = segment.start()
        for number, field in enumerate(segment.group(0).split("|")):
            category = fields.get(number)
            if category is None:
                position += len(field) + 1
                continue
            for repetition in field.split("~"):
                value = repetition.split("^")[0]
                if any(ch.isdigit() for ch in value) and len(value) >= 4:
                    start = position + field.index(repetition)
                    found.append((category, start, start + len(value), 0.8))
            position += len(field) + 1
    return found


# --- barcodes ----------------------------------------------------------------------------------------------

# A label's human-readable line directly above or below its bars ("00552817" over "|||| ||| |").
_BARS = r"[ \t]*\|{2,}[| \t]*"
_BARCODE_LINE = re.compile(
    rf"^[ \t]*(?P<above>(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{{4,19}})[ \t]*\n{_BARS}$"
    rf"|^{_BARS}\n[ \t]*(?P<below>(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{{4,19}})[ \t]*$",
    re.MULTILINE,
)


def barcode_lines(text: str) -> list[Found]:
    """The value printed with a barcode, as an MRN (what wristbands and labels encode)."""
    return [
        (PhiCategory.MRN, *match.span(group), 0.7)
        for match in _BARCODE_LINE.finditer(text)
        for group in ("above", "below")
        if match.group(group)
    ]


# --- initials legends -------------------------------------------------------------------------------------

# "JT J. TOLLIVER LPN", "TRH = Tessa R. Holloway, RN": initials, then the name they abbreviate.
# A lookahead, so that a legend's name running into the next entry's initials does not swallow them.
_LEGEND = re.compile(
    r"(?<![\w.])(?=(?P<initials>[A-Z]{2,4})[ \t]*(?:=|:|-|\u2013)?[ \t]*"
    r"(?P<name>[A-Z](?:\.|[A-Za-z'\u2019-]+\.?)(?:[ \t]+[A-Z](?:\.|[A-Za-z'\u2019-]+\.?)){1,3}))"
)
# "D. KAMAU-HOLT (DKH)", "Nurse Ann Lee (AL)": the name, then its initials in parentheses.
_LEGEND_AFTER = re.compile(
    r"(?<![\w.])(?P<name>[A-Z](?:\.|[A-Za-z'\u2019-]+\.?)(?:[ \t]+[A-Z](?:\.|[A-Za-z'\u2019-]+\.?)){1,3})"
    r"[ \t]*\((?P<initials>[A-Z]{2,4})\)"
)
# Two-letter words that the word lists may lack and that look like initials in capitals ("AT A TIRE SHOP").
_SHORT_WORDS = frozenset("at to in on of by or an as if is it no so up us we am be do go he me my".split())


def _abbreviates(initials: str, words: list[str]) -> bool:
    """Whether ``initials`` are the first letters of ``words``, a hyphenated word giving its first letter or
    one for each part ("KAMAU-HOLT" gives "K" or "KH", so "THUY-LINH NGUYEN-VOSS" may be "TNV"), and some
    word is not an everyday one ("TO TRANSFUSION OF" spells "TO" too)."""
    choices = [{word[0], "".join(part[0] for part in word.split("-") if part)} for word in words]
    spelled = {"".join(letters) for letters in itertools.product(*choices)}
    return initials in spelled and not all(_ordinary(word) for word in words)


def initials_legends(text: str) -> list[Found]:
    """Initials a legend defines ("JT J. TOLLIVER", "D. KAMAU-HOLT (DKH)"), and every other place they are
    written in capitals in the text.

    Flowsheets and MARs sign each entry with initials and spell them out once; the legend (the letters
    match the name's words) is the evidence that the bare "JT" in a grid is a person."""
    found: list[Found] = []
    defined: set[str] = set()
    for match in _LEGEND.finditer(text):
        words = [word for word in re.split(r"[ \t]+", match.group("name")) if word]
        # "J. TOLLIVER LPN" abbreviates the first two words.
        if any(_abbreviates(match.group("initials"), words[:count]) for count in range(len(words), 1, -1)):
            defined.add(match.group("initials"))
    for match in _LEGEND_AFTER.finditer(text):
        words = [word for word in re.split(r"[ \t]+", match.group("name")) if word]
        for count in range(len(words), 1, -1):  # "Nurse Ann Lee (AL)" abbreviates the last two words
            named = words[-count:]
            # An acronym's definition has the same shape ("COMMERCIAL DRIVER LICENSE (CDL)"): a name has
            # no everyday or clinical word in it.
            ordinary = any(_ordinary(word.strip(".")) for word in named)
            if _abbreviates(match.group("initials"), named) and not ordinary:
                defined.add(match.group("initials"))
                start = match.start("name") + match.group("name").rindex(words[-count])
                found.append((PhiCategory.NAME, start, match.end("name"), 0.7))
                break
    for initials in defined:
        if _ordinary(initials) or initials.lower() in _SHORT_WORDS:
            continue
        found += [
            (PhiCategory.NAME, *m.span(), 0.7) for m in re.finditer(rf"(?<![\w.]){initials}(?![\w])", text)
        ]
    return found


# --- names in patients' own words -------------------------------------------------------------------------

_KIN = (
    r"daughter|son|wife|husband|mom|mum|mother|dad|father|sister|brother|niece|nephew|grandson|granddaughter"
    r"|partner|girlfriend|boyfriend|friend|neighbou?r|caregiver|aunt|uncle|cousin|fianc[eé]e?"
)
# Messages written in lower case name people after kinship words, greetings, self-introductions and
# titles: "my daughter jessie", "hi dr patel", "hey its kevin", "mr hargreaves". Capitalised names after
# the same cues come from the labelled-name patterns; these catch the lower-case ones.
_LOWER_NAME = r"(?P<value>[a-z][a-z'\u2019-]{2,})\b"
_LOWER_CUES = tuple(
    re.compile(rf"\b(?:{cue})\b{gap}{_LOWER_NAME}")
    for cue, gap in (
        (_KIN, r"[ \t]*[,(:]?[ \t]*"),
        (r"dr|doctor|mr|mrs|ms|miss", r"\.?[ \t]+"),
        (r"hi|hello|hey|dear|thanks|thank you|thx", r"[ \t,]+"),
        # "its" alone is mostly the possessive ("in its mission"); after a greeting it introduces.
        (r"this is|i am|i'm|(?:hi|hey|hello)[ \t,]+it'?s", r"[ \t]+"),
    )
)
# Greetings and sign-offs around a capitalised first name: "Hi Ines,", "Thanks,\nEmeka", "Emeka - thanks".
_GREETED_NAME = re.compile(
    r"(?m:^)[ \t]*(?i:hi|hello|hey|dear|thanks|thank you|regards|best|cheers|sincerely)[ \t]*,?[ \t]*\n?"
    r"[ \t]*(?P<value>[A-Z][a-z'\u2019-]{2,})[ \t]*[,!]?[ \t]*$"
    r"|(?m:^)(?P<opening>[A-Z][a-z'\u2019-]{2,})[ \t]*(?:,|[-\u2013\u2014])[ \t]+"
    r"(?i:thanks|thank you|quick|hi|sorry)\b"
)
# Words that follow a kinship word or a greeting in messages without being a name ("daughter text msg",
# "wife says", "hi again") and that the clinical word lists lack.
_FUNCTION_WORDS = frozenset(
    "the and for you your our all any not but are was were has had have who what when where why how ill"
    " everyone team there again also just still text texts texted msg message call calls called says said"
    " wants asked thinks can will would could should did does got gets came went here home too".split()
)


def conversational_names(text: str) -> list[Found]:
    """Names after the cues of messages and e-mails (see :data:`_LOWER_CUES` and :data:`_GREETED_NAME`)."""
    found: list[Found] = []
    for regex in _LOWER_CUES:
        for match in regex.finditer(text):
            if _could_be_name(match.group("value")):
                found.append((PhiCategory.NAME, *match.span("value"), 0.6))
    for match in _GREETED_NAME.finditer(text):
        group = "value" if match.group("value") else "opening"
        if _could_be_name(match.group(group)):
            found.append((PhiCategory.NAME, *match.span(group), 0.6))
    return found


# --- names beside a patient's demographics ------------------------------------------------------------------

# Queries and one-line case summaries name the patient right before the age, sex, date of birth or record
# number: "Amara Diallo, 67, with AF", "the labs for Amara Diallo (DOB 04/02/1955)", "Aroha Ngata is a
# 45-year-old", "AMARA DIALLO - 72M - CHF". NER misses names it has not seen; the demographics are the
# evidence, and every word of the name must still pass :func:`_could_be_name` (or be a census name).
_CAPITALISED_WORD = rf"[{UPPER_LETTERS}][{LETTERS}'\u2019-]+"
_PARTICLE = r"(?:van|von|der|den|de|del|della|la|le|du|da|di|dos|das|bin|ibn|al|el)"
_NAME_RUN = (
    rf"(?P<value>{_CAPITALISED_WORD}"
    rf"(?:[ \t]+(?:{_PARTICLE}[ \t]+)*(?:[A-Z]\.?[ \t]+)?{_CAPITALISED_WORD}){{0,3}})"
)
# An age as summaries write it: "67M", "67 y/o", "67-year-old", "67 yrs".
_AGE = r"\d{1,3}[ \t]*(?:-?[ \t]*(?:[Yy](?:ea)?rs?|[Yy]/?[Oo])\b|[- ][Yy]ears?[- ][Oo]ld|[MF]\b)"
_DOB_OR_MRN = r"(?:DOB|dob|D\.O\.B\.?|MRN|mrn)\b"
_DEMOGRAPHICS = (
    # "(67)", ", 92,", ", 94:" but not "(01)0076"
    r"[ \t]*[(,][ \t]*(?P<age>[1-9]\d?|1[0-2]\d)[ \t]*(?:[,);]|:(?!\d))(?![ \t]*\d)"
    rf"|[ \t]*\([ \t]*(?:{_DOB_OR_MRN}|[Aa]ged?\b|{_AGE})"
    rf"|,[ \t]*(?:{_DOB_OR_MRN}|[Aa]ged?[ \t]+\d|{_AGE}|an?[ \t]+{_AGE}|#?\d{{6,12}}\b)"
    r"|[ \t]+(?:DOB|D\.O\.B\.?)\b"  # not " MRN": "Epic MRN", "outside MRN"
    r"|[ \t]+(?:is|was|IS|WAS)[ \t]+(?:an?|AN?)[ \t]+\d{1,3}[- ](?i:year|yr|y/?o|month|week|day)"
    rf"|[ \t]+[-\u2013][ \t]+{_AGE}"
)
_NAME_BEFORE_DEMOGRAPHICS = re.compile(
    rf"(?<![\w'\u2019-]){_NAME_RUN}(?={_DEMOGRAPHICS})"
    # Surname first, as lab portals print it before the labels: "KRISTIANSEN,ELOF  MRN:6612093".
    rf"|(?<![\w'\u2019-])(?P<surname_first>{_CAPITALISED_WORD},[ \t]*{_CAPITALISED_WORD})"
    rf"(?=[ \t]+{_DOB_OR_MRN})"
)
# A name after the record number or the birth date ("MRN: #3380412 - Halina Gasiorowski wants").
_NAME_AFTER_DEMOGRAPHICS = re.compile(
    rf"{_DOB_OR_MRN}[ \t]*[:#]?[ \t]*#?[\w/.-]*\d[\w/.-]*[ \t]*[-\u2013,:][ \t]*{_NAME_RUN}"
)
# Two or three capitalised words, every one a possible name word, after the cues of a sentence about a person:
# "She's Roc\u00edo Corbal\u00e1n", "I saw Amara Diallo in clinic", "help me with Keanu Kahale's insulin".
_PERSON_WORDS = rf"{_CAPITALISED_WORD}(?:[ \t]+{_CAPITALISED_WORD}){{1,2}}"
_NAME_AFTER_CUE = re.compile(
    rf"(?:\b(?:[Ss]he|[Hh]e)(?:'s|\u2019s|[ \t]+is)|\b(?i:saw|seen|see|visited|examined|treated|met))[ \t]+"
    rf"(?P<named>{_PERSON_WORDS})(?![ \t]*[{UPPER_LETTERS}])"
    rf"|\b(?:for|with|about|of|regarding)[ \t]+(?P<possessor>{_PERSON_WORDS})(?='s\b|\u2019s\b)"
)
# A name in lower case after "pt" or "patient", as typed into a query box: "pt grace okafor needs a PA"
# (one word a census name, or typos pass: "pt reportd rxns").
_LOWER_PATIENT_NAME = re.compile(
    r"\b(?:my[ \t]+)?(?:pt|patient)\.?[ \t]+(?P<value>[a-z][a-z'\u2019-]{2,}[ \t]+[a-z][a-z'\u2019-]{2,})\b"
)


def demographic_names(text: str) -> list[Found]:
    """Names directly before or after a patient's age, sex, date of birth or record number, after the cues
    of a sentence about a person, and in lower case after "pt" (see :data:`_NAME_BEFORE_DEMOGRAPHICS`,
    :data:`_NAME_AFTER_DEMOGRAPHICS`, :data:`_NAME_AFTER_CUE`, :data:`_LOWER_PATIENT_NAME`)."""
    return _names_before_demographics(text) + _names_after_cues(text) + _lower_case_patient_names(text)


def _names_before_demographics(text: str) -> list[Found]:
    """Names before the demographics, with an age of 90 or more among them ("Edeltraud Beitz, 92,")."""
    found: list[Found] = []
    for match in _NAME_BEFORE_DEMOGRAPHICS.finditer(text):
        if match.group("surname_first"):
            if all(_could_be_name_word(word) for word in re.split(r",[ \t]*", match.group("surname_first"))):
                found.append((PhiCategory.NAME, *match.span("surname_first"), 0.6))
        elif name := _name_within(text, *match.span("value")):
            found.append((PhiCategory.NAME, *name, 0.6))
            if match.group("age") and 90 <= int(match.group("age")) < 130:
                found.append((PhiCategory.AGE_OVER_89, *match.span("age"), 0.6))
    return found


def _names_after_cues(text: str) -> list[Found]:
    """Names after a record number or a birth date, and after the cues of a sentence about a person (every
    word of those a possible name word)."""
    found: list[Found] = []
    for match in _NAME_AFTER_DEMOGRAPHICS.finditer(text):
        if name := _name_within(text, *match.span("value")):
            found.append((PhiCategory.NAME, *name, 0.6))
    for match in _NAME_AFTER_CUE.finditer(text):
        group = "named" if match.group("named") else "possessor"
        if _name_within(text, *match.span(group)) == match.span(group):
            found.append((PhiCategory.NAME, *match.span(group), 0.6))
    return found


def _lower_case_patient_names(text: str) -> list[Found]:
    found: list[Found] = []
    for match in _LOWER_PATIENT_NAME.finditer(text):
        words = match.group("value").split()
        if all(_could_be_name(word) for word in words) and any(w.upper() in census_words() for w in words):
            found.append((PhiCategory.NAME, *match.span("value"), 0.6))
    return found


def _name_within(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The capitalised words between ``start`` and ``end`` less the sentence's own words at either end
    ("Patient", "Summary", "THE"); None unless two words are left (one word beside an age is as often an
    acronym: "UDI (01)...", "ID band")."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text[start:end])]
    words = [(start + a, start + b) for a, b in words]
    while words and not _could_be_name_word(text[words[0][0] : words[0][1]]):
        words.pop(0)
    while words and not _could_be_name_word(text[words[-1][0] : words[-1][1]]):
        words.pop()
    return (words[0][0], words[-1][1]) if len(words) >= 2 else None


def _could_be_name_word(word: str) -> bool:
    """A capitalised word of a name: a census name ("Grace", "HOPE"), a particle or an initial, or a word
    that :func:`_could_be_name` allows."""
    bare = word.strip(".")
    return (
        bare.upper() in census_words()
        or re.fullmatch(_PARTICLE, bare) is not None
        or re.fullmatch(r"[A-Z]", bare) is not None
        or _could_be_name(bare)
    )


def _could_be_name(word: str) -> bool:
    """Not a function or everyday word; a clinical word only if it is also a census name ("Dana")."""
    lower = word.lower()
    if lower in _FUNCTION_WORDS or is_everyday_word(lower):
        return False
    return lower not in clinical_vocabulary() or word.upper() in census_words()


# --- headers: a patient's name, then the record number without a label -------------------------------------

# Chart headers, page footers, specimen and CD labels print the name, the record number and the date of birth
# side by side with no labels: "Marchetti, Giuliana   0048812   DOB 3/4/1950", "QUILLAN, DESMOND R /
# 00-61-447", "Tobias Wrenfield (0073155), DOB ...", "DRAGOMIR, ANSELM P    E-4471873    01/09/1955".
_HEADER_NAME = (
    r"(?P<name>[A-Z][A-Za-z'\u2019-]+(?: [A-Z][A-Za-z'\u2019-]+)?,[ \t]*[A-Z](?:[A-Za-z'\u2019-]+)?"
    r"(?: [A-Z]\.?)?|[A-Z][a-z'\u2019-]+ [A-Z][a-z'\u2019-]+|[A-Z][A-Z'\u2019-]+ [A-Z][A-Z'\u2019-]+)"
)
# Spaces, or a parenthesis, a slash, a "#", a dash or a bar between the name and the number.
_HEADER_GAP = r"(?P<gap>[ \t]+(?:[-/|#][ \t]*)?|[ \t]*[(/|#][ \t]*|[ \t]+-[ \t]+)"
# Six digits or more, possibly grouped by hyphens, possibly after a short letter prefix ("E-4471873"); not a
# date ("03/21/1949"), a phone ("555-0142") or an SSN ("912-44-0187").
# Or digits in groups of three or four split by single spaces, as some headers print it ("447 3391").
_HEADER_NUMBER = (
    r"(?P<value>(?:[A-Z]{1,3}-)?\d(?:\d|-(?=\d)){3,14}(?![\w/.]|-\w)"
    r"|\d{3,4}(?: \d{3,4}){1,2}(?![\w/.]|-\w| \d))"
)
_NAME_THEN_NUMBER = re.compile(rf"(?<![\w,])(?:{_HEADER_NAME}){_HEADER_GAP}{_HEADER_NUMBER}")
# Outside records are filed under the patient's number: "4471229_echo.pdf" (but "20240502_echo.pdf" is dated).
_NUMBERED_FILE = re.compile(
    r"(?<![\w.-])(?P<value>\d{6,10})_[A-Za-z]\w*\.(?i:pdf|docx?|tiff?|jpe?g|png|txt|xml|dcm)\b"
)
_COMPACT_DATE = re.compile(r"(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")
# Phones, SSNs and a nurse's shift ("N. ACHEAMPONG, RN (1900-0700)") are not record numbers.
_NOT_A_RECORD = re.compile(
    r"(?:\d{3}-)?\d{3}-\d{4}|\d{3}-\d{2}-\d{4}|(?:[01]\d|2[0-3])[0-5]\d-(?:[01]\d|2[0-3])[0-5]\d"
)
# What makes the line a patient header: a date of birth, a date, or a sex.
_HEADER_CUE = re.compile(
    r"\b(?i:DOB|D\.O\.B\.?|born)\b|\d{1,2}/\d{1,2}/\d{2,4}|\b(?-i:[MF])\b(?![\w.])", re.IGNORECASE
)


def header_record_numbers(text: str) -> list[Found]:
    """Record numbers printed beside the patient's name in headers, labels and lists (see
    :data:`_NAME_THEN_NUMBER`), with that name, and record numbers that name a scanned file (see
    :data:`_NUMBERED_FILE`)."""
    found: list[Found] = [
        (PhiCategory.MRN, *match.span("value"), 0.6)
        for match in _NUMBERED_FILE.finditer(text)
        if not _COMPACT_DATE.fullmatch(match.group("value"))
    ]
    for start, line in _lines(text):
        for match in _NAME_THEN_NUMBER.finditer(line):
            if _is_header_number(match, line):
                found.append((PhiCategory.MRN, start + match.start("value"), start + match.end("value"), 0.7))
                if match.group("gap").strip():  # "Ostrowski, C  #2201837", not "FCAP, NPI 1672049586"
                    name = (start + match.start("name"), start + match.end("name"))
                    found.append((PhiCategory.NAME, *name, 0.6))
    return found


def _is_header_number(match: re.Match[str], line: str) -> bool:
    """A name of proper names, a number of six digits or more that is not a phone or an SSN, and a date of
    birth or a sex on the line (a parenthesis, a slash or a "#" right after the name is cue enough)."""
    value = match.group("value")
    # Six digits, or four after a letter prefix ("Maria Lopez (AB-12345)").
    digits_needed = 4 if value[0].isalpha() else 6
    if sum(char.isdigit() for char in value) < digits_needed or _NOT_A_RECORD.fullmatch(value):
        return False
    words = re.findall(r"[A-Za-z'\u2019-]+", match.group("name"))
    if any(len(word) > 1 and (_ordinary(word) or word.lower() in clinical_vocabulary()) for word in words):
        return False
    rest = line[: match.start()] + line[match.end() :]
    return bool(_HEADER_CUE.search(rest)) or match.group("gap").strip() in ("(", "/", "#")


# --- messages: a record number given as the reply to a request for it --------------------------------------

# A line that asks for or names the record number ("what's his MRN?", "need the med rec # for ...").
_ASKS_FOR_RECORD = re.compile(
    r"\b(?i:MRN|MR ?#|med(?:ical)? rec(?:ord)?(?: ?#| no\.?| number)?|chart (?:#|no\.?|number)|record number)"
    r"(?![\w])"
)
# The reply: a message that is the number alone, after the sender's name and time ("Kim (clerk) 09:13:
# 5830267", "[09:16] rj: it's 5528041"), or the whole line ("4471229"). A phone, a date or a count in
# words stays out.
_REPLY_NUMBER = re.compile(
    r"^(?:[^\n]{0,60}?:[ \t]+)?(?:(?i:it'?s|it is|here(?:'s| it is)?|that'?s)[ \t]+)?"
    r"(?P<value>\d{6,10})(?=[ \t]*(?:$|[,.;][ \t]|[,.;]?$))"
)


def replied_record_numbers(text: str) -> list[Found]:
    """A record number sent alone in the next message or two after a line that asks for it (see
    :data:`_ASKS_FOR_RECORD`)."""
    found: list[Found] = []
    lines = list(_lines(text))
    for index, (_, line) in enumerate(lines):
        if not _ASKS_FOR_RECORD.search(line):
            continue
        for start, reply in lines[index + 1 : index + 3]:
            match = _REPLY_NUMBER.match(reply)
            if match and not _COMPACT_DATE.fullmatch(match.group("value")):
                found.append((PhiCategory.MRN, start + match.start("value"), start + match.end("value"), 0.7))
                break
    return found
