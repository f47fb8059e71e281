"""Which model serves which task, and how patiently: the gateway's configuration."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

LOCAL_PROVIDER = "reconsult-local"


class ModelRoute(BaseModel):
    """The model for one task, with its fallbacks. Model strings are litellm's ("gpt-4o-mini",
    "azure/my-deployment", "bedrock/...", "ollama/llama3", "hosted_vllm/...")."""

    model: str = Field(description="litellm model string; reconsult-local/<task> is the offline engine")
    fallbacks: list[str] = Field(default_factory=list, description="Tried in order when the model fails")
    timeout_seconds: float = Field(120.0, gt=0)
    allow_identified_text: bool = Field(
        False, description="Only for a model under a BAA: may see text that did not pass the gate"
    )
    litellm_params: dict[str, Any] = Field(
        default_factory=dict, description="Extra litellm parameters (api_base, api_version, ...)"
    )


class GatewayConfig(BaseModel):
    """Routes per task; a task without a route goes to the offline engine."""

    routes: dict[str, ModelRoute] = Field(default_factory=dict)
    num_retries: int = Field(2, ge=0, description="Retries of a failing call before falling back")
    max_reasks: int = Field(2, ge=0, description="Re-asks after output that fails schema validation")

    def route(self, task: str) -> ModelRoute:
        """The route for ``task``."""
        return self.routes.get(task) or ModelRoute(model=local_model(task))


def local_model(task: str) -> str:
    """The offline engine's model string for ``task``."""
    return f"{LOCAL_PROVIDER}/{task}"
