"""The citation check: an item stays only if the text it cites supports it.

Numbers, units and dates must appear in the cited text exactly as in the item; drug, diagnosis, allergen,
procedure and lab names must appear in it or map to it by a synonym. A quote must be found in the text it
names. Every drop is counted by reason, and the summary records the counts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from summarizer.text_rules import NUMBER, dates_in, normalise

SYNONYMS_FILE = Path(__file__).parent / "data" / "synonyms.json"
# Item fields whose words must be found in the source, and those whose characters must match exactly.
NAME_FIELDS = ("name", "substance")
EXACT_FIELDS = ("value", "unit", "dose", "date", "start_date", "end_date", "reference_range")


def locate(quote: str, text: str) -> tuple[int, int] | None:
    """Where ``quote`` is in ``text``: exactly, or allowing different runs of whitespace."""
    position = text.find(quote)
    if position >= 0:
        return position, position + len(quote)
    words = quote.split()
    if not words:
        return None
    match = re.search(r"\s+".join(re.escape(word) for word in words), text)
    return match.span() if match else None


def unsupported_reason(fields: Mapping[str, object], statement: str, cited: str) -> str | None:
    """Why ``cited`` does not support an item (None when it does)."""
    for key in EXACT_FIELDS:
        value = fields.get(key)
        if isinstance(value, str) and value and value not in cited:
            return f"{key}_mismatch"
    for key in NAME_FIELDS:
        value = fields.get(key)
        if isinstance(value, str) and value and not name_supported(value, cited):
            return "name_not_in_source"
    if not _numbers_supported(statement, cited):
        return "number_mismatch"
    if not _dates_supported(statement, cited):
        return "date_mismatch"
    return None


def name_supported(name: str, cited: str) -> bool:
    """Whether ``name`` (or a synonym of it) is written in ``cited``."""
    haystack = normalise(cited)
    wanted = normalise(name)
    if wanted in haystack:
        return True
    return any(alias in haystack for alias in synonyms().get(wanted, ()))


def _numbers_supported(statement: str, cited: str) -> bool:
    cited_numbers = set(NUMBER.findall(cited))
    return all(number in cited_numbers for number in NUMBER.findall(statement))


def _dates_supported(statement: str, cited: str) -> bool:
    return all(date in cited for date in dates_in(statement))


@lru_cache(maxsize=1)
def synonyms() -> dict[str, tuple[str, ...]]:
    """Each term's synonyms (both directions), lower case: abbreviations and brand and generic names."""
    groups: list[list[str]] = json.loads(SYNONYMS_FILE.read_text(encoding="utf-8"))["groups"]
    table: dict[str, set[str]] = {}
    for group in groups:
        terms = {normalise(term) for term in group}
        for term in terms:
            table.setdefault(term, set()).update(terms - {term})
    return {term: tuple(sorted(aliases)) for term, aliases in table.items()}
