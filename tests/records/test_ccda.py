"""C-CDA parsing, on the real sample documents in shared/data and on small documents built here."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from records.ccda import narrative_blocks, parse_ccda
from records.documents import CodedFact, Document, SourceRef
from records.intake import RecordRejected, RejectionKind
from records.kinds import RecordKind
from tests.conftest import SHARED_DATA
from tests.records.helpers import EmbeddedStub, assert_provenance

SAMPLES = SHARED_DATA / "ccda-samples"
SECRET = "TOP-SECRET-ENTITY-CONTENT-7f3a"


def parse(path: Path, embedded: EmbeddedStub | None = None) -> list[Document]:
    return parse_ccda(path, SourceRef(upload_id="upload-1", filename=path.name), embedded or EmbeddedStub())


def parse_xml(tmp_path: Path, xml: str, embedded: EmbeddedStub | None = None) -> list[Document]:
    path = tmp_path / "document.ccda"
    path.write_text(xml, encoding="utf-8")
    return parse(path, embedded)


def span_texts(document: Document, **where: str) -> list[str]:
    return [
        document.text[span.start : span.end]
        for span in document.spans
        if all(getattr(span, key) == value for key, value in where.items())
    ]


def fact_for(document: Document, code: str, kind: str) -> CodedFact:
    return next(fact for fact in document.facts if fact.code == code and fact.kind == kind)


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.ccda")), ids=lambda path: path.name)
def test_every_sample_parses_with_exact_provenance(path: Path) -> None:
    documents = parse(path)
    document = documents[0]
    assert document.kind is RecordKind.CCDA
    assert document.text.startswith(f"Document: {document.title}")
    assert span_texts(document, section="header")
    for each in documents:
        assert_provenance(each)


@pytest.fixture(scope="module")
def consultation() -> Document:
    return parse(SAMPLES / "Consultation_Note.ccda")[0]


def test_header_names_document_patient_author_and_custodian(consultation: Document) -> None:
    assert consultation.title == "Community Health Consult Note"
    assert span_texts(consultation, section="header") == [
        "Document: Community Health Consult Note; type Consultation Note [LOINC 11488-4]; "
        "effective 201308010500-0800",
        "Patient: Eve Betterhalf; gender Female; born 19750501",
        "Author: Patricia Patty Primary M.D.; time 20130731",
        "Custodian: Good Health HIE",
    ]


def test_sections_appear_with_their_titles(consultation: Document) -> None:
    titles = [
        consultation.text[span.start : span.end]
        for span in consultation.spans
        if span.resource_type == "section" and consultation.text[span.start : span.end] == span.section
    ]
    assert titles[:3] == ["ALLERGIES AND ADVERSE REACTIONS", "ASSESSMENT", "HISTORY OF PRESENT ILLNESS"]
    assert {"RESULTS", "VITAL SIGNS", "PROBLEMS", "MEDICATIONS"} <= set(titles)
    results = next(span for span in consultation.spans if span.section == "RESULTS")
    assert results.resource_id == "2.16.840.1.113883.10.20.22.2.3.1"


def test_narrative_tables_and_lists(consultation: Document) -> None:
    allergies = span_texts(consultation, section="ALLERGIES AND ADVERSE REACTIONS", resource_type="section")
    assert allergies[1:4] == ["Substance | Reaction", "Penicillin | Nausea", "Codeine | Wheezing"]
    hemoglobin_row = (
        "Hemoglobin | 13.2 g/dL | Normal range for women is 12.0 to 15.5 grams per deciliter | Normal | "
        "July 31, 2013"
    )
    assert hemoglobin_row in span_texts(consultation, section="RESULTS")
    problems = span_texts(consultation, section="PROBLEMS", resource_type="section")
    assert (
        "- Problem #2\n"
        "  - Mixed Asthma (onset Apr 14, 2007) [authored Apr 14, 2007]\n"
        "  - Acute Asthma (onset Apr 17, 2007) [authored Apr 17, 2007]"
    ) in problems


def test_coded_entries_become_facts_with_system_names(consultation: Document) -> None:
    penicillin = fact_for(consultation, "7980", "allergy")
    assert (penicillin.display, penicillin.system, penicillin.date) == ("Penicillin", "RxNorm", "1998-05-01")
    nausea = fact_for(consultation, "422587007", "reaction")
    assert nausea.system == "SNOMED"
    pneumonia = fact_for(consultation, "233604007", "condition")
    assert (pneumonia.display, pneumonia.system, pneumonia.date) == (
        "Pneumonia",
        "SNOMED",
        "1998-03-10/1998-03-16",
    )
    atenolol = fact_for(consultation, "197380", "medication")
    assert (atenolol.display, atenolol.system) == ("Atenolol 25 MG Oral Tablet", "RxNorm")
    assert "route ORAL; every 12 h" in consultation.text[atenolol.start : atenolol.end]
    hemoglobin = fact_for(consultation, "718-7", "observation")
    assert (hemoglobin.system, hemoglobin.value, hemoglobin.unit) == ("LOINC", "13.2", "g/dL")
    assert (hemoglobin.reference_range, hemoglobin.interpretation) == ("12.0-15.5 g/dL", "N")
    assert (hemoglobin.status, hemoglobin.date) == ("completed", "2013-03-11T08:30-08:00")
    assert (hemoglobin.resource_type, hemoglobin.resource_id) == (
        "observation",
        "107c2dc0-67a5-11db-bd13-0800200c9a66",
    )


def test_immunizations_and_procedures_are_recognised() -> None:
    documents = parse(SAMPLES / "C-CDA_R2-1_CCD.xml.ccda")
    kinds = {fact.kind for fact in documents[0].facts}
    assert {"condition", "medication", "allergy", "observation", "procedure", "immunization"} <= kinds
    systems = {fact.system for fact in documents[0].facts if fact.kind == "immunization"}
    assert "CVX" in systems


def test_embedded_pdf_reaches_the_embedded_parser() -> None:
    embedded = EmbeddedStub()
    documents = parse(SAMPLES / "CDA_with_Embedded_PDF.ccda", embedded)
    assert len(embedded.calls) == 1
    data, source = embedded.calls[0]
    assert data.startswith(b"%PDF")
    assert (source.upload_id, source.entry) == ("upload-1", "nonXMLBody")
    assert "Attached document (application/pdf)" in documents[0].text
    assert documents[0].metadata["body"] == "non-XML"


def test_unstructured_document_with_embedded_pdf() -> None:
    embedded = EmbeddedStub()
    parse(SAMPLES / "Unstructured_Document_embed.ccda", embedded)
    assert [data[:5] for data, _ in embedded.calls] == [b"%PDF-"]


def test_reference_only_body_is_noted() -> None:
    embedded = EmbeddedStub()
    document = parse(SAMPLES / "Unstructured_Document_reference.ccda", embedded)[0]
    assert embedded.calls == []
    assert document.metadata["body_reference"] == {"media_type": "text/plain", "reference": "UD_sample.pdf"}


def cda(body: str, *, prolog: str = "", title: str = "Test note") -> str:
    return f"""<?xml version="1.0"?>{prolog}
