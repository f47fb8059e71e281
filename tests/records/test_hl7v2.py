"""HL7 v2 parsing, on the real sample messages in shared/data and on messages built from them."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from records.documents import CodedFact, Document, SourceRef
from records.hl7v2 import iso_timestamp, parse_hl7v2
from records.intake import RecordRejected, RejectionKind
from records.kinds import RecordKind
from tests.conftest import SHARED_DATA, pdf_bytes
from tests.records.helpers import EmbeddedStub, assert_provenance

SAMPLES = SHARED_DATA / "hl7v2-samples"


class RejectingEmbedded:
    """An embedded parser that refuses everything, as ingestion does for a plain image."""

    def __call__(self, data: bytes, source: SourceRef) -> list[Document]:
        raise RecordRejected(source.filename, RejectionKind.UNSUPPORTED, "plain images are not accepted")


def parse(path: Path, embedded: EmbeddedStub | RejectingEmbedded | None = None) -> list[Document]:
    return parse_hl7v2(path, SourceRef(upload_id="upload-1", filename=path.name), embedded or EmbeddedStub())


def parse_text(tmp_path: Path, text: str, embedded: EmbeddedStub | None = None) -> list[Document]:
    path = tmp_path / "message.hl7"
    path.write_bytes(text.encode())
    return parse(path, embedded)


def fact_for(document: Document, code: str) -> CodedFact:
    return next(fact for fact in document.facts if fact.code == code)


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.hl7")), ids=lambda path: path.name)
def test_every_sample_parses_with_exact_provenance(path: Path) -> None:
    documents = parse(path)
    message = documents[0]
    assert message.kind is RecordKind.HL7V2
    assert message.title.startswith("HL7 v2 ")
    assert message.title.endswith("message")
    assert message.text.startswith("Message ")
    for document in documents:
        assert_provenance(document)
    for span in message.spans:
        assert span.resource_type
        assert span.resource_id
        assert span.resource_id.isdigit()


def test_lab_results_keep_value_unit_flag_and_status() -> None:
    document = parse(SAMPLES / "LAB-ORU-1.hl7")[0]
    erythrocytes = fact_for(document, "11273-0")  # OBX|2|NM|11273-0^ERYTHROCYTES^LN||4.06|tera.l-1||N|||P
    assert (erythrocytes.kind, erythrocytes.display, erythrocytes.system) == (
        "observation",
        "ERYTHROCYTES",
        "LOINC",
    )
    assert (erythrocytes.value, erythrocytes.unit, erythrocytes.interpretation) == ("4.06", "tera.l-1", "N")
    assert erythrocytes.status == "P"
    assert erythrocytes.date == "2014-10-06T06:27:00+07:00"
    assert (erythrocytes.resource_type, erythrocytes.resource_id) == ("OBX", "5")
    leukocytes = fact_for(document, "11156-7")  # OBX|1|NM|11156-7^LEUKOCYTES^LN||||||||I: no value yet
    assert leukocytes.value is None
    assert leukocytes.status == "I"
    assert "Result: HEMATOCRIT [LOINC 20570-8]: 40.1 %; flag normal (N)" in document.text


def test_coded_result_keeps_reference_range_and_abnormal_flag() -> None:
    document = parse(SAMPLES / "ORU-R01-01.hl7")[0]
    # OBX|1|CWE|625-4^Bacteria identified in Stool by Culture^XYZ...|1|27268008^Salmonella^SCT...
    #   |beats/min^^ISO|70-80|A^A^HL70078^^^^2.5|||P|||20120301
    culture = next(fact for fact in document.facts if fact.code == "625-4" and fact.kind == "observation")
    assert (culture.value, culture.unit, culture.reference_range) == ("Salmonella", "beats/min", "70-80")
    assert (culture.interpretation, culture.status, culture.date) == ("A", "P", "2012-03-01")
    assert "Salmonella [SNOMED 27268008]" in document.text[culture.start : culture.end]


def test_lab_reference_ranges_and_critical_flags() -> None:
    document = parse(SAMPLES / "LRI_2.0-NG_CBC_Typ_Message.hl7")[0]
    hemoglobin = fact_for(document, "718-7")  # ...||12.5|g/mL^grams per milliliter^UCUM|13 to 18|L|||F
    assert (hemoglobin.value, hemoglobin.unit, hemoglobin.reference_range) == ("12.5", "g/mL", "13 to 18")
    assert hemoglobin.interpretation == "L"
    leukocytes = fact_for(document, "26464-8")
    assert (leukocytes.value, leukocytes.interpretation) == ("105600", "HH")
    assert "flag critically high (HH)" in document.text[leukocytes.start : leukocytes.end]


def test_admission_facts_for_diagnosis_allergy_and_procedure() -> None:
    document = parse(SAMPLES / "ADT-A01-01.hl7")[0]
    stroke = fact_for(document, "422504002")
    assert (stroke.kind, stroke.display, stroke.system) == (
        "condition",
        "Ischemic stroke(disorder)",
        "SNOMED",
    )
    assert stroke.date == "2004-01-25T11:40:25+04:20"
    penicillin = next(fact for fact in document.facts if fact.kind == "allergy")
    assert (penicillin.display, penicillin.date) == ("PENICILLIN", "2021-08-24")
    biopsy = fact_for(document, "76164006")
    assert (biopsy.kind, biopsy.resource_type) == ("procedure", "PR1")
    assert "Patient: Dr. ADAM A EVERYMAN III; born 198808181126+0215; sex male (M)" in document.text


def test_immunizations_become_facts() -> None:
    document = parse(SAMPLES / "VXU.hl7")[0]
    vaccines = [fact for fact in document.facts if fact.kind == "immunization"]
    assert {fact.code for fact in vaccines} >= {"49281-0215-88", "88"}
    tenivac = fact_for(document, "49281-0215-88")
    assert (tenivac.value, tenivac.unit, tenivac.date) == ("0.5", "mL", "2015-06-24")


@pytest.mark.parametrize("separator", ["\r", "\n", "\r\n"], ids=["CR", "LF", "CRLF"])
def test_line_endings_give_the_same_text(tmp_path: Path, separator: str) -> None:
    raw = (SAMPLES / "LAB-ORU-1.hl7").read_bytes().decode("utf-8-sig")
    segments = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    expected = parse(SAMPLES / "LAB-ORU-1.hl7")[0]
    variant = parse_text(tmp_path, separator.join(segments))[0]
    assert variant.text == expected.text
    assert [fact.model_dump() for fact in variant.facts] == [fact.model_dump() for fact in expected.facts]


def test_mllp_framing_is_ignored(tmp_path: Path) -> None:
    raw = (SAMPLES / "LAB-ORU-1.hl7").read_bytes().decode("utf-8-sig").replace("\n", "\r")
    framed = parse_text(tmp_path, f"\x0b{raw}\x1c\r")[0]
    assert framed.text == parse(SAMPLES / "LAB-ORU-1.hl7")[0].text


def mdm_with_attachment(payload: str) -> str:
    """The MDM^T02 sample with ``payload`` as the data of its ED observation (the sample's is empty)."""
    message = (SAMPLES / "MDM-T02-01.hl7").read_text(encoding="utf-8-sig")
    empty = "OBX|2|ED|02585^TransthoracicEcho^PCV4||^application^pdf^Base64^||||||F"
    assert empty in message
    return message.replace(empty, empty.replace("Base64^", f"Base64^{payload}"))


def test_mdm_pdf_attachment_reaches_the_embedded_parser(tmp_path: Path) -> None:
    pdf = pdf_bytes("Transthoracic echo: normal left ventricular function.")
    embedded = EmbeddedStub()
    documents = parse_text(tmp_path, mdm_with_attachment(base64.b64encode(pdf).decode()), embedded)
    assert len(embedded.calls) == 1
    data, source = embedded.calls[0]
    assert data.startswith(b"%PDF")
    assert data == pdf
    assert (source.upload_id, source.entry) == ("upload-1", "OBX13")
    message = documents[0]
    assert "Attached document: TransthoracicEcho [PCV4 02585] (application/pdf)" in message.text
    assert "attachment_errors" not in message.metadata


def test_text_attachment_documents_follow_the_message(tmp_path: Path) -> None:
    payload = base64.b64encode(b"Echo report: ejection fraction 60%.").decode()
    documents = parse_text(tmp_path, mdm_with_attachment(payload))
    assert len(documents) == 2
    assert documents[1].text == "Echo report: ejection fraction 60%."
    assert documents[1].entry == "OBX13"


def test_broken_base64_is_recorded_and_the_rest_still_read(tmp_path: Path) -> None:
    embedded = EmbeddedStub()
    message = parse_text(tmp_path, mdm_with_attachment("JVBERi0x!!not*base64"), embedded)[0]
    assert embedded.calls == []
    assert message.metadata["attachment_errors"] == [
        {"segment": 13, "reason": "the Base64 encapsulated data is damaged"}
    ]
    assert "Patient: SAMPLE PROSOLV" in message.text
    assert "Note: Antibodies Detected" in message.text  # the NTE just before the ED observation
    assert "Document: diagnostic imaging (DI)" in message.text


def test_attachment_the_embedded_parser_refuses_is_recorded() -> None:
    documents = parse(SAMPLES / "OMG-O19-01.hl7", RejectingEmbedded())
    errors = documents[0].metadata["attachment_errors"]
    assert errors
    assert all(error["reason"] == "plain images are not accepted" for error in errors)
    assert len(documents) == 1


def test_sample_ed_payloads_are_decoded() -> None:
    embedded = EmbeddedStub()
    documents = parse(SAMPLES / "OMG-O19-01.hl7", embedded)
    assert embedded.calls
    assert all(data == b"This is a Base64 string" for data, _ in embedded.calls)
    assert len(documents) == 1 + len(embedded.calls)


def test_mdm_report_text_lines_form_the_report_section() -> None:
    document = parse(SAMPLES / "MDM-T02-03.hl7")[0]
    report = [span for span in document.spans if span.section == "report"]
    assert len(report) == 29
    first = report[0]
    assert document.text[first.start : first.end] == (
        "Toilet cylinder crackers model step-mother visor opening communication"
    )
    assert (first.resource_type, first.resource_id) == ("OBX", "8")
    assert not [fact for fact in document.facts if fact.resource_type == "OBX"]


HEADER = "MSH|^~\\&|LAB|HOSP|EHR|CLINIC|20240105081500||ORU^R01|MSG1|P|2.5.1\r"
PATIENT = "PID|1||12345^^^HOSP^MR||Doe^Jane||19800101|F\r"


def test_escape_sequences_are_unescaped(tmp_path: Path) -> None:
    note = "NTE|1||Na \\F\\ K \\S\\ Cl \\T\\ HCO3 \\R\\ path C:\\E\\tmp\\.br\\second line \\X41\\\r"
    document = parse_text(tmp_path, HEADER + PATIENT + note)[0]
    assert "Note: Na | K ^ Cl & HCO3 ~ path C:\\tmp\nsecond line A" in document.text


def test_escaped_separators_do_not_split_values(tmp_path: Path) -> None:
    result = "OBX|1|ST|8251-1^Service comment^LN||positive \\S\\ repeat\\T\\confirm||||||F\r"
    document = parse_text(tmp_path, HEADER + PATIENT + result)[0]
    assert document.facts[0].value == "positive ^ repeat&confirm"


def test_separators_come_from_the_message_header(tmp_path: Path) -> None:
    header = "MSH#$*!%#LAB#HOSP#EHR#CLINIC#20240105081500##ORU$R01#MSG1#P#2.5.1\r"
    result = "OBX#1#NM#2345-7$Glucose$LN##182#mg/dL#70-99#H###F###20240105\r"
    note = "NTE#1##fasting !F! repeat\r"
    document = parse_text(tmp_path, header + result + note)[0]
    glucose = document.facts[0]
    assert (glucose.code, glucose.display, glucose.value, glucose.reference_range) == (
        "2345-7",
        "Glucose",
        "182",
        "70-99",
    )
    assert "Note: fasting # repeat" in document.text
    assert document.title == "HL7 v2 ORU^R01 message"


def test_structured_numeric_values(tmp_path: Path) -> None:
    result = "OBX|1|SN|5196-1^HBsAg titer^LN||^1^:^128|||A|||F\r"
    document = parse_text(tmp_path, HEADER + PATIENT + result)[0]
    assert document.facts[0].value == "1:128"


def test_several_messages_in_one_file(tmp_path: Path) -> None:
    admission = "MSH|^~\\&|ADT|HOSP|EHR|CLINIC|20240105081500||ADT^A01|MSG0|P|2.5.1\r" + PATIENT
    result = "OBX|1|NM|2345-7^Glucose^LN||99|mg/dL|70-99|N|||F\r"
    documents = parse_text(tmp_path, admission + HEADER + PATIENT + result)
    assert len(documents) == 1
    document = documents[0]
    assert document.title == "HL7 v2 ADT^A01, ORU^R01 messages"
    assert [message["type"] for message in document.metadata["messages"]] == ["ADT^A01", "ORU^R01"]
    assert [span.section for span in document.spans] == ["ADT^A01"] * 2 + ["ORU^R01"] * 3
    assert [span.resource_id for span in document.spans] == ["1", "2", "3", "4", "5"]


def test_malformed_segment_is_rejected_by_number(tmp_path: Path) -> None:
    broken = HEADER + PATIENT + "OB|1|NM|2345-7^Glucose^LN||99\r"
    with pytest.raises(RecordRejected) as caught:
        parse_text(tmp_path, broken)
    assert caught.value.kind is RejectionKind.CORRUPT
    assert caught.value.reason == "HL7 v2 segment 3 has no valid 3-character segment id"
    assert "Doe" not in str(caught.value)
    assert "Glucose" not in str(caught.value)


def test_message_must_start_with_msh(tmp_path: Path) -> None:
    with pytest.raises(RecordRejected) as caught:
        parse_text(tmp_path, PATIENT + HEADER)
    assert caught.value.kind is RejectionKind.CORRUPT
    assert "segment 1" in caught.value.reason


def test_malformed_header_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(RecordRejected) as caught:
        parse_text(tmp_path, "MSH|\r" + PATIENT)
    assert caught.value.reason == "HL7 v2 segment 1 is a malformed MSH header"


@pytest.mark.parametrize(
    ("recorded", "iso"),
    [
        ("20141006", "2014-10-06"),
        ("201410060645", "2014-10-06T06:45"),
        ("20141006064500", "2014-10-06T06:45:00"),
        ("20141006064500+0700", "2014-10-06T06:45:00+07:00"),
        ("20210817151943.4+0200", "2021-08-17T15:19:43.4+02:00"),
        ("201203", "2012-03"),
        ("20141306", None),
        ("not a date", None),
    ],
)
def test_iso_timestamps(recorded: str, iso: str | None) -> None:
    assert iso_timestamp(recorded) == iso
