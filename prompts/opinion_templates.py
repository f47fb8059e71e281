"""Opinion templates: the sections of a second opinion per subspecialty family, as files a clinician edits.

Each file ``prompts/opinions/<family>.v<N>.md`` holds a header (``title``, ``subspecialties`` it serves,
``*`` for the general template, ``description``) and one ``## <section_id>: <Title>`` block per section,
in order, with ``required: yes|no``, ``from:`` (what the drafter fills it from: ``diagnosis``,
``question``, ``documents``, summary sections such as ``conditions`` or ``pathology``, ``assessment``,
``flags``, ``workup``, ``answer``, ``limitations``), any number of ``standard:`` sentences (the service
puts them at the head of the section as written; a model never writes them), and a line or two of guidance
for the drafter and the specialist.
A new version is a new file; the highest version is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

OPINION_DIR = Path(__file__).parent / "opinions"
GENERAL = "general"
_FILE_NAME = re.compile(r"^(?P<family>[a-z_]+)\.v(?P<version>\d+)\.md$")
_SECTION = re.compile(r"^## (?P<id>[a-z_]+):\s*(?P<title>.+?)\s*$", re.MULTILINE)
_FIELD = re.compile(r"^(?P<key>[a-z_]+):\s*(?P<value>.*)$")


class OpinionTemplateError(LookupError):
    """An opinion template is missing or malformed."""


@dataclass(frozen=True)
class TemplateSection:
    """One section of an opinion."""

    id: str
    title: str
    required: bool
    sources: tuple[str, ...]
    guidance: str
    standard: tuple[str, ...] = ()


@dataclass(frozen=True)
class OpinionTemplate:
    """A versioned opinion template."""

    family: str
    version: int
    title: str
    subspecialties: tuple[str, ...]
    description: str
    sections: tuple[TemplateSection, ...]

    def section(self, section_id: str) -> TemplateSection:
        """The section ``section_id``; KeyError if the template has none."""
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(section_id)


def families() -> list[str]:
    """Every family with a template file."""
    return sorted(
        {match["family"] for path in OPINION_DIR.glob("*.md") if (match := _FILE_NAME.match(path.name))}
    )


@cache
def load_opinion_template(family: str, version: int | None = None) -> OpinionTemplate:
    """The template of ``family`` at ``version`` (default: the highest)."""
    versions = {
        int(match["version"]): path
        for path in OPINION_DIR.glob(f"{family}.v*.md")
        if (match := _FILE_NAME.match(path.name)) and match["family"] == family
    }
    if not versions:
        raise OpinionTemplateError(f"no opinion template for {family!r}")
    chosen = max(versions) if version is None else version
    if chosen not in versions:
        raise OpinionTemplateError(f"the {family!r} opinion template has no version {chosen}")
    return _parse(family, chosen, versions[chosen].read_text(encoding="utf-8"))


def template_for(subspecialty: str | None) -> OpinionTemplate:
    """The template serving ``subspecialty``, or the general one."""
    for family in families():
        template = load_opinion_template(family)
        if subspecialty in template.subspecialties:
            return template
    return load_opinion_template(GENERAL)


def _parse(family: str, version: int, source: str) -> OpinionTemplate:
    blocks = _SECTION.split(source)
    header = _fields(blocks[0])
    sections = []
    for section_id, title, body in zip(blocks[1::3], blocks[2::3], blocks[3::3], strict=True):
        fields = _fields(body)
        guidance = " ".join(
            line.strip() for line in body.strip().splitlines() if not _FIELD.match(line.strip())
        )
        if "required" not in fields or "from" not in fields:
            raise OpinionTemplateError(
                f"{family} v{version}: section {section_id!r} needs 'required' and 'from'"
            )
        sections.append(
            TemplateSection(
                id=section_id,
                title=title,
                required=fields["required"].lower() in {"yes", "true"},
                sources=tuple(part.strip() for part in fields["from"].split(",") if part.strip()),
                guidance=guidance,
                standard=tuple(
                    match["value"].strip()
                    for line in body.splitlines()
                    if (match := _FIELD.match(line.strip())) and match["key"] == "standard"
                ),
            )
        )
    if not sections:
        raise OpinionTemplateError(f"{family} v{version} has no sections")
    subspecialties = tuple(
        part.strip() for part in header.get("subspecialties", "").split(",") if part.strip()
    )
    return OpinionTemplate(
        family=family,
        version=version,
        title=header.get("title", family),
        subspecialties=subspecialties,
        description=header.get("description", ""),
        sections=tuple(sections),
    )


def _fields(text: str) -> dict[str, str]:
    return {
        match["key"]: match["value"].strip()
        for line in text.splitlines()
        if (match := _FIELD.match(line.strip()))
    }
