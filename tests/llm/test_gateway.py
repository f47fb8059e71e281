"""The gateway over litellm: structured output, re-asks, fallbacks, the gate, the ledger, no text in logs."""

from __future__ import annotations

import json
import logging

import pytest
from pydantic import BaseModel

from llm.config import GatewayConfig, ModelRoute
from llm.gate import IdentifiedTextRefused
from llm.gateway import Gateway, ModelCallFailed, ModelOutputInvalid
from llm.local import register_local_task
from prompts import PromptTemplate, load_template
from records.deid import CertifiedText, Deidentifier, certify
from records.vault import PhiVault
from tests.llm.scripted import TIMEOUT, ScriptedModels

NOTE = "Patient Margaret Okonkwo seen 03/14/2023 for chest pain. Troponin 0.02 ng/mL."
TEMPLATE = PromptTemplate(id="echo_test", version=3, description="", system="Answer in JSON.", user="Go.")


class Answer(BaseModel):
    label: str
    score: float


@pytest.fixture(scope="module")
def certified(deidentifier: Deidentifier) -> CertifiedText:
    return certify(NOTE, PhiVault.new(), deidentifier)


def gateway(*fallbacks: str, allow_identified: bool = False, max_reasks: int = 2) -> Gateway:
    route = ModelRoute(
        model="scripted/primary", fallbacks=list(fallbacks), allow_identified_text=allow_identified
    )
    return Gateway(GatewayConfig(routes={"label": route}, num_retries=0, max_reasks=max_reasks))


VALID = json.dumps({"label": "cardiology", "score": 0.8})


class TestStructuredOutput:
    def test_valid_output_is_parsed_with_its_provenance(
        self, scripted: ScriptedModels, certified: CertifiedText
    ) -> None:
        scripted.script("primary", VALID)
        result = gateway().structured("label", TEMPLATE, Answer, texts={"d1": certified}, case_ref="case-1")
        assert result.output == Answer(label="cardiology", score=0.8)
        provenance = result.provenance
        assert (provenance.model, provenance.prompt_id, provenance.prompt_version) == (
            "scripted/primary",
            "echo_test",
            3,
        )
        assert (provenance.prompt_tokens, provenance.completion_tokens, provenance.attempts) == (100, 20, 1)
        assert len(provenance.input_sha256) == 64
        assert not provenance.identified_text_allowed

    def test_the_model_sees_only_the_certified_text(
        self, scripted: ScriptedModels, certified: CertifiedText
    ) -> None:
        scripted.script("primary", VALID)
        gateway().structured("label", TEMPLATE, Answer, texts={"d1": certified})
        sent = json.dumps(scripted.calls[0][1])
        assert "Okonkwo" not in sent
        assert json.dumps(certified.text)[1:-1] in sent

    def test_invalid_json_is_re_asked_and_recovers(
        self, scripted: ScriptedModels, certified: CertifiedText
    ) -> None:
        scripted.script("primary", "{not json", '{"label": "cardiology"}', "```json\n" + VALID + "\n```")
        result = gateway().structured("label", TEMPLATE, Answer, texts={"d1": certified})
        assert result.output.score == 0.8
        assert result.provenance.attempts == 3
        assert result.provenance.prompt_tokens == 300
        reask = scripted.calls[2][1][-1]
        assert reask["role"] == "user"
        assert "score" in reask["content"]  # names the missing field

    def test_it_gives_up_after_the_allowed_re_asks(
        self, scripted: ScriptedModels, certified: CertifiedText
    ) -> None:
        scripted.script("primary", "nope", "still nope")
        ledger_gateway = gateway(max_reasks=1)
        with pytest.raises(ModelOutputInvalid, match="2 attempts"):
            ledger_gateway.structured("label", TEMPLATE, Answer, texts={"d1": certified}, case_ref="c")
        assert [entry.outcome for entry in ledger_gateway.ledger.entries("c")] == ["invalid_output"]


