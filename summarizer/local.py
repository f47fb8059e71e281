"""The offline engine's summarizer: extractive, rule-based, every item quoting its source.

Registered with the gateway's local provider for the tasks ``summarize_document`` and
``summarize_narrative``. It reads the rendered prompt's input block like any model would: de-identified
texts keyed ``d1``, ``d2``... and hints naming where coded facts (FHIR, HL7, C-CDA) were rendered. Coded
facts are taken as they are; free text is read by section (chief complaint, history, medications,
allergies, assessment, results, impression, diagnosis, procedures) and by pattern ("history of A, B and C",
"presenting with X", "s/p X", "Hemoglobin 10.2 g/dL (13.5-17.5) L").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from llm.local import register_local_task
from summarizer.schemas import (
    AllergyExtract,
    ConditionExtract,
    DocumentExtraction,
    ExtractedItem,
    FindingExtract,
    LabExtract,
    MedicationExtract,
    Narrative,
    PatientContextExtract,
    ProcedureExtract,
    Quote,
)
from summarizer.text_rules import (
    DOSE,
    FREQUENCY,
    ROUTES,
    Piece,
    Section,
    first_date,
    list_entries,
    sections,
    sentences,
    split_series,
    trimmed,
)

DOCUMENT_TASK = "summarize_document"
NARRATIVE_TASK = "summarize_narrative"
NARRATIVE_WORD_BUDGET = 200  # a short read; chosen on the dialogue dev files
KEY_SENTENCES = 6  # per unit: the candidates the narrative chooses from

# Which section headings hold what (matched against the lower-cased heading).
_SECTION_ROLES: tuple[tuple[str, str], ...] = (
    (
        r"chief complaint|reason for (?:referral|visit|consult)|presenting (?:complaint|problem)|^cc$",
        "presenting",
    ),
    (r"allerg", "allergies"),
    (r"medication|current meds|^meds$|prescri|discharge med|home med", "medications"),
    (r"history of present|^hpi$|interval history|clinical history|^history$|subjective", "history"),
    (
        r"past medical|^pmh|problem|past history|medical history|diagnos|assessment|impression|^a/p",
        "conditions",
    ),
    (r"procedure|operation|surgical history|past surgical|^psh", "procedures"),
    (r"lab|result|chemistry|hematology|cbc|bmp|cmp", "labs"),
    (r"finding", "findings"),
    (r"social|family history|^sh$|^fh$", "social"),
)
_IMAGING_DOCUMENT = re.compile(
    r"(?i)\b(?:CT|MRI|MR|X-?RAY|RADIOGRAPH|ULTRASOUND|US|MAMMOGRA\w*|PET|RADIOLOGY|IMAGING)\b"
)
_PATHOLOGY_DOCUMENT = re.compile(r"(?i)\b(?:PATHOLOGY|CYTOLOGY|BIOPSY|SPECIMEN|HISTOLOG\w*)\b")
_HISTORY_OF = re.compile(
    r"(?i)\b(?:has a (?:past )?history of|history of|hx of|known"
    r"|\d{1,3}[- ](?:year|yr)s?[- ]old(?: [a-z]+){0,2} with)\s+"
)
_DIAGNOSED = re.compile(r"(?i)\b(?:diagnosed with|diagnosis of|consistent with)\s+")
# In an assessment ("Patient is presenting with X") this names a diagnosis; in a history, a complaint.
_PRESENTS = re.compile(r"(?i)\b(?:presenting with|presents with)\s+")
_SURGICAL = re.compile(r"(?i)\b(?:s/p|status post|underwent)\s+")
_PLAN_PRESCRIBED = re.compile(
    r"(?i)prescribed the following medications|started on|medications? (?:started|given)"
)
_PLAN_PROCEDURES = re.compile(r"(?i)procedures were (?:conducted|performed)|procedures? (?:done|performed)")
_NO_ALLERGY = re.compile(r"(?i)\b(?:no known (?:drug )?allergies|nkda|nka|no allergies)\b")
_NOT_A_DIAGNOSIS = re.compile(
    r"(?i)^(?:continue|follow|return|start|stop|discontinue|increase|decrease|recommend|will|plan|"
    r"patient|pt|the|we|he|she|they|no |none|see|refer|schedule|check|repeat|discussed|counsel|"
    r"the following|\d+\s*(?:mg|ml))"
)
_LAB_LINE = re.compile(
    r"(?P<name>[A-Za-z][A-Za-z0-9 ,()/%-]{1,40}?)\s*[:=]?\s+(?P<value>[<>]?\d+(?:\.\d+)?)\s*"
    r"(?P<unit>(?:[a-zA-Z%µ/^0-9.*]+(?:/[a-zA-Z0-9.]+)?)?)\s*"
    r"(?:\((?:ref(?:erence)?(?: range)?:?\s*)?"
    r"(?P<range>[<>]?\d+(?:\.\d+)?\s*[-\u2013]\s*\d+(?:\.\d+)?|[<>]\s*\d+(?:\.\d+)?)\))?"
    r"\s*(?P<flag>\b(?:H|L|HH|LL|HIGH|LOW|A|ABNORMAL|CRITICAL)\b)?"
)
_AGE_SEX = re.compile(
    r"(?i)\b(?P<age>\d{1,3})\+?[- ](?:year|yr)s?[- ]old\b(?:[^.\n]{0,40}?"
    r"\b(?P<sex>female|male|woman|man|girl|boy)\b)?"
)
# A drug and its dose after a verb of taking or prescribing, up to the next "and", comma or sentence end.
_DRUG_MENTION = re.compile(
    r"(?i)(?:\b(?:continue[sd]?|start(?:ed)?(?: on)?|taking|takes|resume[sd]?|prescribed|increase[sd]?"
    r"|decrease[sd]?|on)\s+|\band\s+)"
    r"(?P<mention>[a-z][a-z-]{3,}(?: [a-z][a-z-]{3,})?\s+\d+(?:\.\d+)?\s?(?:mg|mcg|g|units?|ml|iu)\b"
    r"(?:\s+(?!and\b)[a-z./]+){0,3})"
)
_TABLE_HEADERS = frozenset(
    {
        "description",
        "name",
        "date",
        "substance",
        "medication",
        "problem",
        "procedure",
        "test",
        "result",
        "status",
        "allergen",
        "allergy",
        "reaction",
        "social history observation",
        "encounter",
        "vaccine",
        "immunization",
    }
)
_CONDITION_TAG = re.compile(r"\((?:disorder|finding|situation)\)\s*$")
_ALLERGEN_TAG = re.compile(r"\((?:substance|organism|product)\)\s*$")
_OPERATION = re.compile(
    r"(?i)\((?:procedure)\)\s*$|\w(?:ectomy|otomy|ostomy|plasty|pexy|scopy)\b|\b(?:ligation|transplant|bypass"
    r"|graft|amputation|excision|resection|replacement|repair)\b"
)
# "Suspected X" stays whole: it is a concept of its own in SNOMED CT and in most problem lists.
_HEDGE = re.compile(r"(?i)^(?:rule out|r/o|possible|probable|likely|query|\?)\s*")
# Sections of lists and social facts: no narrative sentences there.
_LIST_ROLES = frozenset({"social", "medications", "allergies", "labs", "procedures"})
_LABEL_LINE = re.compile(r"(?m)^[A-Z][\w ]{0,30}:\s")
_FACT_SECTIONS = {
    "condition": "conditions",
    "medication": "medications",
    "allergy": "allergies",
    "observation": "labs",
    "procedure": "procedures",
    "imaging_study": "imaging",
}


def summarize_document(payload: dict[str, Any]) -> dict[str, Any]:
    """The local answer to ``summarize_document``: a :class:`DocumentExtraction` as JSON."""
    extraction = DocumentExtraction()
    facts = payload.get("hints", {}).get("facts", [])
    for key, text in payload.get("texts", {}).items():
        key_facts = [fact for fact in facts if fact.get("text_key") == key]
        _TextReader(key, text, key_facts, extraction).read()
    return extraction.model_dump(mode="json", exclude_defaults=False)


def summarize_narrative(payload: dict[str, Any]) -> dict[str, Any]:
    """The local answer to ``summarize_narrative``: the highest-ranked excerpts, in their order, within a word
    budget. Hints give each excerpt's rank (lower is more important)."""
    texts: dict[str, str] = payload.get("texts", {})
    ranks: dict[str, int] = payload.get("hints", {}).get("ranks", {})
    chosen, words = [], 0
    for key in sorted(texts, key=lambda k: ranks.get(k, len(texts))):
        count = len(texts[key].split())
        if words and words + count > NARRATIVE_WORD_BUDGET:
            continue
        chosen.append(key)
        words += count
    ordered = [key for key in texts if key in chosen]
    sentences_out = [
        ExtractedItem(text=texts[key].strip(), quotes=[Quote(text_key=key, quote=texts[key].strip())])
        for key in ordered
        if texts[key].strip()
    ]
    return Narrative(sentences=sentences_out).model_dump(mode="json")


