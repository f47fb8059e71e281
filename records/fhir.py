"""FHIR R4 records (one resource, a Bundle, or bulk-export NDJSON) rendered as one readable document.

Each clinically meaningful resource becomes one line, e.g.
``Condition: Essential hypertension (SNOMED 59621000) — active, onset 2015-03-02``, grouped by resource
type in the order a clinician reads a chart (patient, encounters, problems, allergies, medications,
results, procedures, imaging, notes) and chronological within each group. Every line carries its
provenance (resource type and id); lines with clinical content also carry a :class:`CodedFact` with the
codes and values exactly as recorded. Base64 attachments (clinical notes, PDFs) are decoded and handed to
the embedded parser, and the documents it returns follow the structured one.

NDJSON is read line by line, so the memory held is the rendered text rather than the file. Rejections
name the line but never quote the file's content.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, TypeGuard

from records.documents import CodedFact, Document, DocumentBuilder, EmbeddedParser, SourceRef
from records.intake import RecordRejected, RejectionKind
from records.kinds import RecordKind

__all__ = ["MAX_ATTACHMENT_BYTES", "parse_fhir"]

Resource = dict[str, Any]

MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024
"""Largest decoded attachment handed to the embedded parser; larger ones are recorded and skipped."""

_NOT_JSON: Final = object()
_DASH = " — "

_SYSTEM_NAMES = {
    "http://snomed.info/sct": "SNOMED",
    "http://loinc.org": "LOINC",
    "http://www.nlm.nih.gov/research/umls/rxnorm": "RxNorm",
    "http://hl7.org/fhir/sid/icd-10-cm": "ICD-10",
    "http://hl7.org/fhir/sid/icd-10": "ICD-10",
    "http://hl7.org/fhir/sid/icd-9-cm": "ICD-9",
    "http://hl7.org/fhir/sid/cvx": "CVX",
    "http://hl7.org/fhir/sid/ndc": "NDC",
    "http://www.ama-assn.org/go/cpt": "CPT",
    "http://dicom.nema.org/resources/ontology/DCM": "DICOM",
    "urn:oid:2.16.840.1.113883.6.96": "SNOMED",
    "urn:oid:2.16.840.1.113883.6.1": "LOINC",
    "urn:oid:2.16.840.1.113883.6.88": "RxNorm",
    "urn:oid:2.16.840.1.113883.6.90": "ICD-10",
    "urn:oid:2.16.840.1.113883.6.3": "ICD-10",
}
_ENCOUNTER_CLASSES = {
    "AMB": "ambulatory",
    "EMER": "emergency",
    "IMP": "inpatient",
    "ACUTE": "inpatient acute",
    "NONAC": "inpatient non-acute",
    "OBSENC": "observation",
    "PRENC": "pre-admission",
    "SS": "short stay",
    "VR": "virtual",
    "HH": "home health",
    "FLD": "field",
}
_PERIOD_UNITS = {
    "s": "second",
    "min": "minute",
    "h": "hour",
    "d": "day",
    "wk": "week",
    "mo": "month",
    "a": "year",
}
_ONCE_PER = {"h": "hourly", "d": "daily", "wk": "weekly", "mo": "monthly", "a": "yearly"}


def parse_fhir(path: Path, source: SourceRef, embedded: EmbeddedParser) -> list[Document]:
    """Parse a FHIR R4 JSON resource, a Bundle or NDJSON at ``path`` into documents.

    The first document (kind FHIR_JSON or FHIR_NDJSON) renders the structured resources, one line each;
    the documents the ``embedded`` parser returns for base64 attachments follow it. Resource types without a
    renderer are counted in ``metadata["skipped_resource_types"]``, and attachments that could not be
    decoded or parsed are listed in ``metadata["attachment_errors"]``. Malformed JSON, or a line or Bundle
    entry that is not a resource, raises :class:`RecordRejected` naming the line.
    """
    collector = _Collector(source, embedded)
    kind = _read(path, collector)
    return collector.build(kind)


# --- reading ------------------------------------------------------------------------------------------


def _read(path: Path, collector: _Collector) -> RecordKind:
    """Stream the file as NDJSON, unless its first line is not JSON on its own (a pretty-printed file)."""
    source = collector.source
    with contextlib.closing(_numbered_lines(path, source)) as lines:
        number, line = _first_content_line(lines, source)
        first = _try_loads(line)
        if first is not _NOT_JSON:
            collector.take(_as_resource(first, number, source), where=f"line {number}: ")
            count = 1
            for number, line in lines:
                if line.strip():
                    collector.take(_parse_line(line, number, source), where=f"line {number}: ")
                    count += 1
            # A single-line file is one JSON resource, as the intake identifies it.
            return RecordKind.FHIR_NDJSON if count > 1 else RecordKind.FHIR_JSON
    collector.take(_load_whole(path, source), where="")
    return RecordKind.FHIR_JSON


def _numbered_lines(path: Path, source: SourceRef) -> Generator[tuple[int, str], None, None]:
    with path.open("rb") as raw:
        if raw.read(2) in (b"\xff\xfe", b"\xfe\xff"):
            # UTF-16 cannot be split on b"\n"; the intake accepts such text files, so let the codec split it.
            raw.seek(0)
            text = io.TextIOWrapper(raw, encoding="utf-16")
            try:
                yield from enumerate(text, start=1)
            except UnicodeDecodeError as error:
                raise _rejected(source, "the file is not valid UTF-16 text") from error
            return
        raw.seek(0)
        for number, line in enumerate(raw, start=1):
            try:
                yield number, line.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as error:
                raise _rejected(source, f"line {number} is not valid UTF-8 text") from error


def _first_content_line(lines: Iterator[tuple[int, str]], source: SourceRef) -> tuple[int, str]:
    for number, line in lines:
        if line.strip():
            return number, line
    raise _rejected(source, "the file holds no FHIR resources", RejectionKind.EMPTY)


def _loads(text: str | bytes) -> Any:
    """JSON with decimals kept as written (``1.50`` stays ``1.50``); ValueError for anything invalid."""
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except RecursionError as error:
        raise ValueError("JSON nested too deeply") from error


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _try_loads(line: str) -> Any:
    try:
        return _loads(line)
    except ValueError:
        return _NOT_JSON


def _parse_line(line: str, number: int, source: SourceRef) -> Resource:
    try:
        value = _loads(line)
    except ValueError as error:
        raise _rejected(source, f"invalid JSON on line {number}") from error
    return _as_resource(value, number, source)


def _as_resource(value: Any, number: int, source: SourceRef) -> Resource:
    if not _is_resource(value):
        raise _rejected(source, f"line {number} is not a FHIR resource (no resourceType)")
    return value


def _load_whole(path: Path, source: SourceRef) -> Resource:
    try:
        value = _loads(path.read_bytes())
    except json.JSONDecodeError as error:
        raise _rejected(source, f"invalid JSON at line {error.lineno}, column {error.colno}") from error
    except UnicodeDecodeError as error:
        raise _rejected(source, "the file is not valid UTF-8 text") from error
    except ValueError as error:
        raise _rejected(source, "invalid JSON") from error
    if not _is_resource(value):
        raise _rejected(source, "the file is not a FHIR resource (no resourceType)")
    return value


def _is_resource(value: Any) -> TypeGuard[Resource]:
    return (
        isinstance(value, dict) and isinstance(value.get("resourceType"), str) and bool(value["resourceType"])
    )


def _rejected(source: SourceRef, reason: str, kind: RejectionKind = RejectionKind.CORRUPT) -> RecordRejected:
    entry = source.entry if source.filename and source.entry else None
    return RecordRejected(source.filename or source.entry, kind, reason, entry)


# --- collecting ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rendered:
    """What a renderer makes of one resource; the collector adds attachment notes and provenance."""

    head: str
    details: list[str | None]
    fact: dict[str, Any] | None = None
    date: str | None = None  # as recorded, for chronological order within a section
    extra_facts: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class _Line:
    text: str
    resource_type: str
    resource_id: str | None
    rendered: _Rendered


@dataclass
class _Context:
    """What a renderer may need beyond its own resource: the Medications a medicationReference can name."""

    medications: dict[str, _Concept] = field(default_factory=dict)

    def index(self, resources: Iterable[tuple[Resource, str | None]]) -> None:
        for resource, full_url in resources:
            if resource["resourceType"] != "Medication":
                continue
            concept = _Concept.of(resource.get("code"))
            if resource_id := _text(resource.get("id")):
                self.medications[f"Medication/{resource_id}"] = concept
            if full_url:
                self.medications[full_url] = concept


class _Collector:
    """Renders resources as they are read and holds the lines until the document is built."""

    def __init__(self, source: SourceRef, embedded: EmbeddedParser) -> None:
        self.source = source
        self.embedded = embedded
        self.context = _Context()
        self.lines: defaultdict[str, list[_Line]] = defaultdict(list)
        self.top_level: Counter[str] = Counter()
        self.bundle_types: list[str] = []
        self.skipped: Counter[str] = Counter()
        self.attachment_errors: list[dict[str, Any]] = []
        self.attached: list[Document] = []
        self._unidentified = 0

    def take(self, document: Resource, where: str) -> None:
        """Render a top-level resource, or every resource in a Bundle after indexing its Medications."""
        self.top_level[document["resourceType"]] += 1
        if document["resourceType"] == "Bundle":
            self.bundle_types.append(_text(document.get("type")) or "untyped")
        resources = list(self._flatten(document, where))
        self.context.index(resources)
        for resource, _ in resources:
            self._render(resource)

    def _flatten(self, resource: Resource, where: str) -> Iterator[tuple[Resource, str | None]]:
        """The resource itself, or the resources in a Bundle (nested Bundles too) with their fullUrl."""
        if resource["resourceType"] != "Bundle":
            yield resource, None
            return
        entries = resource.get("entry")
        for number, entry in enumerate(entries if isinstance(entries, list) else [], start=1):
            inner = _dict(entry).get("resource")
            if inner is None and isinstance(entry, dict):
                continue  # e.g. a transaction-response entry, which carries only a status
            if not _is_resource(inner):
                raise _rejected(self.source, f"{where}Bundle entry {number} is not a FHIR resource")
            if inner["resourceType"] == "Bundle":
                yield from self._flatten(inner, where)
            else:
                yield inner, _text(entry.get("fullUrl"))

    def _render(self, resource: Resource) -> None:
        resource_type: str = resource["resourceType"]
        renderer = _RENDERERS.get(resource_type)
        if renderer is None:
            self.skipped[resource_type] += 1
            return
        resource_id = _text(resource.get("id"))
        rendered = renderer(resource, self.context)
        notes = self._attachments(resource_type, resource_id, resource)
        text = _compose(resource_type, rendered.head, [*rendered.details, *notes])
        self.lines[resource_type].append(_Line(text, resource_type, resource_id, rendered))

    def _attachments(self, resource_type: str, resource_id: str | None, resource: Resource) -> list[str]:
        find = _ATTACHMENTS.get(resource_type)
        if find is None:
            return []
        if resource_id is None:
            self._unidentified += 1
            resource_id = f"unidentified-{self._unidentified}"
        origin = {"resource_type": resource_type, "resource_id": resource_id}
        return [
            self._attachment(attachment, index, origin) for index, attachment in enumerate(find(resource))
        ]

    def _attachment(self, attachment: Resource, index: int, origin: dict[str, str]) -> str:
        """Hand one attachment's bytes to the embedded parser; return a note for the rendered line."""
        label = _join("attachment", _parenthesised(_text(attachment.get("contentType"))))
        data = attachment.get("data")
        if not isinstance(data, str) or not data.strip():
            return (
                f"{label} by reference, not retrieved" if _text(attachment.get("url")) else f"{label} empty"
            )
        try:
            payload = _decode_base64(data)
        except _AttachmentError as error:
            return self._attachment_failed(label, index, origin, error.reason)
        child = self.source.child(f"{origin['resource_type']}/{origin['resource_id']}/{index}")
        try:
            documents = self.embedded(payload, child)
        except RecordRejected as error:
            # One unreadable note must not cost the rest of a record export.
            return self._attachment_failed(label, index, origin, error.reason)
        self.attached.extend(documents)
        return f"{label} parsed separately"

    def _attachment_failed(self, label: str, index: int, origin: dict[str, str], reason: str) -> str:
        self.attachment_errors.append({**origin, "attachment": index, "reason": reason})
        return f"{label} not readable: {reason}"

    def build(self, kind: RecordKind) -> list[Document]:
        """The structured document, then the documents parsed from attachments."""
        builder = DocumentBuilder(self.source, kind, self._title())
        for resource_type in _RENDERERS:
            for line in sorted(self.lines[resource_type], key=_chronological):
                _add_line(builder, line)
        builder.metadata.update(
            resource_counts={name: len(lines) for name, lines in self.lines.items() if lines},
            skipped_resource_types=dict(sorted(self.skipped.items())),
            attachment_errors=self.attachment_errors,
        )
        return [builder.build(), *self.attached]

    def _title(self) -> str:
        if sum(self.top_level.values()) == 1:
            (resource_type,) = self.top_level
            if resource_type == "Bundle":
                return f"FHIR Bundle ({self.bundle_types[0]})"
            return f"FHIR {resource_type} record"
        if len(self.top_level) == 1:
            return f"FHIR {next(iter(self.top_level))} records"
        return "FHIR records"


