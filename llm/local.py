"""The offline clinical engine: a litellm custom provider that does each stage's job with rules, lexicons
and embeddings.

Stages register a handler per task (``summarizer/local.py`` registers ``summarize_document``); the engine
answers the model string ``reconsult-local/<task>`` by reading the rendered prompt's input block, calling
the handler and returning its JSON as the completion. So the default path (render, litellm call, parse,
validate) is the one a hosted model goes through.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from llm.config import LOCAL_PROVIDER
from prompts import read_input_block

LocalHandler = Callable[[dict[str, Any]], dict[str, Any]]

_handlers: dict[str, LocalHandler] = {}
_install_lock = threading.Lock()
_installed = False
# The offline engine counts a token as four characters: close enough for the ledger, and deterministic.
CHARS_PER_TOKEN = 4


class UnknownLocalTask(LookupError):
    """No stage registered a local handler for the requested task."""


def register_local_task(task: str, handler: LocalHandler) -> None:
    """Make ``handler`` answer ``reconsult-local/<task>``."""
    _handlers[task] = handler


def answer(model: str, messages: list[dict[str, Any]]) -> tuple[str, int, int]:
    """The engine's completion for ``messages``: (content, prompt tokens, completion tokens)."""
    task = model.split("/", 1)[-1]
    handler = _handlers.get(task)
    if handler is None:
        raise UnknownLocalTask(f"the offline engine has no handler for task {task!r}")
    prompt = "".join(str(message.get("content") or "") for message in messages)
    user = next(str(m["content"]) for m in reversed(messages) if m.get("role") == "user")
    content = json.dumps(handler(read_input_block(user)), ensure_ascii=False)
    return content, _tokens(prompt), _tokens(content)


def _tokens(text: str) -> int:
    return max(1, len(text) // CHARS_PER_TOKEN)


def install_local_provider() -> None:
    """Register the engine with litellm (once per process)."""
    global _installed
    with _install_lock:
        if _installed:
            return
        import litellm

        existing = [entry for entry in litellm.custom_provider_map if entry["provider"] != LOCAL_PROVIDER]
        litellm.custom_provider_map = [
            *existing,
            {"provider": LOCAL_PROVIDER, "custom_handler": _engine_class()()},
        ]
        _installed = True


def _engine_class() -> type:
    from litellm.llms.custom_llm import CustomLLM
    from litellm.types.utils import Choices, Message, ModelResponse, Usage

    class LocalClinicalEngine(CustomLLM):
        """litellm's view of the engine."""

        def completion(self, model: str, messages: list[dict[str, Any]], *_: Any, **__: Any) -> Any:
            content, prompt_tokens, completion_tokens = answer(model, messages)
            return ModelResponse(
                model=f"{LOCAL_PROVIDER}/{model}",
                choices=[
                    Choices(index=0, finish_reason="stop", message=Message(role="assistant", content=content))
                ],
                usage=Usage(
                    prompt_tokens=prompt_tokens,
                    completion_tokens=completion_tokens,
                    total_tokens=prompt_tokens + completion_tokens,
                ),
            )

        async def acompletion(self, model: str, messages: list[dict[str, Any]], *_: Any, **__: Any) -> Any:
            return self.completion(model, messages)

    return LocalClinicalEngine


def registered_tasks() -> set[str]:
    """Tasks the offline engine can answer."""
    return set(_handlers)
