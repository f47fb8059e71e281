"""Cities that running text names without a label or a state after them: "her last colonoscopy was in
Roanoke", "(by phone from Boise)", "2 MI E OF CRETE". A capitalised name after a place preposition counts
when it is a US place of 5,000 people or more (``data/us_places.txt``, from GeoNames) and not an everyday
or clinical word ("in Normal range", "signs of Cushing") nor a state.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from records.lexicon import clinical_vocabulary, is_everyday_word
from records.patterns import LETTERS, UPPER_LETTERS, US_STATES

_WORD = rf"[{UPPER_LETTERS}][{LETTERS}'.]*(?:-[{UPPER_LETTERS}][{LETTERS}'.]*)?"
# Up to three capitalised words after a preposition of place, the longest known name among their prefixes.
_AFTER_PREPOSITION = re.compile(
    rf"\b(?i:in|from|near|outside|around|to|at|of)[ \t]+(?P<words>{_WORD}(?:[ \t]+{_WORD}){{0,2}})"
)


@lru_cache(maxsize=1)
def us_places() -> frozenset[str]:
    """The names in ``data/us_places.txt``, in lower case."""
    lines = resources.files("records").joinpath("data", "us_places.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in lines.splitlines() if line and not line.startswith("#"))


def find_city_mentions(text: str) -> list[tuple[int, int]]:
    """Spans of known US places named after a preposition of place (see the module's docstring)."""
    found = []
    for match in _AFTER_PREPOSITION.finditer(text):
        words = list(re.finditer(r"\S+", match.group("words")))
        for count in range(len(words), 0, -1):
            start, end = match.start("words"), match.start("words") + words[count - 1].end()
            name = text[start:end].rstrip(".")
            if _is_place_name(name) and not _EPONYM_AFTER.match(text, start + len(name)):
                found.append((start, start + len(name)))
                break
    return found


# An eponym after the name: "signs of Cushing disease", "Bethesda criteria", "Lincoln's".
_EPONYM_AFTER = re.compile(
    r"(?:'s|\u2019s)?[ \t]+(?i:disease|syndrome|sign|test|score|criteria|rule|scale|class)\b"
)


def _is_place_name(name: str) -> bool:
    lower = name.lower()
    if lower not in us_places() or lower in US_STATES:
        return False
    return not (is_everyday_word(lower) or lower in clinical_vocabulary())
