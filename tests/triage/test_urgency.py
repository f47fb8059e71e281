"""Red-flag rules, the urgency decision, and triage through the gateway."""

from __future__ import annotations

import numpy as np
import pytest

from llm.embeddings import default_embedder
from llm.gateway import Gateway
from records.deid import Deidentifier, certify
from records.vault import PhiVault
from triage.service import triage
from triage.subspecialty import note_vectors
from triage.urgency import UrgencyModel, red_flags, rule_level, rules, suggest_urgency


def fired(text: str) -> set[str]:
    return {reason.rule for reason in red_flags(text)}


class TestRedFlags:
    @pytest.mark.parametrize(
        ("text", "rule"),
        [
            ("Since 40 minutes ago he has slurred speech and a facial droop.", "stroke"),
            (
                "New leg weakness over two days, now urinary retention, known lung cancer with spinal "
                "metastases.",
                "cord_compression",
            ),
            ("She says she is suicidal and has been stockpiling her tablets.", "suicide"),
            ("At 33 weeks. Today BP 168/112 with flashing lights in her vision.", "pregnancy_emergency"),
            ("Fever of 39 on day 10 after chemotherapy.", "neutropenic_fever"),
            ("He felt a sudden tearing pain between the shoulder blades.", "aortic_dissection"),
        ],
    )
    def test_a_current_finding_fires_its_rule(self, text: str, rule: str) -> None:
        assert rule in fired(text)

    @pytest.mark.parametrize(
        "text",
        [
            "She denies slurred speech or facial droop.",
            "History of stroke 10 years ago with slurred speech, fully recovered.",
            "Mother had a facial droop in her seventies.",
            "Systemic lupus erythematosus with a stable creatinine.",  # not STEMI
        ],
    )
    def test_negated_past_and_look_alike_findings_do_not_fire(self, text: str) -> None:
        assert rule_level(red_flags(text)) != "emergent"

    @pytest.mark.parametrize(
        ("text", "rule"),
        [
            ("Forty minutes ago his smile went lopsided and his words come out jumbled.", "stroke"),
            ("My mother is 80 and this morning her face has gone lopsided.", "stroke"),
            ("Since yesterday I couldn't feel the toilet paper when I wiped.", "cord_compression"),
            ("On the phone she can only say 2-3 words between breaths.", "severe_asthma"),
            ("Blue inhaler taken every 15-20 min, 'not touching it'.", "severe_asthma"),
            ("He hasn't been able to pass any urine for 14 hours, tummy bulging.", "urinary_retention"),
            ("His meter reads 1.9 mmol/L and he is talking nonsense.", "hypoglycaemia"),
            ("On apixaban. This morning she banged the back of her head.", "head_injury_anticoag"),
            ("Yellow face and eyes tonight; she was born yesterday morning.", "pediatric_emergency"),
            ("Coughed up about a mugful of bright red blood.", "massive_haemoptysis"),
            ("FVC 1.1 L (her usual 3.2 L), saliva pooling.", "myasthenic_crisis"),
            ("He says the voices tell him he must punish the neighbour.", "psychosis_risk"),
            ("Known Addison's; vomited all her tablets, now nearly passed out.", "adrenal_crisis"),
            ("Results phoned through: sodium 112 mmol/L (136 two months ago).", "hyperkalemia"),
            ("Our baby is 19 days old and today she measured 38.3.", "pediatric_emergency"),
        ],
    )
    def test_indirect_lay_and_terse_descriptions_fire(self, text: str, rule: str) -> None:
        assert rule in fired(text)

    @pytest.mark.parametrize(
        "text",
        [
            "68M. Denies CP, SOB, palpitations, syncope or claudication.",
            "Knows to return if she has pain or fainting.",
            "He took an overdose at 17 after a breakup and has been well since.",
            "She had a sudden shower of floaters 6 weeks ago, examined twice, no tear.",
            "Seen in ED yesterday with left facial weakness incl. forehead; Bell's palsy.",
            "His older sister had anaphylaxis to cashew.",
            "Opinion requested on ureteroscopy versus shock-wave lithotripsy.",
            "In the past month three painful erections that lasted 1-2 h settled on their own.",
            "Temporal headaches with an ESR of 86. Her vision is normal, and she reports no visual blurring, "
            "double vision or jaw pain.",
            "Bright red blood on the paper for 2 years. Hb 148 g/L, no weight loss, no dizziness.",
            "Q: Any sudden weakness, facial droop or slurred speech?",
            "SpO2 89% on 2 L (his usual 88-90%), calves soft.",
            "Discharge summary (excerpt, 8 years ago): emergency repair of acute type A aortic dissection.",
            "Three weeks ago she had a fever fit, shaking all over for two minutes.",
        ],
    )
    def test_negated_hypothetical_past_and_assessed_findings_do_not_fire(self, text: str) -> None:
        assert rule_level(red_flags(text)) != "emergent"

    def test_every_rule_is_reviewable(self) -> None:
        for rule in rules():
            assert rule.level in {"emergent", "urgent"}
            assert rule.name
            assert rule.patterns

    def test_reasons_quote_the_sentence_they_rest_on(self) -> None:
        text = "Referred for hip pain. Since this morning she has slurred speech. She is otherwise well."
        (reason,) = red_flags(text)
        assert text[reason.start : reason.end] == "Since this morning she has slurred speech"


class TestDecision:
    def vector(self, text: str) -> np.ndarray:
        return np.asarray(note_vectors([text], default_embedder())[0], dtype=np.float32)

    def test_a_rule_is_never_overruled_downwards(self) -> None:
        text = "Routine follow-up request. Sudden facial droop and slurred speech began an hour ago."
        always_routine = UrgencyModel(
            np.zeros((3, 384), dtype=np.float32), np.array([0, 0, 9.0], dtype=np.float32)
        )
        suggestion = suggest_urgency(text, self.vector(text), always_routine)
        assert suggestion.level == "emergent"
        assert suggestion.reasons

    def test_an_unsure_model_does_not_default_to_routine(self) -> None:
        text = "A question about a long-standing skin rash."
        undecided = UrgencyModel(np.zeros((3, 384), dtype=np.float32), np.zeros(3, dtype=np.float32))
        suggestion = suggest_urgency(text, self.vector(text), undecided)
        assert suggestion.needs_review
        assert suggestion.level == "urgent"

    def test_the_model_alone_calls_an_emergency_only_when_sure(self) -> None:
        text = "A question about a long-standing skin rash."
        leaning = UrgencyModel(
            np.zeros((3, 384), dtype=np.float32), np.array([0.5, 0.2, 0.1], dtype=np.float32)
        )
        suggestion = suggest_urgency(text, self.vector(text), leaning)
        assert suggestion.level == "urgent"
        assert suggestion.needs_review


class TestThroughTheGateway:
    def test_triage_returns_cited_reasons_and_three_subspecialties(self, deidentifier: Deidentifier) -> None:
        text = (
            "Referral for Mr. Tobias Lindqvist, 67. Sudden right arm weakness and slurred speech since "
            "40 minutes ago. Atrial fibrillation, no anticoagulation."
        )
        certified = certify(text, PhiVault.new(), deidentifier)
        result = triage(Gateway(), {"d1": certified}, requested_specialty="neurology")
        output = result.output
        assert output.urgency.level == "emergent"
        quote = output.urgency.reasons[0].quotes[0]
        assert quote.quote in certified.text
        assert "Lindqvist" not in quote.quote
        assert len(output.subspecialties) == 3
        assert sum(s.probability for s in output.subspecialties) <= 1.0
        assert result.provenance.model == "reconsult-local/triage_case"
