"""The summarizer on the offline engine: extraction, citation check, merging, offsets, re-identification."""

from __future__ import annotations

from pathlib import Path

import pytest

from llm.gateway import Gateway, Provenance
from pipeline.summary_graph import run_in_memory
from reconsult.summarize_cli import summarize_paths
from records.deid import Deidentifier
from records.documents import Document, DocumentBuilder, SourceRef
from records.kinds import RecordKind
from records.vault import PhiVault
from summarizer.prepare import PreparedDocument, prepare_document, split_units
from summarizer.schemas import (
    CaseSummary,
    ConditionExtract,
    DocumentExtraction,
    LabExtract,
    MedicationExtract,
    Quote,
)
from summarizer.service import InMemorySummary, UnitExtraction, assemble, reidentified

NOTE = """CARDIOLOGY CONSULTATION
Date: 03/14/2023
Patient: Margaret Okonkwo   MRN: 4471-2290

CHIEF COMPLAINT:
Exertional chest pain

HISTORY OF PRESENT ILLNESS:
Mrs. Okonkwo is a 67 year-old woman with a history of hypertension, type 2 diabetes mellitus and
hyperlipidemia who presents with two months of exertional chest pressure.

MEDICATIONS:
Lisinopril 20 mg oral daily
Metformin 1000 mg BID
Atorvastatin 40 mg nightly

ALLERGIES:
Penicillin (hives)

LABS:
Hemoglobin A1c 8.1 % (4.0-5.6) H
LDL 142 mg/dL

ASSESSMENT:
1. Stable angina
2. Poorly controlled type 2 diabetes mellitus
"""


@pytest.fixture(scope="module")
def gateway() -> Gateway:
    return Gateway()


def note_document(text: str = NOTE, upload: str = "up1") -> Document:
    builder = DocumentBuilder(SourceRef(upload_id=upload, filename="note.txt"), RecordKind.TEXT, "note")
    builder.add(text)
    return builder.build()


def summarize(
    documents: list[PreparedDocument], gateway: Gateway, unit_chars: int = 12_000
) -> InMemorySummary:
    context = InMemorySummary(documents, gateway, unit_chars=unit_chars)
    run_in_memory(context)
    return context


@pytest.fixture(scope="module")
def result(deidentifier: Deidentifier, gateway: Gateway) -> tuple[InMemorySummary, PhiVault]:
    vault = PhiVault.new()
    return summarize([prepare_document(note_document(), vault, deidentifier)], gateway), vault


class TestExtraction:
    def test_every_section_is_filled_from_the_note(self, result: tuple[InMemorySummary, PhiVault]) -> None:
        summary = result[0].summary
        assert summary is not None
        names = {
            section: [item.fields.get("name") or item.text for item in getattr(summary, section)]
            for section in ("conditions", "medications", "allergies", "labs", "presenting_problem")
        }
        assert {"hypertension", "type 2 diabetes mellitus", "hyperlipidemia", "Stable angina"} <= set(
            names["conditions"]
        )
        assert names["medications"] == ["Lisinopril", "Metformin", "Atorvastatin"]
        assert names["presenting_problem"] == [
            "Exertional chest pain",
            "two months of exertional chest pressure",
        ]
        assert any("Penicillin" in allergy for allergy in names["allergies"])
        a1c = next(item for item in summary.labs if "A1c" in item.text)
        assert (a1c.fields["value"], a1c.fields["unit"], a1c.fields["abnormal"]) == ("8.1", "%", True)
        assert summary.patient.age_band == "60-69"
        assert summary.patient.sex == "female"

    def test_every_citation_is_a_span_of_the_original_text(
        self, result: tuple[InMemorySummary, PhiVault]
    ) -> None:
        context, vault = result
        summary = reidentified(context.summary, vault)  # type: ignore[arg-type]
        for section in ("conditions", "medications", "labs", "narrative"):
            for item in getattr(summary, section):
                cited = " ".join(NOTE[c.start : c.end] for c in item.citations)
                assert str(item.fields.get("name") or item.text).split()[0] in cited

    def test_the_model_saw_surrogates_and_the_specialist_sees_the_names(
        self, result: tuple[InMemorySummary, PhiVault]
    ) -> None:
        context, vault = result
        assert context.summary is not None
        history = " ".join(item.text for item in context.summary.history)
        assert "Okonkwo" not in history
        assert "Okonkwo" in " ".join(item.text for item in reidentified(context.summary, vault).history)

    def test_every_call_has_provenance(self, result: tuple[InMemorySummary, PhiVault]) -> None:
        tasks = [provenance.task for provenance in result[0].provenance]
        assert tasks == ["summarize_document", "summarize_narrative"]
        assert all(
            p.prompt_version == 2 and p.model.startswith("reconsult-local/") for p in result[0].provenance
        )