<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <code code="11488-4" codeSystem="2.16.840.1.113883.6.1" displayName="Consultation Note"/>
  <title>{title}</title>
  <effectiveTime value="20240105"/>
  <recordTarget><patientRole><patient>
    <name><given>Jane</given><family>Doe</family></name>
    <administrativeGenderCode code="F" codeSystem="2.16.840.1.113883.5.1"/>
    <birthTime value="19800101"/>
  </patient></patientRole></recordTarget>
  <component>{body}</component>
</ClinicalDocument>"""


def non_xml_body(content: str, media_type: str = "application/pdf") -> str:
    return f'<nonXMLBody><text mediaType="{media_type}" representation="B64">{content}</text></nonXMLBody>'


def test_broken_base64_body_is_recorded(tmp_path: Path) -> None:
    embedded = EmbeddedStub()
    document = parse_xml(tmp_path, cda(non_xml_body("JVBERi0x!!not*base64")), embedded)[0]
    assert embedded.calls == []
    assert document.metadata["attachment_errors"] == [
        {"element": "nonXMLBody", "reason": "the base64 content is damaged"}
    ]
    assert "Patient: Jane Doe; gender F; born 19800101" in document.text


def test_base64_text_body_becomes_an_embedded_document(tmp_path: Path) -> None:
    content = "RGlzY2hhcmdlIHN1bW1hcnk6IHN0YWJsZS4="  # "Discharge summary: stable."
    documents = parse_xml(tmp_path, cda(non_xml_body(content, "text/plain")))
    assert [document.text for document in documents[1:]] == ["Discharge summary: stable."]


NESTED_SECTIONS = """<structuredBody><component><section>
  <code code="29545-1" codeSystem="2.16.840.1.113883.6.1" displayName="Physical findings"/>
  <title>PHYSICAL EXAM</title>
  <text><paragraph>General: well appearing.<br/>No distress.</paragraph></text>
  <component><section>
    <code code="8716-3" codeSystem="2.16.840.1.113883.6.1"/>
    <title>VITAL SIGNS</title>
    <text><list><item>BP 150/95</item><item>Pulse <content>88</content></item></list></text>
    <entry><observation classCode="OBS" moodCode="EVN">
      <id root="vital-1"/>
      <code nullFlavor="UNK"><originalText>Systolic pressure</originalText></code>
      <statusCode code="completed"/>
      <effectiveTime value="202401050930"/>
      <value xsi:type="PQ" value="150" unit="mm[Hg]"/>
      <interpretationCode code="H" codeSystem="2.16.840.1.113883.5.83"/>
      <referenceRange><observationRange><value xsi:type="IVL_PQ">
        <low value="90" unit="mm[Hg]"/><high value="120" unit="mm[Hg]"/>
      </value></observationRange></referenceRange>
    </observation></entry>
    <entry><observation classCode="OBS" moodCode="EVN">
      <code nullFlavor="NI"/>
      <value xsi:type="PQ" nullFlavor="NI"/>
    </observation></entry>
  </section></component>
