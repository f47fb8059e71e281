"""The discrepancy check through the gateway: certified texts in, quotes resolved to spans of the original
texts, unsupported quotes dropped; and the note check of the MEDEC task."""

from __future__ import annotations

import json

from discrepancy.service import DIAGNOSIS_SOURCE, CheckedText, check_discrepancies, check_note
from llm.config import GatewayConfig, ModelRoute
from llm.gateway import Gateway
from records.deid import Deidentifier, certify
from records.vault import PhiVault
from tests.llm.scripted import ScriptedModels

DIAGNOSIS = "Benign fibroadenoma, right breast"
PATHOLOGY = (
    "Patient: Margaret Okonkwo\nSPECIMEN: Right breast, core biopsy.\n"
    "DIAGNOSIS: Right breast, core biopsy: invasive lobular carcinoma, grade 2."
)


def texts(deidentifier: Deidentifier) -> tuple[CheckedText, list[CheckedText]]:
    vault = PhiVault.new()
    diagnosis = CheckedText(DIAGNOSIS_SOURCE, certify(DIAGNOSIS, vault, deidentifier))
    return diagnosis, [CheckedText("doc-1", certify(PATHOLOGY, vault, deidentifier))]


class TestOfflineEngine:
    def test_flags_cite_spans_of_the_original_texts(self, deidentifier: Deidentifier) -> None:
        diagnosis, documents = texts(deidentifier)
        result = check_discrepancies(Gateway(), diagnosis, documents)
        (flag,) = result.report.flags
        assert flag.type == "contradicted_by_findings"
        assert DIAGNOSIS[flag.claim.start : flag.claim.end] == "fibroadenoma"
        (evidence,) = flag.evidence
        assert evidence.document_id == "doc-1"
        assert "invasive lobular carcinoma" in PATHOLOGY[evidence.start : evidence.end]
        assert result.provenance.prompt_id == "discrepancy_check"
        assert result.documents_read == 1


def hosted() -> Gateway:
    route = ModelRoute(model="scripted/discrepancy")
    return Gateway(GatewayConfig(routes={"discrepancy_check": route}, num_retries=0, max_reasks=0))


class TestHostedModel:
    def test_a_flag_quoting_what_the_text_does_not_say_is_dropped(
        self, scripted: ScriptedModels, deidentifier: Deidentifier
    ) -> None:
        invented = {
            "type": "stage_grade_mismatch",
            "severity": "medium",
            "why": "Grade differs.",
            "claim": {"text_key": "diagnosis", "quote": "Benign fibroadenoma"},
            "evidence": [{"text_key": "d1", "quote": "grade 3"}],
        }
        supported = invented | {"evidence": [{"text_key": "d1", "quote": "invasive lobular carcinoma"}]}
        supported["type"] = "contradicted_by_findings"
        scripted.script("discrepancy", json.dumps({"flags": [invented, supported]}))
        diagnosis, documents = texts(deidentifier)
        report = check_discrepancies(hosted(), diagnosis, documents).report
        assert (report.checked, report.dropped) == (2, 1)
        assert [flag.type for flag in report.flags] == ["contradicted_by_findings"]

    def test_the_model_sees_surrogates_not_the_patient(
        self, scripted: ScriptedModels, deidentifier: Deidentifier
    ) -> None:
        scripted.script("discrepancy", json.dumps({"flags": []}))
        diagnosis, documents = texts(deidentifier)
        check_discrepancies(hosted(), diagnosis, documents)
        sent = json.dumps(scripted.calls[0][1])
        assert "Okonkwo" not in sent
        assert "invasive lobular carcinoma" in sent


class TestNoteCheck:
    def test_a_medicine_against_a_documented_allergy_is_an_error_in_its_sentence(
        self, deidentifier: Deidentifier
    ) -> None:
        note = (
            "A 30-year-old woman has a sore throat. She is allergic to penicillin (anaphylaxis). "
            "She is treated with amoxicillin 500 mg three times daily."
        )
        output = check_note(Gateway(), certify(note, PhiVault.new(), deidentifier)).output
        assert output.has_error
        assert output.sentence is not None
        assert "amoxicillin" in output.sentence.quote

    def test_a_note_without_a_visible_conflict_is_passed(self, deidentifier: Deidentifier) -> None:
        note = (
            "A 30-year-old woman has a sore throat. Rapid strep test is positive. She is given penicillin V."
        )
        assert not check_note(Gateway(), certify(note, PhiVault.new(), deidentifier)).output.has_error
