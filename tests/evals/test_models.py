"""The model an eval run measures: the offline engine, or the scripted stand-in through litellm."""

from __future__ import annotations

from discrepancy.service import DIAGNOSIS_SOURCE, CheckedText, check_discrepancies
from evals.models import gateway_for
from llm.config import GatewayConfig
from records.deid import Deidentifier, certify
from records.vault import PhiVault

NOTE = "Current medications:\nAmoxicillin 500 mg three times daily\nAllergies: penicillin (anaphylaxis)."


def check(model: str | None, deidentifier: Deidentifier) -> tuple[int, str]:
    vault = PhiVault.new()
    result = check_discrepancies(
        gateway_for(model, GatewayConfig()),
        CheckedText(DIAGNOSIS_SOURCE, certify("Pneumonia", vault, deidentifier)),
        [CheckedText("doc", certify(NOTE, vault, deidentifier))],
    )
    return len(result.report.flags), result.provenance.model


def test_the_offline_engine_and_the_scripted_stand_in_answer_differently(deidentifier: Deidentifier) -> None:
    assert check(None, deidentifier) == (1, "reconsult-local/discrepancy_check")
    assert check("scripted", deidentifier) == (0, "openai/scripted-discrepancy_check")
