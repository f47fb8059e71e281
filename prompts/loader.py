"""Loading and rendering the versioned prompt files in prompts/templates."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

TEMPLATE_DIR = Path(__file__).parent / "templates"
_FILE_NAME = re.compile(r"^(?P<id>[a-z0-9_]+)\.v(?P<version>\d+)\.md$")
_SECTION = re.compile(r"^## (system|user)\s*$", re.MULTILINE)
_INPUT_BLOCK = re.compile(r"<input>\n(?P<json>.*)\n</input>\s*\Z", re.DOTALL)


class TemplateError(LookupError):
    """A prompt template is missing or malformed."""


@dataclass(frozen=True)
class RenderedPrompt:
    """Chat messages ready for a model, with the template they came from."""

    template_id: str
    template_version: int
    messages: tuple[dict[str, str], ...]


@dataclass(frozen=True)
class PromptTemplate:
    """One version of one prompt: a system message and a user message."""

    id: str
    version: int
    description: str
    system: str
    user: str

    def render(self, payload: dict[str, Any]) -> RenderedPrompt:
        """The messages for ``payload``: the user text followed by the payload as a JSON input block."""
        block = json.dumps(payload, ensure_ascii=False, sort_keys=True)
        messages = (
            {"role": "system", "content": self.system},
            {"role": "user", "content": f"{self.user}\n\n<input>\n{block}\n</input>"},
        )
        return RenderedPrompt(self.id, self.version, messages)


def read_input_block(content: str) -> dict[str, Any]:
    """The JSON payload a rendered user message carries; ValueError if there is none."""
    match = _INPUT_BLOCK.search(content)
    if match is None:
        raise ValueError("the message has no <input> block")
    payload = json.loads(match.group("json"))
    if not isinstance(payload, dict):
        raise ValueError("the <input> block is not a JSON object")
    return payload


@cache
def load_template(template_id: str, version: int | None = None) -> PromptTemplate:
    """The template ``template_id`` at ``version`` (default: the highest version present)."""
    versions = _versions(template_id)
    if not versions:
        raise TemplateError(f"no prompt template named {template_id!r}")
    chosen = max(versions) if version is None else version
    if chosen not in versions:
        raise TemplateError(f"prompt template {template_id!r} has no version {chosen}")
    return _parse(template_id, chosen, versions[chosen].read_text(encoding="utf-8"))


def _versions(template_id: str) -> dict[int, Path]:
    found = {}
    for path in TEMPLATE_DIR.glob(f"{template_id}.v*.md"):
        match = _FILE_NAME.match(path.name)
        if match and match.group("id") == template_id:
            found[int(match.group("version"))] = path
    return found


def _parse(template_id: str, version: int, source: str) -> PromptTemplate:
    parts = _SECTION.split(source)
    # parts: [header, "system", system text, "user", user text]
    sections = dict(zip(parts[1::2], (text.strip() for text in parts[2::2]), strict=True))
    if set(sections) != {"system", "user"}:
        raise TemplateError(f"prompt template {template_id!r} needs '## system' and '## user' sections")
    header = dict(
        line.split(":", 1)
        for line in parts[0].strip().splitlines()
        if ":" in line and not line.startswith("#")
    )
    return PromptTemplate(
        id=template_id,
        version=version,
        description=header.get("description", "").strip(),
        system=sections["system"],
        user=sections["user"],
    )
