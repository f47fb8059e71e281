"""Word lists built from MTSamples (train split) by ``records.build_lexicon``."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Words clinical writers put in lower case in running text ("specimen", "margins", "brown")."""
    return _read("common_words.txt")


@lru_cache(maxsize=1)
def clinical_vocabulary() -> frozenset[str]:
    """Words of clinical text in any case: terms, drugs, eponyms ("Vicryl", "Hasson")."""
    return _read("clinical_vocabulary.txt")


# Inflections that MTSamples' lower-case words may lack: "scales", "ratios", "electronically", "enclosed".
_SUFFIXES = (
    ("s", ""),
    ("es", ""),
    ("ies", "y"),
    ("ly", ""),
    ("ally", ""),
    ("ed", ""),
    ("ed", "e"),
    ("ing", ""),
)


def is_everyday_word(word: str) -> bool:
    """Whether ``word`` is an everyday word of clinical writing, as listed or inflected from one."""
    lower, words = word.lower(), common_words()
    if lower in words:
        return True
    return any(
        lower.endswith(suffix) and len(lower) > len(suffix) + 2 and lower[: -len(suffix)] + stem in words
        for suffix, stem in _SUFFIXES
    )


def _read(name: str) -> frozenset[str]:
    return frozenset(resources.files("records").joinpath("data", name).read_text().split())
