"""US census first names and surnames, for finding names that no label introduces and NER cannot see
(upper-case notes: "SUPPORTS: BROTHER DALE REYNOLDS IN JOLIET").

The lists ship in the ``names`` package (1990 census frequency files). Names that are also everyday or
clinical words ("WHITE", "MAY", "BRIDGE") are left out, so a hit is a name far more often than not.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from importlib import resources

from records.lexicon import clinical_vocabulary, common_words
from records.patterns import LETTERS, UPPER_LETTERS

# Surnames past this rank are rare enough that their list is mostly noise for matching.
MAX_SURNAME_RANK = 40_000


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Census given names (upper case), less everyday and clinical words."""
    names = _read("dist.female.first") | _read("dist.male.first")
    return frozenset(names - _ordinary_words())


@lru_cache(maxsize=1)
def surnames() -> frozenset[str]:
    """Census surnames up to :data:`MAX_SURNAME_RANK` (upper case), less everyday and clinical words."""
    return frozenset(_read("dist.all.last", MAX_SURNAME_RANK) - _ordinary_words())


@lru_cache(maxsize=1)
def census_words() -> frozenset[str]:
    """Every census given name and surname (upper case), everyday words included ("GRACE", "HOPE")."""
    return frozenset(
        _read("dist.female.first") | _read("dist.male.first") | _read("dist.all.last", MAX_SURNAME_RANK)
    )


def _read(name: str, limit: int | None = None) -> set[str]:
    lines = resources.files("names").joinpath(name).read_text().splitlines()
    return {line.split()[0] for line in lines[:limit] if line.strip()}


@lru_cache(maxsize=1)
def _ordinary_words() -> frozenset[str]:
    return frozenset(word.upper() for word in common_words() | clinical_vocabulary())


_WORD = rf"[{UPPER_LETTERS}][{LETTERS}'\u2019]+(?:-[{UPPER_LETTERS}][{LETTERS}'\u2019]+)?"
# A lookahead, so that "SEEN MARY SMITH" also tries "MARY SMITH" after rejecting "SEEN MARY".
_FIRST_LAST = re.compile(rf"\b(?=(?P<first>{_WORD})[ \t]+(?:[A-Z]\.?[ \t]+)?(?P<last>{_WORD})\b)")


# "AL-FARSI, HIND", "SEO, MIN-JUN", "KRISTIANSEN,ELOF": surname first, as lists and tables write names.
_LAST_COMMA_FIRST = re.compile(rf"\b(?=(?P<last>{_WORD}),[ \t]*(?P<first>{_WORD})\b)")


def find_census_names(text: str) -> list[tuple[int, int]]:
    """Spans of "First Last" where the first word is a census given name and the last a census surname
    (either may be in capitals); hyphenated surnames count if one part is known."""
    found = []
    given, family = first_names(), surnames()
    for match in _FIRST_LAST.finditer(text):
        first, last = match.group("first").upper(), match.group("last").upper()
        if first in given and (last in family or any(part in family for part in last.split("-"))):
            found.append((match.start("first"), match.end("last")))
    for match in _LAST_COMMA_FIRST.finditer(text):
        first, last = match.group("first").upper(), match.group("last").upper()
        if _known(first, given) and _known(last, family):
            found.append((match.start("last"), match.end("first")))
    return found


def find_surname_first_names(text: str, could_be_name: Callable[[str], bool]) -> list[tuple[int, int]]:
    """Spans of "Last, First" with only one half a census name ("MCALLISTER, JORJA", "LINDQVIST,
    MARGARETA"): surname-first is a name's own shape, so one known half will do when the other is no
    everyday or clinical word ("SMITH, ASPIRIN") and passes ``could_be_name`` (which rejects credentials:
    "Raman, LPN")."""
    found = []
    given, family, ordinary = first_names(), surnames(), _ordinary_words()
    for match in _LAST_COMMA_FIRST.finditer(text):
        first, last = match.group("first").upper(), match.group("last").upper()
        known_first, known_last = _known(first, given), _known(last, family)
        if known_first == known_last:
            continue  # both known: find_census_names has it; neither: no evidence
        unknown = match.group("last") if known_first else match.group("first")
        if unknown.upper() not in ordinary and could_be_name(unknown):
            found.append((match.start("last"), match.end("first")))
    return found


def _known(word: str, names: frozenset[str]) -> bool:
    """Whether ``word`` (upper case) or a part of it, if hyphenated, is in ``names``."""
    return word in names or any(part in names for part in word.split("-"))
