"""Drafting through the gateway: every kept fact cites a span of the original records; placeholders carry
no numbers; a hosted model's unsupported sentences are dropped; the model sees surrogates only."""

from __future__ import annotations

import json

from discrepancy.schemas import DiscrepancyReport
from discrepancy.service import DIAGNOSIS_SOURCE, QUESTION_SOURCE, CheckedText, check_discrepancies
from drafting.service import DraftSources, draft_opinion
from llm.config import GatewayConfig, ModelRoute
from llm.gateway import Gateway
from prompts.loader import read_input_block
from prompts.opinion_templates import template_for
from records.deid import Deidentifier, certify
from records.vault import PhiVault
from summarizer.schemas import CaseSummary, Citation, SummaryItem
from tests.llm.scripted import ScriptedModels

REPORT = (
    "Patient: Margaret Okonkwo\nSURGICAL PATHOLOGY REPORT\nSPECIMEN: Right breast, core biopsy.\n"
    "DIAGNOSIS: Right breast, core biopsy: invasive lobular carcinoma, grade 2.\n"
    "Plan: discuss at the breast multidisciplinary meeting."
)
DIAGNOSIS = "Fibroadenoma, right breast"
QUESTION = "Can the lump simply be watched?"


def sources(deidentifier: Deidentifier, gateway: Gateway | None = None) -> DraftSources:
    vault = PhiVault.new()
    document = CheckedText("doc-1", certify(REPORT, vault, deidentifier))
    diagnosis = CheckedText(DIAGNOSIS_SOURCE, certify(DIAGNOSIS, vault, deidentifier))
    question = CheckedText(QUESTION_SOURCE, certify(QUESTION, vault, deidentifier))
    start = REPORT.index("invasive lobular carcinoma")
    item = SummaryItem(
        text="invasive lobular carcinoma, grade 2",
        citations=[
            Citation(document_id="doc-1", start=start, end=start + len("invasive lobular carcinoma, grade 2"))
        ],
    )
    report = check_discrepancies(Gateway(), diagnosis, [document], question).report
    return DraftSources(
        CaseSummary(pathology=[item]),
        report,
        [document],
        diagnosis,
        question,
        lambda t: certify(t, vault, deidentifier),
    )


class TestOfflineDraft:
    def test_every_section_is_drafted_marked_and_every_fact_cited(self, deidentifier: Deidentifier) -> None:
        draft = draft_opinion(Gateway(), template_for("medical_oncology"), sources(deidentifier)).draft
        template = template_for("medical_oncology")
        assert [section.id for section in draft.sections] == [section.id for section in template.sections]
        assert {section.status for section in draft.sections} == {"ai_draft"}
        assert draft.assessment == "change"  # the histology contradicts the submitted fibroadenoma
        for sentence in (s for section in draft.sections for s in section.sentences):
            if sentence.kind == "fact":
                assert sentence.citations
            else:
                assert not any(character.isdigit() for character in sentence.text)
        pathology = draft.sections[[s.id for s in draft.sections].index("pathology_and_staging")]
        (cited,) = pathology.sentences[0].citations
        assert REPORT[cited.start : cited.end] == "invasive lobular carcinoma, grade 2"

    def test_the_records_plan_and_the_flag_reach_their_sections(self, deidentifier: Deidentifier) -> None:
        draft = draft_opinion(Gateway(), template_for("medical_oncology"), sources(deidentifier)).draft
        by_id = {section.id: section.text for section in draft.sections}
        assert "multidisciplinary meeting" in by_id["recommendations"]
        assert "excludes the submitted diagnosis" in by_id["discrepancies"]
        assert by_id["limitations"].startswith("This review is based on the records supplied")


def hosted() -> Gateway:
    return Gateway(
        GatewayConfig(routes={"draft_opinion": ModelRoute(model="scripted/drafter")}, max_reasks=0)
    )


class TestHostedModel:
    def test_uncited_facts_and_numbers_without_support_are_dropped(
        self, scripted: ScriptedModels, deidentifier: Deidentifier
    ) -> None:
        draft_sources = sources(deidentifier)
        reply = {
            "assessment": "change",
            "sections": [
                {
                    "id": "pathology_and_staging",
                    "sentences": [
                        {
                            "text": "The tumour is grade 3.",
                            "quotes": [{"text_key": "e4", "quote": "grade 2"}],
                        },
                        {"text": "The patient smokes.", "quotes": []},
                        {
                            "text": "The biopsy shows invasive lobular carcinoma.",
                            "quotes": [{"text_key": "e4", "quote": "invasive lobular carcinoma"}],
                        },
                    ],
                }
            ],
        }
        scripted.script("drafter", json.dumps(reply))
        draft = draft_opinion(hosted(), template_for("medical_oncology"), draft_sources).draft
        pathology = next(section for section in draft.sections if section.id == "pathology_and_staging")
        assert [sentence.text for sentence in pathology.sentences] == [
            "The biopsy shows invasive lobular carcinoma."
        ]
        assert (draft.checked, draft.dropped) == (3, 2)
        sent = json.dumps(scripted.calls[0][1])
        hints = read_input_block(scripted.calls[0][1][1]["content"])["hints"]
        assert {"kind": "pathology", "statement": "s1", "excerpt": "e4"} in hints[
            "items"
        ]  # what the reply quotes
        assert "Okonkwo" not in sent
        assert "invasive lobular carcinoma" in sent

    def test_a_section_the_model_skipped_gets_a_placeholder(
        self, scripted: ScriptedModels, deidentifier: Deidentifier
    ) -> None:
        scripted.script("drafter", json.dumps({"assessment": "undetermined", "sections": []}))
        draft = draft_opinion(hosted(), template_for("cardiology"), sources(deidentifier)).draft
        assert all(section.sentences for section in draft.sections)
        history = next(section for section in draft.sections if section.id == "clinical_history")
        assert history.sentences[0].kind == "placeholder"


def test_the_discrepancy_report_type_is_shared() -> None:
    assert DiscrepancyReport().flags == []
