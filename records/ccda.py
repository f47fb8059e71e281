"""C-CDA documents (CCD, consultation and discharge notes, unstructured documents) into one readable document.

The XML is read with the safe parser from :mod:`records.intake`, so entities are never resolved and the
network is never reached. The header gives the document type, the patient, authors and custodian; a
structured body gives every section (nested ones too) with its title and its narrative block converted to
readable text (paragraphs, ``- item`` lists, table rows with cells joined by `` | ``), followed by its coded
entries as :class:`~records.documents.CodedFact` s. A non-XML body, and any base64 ``observationMedia``,
is decoded and handed to the embedded parser; those documents follow this one.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from records.documents import Document, DocumentBuilder, EmbeddedParser, SourceRef
from records.hl7v2 import CodedValue, iso_timestamp
from records.intake import RecordRejected, RejectionKind, safe_xml_parser
from records.kinds import RecordKind

_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
_WHITESPACE = re.compile(r"\s+")
_HEADER = "header"
_BODY = "body"
_CELL_BREAK = "; "  # a <br/> inside a table cell: a newline would break the row apart

# Code system OIDs to the short names the HL7 v2 parser also uses.
CODE_SYSTEM_NAMES: dict[str, str] = {
    "2.16.840.1.113883.6.96": "SNOMED",
    "2.16.840.1.113883.6.1": "LOINC",
    "2.16.840.1.113883.6.88": "RxNorm",
    "2.16.840.1.113883.6.90": "ICD-10-CM",
    "2.16.840.1.113883.6.103": "ICD-9-CM",
    "2.16.840.1.113883.6.104": "ICD-9-CM procedures",
    "2.16.840.1.113883.6.4": "ICD-10-PCS",
    "2.16.840.1.113883.12.292": "CVX",
    "2.16.840.1.113883.6.59": "CVX",
    "2.16.840.1.113883.6.12": "CPT",
    "2.16.840.1.113883.6.285": "HCPCS",
    "2.16.840.1.113883.6.69": "NDC",
    "2.16.840.1.113883.6.8": "UCUM",
}

# The kind of fact a section's entries are, by the section's LOINC code.
_SECTION_KINDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "11450-4",  # problems
            "11535-2",  # hospital discharge diagnosis
            "42347-5",  # admission diagnosis
            "46241-6",  # hospital admission diagnosis
            "10218-6",  # postoperative diagnosis
            "10219-4",  # preoperative diagnosis
            "59769-0",  # postprocedure diagnosis
            "11348-0",  # past medical history
            "75310-3",  # health concerns
            "29548-5",  # diagnosis
        ),
        "condition",
    ),
    **dict.fromkeys(("10160-0", "10183-2", "75311-1", "42346-7", "29549-3"), "medication"),
    "48765-2": "allergy",
    **dict.fromkeys(("30954-2", "8716-3", "47420-5", "10190-7", "61144-2"), "observation"),
    **dict.fromkeys(("47519-4", "29554-3", "10223-6"), "procedure"),
    "46240-8": "encounter",
    "11369-6": "immunization",
    "10157-6": "family_history",
    "29762-2": "social_history",
}

_TEMPLATE = "2.16.840.1.113883.10.20.22.4."
# The kind of fact a statement is, by its C-CDA template; wins over the section, so that a reaction
# inside an allergy, or a diagnosis inside an encounter, is not mistaken for its parent.
_TEMPLATE_KINDS: dict[str, str] = {
    _TEMPLATE + "4": "condition",
    _TEMPLATE + "7": "allergy",
    _TEMPLATE + "2": "observation",
    _TEMPLATE + "27": "observation",
    _TEMPLATE + "16": "medication",
    _TEMPLATE + "52": "immunization",
    _TEMPLATE + "12": "procedure",
    _TEMPLATE + "13": "procedure",
    _TEMPLATE + "14": "procedure",
    _TEMPLATE + "49": "encounter",
    _TEMPLATE + "9": "reaction",
    _TEMPLATE + "8": "severity",
    _TEMPLATE + "145": "criticality",
    _TEMPLATE + "6": "status",
    _TEMPLATE + "28": "status",
    "2.16.840.1.113883.10.20.1.57": "status",
    _TEMPLATE + "19": "indication",
    _TEMPLATE + "20": "instruction",
    _TEMPLATE + "31": "age",
    _TEMPLATE + "38": "social_history",
    _TEMPLATE + "78": "social_history",
    _TEMPLATE + "85": "social_history",
    _TEMPLATE + "46": "family_history",
    _TEMPLATE + "53": "refusal_reason",
    _TEMPLATE + "123": "drug_monitoring",
}
# Statements that only group others (concerns, diagnosis wrappers): no line of their own.
_WRAPPER_TEMPLATES = frozenset(
    _TEMPLATE + suffix for suffix in ("3", "30", "33", "34", "35", "51", "65", "80", "118", "132", "136")
)
# Subtrees with nothing clinical to read: coverage, entry references, DICOM object catalogues.
_IGNORED_TEMPLATES = frozenset(
    {
        *(_TEMPLATE + suffix for suffix in ("60", "61", "63", "122", "129")),
        "2.16.840.1.113883.10.20.6.2.6",
        "2.16.840.1.113883.10.20.6.2.8",
        "2.16.840.1.113883.10.20.6.2.10",
        "2.16.840.1.113883.10.20.6.2.11",
    }
)
_ELEMENT_KINDS = {
    "observation": "observation",
    "substanceAdministration": "medication",
    "act": "act",
    "procedure": "procedure",
    "encounter": "encounter",
}
# Observation codes that only say "this is a problem / an assertion": the finding is in the value.
_CATEGORY_CODES = frozenset(
    {
        "ASSERTION",
        "SEV",
        "33999-4",  # status
        "55607006",  # problem
        "64572001",  # condition
        "282291009",  # diagnosis
        "404684003",  # clinical finding
        "409586006",  # complaint
        "418799008",  # symptom
        "248536006",  # functional limitation
        "373930000",  # cognitive function finding
        "29308-4",  # diagnosis
        "75321-0",  # clinical finding
        "75322-8",  # complaint
        "75323-6",  # condition
        "75324-4",  # functional performance
        "75325-1",  # symptom
        "75326-9",  # problem
    }
)
_NAME_PARTS = ("prefix", "given", "family", "suffix")
_INTENT_MOODS = frozenset({"INT", "RQO", "PRP", "ARQ", "PRMS", "APT"})
_INTERPRETATIONS = {
    "H": "high",
    "L": "low",
    "HH": "critically high",
    "LL": "critically low",
    "N": "normal",
    "A": "abnormal",
    "AA": "critically abnormal",
    "POS": "positive",
    "NEG": "negative",
}
_LABELS = {
    "condition": "Problem",
    "medication": "Medication",
    "allergy": "Allergy",
    "observation": "Observation",
    "procedure": "Procedure",
    "encounter": "Encounter",
    "immunization": "Immunization",
}


def parse_ccda(path: Path, source: SourceRef, embedded: EmbeddedParser) -> list[Document]:
    """The C-CDA document at ``path`` as one document, followed by the documents embedded in it.

    Raises :class:`RecordRejected` for malformed XML (CORRUPT) or XML that is not a ClinicalDocument
    (UNSUPPORTED); reasons never quote the content. Attachments that cannot be decoded or read are
    recorded in ``metadata["attachment_errors"]``.
    """
    root = _parse(path, source)
    reader = _Reader(root, source, embedded)
    reader.read()
    return [reader.builder.build(), *reader.attachments]


def _parse(path: Path, source: SourceRef) -> Any:
    filename = source.filename or path.name
    entry = source.entry or None
    try:
        root = etree.fromstring(path.read_bytes(), parser=safe_xml_parser())
    except (etree.XMLSyntaxError, ValueError) as error:
        raise RecordRejected(
            filename, RejectionKind.CORRUPT, "the C-CDA document is not well-formed XML", entry
        ) from error
    if root is None or etree.QName(root).localname != "ClinicalDocument":
        raise RecordRejected(
            filename, RejectionKind.UNSUPPORTED, "XML whose root is not a ClinicalDocument", entry
        )
    return root


# --- narrative -----------------------------------------------------------------------------------------


def _squash(text: str | None) -> str:
    return _WHITESPACE.sub(" ", text or "")


def _local_name(node: etree._Element) -> str:
    """The element's name without namespace; '' for comments, processing instructions and entities."""
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _clean(text: str) -> str:
    """Lines stripped, blank lines dropped: the exact text a block is stored as."""
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