class _AttachmentError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _decode_base64(data: str) -> bytes:
    compact = "".join(data.split())  # base64Binary may be wrapped over several lines
    if len(compact) // 4 * 3 > MAX_ATTACHMENT_BYTES:
        raise _AttachmentError("larger than the attachment size limit")
    try:
        payload = base64.b64decode(compact, validate=True)
    except ValueError as error:  # binascii.Error, or non-ASCII characters
        raise _AttachmentError("invalid base64 data") from error
    if not payload:
        raise _AttachmentError("the attachment is empty")
    return payload


def _chronological(line: _Line) -> tuple[bool, str]:
    """Dated lines first, oldest first (ISO 8601 text sorts by date); undated ones after, in file order."""
    date = line.rendered.date
    return (date is None, date or "")


def _add_line(builder: DocumentBuilder, line: _Line) -> None:
    resource_type, resource_id = line.resource_type, line.resource_id
    fact = line.rendered.fact
    if fact is None:
        builder.add(line.text, section=resource_type, resource_type=resource_type, resource_id=resource_id)
        return
    builder.add_fact(
        line.text, fact, section=resource_type, resource_type=resource_type, resource_id=resource_id
    )
    # Components (systolic, diastolic...) are facts of their own, all rendered on the resource's line.
    span = builder.spans[-1]
    builder.facts.extend(
        CodedFact.model_validate(
            {
                **extra,
                "start": span.start,
                "end": span.end,
                "resource_type": resource_type,
                "resource_id": resource_id,
            }
        )
        for extra in line.rendered.extra_facts
    )