class _TextReader:
    """Reads one text into an extraction."""

    def __init__(
        self, key: str, text: str, facts: list[dict[str, Any]], extraction: DocumentExtraction
    ) -> None:
        self.key = key
        self.text = text
        self.facts = facts
        self.out = extraction
        head = text[:300]
        self.document_role = (
            "pathology"
            if _PATHOLOGY_DOCUMENT.search(head)
            else "imaging"
            if _IMAGING_DOCUMENT.search(head)
            else ""
        )
        self.covered: list[tuple[int, int]] = []

    def read(self) -> None:
        self._read_facts()
        if self.out.document_date is None:
            self.out.document_date = first_date(self.text[:200])
        self._read_patient()
        for section in sections(self.text):
            self._read_section(section)
        self._read_key_sentences()

    # --- coded facts ------------------------------------------------------------------------------------

    def _read_facts(self) -> None:
        for fact in self.facts:
            start, end = int(fact["start"]), int(fact["end"])
            target = _FACT_SECTIONS.get(str(fact.get("kind")))
            if target is None or not 0 <= start < end <= len(self.text):
                continue
            self.covered.append((start, end))
            line = self.text[start:end]
            parts = _fact_parts(line, str(fact.get("code") or ""))
            if parts is not None:
                self._add_fact_item(target, parts, Piece(line, start, end), fact)

    def _add_fact_item(self, target: str, parts: tuple[str, str], piece: Piece, fact: dict[str, Any]) -> None:
        display, rest = parts
        quotes = [self._quote(piece)]
        date = first_date(rest)
        status = fact.get("status")
        if target == "conditions":
            self.out.conditions.append(
                ConditionExtract(text=display, quotes=quotes, name=display, status=status, date=date)
            )
        elif target == "medications":
            self.out.medications.append(_medication(display, quotes, date))
        elif target == "allergies":
            self.out.allergies.append(AllergyExtract(text=display, quotes=quotes, substance=display))
        elif target == "procedures":
            self.out.procedures.append(ProcedureExtract(text=display, quotes=quotes, name=display, date=date))
        elif target == "imaging":
            self.out.imaging.append(FindingExtract(text=display, quotes=quotes, date=date))
        elif target == "labs":
            lab = _fact_lab(display, rest, quotes, fact.get("interpretation"))
            if lab is not None:
                self.out.labs.append(lab)

    # --- free text ----------------------------------------------------------------------------------------

    def _read_patient(self) -> None:
        match = _AGE_SEX.search(self.text)
        if match and self.out.patient.age_years is None:
            sex = (match.group("sex") or "").lower()
            self.out.patient = PatientContextExtract(
                age_years=int(match.group("age")),
                sex=("female" if sex in {"female", "woman", "girl"} else "male") if sex else None,
                quotes=[self._quote(Piece(match.group(), match.start(), match.end()))],
            )

    def _read_section(self, section: Section) -> None:
        role = _role(section.title)
        reads_findings = role == "findings" or (
            role in {"conditions", ""} and re.search(r"(?i)impression|diagnos", section.title)
        )
        if reads_findings and self.document_role:
            self._read_findings(section)
            return
        readers: dict[str, Callable[[Section], None]] = {
            "presenting": self._read_presenting,
            "allergies": self._read_allergies,
            "medications": self._read_medications,
            "history": self._read_history,
            "conditions": self._read_conditions,
            "procedures": self._read_procedures,
            "labs": self._read_labs,
        }
        reader = readers.get(role)
        if reader is not None:
            reader(section)
        else:
            self._read_patterns(section.start, section.end)

    def _read_presenting(self, section: Section) -> None:
        for piece in self._entries(section):
            if not _NO_ALLERGY.search(piece.text) and not re.match(r"(?i)no complaints", piece.text):
                self.out.presenting_problem.append(
                    ExtractedItem(text=piece.text, quotes=[self._quote(piece)])
                )

    def _read_allergies(self, section: Section) -> None:
        for piece in self._entries(section):
            if _NO_ALLERGY.search(piece.text):
                continue
            for part in split_series(self.text, piece.start, piece.end):
                substance = re.sub(r"(?i)^(?:allergic to|allergy to|allergies:?)\s*", "", part.text).strip()
                if substance:
                    self.out.allergies.append(
                        AllergyExtract(text=part.text, quotes=[self._quote(part)], substance=substance)
                    )

    def _read_medications(self, section: Section) -> None:
        for piece in self._entries(section):
            if _looks_like_drug_entry(piece.text):
                self.out.medications.append(_medication(piece.text, [self._quote(piece)], None))

    def _read_history(self, section: Section) -> None:
        for index, piece in enumerate(sentences(self.text, section.start, section.end)):
            if index < 2:
                self.out.history.append(ExtractedItem(text=piece.text, quotes=[self._quote(piece)]))
        self._read_patterns(section.start, section.end)

    def _read_conditions(self, section: Section) -> None:
        block_end = _plan_block_start(self.text, section.start, section.end)
        for piece in self._entries(Section(section.title, section.start, block_end)):
            if any(pattern.search(piece.text) for pattern in (_HISTORY_OF, _DIAGNOSED, _PRESENTS)):
                continue
            for part in split_series(self.text, piece.start, piece.end):
                self._add_condition(part)
        self._read_patterns(section.start, section.end, presents_as="conditions")

    def _read_procedures(self, section: Section) -> None:
        for piece in self._entries(section):
            if not re.match(r"(?i)none|no ", piece.text):
                self.out.procedures.append(
                    ProcedureExtract(
                        text=piece.text,
                        quotes=[self._quote(piece)],
                        name=piece.text,
                        date=first_date(piece.text),
                    )
                )

    def _read_labs(self, section: Section) -> None:
        for piece in self._entries(section):
            lab = _lab(piece.text, [self._quote(piece)], None)
            if lab is not None:
                self.out.labs.append(lab)

    def _read_findings(self, section: Section) -> None:
        target = self.out.pathology if self.document_role == "pathology" else self.out.imaging
        for piece in sentences(self.text, section.start, section.end):
            if len(piece.text.split()) >= 2:
                target.append(
                    FindingExtract(text=piece.text, quotes=[self._quote(piece)], date=self.out.document_date)
                )

    def _read_patterns(self, start: int, end: int, presents_as: str = "presenting") -> None:
        """Sentence patterns found in any section: history of, diagnosed with, presenting with, s/p, and the
        plan's prescribed and performed lists."""
        for piece in sentences(self.text, start, end):
            if self._is_covered(piece):
                continue
            presents_a_problem = presents_as == "conditions" and _PRESENTS.search(piece.text)
            # "Presenting with history of X (situation)" names one problem, which the presents rule reads.
            for pattern in () if presents_a_problem else (_HISTORY_OF, _DIAGNOSED):
                match = _introducer(pattern, piece.text)
                if match:
                    self._add_problem_series(piece.start + match.end(), piece.end)
            self._read_presents(piece, presents_as)
            self._read_drug_mentions(piece)
            surgical = _SURGICAL.search(piece.text)
            if surgical:
                operation = trimmed(self.text, piece.start + surgical.end(), piece.end)
                if operation:
                    self.out.procedures.append(
                        ProcedureExtract(
                            text=operation.text, quotes=[self._quote(operation)], name=operation.text
                        )
                    )
        self._read_plan_lists(start, end)

    def _read_drug_mentions(self, piece: Piece) -> None:
        """Medications named in prose with a dose: "continue lisinopril 20 mg daily and metformin 500 mg"."""
        for match in _DRUG_MENTION.finditer(self.text, piece.start, piece.end):
            mention = trimmed(self.text, match.start("mention"), match.end("mention"))
            if mention is not None:
                self.out.medications.append(_medication(mention.text, [self._quote(mention)], None))

    def _read_presents(self, piece: Piece, presents_as: str) -> None:
        match = _PRESENTS.search(piece.text)
        if match is None:
            return
        if presents_as == "conditions":
            self._add_problem_series(piece.start + match.end(), piece.end)
            return
        complaint = trimmed(self.text, piece.start + match.end(), piece.end)
        if complaint:
            self.out.presenting_problem.append(
                ExtractedItem(text=complaint.text, quotes=[self._quote(complaint)])
            )

    def _read_plan_lists(self, start: int, end: int) -> None:
        """ "The patient was prescribed the following medications:" and "procedures were conducted:" lists."""
        for match in re.finditer(r"[^\n]*:\s*\n((?:[ \t]*[-*•][^\n]*\n?)+)", self.text[start:end]):
            lead = match.group().split("\n", 1)[0]
            list_start, list_end = start + match.start(1), start + match.end(1)
            for piece in list_entries(self.text, list_start, list_end):
                if _PLAN_PRESCRIBED.search(lead):
                    self.out.medications.append(_medication(piece.text, [self._quote(piece)], None))
                elif _PLAN_PROCEDURES.search(lead):
                    self.out.procedures.append(
                        ProcedureExtract(text=piece.text, quotes=[self._quote(piece)], name=piece.text)
                    )

    def _read_key_sentences(self) -> None:
        """The sentences most dense in findings: assessment, impression and presenting problem first."""
        ranked = sorted(self._candidate_sentences(), key=lambda item: -item[0])
        for _, piece in ranked[:KEY_SENTENCES]:
            self.out.key_sentences.append(ExtractedItem(text=piece.text, quotes=[self._quote(piece)]))

    def _candidate_sentences(self) -> Iterator[tuple[float, Piece]]:
        titled = [section for section in sections(self.text) if section.title]
        for section in titled or sections(self.text):
            weight = (
                2.0
                if re.search(
                    r"(?i)assessment|impression|diagnos|presenting|chief|hpi|history of present",
                    section.title,
                )
                else 1.0
            )
            for piece in sentences(self.text, section.start, section.end):
                words = piece.text.split()
                if (
                    6 <= len(words) <= 80
                    and self._is_prose(piece)
                    and _role(section.title) not in _LIST_ROLES
                ):
                    yield weight + _clinical_density(piece.text), piece

    # --- helpers --------------------------------------------------------------------------------------------

    def _entries(self, section: Section) -> Iterator[Piece]:
        """The section's list entries; of a table row ("Appendectomy | 03 Feb 2014 | Completed") its first
        cell, and no header rows."""
        for piece in list_entries(self.text, section.start, section.end):
            if self._is_covered(piece):
                continue
            if " | " not in piece.text:
                yield piece
                continue
            cell = trimmed(self.text, piece.start, piece.start + piece.text.index(" | "))
            if cell is not None and cell.text.lower() not in _TABLE_HEADERS:
                yield cell

    def _add_problem_series(self, start: int, end: int) -> None:
        """A series of problems: conditions, but allergens when the series names substances or organisms
        (SNOMED's semantic tags), and procedures when a member names an operation."""
        parts = list(split_series(self.text, start, end))
        if any(_ALLERGEN_TAG.search(part.text) for part in parts):
            for part in parts:
                self.out.allergies.append(
                    AllergyExtract(text=part.text, quotes=[self._quote(part)], substance=part.text)
                )
            return
        for part in parts:
            if _OPERATION.search(part.text) and not _CONDITION_TAG.search(part.text):
                self.out.procedures.append(
                    ProcedureExtract(text=part.text, quotes=[self._quote(part)], name=part.text)
                )
            else:
                self._add_condition(part)

    def _add_condition(self, piece: Piece) -> None:
        name = re.sub(r"(?i)^(?:a|an|the)\s+", "", piece.text).strip()
        hedge = _HEDGE.match(name)
        status = None
        if hedge:
            name, status = name[hedge.end() :], "suspected"
        if name and _is_diagnosis(name) and len(name.split()) <= 14:
            self.out.conditions.append(
                ConditionExtract(text=name, quotes=[self._quote(piece)], name=name, status=status)
            )

    def _is_prose(self, piece: Piece) -> bool:
        """A sentence, not a rendered fact or a header of "Label: value" lines."""
        return not self._is_covered(piece) and not _LABEL_LINE.search(piece.text)

    def _is_covered(self, piece: Piece) -> bool:
        return any(start <= piece.start < end for start, end in self.covered)

    def _quote(self, piece: Piece) -> Quote:
        return Quote(text_key=self.key, quote=self.text[piece.start : piece.end])


