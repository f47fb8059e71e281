"""The offline engine's drafter, registered for the task ``draft_opinion``.

It fills each section of the template from what the section's ``from`` names: excerpts of the summary's
items and the records' headings (restated and quoted), the discrepancy flags (their reason, quoting both
sides), and an assessment of the submitted diagnosis that follows from the flags. What it cannot know (the
answer to the patient's question, treatment advice) it leaves as a placeholder for the specialist.
"""

from __future__ import annotations

from typing import Any

from drafting.schemas import PLACEHOLDER_PREFIX, DraftOutput, DraftSectionOutput, DraftSentence
from llm.local import register_local_task
from summarizer.schemas import Quote

TASK = "draft_opinion"
MAX_SENTENCES = 8  # per section: a draft the specialist can read in a minute
_REFUTING = ("contradicted_by_findings", "unsupported_by_records")
_REFINING = ("stage_grade_mismatch",)


def draft_opinion(payload: dict[str, Any]) -> dict[str, Any]:
    """Sections of the template named in the hints, from the texts and the flags."""
    texts: dict[str, str] = payload.get("texts", {})
    hints: dict[str, Any] = payload.get("hints", {})
    flags: list[dict[str, Any]] = hints.get("flags", [])
    drafter = _Drafter(texts, hints.get("items", []), hints.get("documents", []), flags)
    sections = [
        DraftSectionOutput(id=section["id"], sentences=drafter.section(section["sources"])[:MAX_SENTENCES])
        for section in hints.get("sections", [])
    ]
    return DraftOutput(assessment=_assessment(flags), sections=sections).model_dump(mode="json")


def _assessment(flags: list[dict[str, Any]]) -> str:
    if any(flag["type"] in _REFUTING and flag["severity"] == "high" for flag in flags):
        return "change"
    if any(flag["type"] in _REFUTING + _REFINING for flag in flags):
        return "refine"
    return "confirm"


class _Drafter:
    def __init__(
        self,
        texts: dict[str, str],
        items: list[dict[str, str]],
        documents: list[str],
        flags: list[dict[str, Any]],
    ) -> None:
        self.texts = texts
        self.items = items
        self.documents = documents
        self.flags = flags
        self.told: set[str] = set()

    def section(self, sources: list[str]) -> list[DraftSentence]:
        sentences = [sentence for source in sources for sentence in self._from(source)]
        return sentences or [self._placeholder("no material in the records for this section")]

    def _from(self, source: str) -> list[DraftSentence]:
        if source == "diagnosis":
            return self._restated("diagnosis", "The submitted diagnosis is: {}.")
        if source == "question":
            return self._restated("question", "The question asked is: {}")
        if source == "answer":
            return [self._placeholder("answer the question in plain language")]
        if source == "assessment":
            return self._assessment_sentences()
        if source == "flags":
            return [self._flag_sentence(flag) for flag in self.flags] or self._no_flags()
        if source == "workup":
            return [*self._workup(), self._placeholder("treatment considerations and referrals")]
        if source == "limitations":  # the template's standard statements come first, added by the service
            return [self._placeholder("records that were missing or unreadable")]
        if source == "documents":
            return [self._quoted(key) for key in self.documents]
        sentences = []
        for item in self.items:
            told = " ".join(self.texts[item["statement"]].lower().split())
            if item["kind"] != source or told in self.told:
                continue
            self.told.add(told)  # a fact is told once, in the first section that asks for it
            sentences.append(self._item(item))
        return sentences

    def _restated(self, key: str, pattern: str) -> list[DraftSentence]:
        text = self.texts.get(key, "").strip()
        if not text:
            return []
        return [
            DraftSentence(text=pattern.format(text.rstrip(".")), quotes=[Quote(text_key=key, quote=text)])
        ]

    def _item(self, item: dict[str, str]) -> DraftSentence:
        """A summary item in its own words, quoting the passage it was read from."""
        sentence = _as_sentence(self.texts[item["statement"]].strip())
        return DraftSentence(
            text=sentence, quotes=[Quote(text_key=item["excerpt"], quote=self.texts[item["excerpt"]])]
        )

    def _quoted(self, key: str) -> DraftSentence:
        text = self.texts[key].strip()
        sentence = _as_sentence(text)
        return DraftSentence(text=sentence, quotes=[Quote(text_key=key, quote=text)])

    def _flag_sentence(self, flag: dict[str, Any]) -> DraftSentence:
        keys = [flag["claim"], *flag["evidence"]]
        quotes = [Quote(text_key=key, quote=self.texts[key].strip()) for key in keys if self.texts.get(key)]
        return DraftSentence(text=self.texts[flag["why"]].strip(), quotes=quotes)

    def _no_flags(self) -> list[DraftSentence]:
        statement = "No discrepancy was found between the submitted diagnosis and the records."
        return [DraftSentence(text=statement, quotes=self._diagnosis_quote())]

    def _assessment_sentences(self) -> list[DraftSentence]:
        view = _assessment(self.flags)
        if view == "confirm":
            text = "The records are consistent with the submitted diagnosis."
            return [DraftSentence(text=text, quotes=self._diagnosis_quote())]
        lead = (
            "The records do not support the submitted diagnosis as stated."
            if view == "change"
            else "The submitted diagnosis needs refining."
        )
        reasons = [self._flag_sentence(flag) for flag in self.flags if flag["type"] in _REFUTING + _REFINING]
        return [DraftSentence(text=lead, quotes=self._diagnosis_quote()), *reasons]

    def _workup(self) -> list[DraftSentence]:
        sentences = []
        for flag in self.flags:
            if flag["type"] == "missing_workup" and flag.get("missing"):
                missing = self.texts[flag["missing"]].strip().rstrip(".")
                claim = Quote(text_key=flag["claim"], quote=self.texts[flag["claim"]].strip())
                sentences.append(
                    DraftSentence(text=f"Consider completing the work-up: {missing}.", quotes=[claim])
                )
            elif flag["type"] == "medication_inconsistent":
                claim = Quote(text_key=flag["claim"], quote=self.texts[flag["claim"]].strip())
                sentences.append(
                    DraftSentence(text="Review this medicine in the light of the records.", quotes=[claim])
                )
        return sentences

    def _diagnosis_quote(self) -> list[Quote]:
        text = self.texts.get("diagnosis", "").strip()
        return [Quote(text_key="diagnosis", quote=text)] if text else []

    @staticmethod
    def _placeholder(what: str) -> DraftSentence:
        return DraftSentence(text=f"{PLACEHOLDER_PREFIX}: {what}.]")


def _as_sentence(text: str) -> str:
    """``text`` ending in a full stop (a heading's colon becomes one)."""
    text = text.rstrip(":;, ")
    return text if text.endswith((".", "?", "!")) else f"{text}."


register_local_task(TASK, draft_opinion)