def _compose(resource_type: str, head: str, details: list[str | None]) -> str:
    present = [detail for detail in details if detail]
    return f"{resource_type}: {head}" + (_DASH + ", ".join(present) if present else "")


# --- values -------------------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """A scalar as text, white space collapsed so each resource stays on one line; None if absent."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float | Decimal):
        return " ".join(str(value).split()) or None
    return None


def _texts(value: Any) -> list[str]:
    return [text for item in value if (text := _text(item))] if isinstance(value, list) else []


def _dict(value: Any) -> Resource:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[Resource]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _join(*parts: str | None, separator: str = " ") -> str:
    return separator.join(part for part in parts if part)


def _prefixed(prefix: str, value: str | None) -> str | None:
    return f"{prefix} {value}" if value else None


def _suffixed(value: str | None, suffix: str) -> str | None:
    return f"{value} {suffix}" if value else None


def _parenthesised(value: str | None) -> str | None:
    return f"({value})" if value else None


def _unless(value: str | None, usual: str) -> str | None:
    """``value``, unless it is the usual one and would only add noise (a final result, an order)."""
    return None if value == usual else value


def _plain(number: str | None) -> str | None:
    """A dose or frequency without trailing zeros (Synthea writes ``1.0``); lab values keep theirs."""
    if number and "." in number and "e" not in number.lower():
        return number.rstrip("0").rstrip(".")
    return number