</section></component></structuredBody>"""


def test_nested_sections_and_null_flavor_codes(tmp_path: Path) -> None:
    document = parse_xml(tmp_path, cda(NESTED_SECTIONS))[0]
    assert span_texts(document, section="PHYSICAL EXAM") == [
        "PHYSICAL EXAM",
        "General: well appearing.\nNo distress.",
    ]
    assert span_texts(document, section="VITAL SIGNS", resource_type="section") == [
        "VITAL SIGNS",
        "- BP 150/95",
        "- Pulse 88",
    ]
    (systolic,) = document.facts
    assert (systolic.kind, systolic.code, systolic.display) == ("observation", None, "Systolic pressure")
    assert (systolic.value, systolic.unit, systolic.reference_range) == ("150", "mm[Hg]", "90-120 mm[Hg]")
    assert (systolic.interpretation, systolic.date, systolic.resource_id) == (
        "H",
        "2024-01-05T09:30",
        "vital-1",
    )
    assert document.text[systolic.start : systolic.end] == (
        "Observation: Systolic pressure: 150 mm[Hg]; reference range 90-120 mm[Hg]; "
        "interpretation high (H); status completed; date 202401050930"
    )
    assert_provenance(document)


def test_narrative_conversion() -> None:
    narrative = etree.fromstring(
        """<text xmlns="urn:hl7-org:v3">Intro <content styleCode="Bold">text</content>
          <paragraph><caption>Plan</caption>Walk   daily.<br/>
            Recheck in <linkHtml href="#x">2 weeks</linkHtml>.</paragraph>
          <list listType="ordered">
            <item>First</item><item/><item>120</item><item>Second<list><item>detail</item></list></item>
          </list>
          <table><caption>Labs</caption>
            <thead><tr><th>Test</th><th>Value</th><th>Note</th></tr></thead>
            <tbody><tr><td>Na</td><td>140<br/>mmol/L</td><td/></tr><tr><td/><td/><td/></tr></tbody>
          </table>
          Outro<footnoteRef IDREF="f1"/>
        </text>"""
    )
    assert narrative_blocks(narrative) == [
        "Intro text",
        "Plan",
        "Walk daily.\nRecheck in 2 weeks.",
        "1. First",
        "2. 120",
        "3. Second\n  - detail",
        "Labs",
        "Test | Value | Note",
        "Na | 140; mmol/L |",
        "Outro",
    ]


def test_external_entities_are_never_resolved(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(SECRET)
    prolog = f'<!DOCTYPE ClinicalDocument [<!ENTITY xxe SYSTEM "file://{secret_file}">]>'
    body = (
        "<structuredBody><component><section><title>Notes &xxe;</title>"
        "<text><paragraph>Seen today. &xxe;</paragraph></text></section></component></structuredBody>"
    )
    documents = parse_xml(tmp_path, cda(body, prolog=prolog, title="Note &xxe;"))
    document = documents[0]
    assert SECRET not in document.text
    assert SECRET not in document.title
    assert "Seen today." in document.text
    assert SECRET not in repr(document.model_dump())


def test_entity_expansion_bomb_is_refused(tmp_path: Path) -> None:
    laughs = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    prolog = f'<!DOCTYPE ClinicalDocument [<!ENTITY lol0 "lol">{laughs}]>'
    # libxml2 stops at its entity amplification limit even though nothing is substituted.
    with pytest.raises(RecordRejected) as caught:
        parse_xml(tmp_path, cda("<structuredBody/>", prolog=prolog, title="&lol9;"))
    assert caught.value.kind is RejectionKind.CORRUPT


def test_internal_entities_are_not_substituted(tmp_path: Path) -> None:
    prolog = '<!DOCTYPE ClinicalDocument [<!ENTITY diagnosis "INJECTED-TEXT">]>'
    body = "<structuredBody><component><section><title>Plan</title><text>Rest &diagnosis;</text></section>"
    document = parse_xml(tmp_path, cda(body + "</component></structuredBody>", prolog=prolog))[0]
    assert "INJECTED-TEXT" not in document.text
    assert span_texts(document, section="Plan") == ["Plan", "Rest"]


def test_non_cda_root_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "order.xml"
    path.write_text('<?xml version="1.0"?><PurchaseOrder><patient>Jane Doe</patient></PurchaseOrder>')
    with pytest.raises(RecordRejected) as caught:
        parse(path)
    assert caught.value.kind is RejectionKind.UNSUPPORTED
    assert caught.value.reason == "XML whose root is not a ClinicalDocument"
    assert "Jane" not in str(caught.value)


def test_malformed_xml_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "broken.ccda"
    path.write_text('<ClinicalDocument xmlns="urn:hl7-org:v3"><title>Jane Doe</title>')
    with pytest.raises(RecordRejected) as caught:
        parse(path)
    assert caught.value.kind is RejectionKind.CORRUPT
    assert "Jane" not in str(caught.value)


def test_observation_media_reaches_the_embedded_parser(tmp_path: Path) -> None:
    body = """<structuredBody><component><section><title>Images</title>
      <entry><observationMedia ID="MM1" classCode="OBS" moodCode="EVN">
        <value mediaType="text/plain" representation="B64">V291bmQgcGhvdG8gbm90ZS4=</value>
      </observationMedia></entry>
    </section></component></structuredBody>"""
    embedded = EmbeddedStub()
    documents = parse_xml(tmp_path, cda(body), embedded)
    assert [source.entry for _, source in embedded.calls] == ["observationMedia1"]
    assert documents[1].text == "Wound photo note."
    assert "Attached media (text/plain)" in span_texts(documents[0], section="Images")
