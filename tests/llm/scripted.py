"""A scripted hosted model, registered through litellm's own custom-provider mechanism (a pytest plugin,
loaded by the root conftest, so every test package shares one registration).

It stands in for the edge we cannot reach offline (a hosted provider): each model name has a script of
replies (JSON text) and failures (a timeout), consumed one per call.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest

from llm.gateway import import_litellm

SCRIPTED_PROVIDER = "scripted"
TIMEOUT = "timeout"


class ScriptedModels:
    """Replies per model name; records every call's messages for assertions."""

    def __init__(self) -> None:
        self.scripts: dict[str, list[str]] = defaultdict(list)
        self.calls: list[tuple[str, list[dict[str, Any]]]] = []

    def script(self, model: str, *replies: str) -> None:
        """Queue ``replies`` for ``model`` (``TIMEOUT`` makes that call time out)."""
        self.scripts[model].extend(replies)

    def reply(self, model: str, messages: list[dict[str, Any]]) -> str:
        self.calls.append((model, [dict(message) for message in messages]))
        return self.scripts[model].pop(0)


@pytest.fixture(scope="session")
def _scripted_provider() -> ScriptedModels:
    litellm = import_litellm()
    from litellm.llms.custom_llm import CustomLLM
    from litellm.types.utils import Choices, Message, ModelResponse, Usage

    models = ScriptedModels()

    class ScriptedProvider(CustomLLM):
        def completion(self, model: str, messages: list[dict[str, Any]], *_: Any, **__: Any) -> Any:
            content = models.reply(model, messages)
            if content == TIMEOUT:
                raise litellm.Timeout(message="scripted timeout", model=model, llm_provider=SCRIPTED_PROVIDER)
            return ModelResponse(
                model=model,
                choices=[
                    Choices(index=0, finish_reason="stop", message=Message(role="assistant", content=content))
                ],
                usage=Usage(prompt_tokens=100, completion_tokens=20, total_tokens=120),
            )

    litellm.custom_provider_map = [
        *litellm.custom_provider_map,
        {"provider": SCRIPTED_PROVIDER, "custom_handler": ScriptedProvider()},
    ]
    return models


@pytest.fixture
def scripted(_scripted_provider: ScriptedModels) -> Iterator[ScriptedModels]:
    """The scripted models, with empty scripts for this test."""
    _scripted_provider.scripts.clear()
    _scripted_provider.calls.clear()
    yield _scripted_provider
    assert not any(_scripted_provider.scripts.values()), "a scripted reply was never asked for"