def _day(value: Any, *, with_time: bool = False) -> str | None:
    """The date of an ISO date-time; with the time of day for results, where serial values matter."""
    text = _text(value)
    if text is None:
        return None
    if with_time and len(text) >= 16 and text[10] == "T":
        return f"{text[:10]} {text[11:16]}"
    return text[:10]


def _period(value: Any, *, with_time: bool = False) -> str | None:
    period = _dict(value)
    start, end = _day(period.get("start"), with_time=with_time), _day(period.get("end"), with_time=with_time)
    if start and end:
        return start if start == end else f"{start} to {end}"
    return _prefixed("from", start) or _prefixed("until", end)


def _quantity(value: Any) -> tuple[str | None, str | None]:
    """(value with its comparator, unit) of a Quantity, as recorded."""
    quantity = _dict(value)
    number = _text(quantity.get("value"))
    if number is None:
        return None, None
    unit = _text(quantity.get("unit")) or _text(quantity.get("code"))
    return f"{_text(quantity.get('comparator')) or ''}{number}", unit


def _system_name(system: str | None) -> str:
    if system is None:
        return "code"
    if name := _SYSTEM_NAMES.get(system.rstrip("/")):
        return name
    lowered = system.lower()
    return "ICD-10" if "icd-10" in lowered or "icd10" in lowered else "code"


@dataclass(frozen=True)
class _Concept:
    """A CodeableConcept or Coding reduced to what is shown: a display, and one code with its system."""

    display: str | None = None
    code: str | None = None
    system: str | None = None

    @classmethod
    def of(cls, value: Any) -> _Concept:
        """From a CodeableConcept: its text, else the first coding display; the first coding with a code."""
        concept = _dict(value)
        codings = _dicts(concept.get("coding"))
        coded = next((coding for coding in codings if _text(coding.get("code"))), {})
        displays = (_text(coding.get("display")) for coding in codings)
        display = _text(concept.get("text")) or next((text for text in displays if text), None)
        return cls(display, _text(coded.get("code")), _text(coded.get("system")))

    @classmethod
    def of_coding(cls, value: Any) -> _Concept:
        coding = _dict(value)
        return cls(_text(coding.get("display")), _text(coding.get("code")), _text(coding.get("system")))

    @property
    def name(self) -> str | None:
        return self.display or self.code

    def label(self, default: str = "(not coded)") -> str:
        coded = f"{_system_name(self.system)} {self.code}" if self.code else None
        if self.display and coded:
            return f"{self.display} ({coded})"
        return self.display or coded or default


