"""Triage through the gateway: the same call for the offline engine and a hosted model."""

from __future__ import annotations

from collections.abc import Mapping

from llm.gateway import Gateway, ModelResult
from prompts import load_template
from records.deid import CertifiedText
from triage import local  # registers the offline engine's handler
from triage.schemas import TriageOutput


def triage(
    gateway: Gateway,
    texts: Mapping[str, CertifiedText],
    requested_specialty: str | None = None,
    case_ref: str | None = None,
) -> ModelResult[TriageOutput]:
    """Urgency and the top three subspecialties of a case's de-identified text."""
    hints = {"requested_specialty": requested_specialty} if requested_specialty else {}
    return gateway.structured(
        local.TASK, load_template(local.TASK), TriageOutput, texts=texts, hints=hints, case_ref=case_ref
    )