def _introducer(pattern: re.Pattern[str], sentence: str) -> re.Match[str] | None:
    """Where a series begins: after the first introducer, or after one that directly follows it ("67
    year-old woman with a history of A, B" lists A and B); a later "history of X" is a member."""
    matches = list(pattern.finditer(sentence))
    chosen = matches[0] if matches else None
    for following in matches[1:]:
        if chosen is None or following.start() - chosen.end() > len("a "):
            break
        chosen = following
    return chosen


def _role(title: str) -> str:
    lowered = title.lower().strip()
    return next((role for pattern, role in _SECTION_ROLES if re.search(pattern, lowered)), "")


def _plan_block_start(text: str, start: int, end: int) -> int:
    """Where the plan's own lists begin inside an assessment section (those are read as plan lists)."""
    match = re.search(
        r"(?im)^\s*#*\s*plan\b|^the following procedures|^the patient was prescribed", text[start:end]
    )
    return start + match.start() if match else end


def _is_diagnosis(text: str) -> bool:
    words = text.split()
    return (
        bool(words)
        and len(words) <= 14
        and not _NOT_A_DIAGNOSIS.match(text)
        and bool(re.search(r"[A-Za-z]{3}", text))
    )


def _looks_like_drug_entry(text: str) -> bool:
    if re.match(r"(?i)^(?:none|no |nkda|patient|pt |see |the )", text):
        return False
    return bool(DOSE.search(text) or len(text.split()) <= 4)


