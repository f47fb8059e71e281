"""The one way to call a model: gate, render, call through litellm's Router, validate, re-ask, account.

Every call returns the parsed output with its :class:`Provenance` (model, prompt id and version, input hash,
tokens, cost, latency, whether identified text was allowed). Prompt and completion text are never logged:
litellm's message logging is off and errors name fields, not values.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from llm.config import LOCAL_PROVIDER, GatewayConfig, ModelRoute
from llm.gate import check_hints, model_texts
from llm.ledger import Ledger, LedgerEntry
from prompts import PromptTemplate
from records.deid import CertifiedText

OutputT = TypeVar("OutputT", bound=BaseModel)
logger = logging.getLogger(__name__)
_LITELLM_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "litellm")


class ModelOutputInvalid(RuntimeError):
    """The model's output still failed validation after every allowed re-ask."""


class ModelCallFailed(RuntimeError):
    """The model (and every fallback) failed: timeout, provider error, no handler."""


class Provenance(BaseModel):
    """Where an AI artifact came from."""

    task: str
    model: str
    prompt_id: str
    prompt_version: int
    input_sha256: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    latency_ms: float
    attempts: int
    identified_text_allowed: bool


class ModelResult(BaseModel, Generic[OutputT]):
    """A validated output and its provenance."""

    output: OutputT
    provenance: Provenance


class Gateway:
    """Routes tasks to models per :class:`GatewayConfig`; build once per process and share."""

    def __init__(self, config: GatewayConfig | None = None, ledger: Ledger | None = None) -> None:
        self.config = config or GatewayConfig()
        self.ledger = ledger or Ledger()
        self._router: Any = None
        self._router_tasks: set[str] = set()
        self._router_lock = threading.Lock()

    def structured(
        self,
        task: str,
        template: PromptTemplate,
        schema: type[OutputT],
        *,
        texts: Mapping[str, CertifiedText | str],
        hints: Mapping[str, Any] | None = None,
        case_ref: str | None = None,
    ) -> ModelResult[OutputT]:
        """Ask ``task``'s model for an output matching ``schema``, re-asking on invalid output."""
        route = self.config.route(task)
        payload = {
            "texts": model_texts(texts, allow_identified=route.allow_identified_text),
            "hints": hints or {},
        }
        check_hints(payload["hints"])
        prompt = template.render(payload)
        messages = [dict(message) for message in prompt.messages]
        started = time.perf_counter()
        usage = _Usage()
        for attempt in range(1, self.config.max_reasks + 2):
            response = self._complete(task, route, messages, schema)
            content = usage.add(response)
            try:
                output = schema.model_validate_json(_strip_fences(content))
            except ValidationError as error:
                messages += [{"role": "assistant", "content": content}, _reask(error)]
                continue
            provenance = usage.provenance(task, route, template, payload, attempt, started)
            self._account(case_ref, provenance, "ok")
            return ModelResult[schema](output=output, provenance=provenance)  # type: ignore[valid-type]
        provenance = usage.provenance(task, route, template, payload, self.config.max_reasks + 1, started)
        self._account(case_ref, provenance, "invalid_output")
        raise ModelOutputInvalid(f"{task}: output failed validation after {provenance.attempts} attempts")

    def _complete(
        self, task: str, route: ModelRoute, messages: list[dict[str, Any]], schema: type[BaseModel]
    ) -> Any:
        router = self._router_for(task)
        try:
            return router.completion(
                model=_group(task),
                messages=messages,
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": schema.__name__, "schema": schema.model_json_schema()},
                },
            )
        except Exception as error:  # litellm raises provider-specific types; all mean "no answer"
            # The type only: provider messages may echo the prompt.
            raise ModelCallFailed(f"{task}: every model failed ({type(error).__name__})") from None

    def _account(self, case_ref: str | None, provenance: Provenance, outcome: str) -> None:
        logger.info(
            "model call task=%s model=%s attempts=%d tokens=%d+%d outcome=%s",
            provenance.task,
            provenance.model,
            provenance.attempts,
            provenance.prompt_tokens,
            provenance.completion_tokens,
            outcome,
        )
        self.ledger.record(
            LedgerEntry(
                case_ref=case_ref,
                task=provenance.task,
                model=provenance.model,
                prompt_id=provenance.prompt_id,
                prompt_version=provenance.prompt_version,
                prompt_tokens=provenance.prompt_tokens,
                completion_tokens=provenance.completion_tokens,
                cost_usd=provenance.cost_usd,
                latency_ms=provenance.latency_ms,
                attempts=provenance.attempts,
                outcome=outcome,
            )
        )

    def _router_for(self, task: str) -> Any:
        """The Router, rebuilt when a task it does not know yet is asked for (stages register lazily)."""
        with self._router_lock:
            if self._router is None or task not in self._router_tasks:
                from llm.local import registered_tasks

                self._router_tasks = set(self.config.routes) | registered_tasks() | {task}
                self._router = build_router(self.config, self._router_tasks)
            return self._router