def _code_of(value: Any) -> str | None:
    """A status-like CodeableConcept as its code (``active``), else its text."""
    concept = _Concept.of(value)
    return concept.code or concept.display


def _names(values: Any) -> str | None:
    names = [name for value in _dicts(values) if (name := _Concept.of(value).name)]
    return "; ".join(dict.fromkeys(names)) or None


def _fact(kind: str, concept: _Concept, **fields: str | None) -> dict[str, Any]:
    return {
        "kind": kind,
        "display": concept.display,
        "code": concept.code,
        "system": concept.system,
        **fields,
    }


def _clinical_status(resource: Resource) -> str | None:
    """clinicalStatus, with verificationStatus unless confirmed: a refuted entry must not read as active."""
    status = _code_of(resource.get("clinicalStatus"))
    verification = _code_of(resource.get("verificationStatus"))
    if verification in (None, "confirmed"):
        return status
    return f"{status} ({verification})" if status else verification


def _reasons(resource: Resource, prefix: str) -> str | None:
    coded = [name for value in _dicts(resource.get("reasonCode")) if (name := _Concept.of(value).name)]
    referenced = [
        text for ref in _dicts(resource.get("reasonReference")) if (text := _text(ref.get("display")))
    ]
    return _prefixed(prefix, "; ".join(dict.fromkeys([*coded, *referenced])))


def _onset(resource: Resource) -> tuple[str | None, str | None]:
    """(onset as recorded, onset as shown) from onsetDateTime, onsetPeriod, onsetAge or onsetString."""
    recorded = _text(resource.get("onsetDateTime")) or _text(_dict(resource.get("onsetPeriod")).get("start"))
    if recorded:
        return recorded, _day(recorded)
    age, unit = _quantity(resource.get("onsetAge"))
    if age:
        return None, _join("age", age, unit)
    return None, _text(resource.get("onsetString"))


def _effective(resource: Resource, *, with_time: bool) -> tuple[str | None, str | None]:
    """(effective date as recorded, as shown) from effectiveDateTime, effectiveInstant or effectivePeriod."""
    recorded = _text(resource.get("effectiveDateTime")) or _text(resource.get("effectiveInstant"))
    if recorded:
        return recorded, _day(recorded, with_time=with_time)
    period = _dict(resource.get("effectivePeriod"))
    start = _text(period.get("start")) or _text(period.get("end"))
    return start, _period(period, with_time=with_time)


# --- renderers ----------------------------------------------------------------------------------------


def _patient(resource: Resource, context: _Context) -> _Rendered:
    name = _human_name(resource.get("name"))
    gender = _text(resource.get("gender"))
    born = _text(resource.get("birthDate"))
    died = _day(resource.get("deceasedDateTime"))
    deceased = died is not None or resource.get("deceasedBoolean") is True
    details = [gender, _prefixed("born", born), _prefixed("died", died) or ("deceased" if deceased else None)]
    details.append(_city_state(resource.get("address")))
    status = "deceased" if deceased else None
    fact = {"kind": "patient", "display": name, "value": gender, "date": born, "status": status}
    return _Rendered(name or "(name not recorded)", details, fact)


def _human_name(value: Any) -> str | None:
    names = _dicts(value)
    chosen = next((name for name in names if name.get("use") == "official"), names[0] if names else {})
    return (
        _text(chosen.get("text")) or _join(*_texts(chosen.get("given")), _text(chosen.get("family"))) or None
    )


def _city_state(value: Any) -> str | None:
    addresses = _dicts(value)
    chosen = next((address for address in addresses if address.get("use") == "home"), None)
    chosen = chosen or (addresses[0] if addresses else {})
    return _join(_text(chosen.get("city")), _text(chosen.get("state")), separator=", ") or None


def _encounter(resource: Resource, context: _Context) -> _Rendered:
    types = _dicts(resource.get("type"))
    concept = _Concept.of(types[0] if types else None)
    encounter_class = _Concept.of_coding(resource.get("class"))
    class_name = encounter_class.display or _ENCOUNTER_CLASSES.get(
        encounter_class.code or "", encounter_class.code
    )
    status = _text(resource.get("status"))
    start = _text(_dict(resource.get("period")).get("start"))
    discharge = _Concept.of(_dict(resource.get("hospitalization")).get("dischargeDisposition")).name
    details = [class_name, status, _period(resource.get("period")), _reasons(resource, "reason:")]
    details.append(_prefixed("discharge:", discharge))
    head = concept.label(default=_join(class_name, "encounter"))
    return _Rendered(head, details, _fact("encounter", concept, status=status, date=start), start)


