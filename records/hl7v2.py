"""HL7 v2 messages (ADT, ORU, MDM, ORM, SIU, VXU, ...) into one readable document per file.

Parsed by hand rather than with a library so that every rendered value can be traced to its segment: the
file is split into segments on CR, LF or CRLF (MLLP framing bytes removed), each MSH starts a new message
and brings its own field, component, repetition, escape and subcomponent separators, and escape sequences
are undone only after a field has been split, so an escaped ``^`` never splits a component.

Each segment a renderer knows becomes one line with ``resource_type`` = segment id and ``resource_id`` =
its 1-based position in the file; clinical segments (DG1, AL1, OBX, PR1, PRB, RXA, RXO/RXE/RXD) also become
:class:`~records.documents.CodedFact` s. Timestamps stay as recorded in the text; facts carry an ISO form.
Report text (FT values, TX values of MDM messages) becomes plain lines in section ``report``, and
encapsulated data (ED) is decoded and handed to the embedded parser, its documents following this one.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from records.documents import Document, DocumentBuilder, EmbeddedParser, SourceRef
from records.intake import BinaryContent, RecordRejected, RejectionKind, decode_text
from records.kinds import RecordKind

_MLLP_FRAMING = str.maketrans("", "", "\x0b\x1c")
_SEGMENT_BREAK = re.compile(r"\r\n|\r|\n")
_SEGMENT_ID = re.compile(r"(?=.*[A-Z])[A-Z0-9]{3}")  # as intake checks it: upper-case letters and digits
# Batch envelopes wrap messages in one file; they hold nothing to read.
_ENVELOPE_SEGMENTS = frozenset({"FHS", "BHS", "BTS", "FTS"})
_DEFAULT_ENCODING_CHARACTERS = "^~\\&"
_HL7_NULL = '""'  # an explicit "delete this value" in HL7, not text
_TIMESTAMP = re.compile(
    r"(?P<year>\d{4})(?P<month>\d{2})?(?P<day>\d{2})?(?P<hour>\d{2})?(?P<minute>\d{2})?(?P<second>\d{2})?"
    r"(?P<fraction>\.\d{1,6})?(?P<offset>[+-]\d{4})?"
)

# HL7 table 0396 mnemonics, to the same short names the C-CDA parser uses for OIDs.
CODE_SYSTEM_NAMES: dict[str, str] = {
    "LN": "LOINC",
    "LOINC": "LOINC",
    "SCT": "SNOMED",
    "SNM": "SNOMED",
    "SNM3": "SNOMED",
    "SNOMED": "SNOMED",
    "SNOMEDCT": "SNOMED",
    "I9": "ICD-9-CM",
    "I9C": "ICD-9-CM",
    "I9CDX": "ICD-9-CM",
    "I9M": "ICD-9-CM",
    "I10": "ICD-10-CM",
    "I10C": "ICD-10-CM",
    "ICD10CM": "ICD-10-CM",
    "RXNORM": "RxNorm",
    "RXN": "RxNorm",
    "CVX": "CVX",
    "NDC": "NDC",
    "C4": "CPT",
    "CPT": "CPT",
    "UCUM": "UCUM",
}

_RESULT_STATUS = {
    "F": "final",
    "P": "preliminary",
    "C": "corrected",
    "I": "pending",
    "R": "not verified",
    "S": "partial",
    "X": "cannot be obtained",
    "D": "deleted",
    "W": "wrong patient",
    "N": "not asked",
    "O": "order detail",
    "A": "amended",
}
_ABNORMAL_FLAGS = {
    "L": "low",
    "H": "high",
    "LL": "critically low",
    "HH": "critically high",
    "N": "normal",
    "A": "abnormal",
    "AA": "critically abnormal",
    "<": "below absolute low",
    ">": "above absolute high",
    "POS": "positive",
    "NEG": "negative",
    "S": "susceptible",
    "R": "resistant",
    "I": "intermediate",
}
_PATIENT_CLASSES = {
    "E": "emergency",
    "I": "inpatient",
    "O": "outpatient",
    "P": "preadmit",
    "R": "recurring patient",
    "B": "obstetrics",
    "C": "commercial account",
    "N": "not applicable",
    "U": "unknown",
}
_SEXES = {"M": "male", "F": "female", "O": "other", "U": "unknown", "A": "ambiguous", "N": "not applicable"}
_DIAGNOSIS_TYPES = {"A": "admitting", "W": "working", "F": "final"}
_ALLERGY_TYPES = {
    "DA": "drug allergy",
    "FA": "food allergy",
    "MA": "miscellaneous allergy",
    "MC": "miscellaneous contraindication",
    "EA": "environmental allergy",
    "AA": "animal allergy",
    "PA": "plant allergy",
    "LA": "pollen allergy",
}
_ALLERGY_SEVERITIES = {"SV": "severe", "MO": "moderate", "MI": "mild", "U": "unknown"}
_DOCUMENT_TYPES = {
    "AR": "autopsy report",
    "CD": "cardiodiagnostics",
    "CN": "consultation",
    "DI": "diagnostic imaging",
    "DS": "discharge summary",
    "ED": "emergency department report",
    "HP": "history and physical",
    "OP": "operative report",
    "PC": "psychiatric consultation",
    "PH": "psychiatric history",
    "PN": "procedure note",
    "PR": "progress note",
    "SP": "surgical pathology",
    "TS": "transfer summary",
}
_DOCUMENT_STATUSES = {
    "DI": "dictated",
    "DO": "documented",
    "IP": "in progress",
    "IN": "incomplete",
    "PA": "pre-authenticated",
    "AU": "authenticated",
    "LA": "legally authenticated",
}

_COMPLETION_STATUSES = {
    "CP": "complete",
    "RE": "refused",
    "NA": "not administered",
    "PA": "partially administered",
}


def iso_timestamp(value: str) -> str | None:
    """An HL7 timestamp (``YYYY[MM[DD[HH[MM[SS[.S]]]]]][+/-ZZZZ]``, shared by v2 and CDA) in ISO 8601.

    ``20141006064500+0700`` becomes ``2014-10-06T06:45:00+07:00``; None if it is not a valid timestamp.
    """
    match = _TIMESTAMP.fullmatch(value.strip())
    if not match:
        return None
    parts = match.groupdict()
    try:
        dt.datetime(
            int(parts["year"]),
            int(parts["month"] or 1),
            int(parts["day"] or 1),
            int(parts["hour"] or 0),
            int(parts["minute"] or 0),
            int(parts["second"] or 0),
        )
    except ValueError:
        return None
    iso = "-".join(part for part in (parts["year"], parts["month"], parts["day"]) if part)
    if parts["hour"] and parts["day"]:
        iso += "T" + ":".join(part for part in (parts["hour"], parts["minute"], parts["second"]) if part)
        iso += parts["fraction"] or ""
        offset = parts["offset"]
        iso += f"{offset[:3]}:{offset[3:]}" if offset else ""
    return iso


def parse_hl7v2(path: Path, source: SourceRef, embedded: EmbeddedParser) -> list[Document]:
    """The HL7 v2 file at ``path`` as one document (all its messages), followed by its attachments.

    Raises :class:`RecordRejected` for a file that is not HL7 v2 or has a malformed segment; the reason
    names the segment number, never its content. A damaged attachment is recorded in
    ``metadata["attachment_errors"]`` and the rest of the message is still read.
    """
    filename = source.filename or path.name
    entry = source.entry or None
    try:
        messages = _split_messages(decode_text(path.read_bytes()))
    except BinaryContent as error:
        raise RecordRejected(
            filename, RejectionKind.UNSUPPORTED, "the file is not HL7 v2 text", entry
        ) from error
    except _MalformedMessage as error:
        raise RecordRejected(filename, error.kind, error.reason, entry) from error
    writer = _Writer(DocumentBuilder(source, RecordKind.HL7V2, _title(messages)), source, embedded)
    for message in messages:
        writer.write(message)
    return [writer.finish(), *writer.attachments]


# --- structure ---------------------------------------------------------------------------------------


class _MalformedMessage(ValueError):
    """A file that cannot be read as HL7 v2; ``reason`` is PHI-free (it names positions, not content)."""

    def __init__(self, reason: str, kind: RejectionKind = RejectionKind.CORRUPT) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


@dataclass(frozen=True)
class _Separators:
    """The delimiters a message declares in MSH-1 and MSH-2."""

    field: str = "|"
    component: str = "^"
    repetition: str = "~"
    escape: str = "\\"
    subcomponent: str = "&"

    @classmethod
    def from_header(cls, header: str, index: int) -> _Separators:
        malformed = _MalformedMessage(f"HL7 v2 segment {index} is a malformed MSH header")
        if len(header) < 5 or header[3].isalnum() or header[3].isspace():
            raise malformed
        field_separator = header[3]
        declared = header[4:].split(field_separator, 1)[0][:4]
        usable = [char for char in declared if not char.isalnum() and not char.isspace()]
        if not declared or len(usable) != len(declared) or len(set(usable)) != len(usable):
            raise malformed
        # Some senders declare fewer than four: take the standard ones that are still free; a NUL stands
        # for "this message has no such separator" (it never occurs in text, so nothing splits on it).
        for default in _DEFAULT_ENCODING_CHARACTERS[len(usable) :]:
            usable.append(default if default not in usable and default != field_separator else "\x00")
        component, repetition, escape, subcomponent = usable
        return cls(field_separator, component, repetition, escape, subcomponent)

    def unescape(self, value: str) -> str:
        """``value`` with its escape sequences (``\\F\\``, ``\\.br\\``, ``\\X41\\``, ...) undone."""
        if self.escape not in value:
            return value
        escape = re.escape(self.escape)
        return re.sub(f"{escape}([^{escape}]*){escape}", self._replacement, value)

    def _replacement(self, match: re.Match[str]) -> str:
        sequence = match.group(1)
        delimiters = {
            "F": self.field,
            "S": self.component,
            "T": self.subcomponent,
            "R": self.repetition,
            "E": self.escape,
        }
        if sequence in delimiters:
            return delimiters[sequence]
        if sequence == ".br" or sequence.startswith(".sp"):
            return "\n"
        if sequence.startswith("X") and re.fullmatch(r"X(?:[0-9A-Fa-f]{2})+", sequence):
            return bytes.fromhex(sequence[1:]).decode("utf-8", errors="replace")
        # Highlighting (\H\ \N\), other formatting commands and character-set switches carry no text.
        if sequence in {"H", "N"} or sequence.startswith((".", "C", "M", "Z")):
            return ""
        return match.group(0)


@dataclass(frozen=True)
class _Segment:
    """One segment; ``fields[n]`` is SEG-n (for MSH, MSH-1 is the field separator itself)."""

    index: int
    name: str
    fields: list[str]
    separators: _Separators

    @classmethod
    def parse(cls, line: str, index: int, separators: _Separators) -> _Segment:
        fields = line.split(separators.field)
        if not _SEGMENT_ID.fullmatch(fields[0]):
            raise _MalformedMessage(f"HL7 v2 segment {index} has no valid 3-character segment id")
        if fields[0] == "MSH":
            fields.insert(1, separators.field)
        return cls(index, fields[0], fields, separators)

    def repetitions(self, number: int) -> list[str]:
        """The raw repetitions of field ``number``."""
        if number >= len(self.fields) or not self.fields[number]:
            return []
        return self.fields[number].split(self.separators.repetition)

    def components(self, number: int, repetition: int = 0) -> list[str]:
        """The components of one repetition of a field, unescaped (each its first subcomponent)."""
        repetitions = self.repetitions(number)
        if repetition >= len(repetitions):
            return []
        return [self._leaf(part) for part in repetitions[repetition].split(self.separators.component)]

    def component(self, number: int, position: int = 1, repetition: int = 0) -> str:
        """Component ``position`` (1-based) of a field, unescaped; '' when absent."""
        parts = self.components(number, repetition)
        return parts[position - 1] if position <= len(parts) else ""

    def text(self, number: int, joiner: str = ", ") -> str:
        """Every repetition of a field as text: components joined by spaces, repetitions by ``joiner``."""
        values = (
            " ".join(part for part in self.components(number, repetition) if part)
            for repetition in range(len(self.repetitions(number)))
        )
        return joiner.join(value for value in values if value)

    def coded(self, number: int, repetition: int = 0) -> CodedValue:
        """A CE/CWE/CNE field as code, display and system."""
        return CodedValue.of(self.components(number, repetition))

    def _leaf(self, component: str) -> str:
        value = self.separators.unescape(component.split(self.separators.subcomponent)[0]).strip()
        return "" if value == _HL7_NULL else value


@dataclass
class _Message:
    separators: _Separators
    segments: list[_Segment] = field(default_factory=list)

    @property
    def header(self) -> _Segment:
        return self.segments[0]

    @property
    def type(self) -> str:
        """Message code and trigger event, e.g. ``ORU^R01``."""
        code, event = self.header.component(9, 1), self.header.component(9, 2)
        return "^".join(part for part in (code, event) if part) or "unknown"

    @property
    def code(self) -> str:
        return self.header.component(9, 1).upper()


def _split_messages(text: str) -> list[_Message]:
    lines = [line.lstrip("\ufeff \t") for line in _SEGMENT_BREAK.split(text.translate(_MLLP_FRAMING))]
    lines = [line for line in lines if line.strip()]
    if not lines:
        raise _MalformedMessage("the file holds no HL7 v2 segments", RejectionKind.EMPTY)
    messages: list[_Message] = []
    for index, line in enumerate(lines, start=1):
        if line[:3] in _ENVELOPE_SEGMENTS:
            continue
        if line.startswith("MSH"):
            messages.append(_Message(_Separators.from_header(line, index)))
        elif not messages:
            raise _MalformedMessage(f"HL7 v2 segment {index} comes before any MSH header")
        messages[-1].segments.append(_Segment.parse(line, index, messages[-1].separators))
    if not messages:
        raise _MalformedMessage("the file holds no MSH header")
    return messages


def _title(messages: list[_Message]) -> str:
    types = list(dict.fromkeys(message.type for message in messages))
    noun = "message" if len(messages) == 1 else "messages"
    return f"HL7 v2 {', '.join(types)} {noun}"


# --- values ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodedValue:
    """A code with its display text and code-system short name (an HL7 v2 CE/CWE, a CDA CD)."""

    code: str
    display: str
    system: str

    @classmethod
    def of(cls, parts: list[str]) -> CodedValue:
        """A CE/CWE/CNE from its components: the first identifier triplet that is valued."""
        padded = [*parts, *[""] * 9]
        code, display, system = padded[0:3]
        if not code and not display:
            code, display, system = padded[3:6]
        display = display or padded[8]  # CWE-9, the original text
        return cls(code, display, CODE_SYSTEM_NAMES.get(system.upper(), system))

    @property
    def label(self) -> str:
        """The display, else the code."""
        return self.display or self.code

    def describe(self) -> str:
        """``display [SYSTEM code]``, or as much of it as is valued."""
        reference = " ".join(part for part in (self.system, self.code) if part)
        if self.display and self.code:
            return f"{self.display} [{reference}]"
        if self.code and self.system:
            return f"{self.code} [{self.system}]"
        return self.label

    def fact(self) -> dict[str, str]:
        """The code as CodedFact fields."""
        return {"display": self.display, "code": self.code, "system": self.system}


def _person_name(parts: list[str], offset: int = 0) -> str:
    """An XPN (offset 0) or XCN (offset 1, after the id) name in reading order: prefix, given, family."""
    padded = [*parts, *[""] * 8]
    family, given, middle, suffix, prefix = padded[offset : offset + 5]
    return " ".join(part for part in (prefix, given, middle, family, suffix) if part)


def _address(parts: list[str]) -> str:
    padded = [*parts, *[""] * 6]
    street, other, city, state, postal_code, country = padded[:6]
    region = " ".join(part for part in (state, postal_code) if part)
    return ", ".join(part for part in (street, other, city, region, country) if part)


def _location(parts: list[str]) -> str:
    """A PL location: point of care, room, bed, facility."""
    point_of_care, room, bed, facility = [*parts, *[""] * 4][:4]
    labelled = (point_of_care, _labelled("room", room), _labelled("bed", bed), facility)
    return ", ".join(part for part in labelled if part)


def _clauses(head: str, *clauses: str) -> str:
    """``head; clause; clause`` without the empty clauses."""
    return "; ".join([head, *(clause for clause in clauses if clause)])


def _labelled(label: str, value: str) -> str:
    return f"{label} {value}" if value else ""


def _named(code: str, names: dict[str, str]) -> str:
    """A table code with its meaning, e.g. ``final (F)``; the bare code if the meaning is unknown."""
    name = names.get(code.upper())
    return f"{name} ({code})" if name and code else code


# --- rendering ---------------------------------------------------------------------------------------


class _AttachmentError(ValueError):
    """An ED value that cannot be decoded; the message is PHI-free."""


class _Writer:
    """Renders the segments of each message into the document builder."""

    def __init__(self, builder: DocumentBuilder, source: SourceRef, embedded: EmbeddedParser) -> None:
        self.builder = builder
        self.source = source
        self.embedded = embedded
        self.attachments: list[Document] = []
        self.message = _Message(_Separators())
        self._messages: list[dict[str, Any]] = []
        self._skipped: Counter[str] = Counter()
        self._attachment_errors: list[dict[str, Any]] = []

    def write(self, message: _Message) -> None:
        self.message = message
        header = message.header
        self._messages.append(
            {
                "type": message.type,
                "control_id": header.component(10),
                "version": header.component(12),
                "sent": iso_timestamp(header.component(7)),
            }
        )
        for segment in message.segments:
            renderer = _RENDERERS.get(segment.name)
            if renderer is None:
                self._skipped[segment.name] += 1
            else:
                renderer(self, segment)

    def line(self, segment: _Segment, text: str, section: str | None = None) -> None:
        self.builder.add(text, **self._provenance(segment, section))

    def fact(self, segment: _Segment, text: str, **fact: Any) -> None:
        self.builder.add_fact(text, fact, **self._provenance(segment, None))

    def attach(self, segment: _Segment, payload: bytes) -> None:
        try:
            documents = self.embedded(payload, self.source.child(f"OBX{segment.index}"))
        except RecordRejected as rejection:  # an unreadable attachment must not lose the message
            self.attachment_error(segment, rejection.reason)
            return
        self.attachments.extend(documents)

    def attachment_error(self, segment: _Segment, reason: str) -> None:
        self._attachment_errors.append({"segment": segment.index, "reason": reason})

    def finish(self) -> Document:
        self.builder.metadata["messages"] = self._messages
        self.builder.metadata["skipped_segments"] = dict(sorted(self._skipped.items()))
        if self._attachment_errors:
            self.builder.metadata["attachment_errors"] = self._attachment_errors
        return self.builder.build()

    def _provenance(self, segment: _Segment, section: str | None) -> dict[str, Any]:
        return {
            "section": section or self.message.type,
            "resource_type": segment.name,
            "resource_id": str(segment.index),
        }


Renderer = Callable[[_Writer, _Segment], None]


def _render_msh(writer: _Writer, segment: _Segment) -> None:
    sender = ", ".join(part for part in (segment.component(3), segment.component(4)) if part)
    writer.line(
        segment,
        _clauses(
            f"Message {writer.message.type}",
            _labelled("sent", segment.component(7)),
            _labelled("from", sender),
            _labelled("HL7 version", segment.component(12)),
        ),
    )


def _render_pid(writer: _Writer, segment: _Segment) -> None:
    writer.line(
        segment,
        _clauses(
            f"Patient: {_person_name(segment.components(5)) or 'name not recorded'}",
            _labelled("born", segment.component(7)),
            _labelled("sex", _named(segment.component(8), _SEXES)),
            _labelled("address", _address(segment.components(11))),
        ),
    )


def _render_pv1(writer: _Writer, segment: _Segment) -> None:
    writer.line(
        segment,
        _clauses(
            f"Visit: {_named(segment.component(2), _PATIENT_CLASSES) or 'class not recorded'}",
            _labelled("location", _location(segment.components(3))),
            _labelled("attending", _person_name(segment.components(7), offset=1)),
            _labelled("admitted", segment.component(44)),
            _labelled("discharged", segment.component(45)),
        ),
    )


def _render_dg1(writer: _Writer, segment: _Segment) -> None:
    diagnosis = segment.coded(3)
    if not diagnosis.display:
        diagnosis = CodedValue(diagnosis.code, segment.component(4), diagnosis.system)
    date = segment.component(5)
    writer.fact(
        segment,
        _clauses(
            f"Diagnosis: {diagnosis.describe()}",
            _labelled("type", _named(segment.component(6), _DIAGNOSIS_TYPES)),
            _labelled("date", date),
        ),
        kind="condition",
        date=iso_timestamp(date),
        **diagnosis.fact(),
    )


def _render_al1(writer: _Writer, segment: _Segment) -> None:
    allergen = segment.coded(3)
    date = segment.component(6)
    writer.fact(
        segment,
        _clauses(
            f"Allergy: {allergen.describe()}",
            _labelled("type", _named(segment.component(2), _ALLERGY_TYPES)),
            _labelled("severity", _named(segment.component(4), _ALLERGY_SEVERITIES)),
            _labelled("reaction", segment.text(5)),
            _labelled("identified", date),
        ),
        kind="allergy",
        date=iso_timestamp(date),
        **allergen.fact(),
    )


def _render_obr(writer: _Writer, segment: _Segment) -> None:
    writer.line(
        segment,
        _clauses(
            f"Order: {segment.coded(4).describe() or 'service not recorded'}",
            _labelled("observed", segment.component(7)),
            _labelled("status", _named(segment.component(25), _RESULT_STATUS)),
        ),
    )


def _render_obx(writer: _Writer, segment: _Segment) -> None:
    value_type = segment.component(2).upper()
    if value_type == "ED":
        _render_attachment(writer, segment)
    elif value_type == "FT" or (value_type == "TX" and writer.message.code == "MDM"):
        # Report text: a document body spread over OBX lines, read as prose rather than as results.
        writer.line(segment, segment.text(5, joiner="\n"), section="report")
    else:
        _render_observation(writer, segment, value_type)


def _render_observation(writer: _Writer, segment: _Segment, value_type: str) -> None:
    observed = segment.coded(3)
    value, shown_value = _OBX_VALUES.get(value_type, _plain_value)(segment)
    unit = segment.component(6, 1) or segment.component(6, 2)
    reference_range = segment.component(7)
    flags = [segment.component(8, 1, repetition) for repetition in range(len(segment.repetitions(8)))]
    flags = [flag for flag in flags if flag]
    status = segment.component(11)
    date = segment.component(14)
    if not (observed.label or value):
        return
    measured = " ".join(part for part in (shown_value, unit) if part)
    head = f"Result: {observed.describe()}" if observed.label else "Result"
    writer.fact(
        segment,
        _clauses(
            f"{head}: {measured}" if measured else head,
            _labelled("reference range", reference_range),
            _labelled("flag", ", ".join(_named(flag, _ABNORMAL_FLAGS) for flag in flags)),
            _labelled("status", _named(status, _RESULT_STATUS)),
            _labelled("observed", date),
        ),
        kind="observation",
        value=value,
        unit=unit,
        reference_range=reference_range,
        interpretation=",".join(flags),
        status=status,
        date=iso_timestamp(date),
        **observed.fact(),
    )


def _plain_value(segment: _Segment) -> tuple[str, str]:
    value = segment.text(5)
    return value, value


def _coded_value(segment: _Segment) -> tuple[str, str]:
    values = [segment.coded(5, repetition) for repetition in range(len(segment.repetitions(5)))]
    return (
        ", ".join(value.label for value in values if value.label),
        ", ".join(value.describe() for value in values if value.label),
    )


def _structured_numeric(segment: _Segment) -> tuple[str, str]:
    """SN: comparator, number, separator or suffix, number: ``>^5``, ``^1^:^128``, ``^10^-^20``."""
    value = "".join(segment.components(5)[:4])
    return value, value


# OBX-5 readers by value type: (the fact's value, the value as shown in the text).
_OBX_VALUES: dict[str, Callable[[_Segment], tuple[str, str]]] = {
    "CE": _coded_value,
    "CWE": _coded_value,
    "CNE": _coded_value,
    "SN": _structured_numeric,
}


def _render_attachment(writer: _Writer, segment: _Segment) -> None:
    """An ED value: source application ^ type ^ subtype ^ encoding ^ data."""
    _, data_type, subtype, encoding, data = [*segment.components(5), *[""] * 5][:5]
    media_type = "/".join(part for part in (data_type, subtype) if part) or "type not recorded"
    described = segment.coded(3).describe()
    writer.line(segment, f"Attached document{f': {described}' if described else ''} ({media_type})")
    try:
        payload = _decode_payload(encoding, data)
    except _AttachmentError as error:
        writer.attachment_error(segment, str(error))
        return
    writer.attach(segment, payload)


def _decode_base64(data: str) -> bytes:
    return base64.b64decode("".join(data.split()), validate=True)


def _decode_hex(data: str) -> bytes:
    return bytes.fromhex("".join(data.split()))


def _decode_ascii(data: str) -> bytes:
    return data.encode()


_PAYLOAD_DECODERS: dict[str, Callable[[str], bytes]] = {
    "BASE64": _decode_base64,
    "HEX": _decode_hex,
    "A": _decode_ascii,
}


def _decode_payload(encoding: str, data: str) -> bytes:
    if not data:
        raise _AttachmentError("the encapsulated data is empty")
    decoder = _PAYLOAD_DECODERS.get(encoding.upper())
    if decoder is None:
        raise _AttachmentError("the encapsulated data has an unsupported encoding")
    try:
        return decoder(data)
    except (binascii.Error, ValueError) as error:
        raise _AttachmentError(f"the {encoding} encapsulated data is damaged") from error


def _render_nte(writer: _Writer, segment: _Segment) -> None:
    comment = segment.text(3, joiner="\n")
    if comment:
        writer.line(segment, f"Note: {comment}")


def _render_txa(writer: _Writer, segment: _Segment) -> None:
    writer.line(
        segment,
        _clauses(
            f"Document: {_named(segment.component(2), _DOCUMENT_TYPES) or 'type not recorded'}",
            _labelled("activity", segment.component(4)),
            _labelled("status", _named(segment.component(17), _DOCUMENT_STATUSES)),
        ),
    )


def _render_pr1(writer: _Writer, segment: _Segment) -> None:
    procedure = segment.coded(3)
    if not procedure.display:
        procedure = CodedValue(procedure.code, segment.component(4), procedure.system)
    date = segment.component(5)
    writer.fact(
        segment,
        _clauses(f"Procedure: {procedure.describe()}", _labelled("date", date)),
        kind="procedure",
        date=iso_timestamp(date),
        **procedure.fact(),
    )


def _render_prb(writer: _Writer, segment: _Segment) -> None:
    problem = segment.coded(3)
    # Life-cycle status is PRB-14; v2.3.1 senders often put it in PRB-13.
    status = segment.component(14) or segment.component(13)
    date = segment.component(16) or segment.component(7)
    writer.fact(
        segment,
        _clauses(f"Problem: {problem.describe()}", _labelled("status", status), _labelled("onset", date)),
        kind="condition",
        status=status,
        date=iso_timestamp(date),
        **problem.fact(),
    )


def _render_rxa(writer: _Writer, segment: _Segment) -> None:
    given = segment.coded(5)
    is_vaccine = given.system == "CVX" or writer.message.code == "VXU"
    amount = segment.component(6) if segment.component(6) != "999" else ""  # 999: amount unknown
    unit = segment.component(7, 1) or segment.component(7, 2)
    date = segment.component(3)
    writer.fact(
        segment,
        _clauses(
            f"{'Immunization' if is_vaccine else 'Administered'}: {given.describe()}",
            _labelled("dose", " ".join(part for part in (amount, unit) if part)),
            _labelled("given", date),
            _labelled("completion", _named(segment.component(20), _COMPLETION_STATUSES)),
        ),
        kind="immunization" if is_vaccine else "medication",
        value=amount,
        unit=unit if amount else "",
        status=segment.component(20),
        date=iso_timestamp(date),
        **given.fact(),
    )


@dataclass(frozen=True)
class _PharmacyFields:
    """Where a pharmacy segment keeps the drug, its amount and unit, and (if any) a date."""

    label: str
    code: int
    amount: int
    unit: int
    date: int | None = None


_PHARMACY_SEGMENTS = {
    "RXO": _PharmacyFields("Medication order", code=1, amount=2, unit=4),
    "RXE": _PharmacyFields("Medication order", code=2, amount=3, unit=5),
    "RXD": _PharmacyFields("Medication dispensed", code=2, amount=4, unit=5, date=3),
}


def _render_pharmacy(writer: _Writer, segment: _Segment) -> None:
    layout = _PHARMACY_SEGMENTS[segment.name]
    drug = segment.coded(layout.code)
    amount = segment.component(layout.amount)
    unit = segment.component(layout.unit, 2) or segment.component(layout.unit, 1)
    date = segment.component(layout.date) if layout.date else ""
    writer.fact(
        segment,
        _clauses(
            f"{layout.label}: {drug.describe()}",
            _labelled("amount", " ".join(part for part in (amount, unit) if part)),
            _labelled("date", date),
        ),
        kind="medication",
        value=amount,
        unit=unit if amount else "",
        date=iso_timestamp(date),
        **drug.fact(),
    )


_RENDERERS: dict[str, Renderer] = {
    "MSH": _render_msh,
    "PID": _render_pid,
    "PV1": _render_pv1,
    "DG1": _render_dg1,
    "AL1": _render_al1,
    "OBR": _render_obr,
    "OBX": _render_obx,
    "NTE": _render_nte,
    "TXA": _render_txa,
    "PR1": _render_pr1,
    "PRB": _render_prb,
    "RXA": _render_rxa,
    "RXO": _render_pharmacy,
    "RXE": _render_pharmacy,
    "RXD": _render_pharmacy,
}