def _inline(element: etree._Element) -> str:
    """An element's text with markup removed; ``<br/>`` becomes a newline, blocks start new lines."""
    name = _local_name(element)
    if name == "br":
        return "\n"
    if not name or name in {"footnoteRef", "renderMultiMedia"}:
        # Unresolved entity references land here too: their replacement text is never read.
        return ""
    parts = [_squash(element.text)]
    for child in element:
        block = _BLOCK_RENDERERS.get(_local_name(child))
        parts.append(f"\n{chr(10).join(block(child))}\n" if block else _inline(child))
        parts.append(_squash(child.tail))
    return "".join(parts)


def narrative_blocks(element: etree._Element) -> list[str]:
    """The readable blocks of a narrative element (a section's ``<text>``, a list item, a table cell).

    Paragraphs and runs of inline text are blocks; a list gives one ``- item`` block per item; a table
    gives its caption and one block per row, cells joined by `` | ``. Every block is already stripped.
    """
    blocks: list[str] = []
    pending = [_squash(element.text)]
    for child in element:
        block = _BLOCK_RENDERERS.get(_local_name(child))
        if block:
            blocks.append(_clean("".join(pending)))
            pending = []
            blocks.extend(block(child))
        else:
            pending.append(_inline(child))
        pending.append(_squash(child.tail))
    blocks.append(_clean("".join(pending)))
    return [block for block in blocks if block]