def _condition(resource: Resource, context: _Context) -> _Rendered:
    concept = _Concept.of(resource.get("code"))
    status = _clinical_status(resource)
    onset_recorded, onset = _onset(resource)
    recorded = _text(resource.get("recordedDate"))
    abated = _day(resource.get("abatementDateTime")) or _text(resource.get("abatementString"))
    details = [status, _Concept.of(resource.get("severity")).name, _prefixed("onset", onset)]
    details += [_prefixed("abated", abated), None if onset else _prefixed("recorded", _day(recorded))]
    date = onset_recorded or recorded
    return _Rendered(concept.label(), details, _fact("condition", concept, status=status, date=date), date)


def _allergy(resource: Resource, context: _Context) -> _Rendered:
    concept = _Concept.of(resource.get("code"))
    status = _clinical_status(resource)
    reactions = _reactions(resource.get("reaction"))
    onset_recorded, onset = _onset(resource)
    recorded = _text(resource.get("recordedDate"))
    details = [
        _join(", ".join(_texts(resource.get("category"))), _text(resource.get("type"))) or None,
        _prefixed("criticality", _text(resource.get("criticality"))),
        status,
        _prefixed("reactions:", reactions),
        _prefixed("onset", onset) or _prefixed("recorded", _day(recorded)),
    ]
    date = onset_recorded or recorded
    fact = _fact("allergy", concept, value=reactions, status=status, date=date)
    return _Rendered(concept.label(), details, fact, date)


def _reactions(value: Any) -> str | None:
    reactions = []
    for reaction in _dicts(value):
        manifestations = _names(reaction.get("manifestation"))
        reactions.append(_join(manifestations, _parenthesised(_text(reaction.get("severity")))))
    return "; ".join(reaction for reaction in reactions if reaction) or None


def _medication_request(resource: Resource, context: _Context) -> _Rendered:
    concept = _medication(resource, context)
    dosage = _Dosage.of(resource.get("dosageInstruction"))
    status = _text(resource.get("status"))
    authored = _text(resource.get("authoredOn"))
    details = [dosage.text, status, _unless(_text(resource.get("intent")), "order")]
    details += [_prefixed("authored", _day(authored)), _reasons(resource, "for")]
    fact = _fact("medication", concept, value=dosage.dose, unit=dosage.unit, status=status, date=authored)
    return _Rendered(concept.label("(medication not named)"), details, fact, authored)


def _medication_statement(resource: Resource, context: _Context) -> _Rendered:
    concept = _medication(resource, context)
    dosage = _Dosage.of(resource.get("dosage"))
    status = _text(resource.get("status"))
    effective_recorded, effective = _effective(resource, with_time=False)
    asserted = _text(resource.get("dateAsserted"))
    details = [dosage.text, status, _prefixed("effective", effective)]
    details += [_prefixed("asserted", _day(asserted)), _reasons(resource, "for")]
    date = effective_recorded or asserted
    fact = _fact("medication", concept, value=dosage.dose, unit=dosage.unit, status=status, date=date)
    return _Rendered(concept.label("(medication not named)"), details, fact, date)


def _medication(resource: Resource, context: _Context) -> _Concept:
    """The medicationCodeableConcept, or the Medication a medicationReference points at if it is at hand."""
    if "medicationCodeableConcept" in resource:
        return _Concept.of(resource["medicationCodeableConcept"])
    reference = _dict(resource.get("medicationReference"))
    target = _text(reference.get("reference")) or ""
    if target.startswith("#"):
        for contained in _dicts(resource.get("contained")):
            if contained.get("resourceType") == "Medication" and contained.get("id") == target[1:]:
                return _Concept.of(contained.get("code"))
    # Absolute references end in "Medication/<id>", the key the Bundle's Medications are indexed under.
    found = context.medications.get(target) or context.medications.get("/".join(target.split("/")[-2:]))
    return found or _Concept(display=_text(reference.get("display")))


@dataclass(frozen=True)
class _Dosage:
    text: str | None
    dose: str | None
    unit: str | None

    @classmethod
    def of(cls, value: Any) -> _Dosage:
        """The first Dosage: its free text if any, else dose, timing and 'as needed' put together."""
        dosages = _dicts(value)
        if not dosages:
            return cls(None, None, None)
        dosage = dosages[0]
        rates = _dicts(dosage.get("doseAndRate"))
        dose, unit = _quantity(rates[0].get("doseQuantity") if rates else None)
        # Free text ends a sentence ("Take as needed."); the rendered line goes on after it.
        text = (_text(dosage.get("text")) or "").rstrip(".") or None
        if text is None:
            timing = _timing(_dict(_dict(dosage.get("timing")).get("repeat")))
            as_needed = "as needed" if dosage.get("asNeededBoolean") is True else None
            text = _join(_plain(dose), unit, timing, as_needed) or None
        return cls(text, dose, unit)


