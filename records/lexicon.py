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


def _read(name: str) -> frozenset[str]:
    return frozenset(resources.files("records").joinpath("data", name).read_text().split())