def _paragraph(element: etree._Element) -> list[str]:
    return narrative_blocks(element)


def _caption(element: etree._Element) -> list[str]:
    caption = _clean(_inline(element))
    return [caption] if caption else []


def _list(element: etree._Element) -> list[str]:
    ordered = (element.get("listType") or "").lower() == "ordered"
    blocks: list[str] = []
    number = 0
    for child in element:
        name = _local_name(child)
        if name == "caption":
            blocks.extend(_caption(child))
        elif name == "item":
            content = "\n".join(narrative_blocks(child))
            if not content:
                continue
            number += 1
            marker = f"{number}." if ordered else "-"
            first, *rest = content.split("\n")
            # Nested lists stay inside their item's block, indented, so the block is one span.
            blocks.append("\n".join([f"{marker} {first}", *(f"  {line}" for line in rest)]))
    return blocks


def _table(element: etree._Element) -> list[str]:
    blocks: list[str] = []
    for child in element:
        name = _local_name(child)
        if name == "caption":
            blocks.extend(_caption(child))
        elif name in {"thead", "tbody", "tfoot"}:
            blocks.extend(_row(row) for row in child if _local_name(row) == "tr")
        elif name == "tr":
            blocks.append(_row(child))
    return [block for block in blocks if block]


def _row(row: etree._Element) -> str:
    cells = [
        _CELL_BREAK.join(narrative_blocks(cell)).replace("\n", _CELL_BREAK)
        for cell in row
        if _local_name(cell) in {"td", "th"}
    ]
    return " | ".join(cells).strip() if any(cells) else ""


_BLOCK_RENDERERS: dict[str, Callable[[etree._Element], list[str]]] = {
    "paragraph": _paragraph,
    "list": _list,
    "table": _table,
    "caption": _caption,
}


# --- helpers -------------------------------------------------------------------------------------------