def _timing(repeat: Resource) -> str | None:
    """A Timing.repeat as prescribers write it: daily, twice daily, every 4 hours..."""
    frequency = _plain(_text(repeat.get("frequency"))) or "1"
    period = _plain(_text(repeat.get("period")))
    unit = _text(repeat.get("periodUnit")) or ""
    if period is None or unit not in _PERIOD_UNITS:
        return None
    word = _PERIOD_UNITS[unit]
    if period == "1":
        if frequency == "1":
            return _ONCE_PER.get(unit, f"once per {word}")
        times = "twice" if frequency == "2" else f"{frequency} times"
        return f"{times} daily" if unit == "d" else f"{times} per {word}"
    every = f"every {period} {word}s"
    return every if frequency == "1" else f"{frequency} times {every}"


@dataclass(frozen=True)
class _Value:
    text: str | None
    value: str | None
    unit: str | None


def _observed_value(element: Resource) -> _Value:
    """The value[x] of an Observation or of one of its components."""
    if "valueQuantity" in element:
        number, unit = _quantity(element["valueQuantity"])
        return _Value(_join(number, unit) or None, number, unit)
    if "valueCodeableConcept" in element:
        concept = _Concept.of(element["valueCodeableConcept"])
        return _Value(concept.label(), concept.name, None)
    if isinstance(element.get("valueBoolean"), bool):
        return _Value("yes" if element["valueBoolean"] else "no", _text(element["valueBoolean"]), None)
    for key in ("valueString", "valueInteger", "valueDateTime", "valueTime"):
        if (text := _text(element.get(key))) is not None:
            return _Value(text, text, None)
    if "valueRange" in element:
        low, unit = _quantity(_dict(element["valueRange"]).get("low"))
        high, high_unit = _quantity(_dict(element["valueRange"]).get("high"))
        value = _join(low, high, separator="-") or None
        return _Value(_join(value, unit or high_unit) or None, value, unit or high_unit)
    if "valueRatio" in element:
        numerator, _ = _quantity(_dict(element["valueRatio"]).get("numerator"))
        denominator, _ = _quantity(_dict(element["valueRatio"]).get("denominator"))
        value = f"{numerator}/{denominator}" if numerator and denominator else None
        return _Value(value, value, None)
    if "valuePeriod" in element:
        return _Value(_period(element["valuePeriod"], with_time=True), None, None)
    if "valueSampledData" in element:
        return _Value("(sampled data, not rendered)", None, None)
    absent = _Concept.of(element.get("dataAbsentReason")).name
    return _Value(_prefixed("no value:", absent), None, None)


def _reference_range(value: Any) -> str | None:
    """The first reference range: low-high, one bound, or its text."""
    ranges = _dicts(value)
    if not ranges:
        return None
    low, _ = _quantity(ranges[0].get("low"))
    high, _ = _quantity(ranges[0].get("high"))
    if low and high:
        return f"{low}-{high}"
    if low or high:
        return f">={low}" if low else f"<={high}"
    return _text(ranges[0].get("text"))


def _interpretation(value: Any) -> str | None:
    """The abnormal flags as coded (H, L, A...), else their text."""
    flags = [concept.code or concept.display for concept in map(_Concept.of, _dicts(value))]
    return ",".join(flag for flag in flags if flag) or None


def _result(element: Resource, name: str) -> tuple[str, dict[str, Any]]:
    """An Observation's or a component's name, value, range and flag; and their fields for a fact."""
    value = _observed_value(element)
    reference_range = _reference_range(element.get("referenceRange"))
    flag = _interpretation(element.get("interpretation"))
    text = _join(name, value.text, _parenthesised(_prefixed("ref", reference_range)), flag)
    fields = {"value": value.value, "unit": value.unit, "reference_range": reference_range}
    return text, {**fields, "interpretation": flag}


def _effective_or_issued(resource: Resource) -> tuple[str | None, str | None]:
    """When a result applies: its effective time, else when it was issued (labelled so)."""
    date, when = _effective(resource, with_time=True)
    if date is None:
        date = _text(resource.get("issued"))
        when = _prefixed("issued", _day(date, with_time=True))
    return date, when


def _observation(resource: Resource, context: _Context) -> _Rendered:
    concept = _Concept.of(resource.get("code"))
    status = _text(resource.get("status"))
    date, when = _effective_or_issued(resource)
    head, fields = _result(resource, concept.label())
    component_facts = []
    component_texts = []
    for component in _dicts(resource.get("component")):
        component_concept = _Concept.of(component.get("code"))
        text, component_fields = _result(component, component_concept.name or "(not coded)")
        component_texts.append(text)
        component_facts.append(
            _fact("observation", component_concept, **component_fields, status=status, date=date)
        )
    if component_texts:
        head = f"{head}: {'; '.join(component_texts)}"
    notes = "; ".join(note for value in _dicts(resource.get("note")) if (note := _text(value.get("text"))))
    details = [_unless(status, "final"), when, _prefixed("note:", notes)]
    fact = _fact("observation", concept, **fields, status=status, date=date)
    return _Rendered(head, details, fact, date, tuple(component_facts))