def _medication(text: str, quotes: list[Quote], date: str | None) -> MedicationExtract:
    dose = DOSE.search(text)
    route = ROUTES.search(text)
    frequency = FREQUENCY.search(text)
    name_end = dose.start() if dose and dose.start() > 0 else len(text)
    name = (
        re.sub(r"^\d+(?:\.\d+)?\s*(?:ml|hr)\s+", "", text[:name_end], flags=re.IGNORECASE).strip(" ,;-")
        or text
    )
    return MedicationExtract(
        text=text,
        quotes=quotes,
        name=name,
        dose=dose.group() if dose else None,
        route=route.group() if route else None,
        frequency=frequency.group() if frequency else None,
        start_date=date,
    )


def _lab(text: str, quotes: list[Quote], interpretation: Any) -> LabExtract | None:
    match = _LAB_LINE.search(text)
    if match is None or not re.search(r"[A-Za-z]{2}", match.group("name")):
        return None
    name = match.group("name").strip(" :=,")
    flag = (match.group("flag") or (interpretation if isinstance(interpretation, str) else "") or "").upper()
    return LabExtract(
        text=match.group().strip(),
        quotes=quotes,
        name=name,
        value=match.group("value"),
        unit=match.group("unit") or None,
        reference_range=match.group("range"),
        abnormal=(flag not in {"", "N"}) if flag else None,
        date=first_date(text),
    )