def _clauses(head: str, *clauses: str) -> str:
    """``head; clause; clause`` without the empty clauses."""
    return "; ".join([head, *(clause for clause in clauses if clause)])


def _labelled(label: str, value: str | None) -> str:
    return f"{label} {value}" if value else ""


def _quantity(element: etree._Element | None) -> tuple[str, str]:
    """A PQ's value and unit ('1' is UCUM's "no unit")."""
    if element is None:
        return "", ""
    unit = (element.get("unit") or "").strip()
    return (element.get("value") or "").strip(), "" if unit == "1" else unit


def _system_name(element: etree._Element) -> str:
    oid = (element.get("codeSystem") or "").strip()
    return CODE_SYSTEM_NAMES.get(oid) or (element.get("codeSystemName") or "").strip() or oid


def _templates(element: etree._Element, namespace: str) -> set[str]:
    return {template.get("root", "") for template in element.findall(f"{namespace}templateId")}


class _Reader:
    """Walks one ClinicalDocument into a builder."""

    def __init__(self, root: etree._Element, source: SourceRef, embedded: EmbeddedParser) -> None:
        namespace = etree.QName(root).namespace
        self.ns = f"{{{namespace}}}" if namespace else ""
        self.root = root
        self.source = source
        self.embedded = embedded
        self.attachments: list[Document] = []
        self._attachment_errors: list[dict[str, Any]] = []
        self._media_count = 0
        self._narrative_ids = self._index_narrative(root)
        title = self.text_of(self.find(root, "title"))
        self.builder = DocumentBuilder(source, RecordKind.CCDA, title or "C-CDA document")

    def _index_narrative(self, root: etree._Element) -> dict[str, etree._Element]:
        """Narrative elements by ID, for entries that point into the narrative (``<reference value="#x"/>``).

        Only section narratives are indexed, so a reference can never pull in an attachment's base64.
        """
        return {
            node.get("ID"): node
            for section in root.iter(f"{self.ns}section")
            for narrative in section.findall(f"{self.ns}text")
            for node in narrative.iter()
            if isinstance(node.tag, str) and node.get("ID")
        }

    def path(self, steps: str) -> str:
        """``a/b/c`` with every step in the document's namespace (for ``find`` and ``findall``)."""
        return "/".join(step if step in {"*", "."} else self.ns + step for step in steps.split("/"))

    def find(self, element: etree._Element | None, steps: str) -> Any:
        return None if element is None else element.find(self.path(steps))

    def findall(self, element: etree._Element | None, steps: str) -> list[Any]:
        return [] if element is None else list(element.findall(self.path(steps)))

    def attribute(self, element: etree._Element | None, steps: str, name: str) -> str:
        found = self.find(element, steps)
        return "" if found is None else (found.get(name) or "").strip()

    def read(self) -> None:
        for render in (self._document_line, self._patient_line, self._author_lines, self._custodian_line):
            render()
        body = self.find(self.root, "component/structuredBody")
        if body is not None:
            self.builder.metadata["body"] = "structured"
            for section in self.findall(body, "component/section"):
                self._section(section)
        unstructured = self.find(self.root, "component/nonXMLBody")
        if unstructured is not None:
            self.builder.metadata["body"] = "non-XML"
            self._non_xml_body(unstructured)
        if self._attachment_errors:
            self.builder.metadata["attachment_errors"] = self._attachment_errors

    # --- header ---------------------------------------------------------------------------------------

    def _header(self, text: str, element: str) -> None:
        self.builder.add(text, section=_HEADER, resource_type=element)

    def _document_line(self) -> None:
        document_type = self.code(self.find(self.root, "code"))
        self._header(
            _clauses(
                f"Document: {self.builder.title}",
                _labelled("type", document_type.describe() if document_type else ""),
                _labelled("effective", self.attribute(self.root, "effectiveTime", "value")),
            ),
            "ClinicalDocument",
        )

    def _patient_line(self) -> None:
        patient = self.find(self.root, "recordTarget/patientRole/patient")
        if patient is None:
            return
        gender = self.code(self.find(patient, "administrativeGenderCode"))
        self._header(
            _clauses(
                f"Patient: {self.person_name(patient) or 'name not recorded'}",
                _labelled("gender", gender.label if gender else ""),
                _labelled("born", self.attribute(patient, "birthTime", "value")),
            ),
            "recordTarget",
        )

    def _author_lines(self) -> None:
        for author in self.findall(self.root, "author"):
            assigned = self.find(author, "assignedAuthor")
            who = self.person_name(self.find(assigned, "assignedPerson")) or self._device(assigned)
            self._header(
                _clauses(
                    f"Author: {who}",
                    _labelled(
                        "organization", self.text_of(self.find(assigned, "representedOrganization/name"))
                    ),
                    _labelled("time", self.attribute(author, "time", "value")),
                ),
                "author",
            )

    def _device(self, assigned: etree._Element | None) -> str:
        device = self.find(assigned, "assignedAuthoringDevice")
        parts = (self.text_of(part) for part in (device if device is not None else []) if _local_name(part))
        # Model and software name are often the same string; say it once.
        return " ".join(dict.fromkeys(part for part in parts if part)) or "not named"

    def _custodian_line(self) -> None:
        name = self.find(self.root, "custodian/assignedCustodian/representedCustodianOrganization/name")
        if name is not None and self.text_of(name):
            self._header(f"Custodian: {self.text_of(name)}", "custodian")

    def person_name(self, holder: etree._Element | None) -> str:
        """The first name of a person (the legal one if marked): prefix, given names, family, suffix."""
        names = self.findall(holder, "name")
        if not names:
            return ""
        name = next((candidate for candidate in names if candidate.get("use") == "L"), names[0])
        ordered = sorted(
            (part for part in name if _local_name(part) in _NAME_PARTS),
            key=lambda part: _NAME_PARTS.index(_local_name(part)),
        )
        parts = [self.text_of(part) for part in ordered]
        # A name without parts is written as plain text.
        return " ".join(part for part in parts if part) or self.text_of(name)

    def text_of(self, element: etree._Element | None) -> str:
        """An element's text on one line, markup removed."""
        return "" if element is None else _clean(_inline(element)).replace("\n", " ")

    # --- sections ---------------------------------------------------------------------------------------

    def _section(self, section: etree._Element) -> None:
        code = self.code(self.find(section, "code"))
        title = (
            self.text_of(self.find(section, "title")) or (code.label if code else "") or "Untitled section"
        )
        templates = [template.get("root") for template in self.findall(section, "templateId")]
        provenance: dict[str, Any] = {
            "section": title,
            "resource_type": "section",
            "resource_id": next((root for root in templates if root), None) or (code.code if code else None),
        }
        self.builder.add(title, **provenance)
        narrative = self.find(section, "text")
        for block in narrative_blocks(narrative) if narrative is not None else []:
            self.builder.add(block, **provenance)
        kind = _SECTION_KINDS.get(code.code) if code else None
        for entry in self.findall(section, "entry"):
            for statement in entry:
                self._statement(statement, kind, title)
        for nested in self.findall(section, "component/section"):
            self._section(nested)

    # --- entries --------------------------------------------------------------------------------------

    def _statement(self, statement: etree._Element, section_kind: str | None, section: str) -> None:
        """Render one clinical statement, then the statements nested in it."""
        name = _local_name(statement)
        templates = _templates(statement, self.ns)
        if not name or templates & _IGNORED_TEMPLATES:
            return
        if name == "observationMedia":
            self._media(statement, section)
        elif (
            name in _ELEMENT_KINDS and not templates & _WRAPPER_TEMPLATES and not self._is_concern(statement)
        ):
            kind = next((_TEMPLATE_KINDS[root] for root in templates if root in _TEMPLATE_KINDS), None)
            _StatementView(self, statement, kind or section_kind or _ELEMENT_KINDS[name]).render(section)
        for nested in (
            *self.findall(statement, "entryRelationship/*"),
            *self.findall(statement, "component/*"),
        ):
            self._statement(nested, section_kind, section)

    def _is_concern(self, statement: etree._Element) -> bool:
        return self.attribute(statement, "code", "code") == "CONC"

    def code(self, element: etree._Element | None) -> CodedValue | None:
        """A CD/CE element as a code; a nullFlavor code falls back to its original text or a translation."""
        if element is None:
            return None
        code = "" if element.get("nullFlavor") else (element.get("code") or "").strip()
        display = _squash(element.get("displayName")).strip() or self.original_text(element)
        if not code and not display:
            translations = (self.code(translation) for translation in self.findall(element, "translation"))
            return next((translation for translation in translations if translation), None)
        return CodedValue(code, display, _system_name(element) if code else "")

    def original_text(self, element: etree._Element) -> str:
        original = self.find(element, "originalText")
        return "" if original is None else self.referenced_text(original)

    def referenced_text(self, element: etree._Element) -> str:
        """The text of an element, or of the narrative it points to with ``<reference value="#id"/>``."""
        reference = self.attribute(element, "reference", "value")
        if reference.startswith("#") and reference[1:] in self._narrative_ids:
            return self.text_of(self._narrative_ids[reference[1:]])
        return self.text_of(element)

    def add_fact(self, text: str, fact: dict[str, Any], statement: etree._Element, section: str) -> None:
        identifier = self.find(statement, "id")
        resource_id = None
        if identifier is not None:
            resource_id = identifier.get("extension") or identifier.get("root")
        self.builder.add_fact(
            text, fact, section=section, resource_type=_local_name(statement), resource_id=resource_id
        )

    # --- attachments ------------------------------------------------------------------------------------

    def _non_xml_body(self, body: etree._Element) -> None:
        content = self.find(body, "text")
        if content is None:
            return
        media_type = content.get("mediaType") or "text/plain"
        reference = self.attribute(content, "reference", "value")
        inline = "".join(content.itertext())
        if reference and not inline.strip():
            # The document lives elsewhere; note where, since there is nothing here to read.
            self.builder.metadata["body_reference"] = {"media_type": media_type, "reference": reference}
            return
        self.builder.add(f"Attached document ({media_type})", section=_BODY, resource_type="nonXMLBody")
        if (content.get("representation") or "TXT").upper() != "B64" and media_type == "text/plain":
            for paragraph in re.split(r"\n\s*\n", inline):
                self.builder.add(_clean(paragraph), section=_BODY, resource_type="nonXMLBody")
            return
        self._attach(content, inline, "nonXMLBody")

    def _media(self, media: etree._Element, section: str) -> None:
        value = self.find(media, "value")
        if value is None:
            return
        content = "".join(value.itertext())
        if not content.strip():
            return  # a reference to media stored elsewhere: nothing here to read
        self._media_count += 1
        media_type = value.get("mediaType") or "type not recorded"
        self.builder.add(
            f"Attached media ({media_type})",
            section=section,
            resource_type="observationMedia",
            resource_id=media.get("ID"),
        )
        self._attach(value, content, f"observationMedia{self._media_count}")

    def _attach(self, element: etree._Element, content: str, name: str) -> None:
        if element.get("compression"):
            self._attachment_error(name, "compressed attachments are not supported")
            return
        if (element.get("representation") or "TXT").upper() == "B64":
            try:
                payload = base64.b64decode("".join(content.split()), validate=True)
            except (binascii.Error, ValueError):
                self._attachment_error(name, "the base64 content is damaged")
                return
        else:
            payload = content.encode()
        if not payload:
            self._attachment_error(name, "the attachment is empty")
            return
        try:
            self.attachments.extend(self.embedded(payload, self.source.child(name)))
        except RecordRejected as rejection:  # an unreadable attachment must not lose the document
            self._attachment_error(name, rejection.reason)

    def _attachment_error(self, name: str, reason: str) -> None:
        self._attachment_errors.append({"element": name, "reason": reason})


