"""FHIR parsing: the Synthea bulk export, a hand-built Bundle with every supported resource, and errors."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from records import fhir
from records.documents import CodedFact, Document, DocumentBuilder, SourceRef
from records.fhir import parse_fhir
from records.intake import RecordRejected, RejectionKind
from records.kinds import RecordKind
from tests.conftest import SHARED_DATA
from tests.records.helpers import assert_provenance

SYNTHEA = SHARED_DATA / "synthea-fhir-10"
SYNTHEA_FILES = sorted(path for path in SYNTHEA.glob("*.ndjson") if path.name != "log.ndjson")
RENDERED_TYPES = {
    "Patient",
    "Encounter",
    "Condition",
    "AllergyIntolerance",
    "MedicationRequest",
    "MedicationStatement",
    "Observation",
    "DiagnosticReport",
    "Procedure",
    "ImagingStudy",
    "DocumentReference",
}
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
UCUM = "http://unitsofmeasure.org"
V3_INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
REPORT_TEXT = (
    "CT CHEST WITH CONTRAST\nFindings: no filling defect in the pulmonary arteries. "
    "Small right pleural effusion.\nImpression: no pulmonary embolism."
)


class TextParser:
    """Stands in for the embedded-format dispatcher: each attachment becomes a one-span text document."""

    def __init__(self, reject: bool = False) -> None:
        self.calls: list[tuple[bytes, SourceRef]] = []
        self.reject = reject

    def __call__(self, data: bytes, source: SourceRef) -> list[Document]:
        self.calls.append((data, source))
        if self.reject:
            raise RecordRejected(source.filename, RejectionKind.UNSUPPORTED, "unsupported attachment format")
        builder = DocumentBuilder(source, RecordKind.TEXT, "Attached note")
        builder.add(data.decode("utf-8", errors="replace"), section="attachment")
        return [builder.build()]


def source(filename: str = "record.json", entry: str = "") -> SourceRef:
    return SourceRef(upload_id="upload-1", entry=entry, filename=filename)


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def ndjson(*resources: dict[str, Any]) -> str:
    return "".join(json.dumps(resource) + "\n" for resource in resources)


def parse(tmp_path: Path, content: str | bytes, parser: TextParser | None = None) -> list[Document]:
    path = write(tmp_path, "record.json", content)
    return parse_fhir(path, source(), parser or TextParser())


def lines(document: Document) -> list[str]:
    return [document.text[span.start : span.end] for span in document.spans]


def line_of(document: Document, resource_id: str) -> str:
    (span,) = [span for span in document.spans if span.resource_id == resource_id]
    return document.text[span.start : span.end]


def facts_of(document: Document, resource_id: str) -> list[CodedFact]:
    return [fact for fact in document.facts if fact.resource_id == resource_id]


def ids_in(path: Path) -> set[str]:
    with path.open() as lines_:
        return {json.loads(line)["id"] for line in lines_ if line.strip()}


def concept(system: str, code: str, display: str, text: str | None = None) -> dict[str, Any]:
    value: dict[str, Any] = {"coding": [{"system": system, "code": code, "display": display}]}
    if text:
        value["text"] = text
    return value


def quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def high_flag() -> list[dict[str, Any]]:
    return [concept(V3_INTERPRETATION, "H", "High")]


def status(system_name: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": f"http://terminology.hl7.org/CodeSystem/{system_name}", "code": code}]}


def clinical_resources() -> list[dict[str, Any]]:
    """A small realistic ED visit: one resource of every supported type, plus two that are not rendered."""
    return [
        {
            "resourceType": "Patient",
            "id": "pat-1",
            "name": [{"use": "official", "family": "Rivera", "given": ["Ana", "Maria"]}],
            "gender": "female",
            "birthDate": "1961-07-04",
            "address": [{"use": "home", "line": ["12 Elm St"], "city": "Springfield", "state": "IL"}],
        },
        {
            "resourceType": "Encounter",
            "id": "enc-1",
            "status": "finished",
            "class": {
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                "code": "EMER",
                "display": "emergency",
            },
            "type": [concept(SNOMED, "50849002", "Emergency room admission (procedure)", "Emergency visit")],
            "period": {"start": "2023-01-14T07:50:00-05:00", "end": "2023-01-14T13:10:00-05:00"},
            "reasonCode": [concept(SNOMED, "29857009", "Chest pain")],
            "hospitalization": {"dischargeDisposition": {"text": "Discharged to home"}},
        },
        {
            "resourceType": "Condition",
            "id": "cond-dm",
            "clinicalStatus": status("condition-clinical", "active"),
            "verificationStatus": status("condition-ver-status", "provisional"),
            "code": concept(ICD10CM, "E11.9", "Type 2 diabetes mellitus without complications"),
            "recordedDate": "2023-01-14",
        },
        {
            "resourceType": "Condition",
            "id": "cond-htn",
            "clinicalStatus": status("condition-clinical", "active"),
            "verificationStatus": status("condition-ver-status", "confirmed"),
            "code": {
                "coding": [
                    {"system": SNOMED, "code": "59621000", "display": "Essential hypertension (disorder)"},
                    {"system": ICD10CM, "code": "I10", "display": "Essential (primary) hypertension"},
                ],
                "text": "Essential hypertension",
            },
            "onsetDateTime": "2015-03-02",
        },
        {
            "resourceType": "AllergyIntolerance",
            "id": "alg-1",
            "clinicalStatus": status("allergyintolerance-clinical", "active"),
            "verificationStatus": status("allergyintolerance-verification", "confirmed"),
            "type": "allergy",
            "category": ["medication"],
            "criticality": "high",
            "code": concept(RXNORM, "70618", "Penicillin"),
            "recordedDate": "2010-05-05",
            "reaction": [
                {"manifestation": [concept(SNOMED, "247472004", "Hives")], "severity": "moderate"},
                {"manifestation": [{"text": "Anaphylaxis"}], "severity": "severe"},
            ],
        },
        {
            "resourceType": "Medication",
            "id": "med-metformin",
            "code": concept(RXNORM, "861007", "metformin hydrochloride 500 MG Oral Tablet"),
        },
        {
            "resourceType": "MedicationStatement",
            "id": "ms-1",
            "status": "active",
            "medicationReference": {"reference": "Medication/med-metformin"},
            "effectivePeriod": {"start": "2021-06-01"},
            "dosage": [
                {
                    "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
                    "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet"}}],
                }
            ],
        },
        {
            "resourceType": "MedicationRequest",
            "id": "mr-1",
            "status": "active",
            "intent": "order",
            "medicationCodeableConcept": concept(RXNORM, "314076", "lisinopril 10 MG Oral Tablet"),
            "authoredOn": "2022-05-01",
            "dosageInstruction": [
                {
                    "timing": {"repeat": {"frequency": 1, "period": 1.0, "periodUnit": "d"}},
                    "doseAndRate": [{"doseQuantity": {"value": 1.0, "unit": "tablet"}}],
                }
            ],
        },
        {
            "resourceType": "Observation",
            "id": "obs-a1c",
            "status": "final",
            "code": concept(LOINC, "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "Hemoglobin A1c"),
            "effectiveDateTime": "2023-01-14T08:30:00-05:00",
            "valueQuantity": quantity(7.2, "%"),
            "interpretation": high_flag(),
            "referenceRange": [{"low": quantity(4.0, "%"), "high": quantity(5.6, "%")}],
        },
        {
            "resourceType": "Observation",
            "id": "obs-bp",
            "status": "final",
            "code": concept(
                LOINC, "85354-9", "Blood pressure panel with all children optional", "Blood pressure"
            ),
            "effectiveDateTime": "2023-01-14T08:05:00-05:00",
            "component": [
                {
                    "code": concept(LOINC, "8480-6", "Systolic blood pressure"),
                    "valueQuantity": quantity(148, "mm[Hg]"),
                    "interpretation": high_flag(),
                    "referenceRange": [{"high": quantity(130, "mm[Hg]")}],
                },
                {
                    "code": concept(LOINC, "8462-4", "Diastolic blood pressure"),
                    "valueQuantity": quantity(92, "mm[Hg]"),
                    "interpretation": high_flag(),
                },
            ],
        },
        {
            "resourceType": "DiagnosticReport",
            "id": "dr-ct",
            "status": "final",
            "code": concept(LOINC, "24627-2", "CT Chest"),
            "effectiveDateTime": "2023-01-14T10:00:00-05:00",
            "conclusion": "No pulmonary embolism.",
            "conclusionCode": [concept(SNOMED, "60046008", "Pleural effusion")],
            "presentedForm": [
                {"contentType": "text/plain", "data": base64.b64encode(REPORT_TEXT.encode()).decode()}
            ],
        },
        {
            "resourceType": "Procedure",
            "id": "proc-ecg",
            "status": "completed",
            "code": concept(SNOMED, "29303009", "Electrocardiographic procedure"),
            "performedDateTime": "2023-01-14T08:10:00-05:00",
            "reasonCode": [concept(SNOMED, "29857009", "Chest pain")],
        },
        {
            "resourceType": "ImagingStudy",
            "id": "img-ct",
            "status": "available",
            "modality": [{"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "CT"}],
            "started": "2023-01-14T09:40:00-05:00",
            "numberOfSeries": 2,
            "numberOfInstances": 240,
            "description": "CT chest with contrast",
            "series": [
                {
                    "uid": f"2.25.1000{number}",
                    "number": number,
                    "modality": {"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "CT"},
                    "numberOfInstances": 120,
                    "bodySite": {"system": SNOMED, "code": "51185008", "display": "Chest"},
                }
                for number in (1, 2)
            ],
        },
        {"resourceType": "Practitioner", "id": "prac-1", "name": [{"family": "Okafor"}]},
        {"resourceType": "Organization", "id": "org-1", "name": "Springfield General"},
    ]


def bundle(resources: list[dict[str, Any]], bundle_type: str = "collection") -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": bundle_type,
        "entry": [{"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource} for resource in resources],
    }


@pytest.fixture
def parsed_bundle(tmp_path: Path) -> tuple[list[Document], TextParser]:
    parser = TextParser()
    documents = parse(tmp_path, json.dumps(bundle(clinical_resources()), indent=2), parser)
    return documents, parser


# --- the Synthea bulk export --------------------------------------------------------------------------


@pytest.mark.parametrize("path", SYNTHEA_FILES, ids=lambda path: path.name)
def test_every_synthea_file(path: Path) -> None:
    documents = parse_fhir(path, source(path.name), TextParser())
    structured = documents[0]
    resource_type = path.name.split(".")[0]
    ids = ids_in(path)

    assert structured.kind is RecordKind.FHIR_NDJSON
    assert structured.title == f"FHIR {resource_type} records"
    for document in documents:
        assert_provenance(document)
    if resource_type in RENDERED_TYPES:
        assert sorted(span.resource_id or "" for span in structured.spans) == sorted(ids)
        assert {(span.section, span.resource_type) for span in structured.spans} == {
            (resource_type, resource_type)
        }
        assert structured.metadata["skipped_resource_types"] == {}
        assert structured.metadata["resource_counts"] == {resource_type: len(ids)}
        expected_facts = 0 if resource_type == "DocumentReference" else len(ids)
        assert len(structured.facts) == expected_facts
        assert all(fact.resource_id in ids for fact in structured.facts)
    else:
        assert structured.text == ""
        assert structured.metadata["skipped_resource_types"] == {resource_type: len(ids)}
    assert structured.metadata["attachment_errors"] == []


def test_synthea_notes_reach_the_embedded_parser() -> None:
    path = SYNTHEA / "DocumentReference.000.ndjson"
    parser = TextParser()
    documents = parse_fhir(path, source(path.name), parser)
    ids = ids_in(path)

    assert len(parser.calls) == len(ids) == len(documents) - 1
    for data, child in parser.calls:
        note = data.decode("utf-8")
        assert "# Chief Complaint" in note
        assert "# Assessment and Plan" in note
        assert child.filename == path.name
    entries = {document.entry for document in documents[1:]}
    assert entries == {f"DocumentReference/{resource_id}/0" for resource_id in ids}
    assert all(document.kind is RecordKind.TEXT for document in documents[1:])
    assert all(
        line.endswith("attachment (text/plain; charset=utf-8) parsed separately")
        for line in lines(documents[0])
    )


def test_synthea_lines_read_clinically() -> None:
    conditions = parse_fhir(SYNTHEA / "Condition.000.ndjson", source(), TextParser())[0]
    assert line_of(conditions, "b343d81b-e061-10cb-8292-8ff6ba4dfbf8") == (
        "Condition: Essential hypertension (disorder) (SNOMED 59621000) — active, onset 1969-05-31"
    )
    (fact,) = facts_of(conditions, "b343d81b-e061-10cb-8292-8ff6ba4dfbf8")
    assert (fact.kind, fact.code, fact.system, fact.status, fact.date) == (
        "condition",
        "59621000",
        SNOMED,
        "active",
        "1969-05-31T23:58:16-04:00",
    )
    dates = [fact.date or "" for fact in conditions.facts]
    assert dates == sorted(dates)  # chronological within the section

    patients = parse_fhir(SYNTHEA / "Patient.000.ndjson", source(), TextParser())[0]
    assert line_of(patients, "129c6ac7-8d06-89de-ad63-0204a93e76c3") == (
        "Patient: Sumiko254 Larue605 Medhurst46 — female, born 1927-05-21, died 1989-05-09, Emporia, KS"
    )

    requests = parse_fhir(SYNTHEA / "MedicationRequest.000.ndjson", source(), TextParser())[0]
    lisinopril = [line for line in lines(requests) if "(RxNorm 314076)" in line]
    assert lisinopril
    assert all("1 daily" in line and "for Essential hypertension (disorder)" in line for line in lisinopril)

    allergies = parse_fhir(SYNTHEA / "AllergyIntolerance.000.ndjson", source(), TextParser())[0]
    tree_nut = line_of(allergies, "1e4c4ad8-677b-2ddc-8fb7-44ad5b7c2aa9")
    assert tree_nut.startswith(
        "AllergyIntolerance: Tree nut (substance) (SNOMED 442571000124108) — food allergy"
    )
    assert "criticality low" in tree_nut
    assert "Anaphylaxis (disorder)" in tree_nut


# --- a hand-built Bundle ------------------------------------------------------------------------------


def test_bundle_renders_sections_in_clinical_order(parsed_bundle: tuple[list[Document], TextParser]) -> None:
    documents, _ = parsed_bundle
    structured = documents[0]

    assert structured.kind is RecordKind.FHIR_JSON
    assert structured.title == "FHIR Bundle (collection)"
    assert_provenance(structured)
    assert [span.resource_type for span in structured.spans] == [
        "Patient",
        "Encounter",
        "Condition",
        "Condition",
        "AllergyIntolerance",
        "MedicationRequest",
        "MedicationStatement",
        "Observation",
        "Observation",
        "DiagnosticReport",
        "Procedure",
        "ImagingStudy",
    ]
    # Chronological within a section: 2015 before 2023; blood pressure at 08:05 before the A1c at 08:30.
    assert [span.resource_id for span in structured.spans[2:4]] == ["cond-htn", "cond-dm"]
    assert [span.resource_id for span in structured.spans[7:9]] == ["obs-bp", "obs-a1c"]
    assert all(span.section == span.resource_type for span in structured.spans)
    assert structured.metadata["skipped_resource_types"] == {
        "Medication": 1,
        "Organization": 1,
        "Practitioner": 1,
    }


@pytest.mark.parametrize(
    ("resource_id", "expected"),
    [
        ("pat-1", "Patient: Ana Maria Rivera — female, born 1961-07-04, Springfield, IL"),
        (
            "enc-1",
            "Encounter: Emergency visit (SNOMED 50849002) — emergency, finished, 2023-01-14, "
            "reason: Chest pain, discharge: Discharged to home",
        ),
        ("cond-htn", "Condition: Essential hypertension (SNOMED 59621000) — active, onset 2015-03-02"),
        (
            "cond-dm",
            "Condition: Type 2 diabetes mellitus without complications (ICD-10 E11.9) — "
            "active (provisional), recorded 2023-01-14",
        ),
        (
            "alg-1",
            "AllergyIntolerance: Penicillin (RxNorm 70618) — medication allergy, criticality high, active, "
            "reactions: Hives (moderate); Anaphylaxis (severe), recorded 2010-05-05",
        ),
        (
            "mr-1",
            "MedicationRequest: lisinopril 10 MG Oral Tablet (RxNorm 314076) — 1 tablet daily, active, "
            "authored 2022-05-01",
        ),
        (
            "ms-1",
            "MedicationStatement: metformin hydrochloride 500 MG Oral Tablet (RxNorm 861007) — "
            "1 tablet twice daily, active, effective from 2021-06-01",
        ),
        ("obs-a1c", "Observation: Hemoglobin A1c (LOINC 4548-4) 7.2 % (ref 4.0-5.6) H — 2023-01-14 08:30"),
        (
            "obs-bp",
            "Observation: Blood pressure (LOINC 85354-9): Systolic blood pressure 148 mm[Hg] (ref <=130) H; "
            "Diastolic blood pressure 92 mm[Hg] H — 2023-01-14 08:05",
        ),
        (
            "dr-ct",
            "DiagnosticReport: CT Chest (LOINC 24627-2) — final, 2023-01-14 10:00, "
            "conclusion: No pulmonary embolism., coded conclusion: Pleural effusion (SNOMED 60046008), "
            "attachment (text/plain) parsed separately",
        ),
        (
            "proc-ecg",
            "Procedure: Electrocardiographic procedure (SNOMED 29303009) — completed, 2023-01-14, "
            "for Chest pain",
        ),
        (
            "img-ct",
            "ImagingStudy: CT chest with contrast — modality CT, 2 series, 240 instances, body site: Chest, "
            "available, started 2023-01-14 09:40",
        ),
    ],
)
def test_bundle_lines(
    parsed_bundle: tuple[list[Document], TextParser], resource_id: str, expected: str
) -> None:
    assert line_of(parsed_bundle[0][0], resource_id) == expected


def test_lab_fact_keeps_values_as_recorded(parsed_bundle: tuple[list[Document], TextParser]) -> None:
    (fact,) = facts_of(parsed_bundle[0][0], "obs-a1c")
    assert fact.model_dump(exclude={"start", "end"}) == {
        "kind": "observation",
        "display": "Hemoglobin A1c",
        "code": "4548-4",
        "system": LOINC,
        "value": "7.2",
        "unit": "%",
        "reference_range": "4.0-5.6",  # "4.0", not "4": decimals are kept as written
        "interpretation": "H",
        "status": "final",
        "date": "2023-01-14T08:30:00-05:00",
        "resource_type": "Observation",
        "resource_id": "obs-a1c",
    }


def test_blood_pressure_components_are_facts_on_the_same_line(
    parsed_bundle: tuple[list[Document], TextParser],
) -> None:
    panel, systolic, diastolic = facts_of(parsed_bundle[0][0], "obs-bp")
    assert (panel.code, panel.value) == ("85354-9", None)
    assert (systolic.code, systolic.value, systolic.unit, systolic.interpretation) == (
        "8480-6",
        "148",
        "mm[Hg]",
        "H",
    )
    assert systolic.reference_range == "<=130"
    assert (diastolic.code, diastolic.value, diastolic.date) == ("8462-4", "92", "2023-01-14T08:05:00-05:00")
    assert (panel.start, panel.end) == (systolic.start, systolic.end) == (diastolic.start, diastolic.end)


@pytest.mark.parametrize(
    ("resource_id", "kind", "code", "system", "status", "date", "value"),
    [
        ("pat-1", "patient", None, None, None, "1961-07-04", "female"),
        ("enc-1", "encounter", "50849002", SNOMED, "finished", "2023-01-14T07:50:00-05:00", None),
        ("cond-dm", "condition", "E11.9", ICD10CM, "active (provisional)", "2023-01-14", None),
        (
            "alg-1",
            "allergy",
            "70618",
            RXNORM,
            "active",
            "2010-05-05",
            "Hives (moderate); Anaphylaxis (severe)",
        ),
        ("mr-1", "medication", "314076", RXNORM, "active", "2022-05-01", "1.0"),
        ("ms-1", "medication", "861007", RXNORM, "active", "2021-06-01", "1"),
        (
            "dr-ct",
            "diagnostic_report",
            "24627-2",
            LOINC,
            "final",
            "2023-01-14T10:00:00-05:00",
            "No pulmonary embolism.",
        ),
        ("proc-ecg", "procedure", "29303009", SNOMED, "completed", "2023-01-14T08:10:00-05:00", None),
        ("img-ct", "imaging_study", None, None, "available", "2023-01-14T09:40:00-05:00", "CT"),
    ],
)
def test_bundle_facts(
    parsed_bundle: tuple[list[Document], TextParser],
    resource_id: str,
    kind: str,
    code: str | None,
    system: str | None,
    status: str | None,
    date: str,
    value: str | None,
) -> None:
    (fact,) = facts_of(parsed_bundle[0][0], resource_id)
    assert (fact.kind, fact.code, fact.system, fact.status, fact.date, fact.value) == (
        kind,
        code,
        system,
        status,
        date,
        value,
    )


def test_presented_form_reaches_the_embedded_parser(parsed_bundle: tuple[list[Document], TextParser]) -> None:
    documents, parser = parsed_bundle
    ((data, child),) = parser.calls
    assert data.decode() == REPORT_TEXT
    assert (child.upload_id, child.entry, child.filename) == (
        "upload-1",
        "DiagnosticReport/dr-ct/0",
        "record.json",
    )
    assert len(documents) == 2
    assert documents[1].text == REPORT_TEXT
    assert documents[1].entry == "DiagnosticReport/dr-ct/0"


def test_the_same_resources_read_alike_as_bundle_one_line_and_ndjson(tmp_path: Path) -> None:
    resources = clinical_resources()
    pretty = parse(tmp_path, json.dumps(bundle(resources), indent=2))[0]
    one_line = parse(tmp_path, json.dumps(bundle(resources)))[0]
    lines_of_resources = parse(tmp_path, ndjson(*resources))[0]

    assert one_line.kind is RecordKind.FHIR_JSON
    assert lines_of_resources.kind is RecordKind.FHIR_NDJSON
    assert lines_of_resources.title == "FHIR records"
    assert pretty.text == one_line.text == lines_of_resources.text


def test_nested_bundles_and_response_only_entries(tmp_path: Path) -> None:
    resources = clinical_resources()
    inner = bundle(resources[:3], "searchset")
    outer = {
        "resourceType": "Bundle",
        "type": "batch-response",
        "entry": [{"resource": inner}, {"response": {"status": "200 OK"}}],
    }
    document = parse(tmp_path, json.dumps(outer))[0]
    assert document.title == "FHIR Bundle (batch-response)"
    assert [span.resource_id for span in document.spans] == ["pat-1", "enc-1", "cond-dm"]


def test_medication_references_are_resolved_when_at_hand(tmp_path: Path) -> None:
    contained = {
        "resourceType": "MedicationRequest",
        "id": "mr-contained",
        "status": "active",
        "intent": "order",
        "contained": [
            {"resourceType": "Medication", "id": "m1", "code": concept(RXNORM, "197361", "amlodipine 5 MG")}
        ],
        "medicationReference": {"reference": "#m1"},
    }
    by_display = {**contained, "id": "mr-display", "contained": []}
    by_display["medicationReference"] = {
        "reference": "Medication/elsewhere",
        "display": "Amlodipine 5 mg tab",
    }
    unnamed = {**by_display, "id": "mr-unnamed", "medicationReference": {"reference": "Medication/elsewhere"}}
    document = parse(tmp_path, ndjson(contained, by_display, unnamed))[0]

    assert line_of(document, "mr-contained") == "MedicationRequest: amlodipine 5 MG (RxNorm 197361) — active"
    assert line_of(document, "mr-display") == "MedicationRequest: Amlodipine 5 mg tab — active"
    assert line_of(document, "mr-unnamed") == "MedicationRequest: (medication not named) — active"
    assert_provenance(document)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"valueCodeableConcept": concept(SNOMED, "266919005", "Never smoker")},
            "Smoking status (LOINC 72166-2) Never smoker (SNOMED 266919005)",
        ),
        (
            {"valueString": "Positive for\n  influenza A"},
            "Smoking status (LOINC 72166-2) Positive for influenza A",
        ),
        ({"valueBoolean": False}, "Smoking status (LOINC 72166-2) no"),
        ({"valueInteger": 3}, "Smoking status (LOINC 72166-2) 3"),
        (
            {"valueQuantity": {"value": 0.01, "comparator": "<", "unit": "ng/mL"}},
            "(LOINC 72166-2) <0.01 ng/mL",
        ),
        ({"valueRange": {"low": quantity(2, "mg"), "high": quantity(4, "mg")}}, "(LOINC 72166-2) 2-4 mg"),
        ({"dataAbsentReason": {"text": "Specimen hemolyzed"}}, "no value: Specimen hemolyzed"),
        ({"status": "preliminary"}, "— preliminary, 2023-01-14 08:30"),
        (
            {"effectiveDateTime": None, "issued": "2023-01-15T09:00:00Z"},
            "— issued 2023-01-15 09:00",
        ),
        (
            {"effectiveDateTime": None, "effectivePeriod": {"start": "2023-01-14", "end": "2023-01-15"}},
            "— 2023-01-14 to 2023-01-15",
        ),
        ({"note": [{"text": "Repeat in 3 months"}]}, "note: Repeat in 3 months"),
    ],
)
def test_observation_values(tmp_path: Path, fields: dict[str, Any], expected: str) -> None:
    observation = {
        "resourceType": "Observation",
        "id": "obs-1",
        "status": "final",
        "code": concept(LOINC, "72166-2", "Tobacco smoking status", "Smoking status"),
        "effectiveDateTime": "2023-01-14T08:30:00Z",
    }
    observation.update(fields)
    observation = {key: value for key, value in observation.items() if value is not None}
    document = parse(tmp_path, json.dumps(observation))[0]
    assert document.title == "FHIR Observation record"
    assert expected in line_of(document, "obs-1")
    assert_provenance(document)


@pytest.mark.parametrize(
    ("repeat", "expected"),
    [
        ({"frequency": 1, "period": 1, "periodUnit": "d"}, "daily"),
        ({"frequency": 3, "period": 1, "periodUnit": "d"}, "3 times daily"),
        ({"frequency": 1, "period": 4, "periodUnit": "h"}, "every 4 hours"),
        ({"frequency": 1, "period": 1, "periodUnit": "wk"}, "weekly"),
    ],
)
def test_dosage_timing(tmp_path: Path, repeat: dict[str, Any], expected: str) -> None:
    request = {
        "resourceType": "MedicationRequest",
        "id": "mr-1",
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {"text": "ondansetron 4 mg tablet"},
        "dosageInstruction": [{"timing": {"repeat": repeat}, "asNeededBoolean": True}],
    }
    document = parse(tmp_path, json.dumps(request))[0]
    assert (
        line_of(document, "mr-1")
        == f"MedicationRequest: ondansetron 4 mg tablet — {expected} as needed, active"
    )


def test_odd_shapes_do_not_crash(tmp_path: Path) -> None:
    odd = {
        "resourceType": "Condition",
        "id": "odd-1",
        "code": "hypertension",
        "clinicalStatus": 5,
        "onsetDateTime": {"not": "a date"},
        "reasonCode": "x",
    }
    document = parse(tmp_path, json.dumps(odd))[0]
    assert line_of(document, "odd-1") == "Condition: (not coded)"
    assert_provenance(document)


# --- attachments --------------------------------------------------------------------------------------


def document_reference(resource_id: str, *attachments: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "DocumentReference",
        "id": resource_id,
        "status": "current",
        "type": concept(LOINC, "18842-5", "Discharge summary"),
        "date": "2023-01-16T12:00:00Z",
        "content": [{"attachment": attachment} for attachment in attachments],
    }


def condition(resource_id: str) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": resource_id,
        "clinicalStatus": status("condition-clinical", "active"),
        "code": concept(SNOMED, "38341003", "Hypertensive disorder"),
    }


def test_broken_base64_is_recorded_and_the_rest_rendered(tmp_path: Path) -> None:
    good = base64.b64encode(b"Discharge summary: chest pain resolved.").decode()
    parser = TextParser()
    documents = parse(
        tmp_path,
        ndjson(
            document_reference(
                "doc-1",
                {"contentType": "text/plain", "data": "Secretname@@not-base64"},
                {"contentType": "text/plain", "data": good},
            ),
            condition("cond-1"),
        ),
        parser,
    )
    structured = documents[0]

    assert structured.metadata["attachment_errors"] == [
        {
            "resource_type": "DocumentReference",
            "resource_id": "doc-1",
            "attachment": 0,
            "reason": "invalid base64 data",
        }
    ]
    assert "Secretname" not in json.dumps(structured.metadata)
    assert line_of(structured, "doc-1") == (
        "DocumentReference: Discharge summary (LOINC 18842-5) — 2023-01-16, "
        "attachment (text/plain) not readable: invalid base64 data, attachment (text/plain) parsed separately"
    )
    assert line_of(structured, "cond-1").startswith("Condition: Hypertensive disorder")
    assert [child.entry for _, child in parser.calls] == ["DocumentReference/doc-1/1"]
    assert len(documents) == 2


def test_attachment_by_reference_is_noted_not_retrieved(tmp_path: Path) -> None:
    parser = TextParser()
    attachment = {"contentType": "application/pdf", "url": "https://ehr.example.org/Binary/123"}
    document = parse(tmp_path, ndjson(document_reference("doc-1", attachment)), parser)[0]
    assert line_of(document, "doc-1").endswith("attachment (application/pdf) by reference, not retrieved")
    assert parser.calls == []


def test_base64_wrapped_over_lines_is_decoded(tmp_path: Path) -> None:
    encoded = base64.encodebytes(b"Operative note: laparoscopic cholecystectomy. " * 10).decode()
    assert "\n" in encoded
    parser = TextParser()
    parse(
        tmp_path, ndjson(document_reference("doc-1", {"contentType": "text/plain", "data": encoded})), parser
    )
    ((data, _),) = parser.calls
    assert data.startswith(b"Operative note")


def test_oversized_attachment_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fhir, "MAX_ATTACHMENT_BYTES", 16)
    data = base64.b64encode(b"x" * 64).decode()
    parser = TextParser()
    document = parse(tmp_path, ndjson(document_reference("doc-1", {"data": data})), parser)[0]
    assert document.metadata["attachment_errors"][0]["reason"] == "larger than the attachment size limit"
    assert parser.calls == []


def test_attachment_the_embedded_parser_rejects_is_recorded(tmp_path: Path) -> None:
    data = base64.b64encode(b"\x00\x01binary").decode()
    documents = parse(
        tmp_path,
        ndjson(document_reference("doc-1", {"data": data}), condition("c1")),
        TextParser(reject=True),
    )
    assert len(documents) == 1
    assert documents[0].metadata["attachment_errors"][0]["reason"] == "unsupported attachment format"
    assert line_of(documents[0], "c1")


def test_attachment_without_resource_id_gets_a_unique_entry(tmp_path: Path) -> None:
    data = base64.b64encode(b"Clinic note").decode()
    first, second = (document_reference("x", {"data": data}) for _ in range(2))
    del first["id"], second["id"]
    parser = TextParser()
    parse(tmp_path, ndjson(first, second), parser)
    assert [child.entry for _, child in parser.calls] == [
        "DocumentReference/unidentified-1/0",
        "DocumentReference/unidentified-2/0",
    ]


# --- input shapes and errors --------------------------------------------------------------------------


def test_unknown_resource_types_are_counted(tmp_path: Path) -> None:
    coverage = {"resourceType": "Coverage", "id": "cov-1", "status": "active"}
    claim = {"resourceType": "Claim", "id": "claim-1"}
    document = parse(tmp_path, ndjson(coverage, condition("c1"), claim, {**coverage, "id": "cov-2"}))[0]
    assert document.metadata["skipped_resource_types"] == {"Claim": 1, "Coverage": 2}
    assert document.metadata["resource_counts"] == {"Condition": 1}
    assert lines(document) == ["Condition: Hypertensive disorder (SNOMED 38341003) — active"]


def test_crlf_blank_lines_and_utf16_are_read(tmp_path: Path) -> None:
    content = "\r\n" + ndjson(condition("c1")).replace("\n", "\r\n") + "\r\n\r\n" + ndjson(condition("c2"))
    utf8 = parse(tmp_path, content)[0]
    utf16 = parse(tmp_path, content.encode("utf-16"))[0]
    assert utf8.kind is utf16.kind is RecordKind.FHIR_NDJSON
    assert (
        [span.resource_id for span in utf8.spans]
        == [span.resource_id for span in utf16.spans]
        == ["c1", "c2"]
    )
    assert utf8.text == utf16.text


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (
            ndjson(condition("c1")) + '{"resourceType": "Patient", "name": "Secretname"\n',
            "invalid JSON on line 2",
        ),
        (
            ndjson(condition("c1")) + '{"resourceType": "Observation", "valueDecimal": NaN}\n',
            "invalid JSON on line 2",
        ),
        (
            ndjson(condition("c1")) + '{"id": "Secretname"}\n',
            "line 2 is not a FHIR resource (no resourceType)",
        ),
        ("\n\n" + '["Secretname"]\n', "line 3 is not a FHIR resource (no resourceType)"),
        ('{\n  "resourceType": "Patient",\n  "name": Secretname\n}\n', "invalid JSON at line 3, column 11"),
        ('{\n  "id": "Secretname"\n}\n', "the file is not a FHIR resource (no resourceType)"),
        (
            json.dumps(
                bundle([condition("c1")]) | {"entry": [{"resource": condition("c1")}, {"resource": {}}]}
            ),
            "line 1: Bundle entry 2 is not a FHIR resource",
        ),
    ],
)
def test_malformed_input_is_rejected_without_quoting_it(tmp_path: Path, content: str, reason: str) -> None:
    with pytest.raises(RecordRejected) as caught:
        parse(tmp_path, content)
    assert caught.value.kind is RejectionKind.CORRUPT
    assert caught.value.reason == reason
    assert caught.value.filename == "record.json"
    assert "Secretname" not in str(caught.value)


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    content = ndjson(condition("c1")).encode() + b'{"resourceType": "Patient", "id": "\xff\xfe"}\n'
    with pytest.raises(RecordRejected) as caught:
        parse(tmp_path, content)
    assert caught.value.reason == "line 2 is not valid UTF-8 text"


@pytest.mark.parametrize("content", ["", "\n \n\t\n"])
def test_empty_file_is_rejected(tmp_path: Path, content: str) -> None:
    with pytest.raises(RecordRejected) as caught:
        parse(tmp_path, content)
    assert caught.value.kind is RejectionKind.EMPTY


def test_rejection_names_the_zip_entry(tmp_path: Path) -> None:
    path = write(tmp_path, "x.ndjson", "{not json}\n")
    with pytest.raises(RecordRejected) as caught:
        parse_fhir(path, source("records.zip", "export/Condition.ndjson"), TextParser())
    assert (caught.value.filename, caught.value.entry) == ("records.zip", "export/Condition.ndjson")
    with pytest.raises(RecordRejected) as caught:
        parse_fhir(path, SourceRef(upload_id="u", entry="DocumentReference/d1/0"), TextParser())
    assert (caught.value.filename, caught.value.entry) == ("DocumentReference/d1/0", None)