class TestFailures:
    def test_a_timeout_falls_back_to_the_next_model(
        self, scripted: ScriptedModels, certified: CertifiedText
    ) -> None:
        scripted.script("primary", TIMEOUT)
        scripted.script("backup", VALID)
        result = gateway("scripted/backup").structured("label", TEMPLATE, Answer, texts={"d1": certified})
        assert result.output.label == "cardiology"
        assert result.provenance.model == "scripted/backup"
        assert [model for model, _ in scripted.calls] == ["primary", "backup"]

    def test_when_every_model_fails_the_error_names_no_text(
        self, scripted: ScriptedModels, certified: CertifiedText
    ) -> None:
        scripted.script("primary", TIMEOUT)
        scripted.script("backup", TIMEOUT)
        with pytest.raises(ModelCallFailed, match="every model failed") as raised:
            gateway("scripted/backup").structured("label", TEMPLATE, Answer, texts={"d1": certified})
        assert certified.text not in str(raised.value)

    def test_a_task_the_offline_engine_does_not_know_fails_cleanly(self, certified: CertifiedText) -> None:
        with pytest.raises(ModelCallFailed):
            Gateway().structured("no_such_task", TEMPLATE, Answer, texts={"d1": certified})


class TestGate:
    def test_identified_text_is_refused_by_default(self, scripted: ScriptedModels) -> None:
        with pytest.raises(IdentifiedTextRefused, match="'d1'") as raised:
            gateway().structured("label", TEMPLATE, Answer, texts={"d1": NOTE})
        assert "Okonkwo" not in str(raised.value)
        assert scripted.calls == []

    def test_a_route_may_allow_identified_text_and_says_so(self, scripted: ScriptedModels) -> None:
        scripted.script("primary", VALID)
        result = gateway(allow_identified=True).structured("label", TEMPLATE, Answer, texts={"d1": NOTE})
        assert result.provenance.identified_text_allowed

    @pytest.mark.parametrize(
        "hints",
        [{"note": "Margaret Okonkwo"}, {"facts": [{"display": "Seen on 03/14/2023"}]}, {"blob": b"x"}],
    )
    def test_free_text_hints_are_refused(self, certified: CertifiedText, hints: dict[str, object]) -> None:
        with pytest.raises(IdentifiedTextRefused):
            gateway().structured("label", TEMPLATE, Answer, texts={"d1": certified}, hints=hints)

    def test_codes_flags_and_offsets_pass_as_hints(
        self, scripted: ScriptedModels, certified: CertifiedText
    ) -> None:
        scripted.script("primary", VALID)
        hints = {"facts": [{"kind": "observation", "code": "718-7", "flag": "H", "start": 3, "status": None}]}
        gateway().structured("label", TEMPLATE, Answer, texts={"d1": certified}, hints=hints)


class TestLedgerAndLogs:
    def test_the_ledger_sums_tokens_per_case(
        self, scripted: ScriptedModels, certified: CertifiedText
    ) -> None:
        scripted.script("primary", VALID, VALID, VALID)
        shared = gateway()
        for case in ("a", "a", "b"):
            shared.structured("label", TEMPLATE, Answer, texts={"d1": certified}, case_ref=case)
        totals = shared.ledger.totals_by_case()
        assert (totals["a"].calls, totals["a"].prompt_tokens, totals["b"].completion_tokens) == (2, 200, 20)

    def test_no_prompt_or_completion_text_is_logged(
        self, scripted: ScriptedModels, certified: CertifiedText, caplog: pytest.LogCaptureFixture
    ) -> None:
        scripted.script("primary", "{bad", json.dumps({"label": "UNIQUE-COMPLETION-MARK", "score": 1}))
        with caplog.at_level(logging.DEBUG):
            gateway().structured("label", TEMPLATE, Answer, texts={"d1": certified})
        assert certified.text[:30] not in caplog.text
        assert "UNIQUE-COMPLETION-MARK" not in caplog.text


class TestOfflineEngine:
    def test_the_default_route_goes_through_litellm_to_the_registered_handler(
        self, certified: CertifiedText
    ) -> None:
        register_local_task("echo_test", lambda payload: {"label": payload["texts"]["d1"][:8], "score": 1})
        result = Gateway().structured("echo_test", TEMPLATE, Answer, texts={"d1": certified})
        assert result.output.label == certified.text[:8]
        assert result.provenance.model == "reconsult-local/echo_test"
        assert result.provenance.prompt_tokens > 0

    def test_prompt_templates_are_versioned_files(self) -> None:
        template = load_template("summarize_document")
        assert (template.id, template.version) == ("summarize_document", 2)  # the newest by default
        assert load_template("summarize_document", 1).version == 1  # earlier versions stay readable
        rendered = template.render({"texts": {"d1": "x"}})
        assert rendered.messages[-1]["content"].endswith('<input>\n{"texts": {"d1": "x"}}\n</input>')