def _diagnostic_report(resource: Resource, context: _Context) -> _Rendered:
    concept = _Concept.of(resource.get("code"))
    status = _text(resource.get("status"))
    date, when = _effective_or_issued(resource)
    conclusion = _text(resource.get("conclusion"))
    coded = "; ".join(_Concept.of(value).label() for value in _dicts(resource.get("conclusionCode")))
    details = [status, when, _prefixed("conclusion:", conclusion), _prefixed("coded conclusion:", coded)]
    fact = _fact("diagnostic_report", concept, value=conclusion or coded or None, status=status, date=date)
    return _Rendered(concept.label(), details, fact, date)


def _document_reference(resource: Resource, context: _Context) -> _Rendered:
    concept = _Concept.of(resource.get("type"))
    description = _text(resource.get("description"))
    date = _text(resource.get("date")) or _text(
        _dict(_dict(resource.get("context")).get("period")).get("start")
    )
    authors = "; ".join(
        text for author in _dicts(resource.get("author")) if (text := _text(author.get("display")))
    )
    head = concept.label(default=description or "(document type not coded)")
    details = [
        _unless(_text(resource.get("status")), "current"),
        _text(resource.get("docStatus")),
        _day(date),
    ]
    details += [description if head != description else None, _prefixed("by", authors)]
    # A pointer to a note rather than a clinical fact: the note itself follows as its own document.
    return _Rendered(head, details, None, date)


def _procedure(resource: Resource, context: _Context) -> _Rendered:
    concept = _Concept.of(resource.get("code"))
    status = _text(resource.get("status"))
    performed_at, period = _text(resource.get("performedDateTime")), resource.get("performedPeriod")
    date = performed_at or _text(_dict(period).get("start"))
    performed = _day(performed_at) or _period(period) or _text(resource.get("performedString"))
    details = [
        status,
        performed,
        _prefixed("site:", _names(resource.get("bodySite"))),
        _reasons(resource, "for"),
    ]
    details.append(_prefixed("outcome:", _Concept.of(resource.get("outcome")).name))
    return _Rendered(concept.label(), details, _fact("procedure", concept, status=status, date=date), date)


def _imaging_study(resource: Resource, context: _Context) -> _Rendered:
    procedures = _dicts(resource.get("procedureCode"))
    procedure = _Concept.of(procedures[0] if procedures else None)
    description = _text(resource.get("description"))
    series = _dicts(resource.get("series"))
    codings = [*_dicts(resource.get("modality")), *(_dict(item.get("modality")) for item in series)]
    modalities = ", ".join(dict.fromkeys(code for coding in codings if (code := _text(coding.get("code")))))
    body_sites = "; ".join(
        dict.fromkeys(name for item in series if (name := _Concept.of_coding(item.get("bodySite")).name))
    )
    started = _text(resource.get("started"))
    status = _text(resource.get("status"))
    details = [
        _prefixed("modality", modalities),
        _suffixed(_text(resource.get("numberOfSeries")), "series"),
        _suffixed(_text(resource.get("numberOfInstances")), "instances"),
        _prefixed("body site:", body_sites),
        status,
        _prefixed("started", _day(started, with_time=True)),
        _reasons(resource, "for"),
    ]
    concept = _Concept(description or procedure.display, procedure.code, procedure.system)
    head = description or procedure.label(default="imaging study")
    fact = _fact("imaging_study", concept, value=modalities or None, status=status, date=started)
    return _Rendered(head, details, fact, started)


Renderer = Callable[[Resource, _Context], _Rendered]

# Insertion order is the order of sections in the document: the order a clinician reads a chart.
_RENDERERS: dict[str, Renderer] = {
    "Patient": _patient,
    "Encounter": _encounter,
    "Condition": _condition,
    "AllergyIntolerance": _allergy,
    "MedicationRequest": _medication_request,
    "MedicationStatement": _medication_statement,
    "Observation": _observation,
    "DiagnosticReport": _diagnostic_report,
    "Procedure": _procedure,
    "ImagingStudy": _imaging_study,
    "DocumentReference": _document_reference,
}

# Where a resource keeps attachments whose bytes may be inline (base64 data) or elsewhere (url).
_ATTACHMENTS: dict[str, Callable[[Resource], list[Resource]]] = {
    "DocumentReference": lambda resource: [
        _dict(content.get("attachment")) for content in _dicts(resource.get("content"))
    ],
    "DiagnosticReport": lambda resource: _dicts(resource.get("presentedForm")),
}