class TestVerification:
    """Items whose citation does not support them are dropped and counted."""

    def extraction(self, *items: ConditionExtract | MedicationExtract | LabExtract) -> DocumentExtraction:
        extraction = DocumentExtraction()
        for item in items:
            target: dict[type, str] = {
                ConditionExtract: "conditions",
                MedicationExtract: "medications",
                LabExtract: "labs",
            }
            getattr(extraction, target[type(item)]).append(item)
        return extraction

    def run(
        self, prepared: PreparedDocument, extraction: DocumentExtraction, gateway: Gateway
    ) -> CaseSummary:
        unit = UnitExtraction(
            document_id=prepared.document_id,
            offset=0,
            length=len(prepared.certified.text),
            extraction=extraction,
            provenance=Provenance(
                task="t",
                model="m",
                prompt_id="p",
                prompt_version=1,
                input_sha256="0",
                prompt_tokens=0,
                completion_tokens=0,
                cost_usd=0,
                latency_ms=0,
                attempts=1,
                identified_text_allowed=False,
            ),
        )
        return assemble([prepared], [unit], gateway)[0]

    def test_wrong_numbers_units_names_and_missing_quotes_are_dropped(
        self, deidentifier: Deidentifier, gateway: Gateway
    ) -> None:
        prepared = prepare_document(note_document(), PhiVault.new(), deidentifier)
        quote = [Quote(text_key="d1", quote="Lisinopril 20 mg oral daily")]
        summary = self.run(
            prepared,
            self.extraction(
                MedicationExtract(text="Lisinopril 20 mg", quotes=quote, name="Lisinopril", dose="20 mg"),
                MedicationExtract(text="Lisinopril 40 mg", quotes=quote, name="Lisinopril", dose="40 mg"),
                MedicationExtract(text="Lisinopril", quotes=quote, name="Losartan"),
                ConditionExtract(
                    text="angina", quotes=[Quote(text_key="d1", quote="unstable angina")], name="angina"
                ),
                LabExtract(
                    text="LDL 142",
                    quotes=[Quote(text_key="d1", quote="LDL 142 mg/dL")],
                    name="LDL",
                    value="142",
                    unit="mmol/L",
                ),
                ConditionExtract(text="HTN", quotes=[Quote(text_key="d1", quote="hypertension")], name="HTN"),
            ),
            gateway,
        )
        assert [item.text for item in summary.medications] == ["Lisinopril 20 mg"]
        assert [item.text for item in summary.conditions] == ["HTN"]  # a synonym of the quoted name
        assert summary.verification.checked == 6
        assert summary.verification.dropped == 4
        assert summary.verification.reasons == {
            "dose_mismatch": 1,
            "name_not_in_source": 1,
            "quote_not_found": 1,
            "unit_mismatch": 1,
        }


class TestLongRecords:
    def test_units_are_bounded_and_calls_grow_linearly(
        self, deidentifier: Deidentifier, gateway: Gateway
    ) -> None:
        vault = PhiVault.new()
        one = prepare_document(note_document(), vault, deidentifier)
        four = prepare_document(note_document("\n\n".join([NOTE] * 4), "up2"), vault, deidentifier)
        assert all(len(unit.certified.text) <= 1_000 for unit in split_units(four, 1_000))
        small = summarize([one], gateway, unit_chars=1_000)
        large = summarize([four], gateway, unit_chars=1_000)
        assert len(large.extractions) == pytest.approx(4 * len(small.extractions), abs=1)
        assert large.summary is not None
        assert small.summary is not None
        # Repeats merge: the same four medications, each citing several places.
        assert len(large.summary.medications) == len(small.summary.medications)
        assert max(len(item.citations) for item in large.summary.medications) >= 2


class TestCommandLine:
    def test_plain_text_citations_index_the_file(self, tmp_path: Path, gateway: Gateway) -> None:
        path = tmp_path / "note.txt"
        path.write_bytes(("\r\n" + NOTE).replace("\n", "\r\n").encode())
        output = summarize_paths([path, tmp_path / "missing.pdf"], gateway)
        with open(path, encoding="utf-8") as file:  # exactly what the issue promises users
            text = file.read()
        checked = 0
        for section in ("conditions", "medications", "labs", "allergies", "narrative", "history"):
            for item in output[section]:
                for citation in item["citations"]:
                    assert citation["offsets"] == "file"
                    cited = text[citation["start"] : citation["end"]]
                    assert str(item["fields"].get("name") or item["text"]).split()[0] in cited
                    checked += 1
        assert checked > 10
        assert output["errors"] == [{"path": str(tmp_path / "missing.pdf"), "reason": "no such file"}]
        assert "Okonkwo" in " ".join(item["text"] for item in output["history"])