class _StatementView:
    """One clinical statement's parts: what it is about, its value, when, its status, how it is rendered."""

    def __init__(self, reader: _Reader, statement: etree._Element, kind: str) -> None:
        self.reader = reader
        self.statement = statement
        self.kind = kind
        self.name = _local_name(statement)

    def render(self, section: str) -> None:
        subject, value_from_subject = self.subject()
        value, shown_value, unit = ("", "", "") if value_from_subject else self.value()
        if subject is None and not value:
            return
        head = f"{_LABELS.get(self.kind, self.kind.replace('_', ' ').capitalize())}: "
        head += subject.describe() if subject else shown_value
        if subject and shown_value:
            head += f": {shown_value}"
        date_text, date = self.when()
        reference_range = self.reference_range()
        interpretation = self.reader.code(self.reader.find(self.statement, "interpretationCode"))
        status = self.status()
        text = _clauses(
            head,
            *self.details(),
            _labelled("reference range", reference_range),
            _labelled("interpretation", self._interpretation_text(interpretation)),
            _labelled("status", status),
            date_text,
        )
        fact = {
            "kind": self.kind,
            **(subject.fact() if subject else {}),
            "value": value,
            "unit": unit,
            "reference_range": reference_range,
            "interpretation": (interpretation.code or interpretation.display) if interpretation else None,
            "status": status,
            "date": date,
        }
        self.reader.add_fact(text, fact, self.statement, section)

    def subject(self) -> tuple[CodedValue | None, bool]:
        """What the statement is about, and whether that came from its value (not to be repeated)."""
        reader = self.reader
        if self.name == "substanceAdministration":
            material = reader.find(self.statement, "consumable/manufacturedProduct/manufacturedMaterial")
            drug = reader.code(reader.find(material, "code"))
            name = reader.text_of(reader.find(material, "name"))
            return drug or (CodedValue("", name, "") if name else None), False
        if self.name == "observation":
            allergen = reader.code(
                reader.find(self.statement, "participant/participantRole/playingEntity/code")
            )
            if allergen:
                return allergen, False
            code = reader.code(reader.find(self.statement, "code"))
            coded_value = self._coded_value()
            if coded_value and (code is None or code.code.upper() in _CATEGORY_CODES):
                return coded_value, True
            return code, False
        return reader.code(reader.find(self.statement, "code")), False

    def _coded_value(self) -> CodedValue | None:
        value = self.reader.find(self.statement, "value")
        if value is None or (value.get(_XSI_TYPE) or "").split(":")[-1] not in {"CD", "CE", "CV", "CO"}:
            return None
        return self.reader.code(value)

    def value(self) -> tuple[str, str, str]:
        """(fact value, value as shown, unit) of the statement's value, or of a medication's dose."""
        reader = self.reader
        if self.name == "substanceAdministration":
            amount, unit = _quantity(reader.find(self.statement, "doseQuantity"))
            return amount, "", unit  # the dose is shown among the details
        value = reader.find(self.statement, "value")
        if value is None:
            return "", "", ""
        value_type = (value.get(_XSI_TYPE) or "").split(":")[-1]
        reader_for_type = _VALUE_READERS.get(value_type, _VALUE_READERS["ST"])
        return reader_for_type(reader, value)

    def details(self) -> Iterator[str]:
        """Extra clauses: a medication's dose, route and frequency."""
        if self.name != "substanceAdministration":
            return
        reader = self.reader
        amount, unit = _quantity(reader.find(self.statement, "doseQuantity"))
        yield _labelled("dose", " ".join(part for part in (amount, unit) if part))
        route = reader.code(reader.find(self.statement, "routeCode"))
        yield _labelled("route", route.label if route else "")
        for timing in reader.findall(self.statement, "effectiveTime"):
            if (timing.get(_XSI_TYPE) or "").endswith("PIVL_TS"):
                period, period_unit = _quantity(reader.find(timing, "period"))
                yield _labelled("every", " ".join(part for part in (period, period_unit) if part))

    def when(self) -> tuple[str, str | None]:
        """The effective time as shown (as recorded) and as an ISO date or interval."""
        reader = self.reader
        timings = [
            timing
            for timing in reader.findall(self.statement, "effectiveTime")
            if not (timing.get(_XSI_TYPE) or "").endswith(("PIVL_TS", "EIVL_TS"))
        ]
        if not timings:
            return "", None
        timing = timings[0]
        point = (timing.get("value") or "").strip()
        if point:
            return f"date {point}", iso_timestamp(point)
        low = reader.attribute(timing, "low", "value")
        high = reader.attribute(timing, "high", "value")
        shown = " ".join(part for part in (_labelled("from", low), _labelled("to", high)) if part)
        low_iso, high_iso = iso_timestamp(low), iso_timestamp(high)
        if low_iso and high_iso:
            return shown, f"{low_iso}/{high_iso}"
        return shown, low_iso or (f"../{high_iso}" if high_iso else None)

    def status(self) -> str:
        """statusCode; a negated statement ("no known ...") or a planned one says so instead."""
        if (self.statement.get("negationInd") or "").lower() == "true":
            return "negated"
        if (self.statement.get("moodCode") or "").upper() in _INTENT_MOODS:
            return "planned"
        return self.reader.attribute(self.statement, "statusCode", "code")

    def reference_range(self) -> str:
        reader = self.reader
        observation_range = reader.find(self.statement, "referenceRange/observationRange")
        if observation_range is None:
            return ""
        value = reader.find(observation_range, "value")
        if value is not None:
            shown = _interval(reader, value)
            if shown:
                return shown
        return reader.text_of(reader.find(observation_range, "text"))

    @staticmethod
    def _interpretation_text(interpretation: CodedValue | None) -> str:
        if interpretation is None:
            return ""
        meaning = interpretation.display or _INTERPRETATIONS.get(interpretation.code.upper(), "")
        return (
            f"{meaning} ({interpretation.code})" if meaning and interpretation.code else interpretation.label
        )


