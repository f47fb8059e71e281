"""The offline engine's discrepancy checks, registered for the tasks ``discrepancy_check`` and
``note_error_check``: the explicit rules of ``discrepancy.rules`` over the texts the gateway passes."""

from __future__ import annotations

from typing import Any

from discrepancy.evidence import segment_of
from discrepancy.rules import CaseTexts, check
from discrepancy.schemas import DIAGNOSIS_KEY, QUESTION_KEY, DiscrepancyOutput, NoteErrorOutput
from llm.local import register_local_task
from summarizer.schemas import Quote

TASK = "discrepancy_check"
NOTE_TASK = "note_error_check"
# The note check looks for what the rules can judge inside one note: a medicine that conflicts with an
# allergy, a condition or a result written in the same note.
NOTE_FLAG_TYPES = frozenset({"medication_inconsistent"})


def discrepancy_check(payload: dict[str, Any]) -> dict[str, Any]:
    """Flags for the submitted diagnosis (``texts.diagnosis``) against the documents (``d1``, ``d2``...)."""
    texts: dict[str, str] = payload.get("texts", {})
    documents = {key: text for key, text in texts.items() if key not in (DIAGNOSIS_KEY, QUESTION_KEY)}
    flags = check(CaseTexts(texts.get(DIAGNOSIS_KEY, ""), documents))
    return DiscrepancyOutput(flags=flags).model_dump(mode="json")


def note_error_check(payload: dict[str, Any]) -> dict[str, Any]:
    """Whether the note ``d1`` contains an error the rules can see, quoting its sentence."""
    note = payload.get("texts", {}).get("d1", "")
    flags = [flag for flag in check(CaseTexts("", {"d1": note})) if flag.type in NOTE_FLAG_TYPES]
    if not flags:
        return NoteErrorOutput(has_error=False).model_dump(mode="json")
    claim = flags[0].claim
    start = note.find(claim.quote)
    sentence_start, sentence_end = segment_of(note, start) if start >= 0 else (0, 0)
    sentence = note[sentence_start:sentence_end] or claim.quote
    return NoteErrorOutput(
        has_error=True,
        sentence=Quote(text_key="d1", quote=sentence),
        error_type="pharmacotherapy",
        why=flags[0].why,
    ).model_dump(mode="json")


register_local_task(TASK, discrepancy_check)
register_local_task(NOTE_TASK, note_error_check)