def build_router(config: GatewayConfig, tasks: set[str]) -> Any:
    """A litellm Router with one model group per task and one per fallback of it."""
    litellm = import_litellm()
    model_list, fallbacks = [], []
    for task in sorted(tasks):
        route = config.route(task)
        chain = [route.model, *route.fallbacks]
        groups = [_group(task, index) for index in range(len(chain))]
        for group, model in zip(groups, chain, strict=True):
            params = {"model": model, "timeout": route.timeout_seconds, **route.litellm_params}
            model_list.append({"model_name": group, "litellm_params": params})
        if len(groups) > 1:
            fallbacks.append({groups[0]: groups[1:]})
    return litellm.Router(
        model_list=model_list, fallbacks=fallbacks, num_retries=config.num_retries, retry_after=0
    )


def import_litellm() -> Any:
    """litellm, imported on first use with its offline and privacy switches set."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    from llm.local import install_local_provider

    litellm.turn_off_message_logging = True
    # litellm's own loggers print whole requests at DEBUG and provider errors (which may echo the prompt) at
    # higher levels; the gateway logs its own text-free events instead.
    for name in _LITELLM_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    litellm.drop_params = True  # providers without JSON-schema output still get the schema in the prompt
    litellm.suppress_debug_info = True
    install_local_provider()
    return litellm


def _group(task: str, fallback_index: int = 0) -> str:
    return f"{task}" if fallback_index == 0 else f"{task}#fallback{fallback_index}"


def _reask(error: ValidationError) -> dict[str, str]:
    # Locations and messages only: include_input=False keeps the (de-identified) values out.
    problems = "; ".join(
        f"{'.'.join(str(part) for part in issue['loc']) or 'output'}: {issue['msg']}"
        for issue in error.errors(include_input=False, include_url=False)[:10]
    )
    return {
        "role": "user",
        "content": f"Your reply was not valid ({problems}). Reply again with only the JSON object, "
        "matching the schema exactly.",
    }


def _strip_fences(content: str) -> str:
    """Hosted models often wrap JSON in a Markdown code fence."""
    text = content.strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[-1].rsplit("```", 1)[0]
    return text


class _Usage:
    """Tokens, cost and the serving model, summed over a call's attempts."""

    def __init__(self) -> None:
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.cost_usd = 0.0
        self.model = ""

    def add(self, response: Any) -> str:
        usage = getattr(response, "usage", None)
        self.prompt_tokens += int(getattr(usage, "prompt_tokens", 0) or 0)
        self.completion_tokens += int(getattr(usage, "completion_tokens", 0) or 0)
        hidden = getattr(response, "_hidden_params", {}) or {}
        self.cost_usd += float(hidden.get("response_cost") or 0.0)
        self.model = str(hidden.get("litellm_model_name") or response.model)
        return str(response.choices[0].message.content or "")

    def provenance(
        self,
        task: str,
        route: ModelRoute,
        template: PromptTemplate,
        payload: dict[str, Any],
        attempts: int,
        started: float,
    ) -> Provenance:
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        return Provenance(
            task=task,
            model=self.model or route.model,
            prompt_id=template.id,
            prompt_version=template.version,
            input_sha256=digest,
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            cost_usd=round(self.cost_usd, 6),
            latency_ms=round((time.perf_counter() - started) * 1000, 1),
            attempts=attempts,
            identified_text_allowed=route.allow_identified_text,
        )


__all__ = ["LOCAL_PROVIDER", "Gateway", "ModelCallFailed", "ModelOutputInvalid", "ModelResult", "Provenance"]