def _fact_parts(line: str, code: str) -> tuple[str, str] | None:
    """The display of a rendered fact line and what follows its code: "Condition: Sepsis (disorder)
    (SNOMED 91302008) — active" (FHIR) or "Observation: HEART RATE [LOINC 8867-4]: 80 /min" (C-CDA)."""
    body = line.split(": ", 1)[1] if ": " in line[:40] else line
    if code:
        marker = re.search(rf"\s*[(\[](?:[A-Za-z][\w .-]*:?\s)?{re.escape(code)}[)\]]", body)
        if marker:
            display = body[: marker.start()].strip()
            return (display, body[marker.end() :]) if display else None
    display = re.split(r" — |; ", body, maxsplit=1)[0].strip()
    return (display, body[len(display) :]) if display else None


_FACT_VALUE = re.compile(r"^[\s:=]*(?P<value>[<>]?\d+(?:\.\d+)?)\s*(?P<unit>[^\s;,(\u2014]+)?")
_FACT_RANGE = re.compile(r"\((?:ref(?:erence)?(?: range)?:?\s*)?(?P<range>[^()]*\d[^()]*)\)")


def _fact_lab(display: str, rest: str, quotes: list[Quote], interpretation: Any) -> LabExtract | None:
    """A lab from a coded observation: its value and unit as rendered after the code."""
    value = _FACT_VALUE.match(rest)
    if value is None:
        return None
    unit = value.group("unit")
    reference = _FACT_RANGE.search(rest[value.end() :])
    flag = interpretation.upper() if isinstance(interpretation, str) else ""
    return LabExtract(
        text=" ".join(part for part in (display, value.group("value"), unit) if part),
        quotes=quotes,
        name=display,
        value=value.group("value"),
        unit=unit,
        reference_range=reference.group("range").strip() if reference else None,
        abnormal=(flag not in {"N", ""}) if flag else None,
        date=first_date(rest),
    )


_CLINICAL_WORD = re.compile(
    r"(?i)\b(?:diagnos\w*|carcinoma|tumou?r|mass|lesion|fracture|infection|failure|disease|syndrome|pain|"
    r"hypertension|diabetes|stenosis|effusion|nodule|metasta\w*|biopsy|positive|negative|elevated|"
    r"abnormal|acute|chronic|history|presents?|presenting|worsening|suspected|likely|consistent)\b"
)


def _clinical_density(sentence: str) -> float:
    words = sentence.split()
    return len(_CLINICAL_WORD.findall(sentence)) / max(len(words), 1) * 5


def register() -> None:
    """Make the offline engine answer the summarizer's tasks."""
    register_local_task(DOCUMENT_TASK, summarize_document)
    register_local_task(NARRATIVE_TASK, summarize_narrative)


register()