def _interval(reader: _Reader, value: etree._Element) -> str:
    """An IVL_PQ as ``low-high unit`` (or ``>= low``, ``<= high``)."""
    low, low_unit = _quantity(reader.find(value, "low"))
    high, high_unit = _quantity(reader.find(value, "high"))
    unit = high_unit or low_unit
    if low and high:
        bounds = f"{low}-{high}"
    elif low or high:
        bounds = f">= {low}" if low else f"<= {high}"
    else:
        return ""
    return f"{bounds} {unit}".strip()


def _physical_quantity(reader: _Reader, value: etree._Element) -> tuple[str, str, str]:
    amount, unit = _quantity(value)
    return amount, " ".join(part for part in (amount, unit) if part), unit


def _interval_quantity(reader: _Reader, value: etree._Element) -> tuple[str, str, str]:
    shown = _interval(reader, value)
    return shown, shown, ""


def _coded(reader: _Reader, value: etree._Element) -> tuple[str, str, str]:
    coded = reader.code(value)
    return (coded.label, coded.describe(), "") if coded else ("", "", "")


def _plain(reader: _Reader, value: etree._Element) -> tuple[str, str, str]:
    text = (value.get("value") or "").strip() or reader.referenced_text(value)
    return text, text, ""


# Readers of an observation's value by xsi:type: (fact value, value as shown, unit).
_VALUE_READERS: dict[str, Callable[[_Reader, etree._Element], tuple[str, str, str]]] = {
    "PQ": _physical_quantity,
    "IVL_PQ": _interval_quantity,
    "CD": _coded,
    "CE": _coded,
    "CV": _coded,
    "CO": _coded,
    "ST": _plain,
    "ED": _plain,
    "INT": _plain,
    "REAL": _plain,
    "BL": _plain,
    "TS": _plain,
}
