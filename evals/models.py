"""Which model an eval run measures: the offline engine (the default), a hosted model by its litellm name,
or ``scripted``: a stand-in hosted model through litellm's own mock responses, answering every task with
an empty but valid output. The scripted run is how QA tries the comparison tools offline: against the
offline engine it shows what a model that finds nothing does to every metric."""

from __future__ import annotations

import json

from llm.config import GatewayConfig, ModelRoute
from llm.gateway import Gateway

SCRIPTED = "scripted"
# The tasks the gated suites send through the gateway, and the empty, valid answer of each.
_EMPTY_ANSWERS = {
    "summarize_document": {},
    "summarize_narrative": {"sentences": []},
    "discrepancy_check": {"flags": []},
    "note_error_check": {"has_error": False},
    "draft_opinion": {"assessment": "undetermined", "sections": []},
}


def gateway_for(model: str | None, default: GatewayConfig) -> Gateway:
    """The gateway of an eval run: ``default`` routes when no model is named."""
    if model is None:
        return Gateway(default)
    if model == SCRIPTED:
        routes = {
            task: ModelRoute(
                model=f"openai/{SCRIPTED}-{task}",
                litellm_params={"mock_response": json.dumps(answer), "api_key": "not-used"},
            )
            for task, answer in _EMPTY_ANSWERS.items()
        }
    else:
        routes = {task: ModelRoute(model=model) for task in _EMPTY_ANSWERS}
    return Gateway(
        GatewayConfig(routes=routes, num_retries=default.num_retries, max_reasks=default.max_reasks)
    )
