"""Mapping character offsets between a text and its de-identified copy.

De-identification replaces spans with surrogates of other lengths, so an offset in one text is not an
offset in the other. A citation made on the de-identified text (what a model saw) maps back to the original
text (what the specialist reads and the source file holds), and a fact's span maps the other way. An offset
inside a replaced span maps to that span's edge: a start to its start, an end to its end, so a mapped span
always covers the whole identifier.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass


@dataclass(frozen=True)
class Replacement:
    """``source[source_start:source_end]`` became ``target[target_start:target_end]``."""

    source_start: int
    source_end: int
    target_start: int
    target_end: int


class OffsetMap:
    """Offsets between a source text and the target text made by replacing sorted, disjoint spans."""

    __slots__ = ("_replacements", "_source_starts", "_target_starts")

    def __init__(self, replacements: list[Replacement]) -> None:
        self._replacements = replacements
        self._source_starts = [r.source_start for r in replacements]
        self._target_starts = [r.target_start for r in replacements]

    @classmethod
    def from_spans(cls, spans: list[tuple[int, int, int]]) -> OffsetMap:
        """From ``(source_start, source_end, replacement_length)`` triples in source order."""
        replacements, shift = [], 0
        for start, end, length in spans:
            replacements.append(Replacement(start, end, start + shift, start + shift + length))
            shift += length - (end - start)
        return cls(replacements)

    def to_triples(self) -> list[tuple[int, int, int]]:
        """The map as ``(source_start, source_end, replacement_length)`` triples, for storage."""
        return [(r.source_start, r.source_end, r.target_end - r.target_start) for r in self._replacements]

    def to_source(self, start: int, end: int) -> tuple[int, int]:
        """The source span covering target ``[start, end)``."""
        return (self._map(start, to_source=True, is_end=False), self._map(end, to_source=True, is_end=True))

    def to_target(self, start: int, end: int) -> tuple[int, int]:
        """The target span covering source ``[start, end)``."""
        return (
            self._map(start, to_source=False, is_end=False),
            self._map(end, to_source=False, is_end=True),
        )

    def _map(self, offset: int, *, to_source: bool, is_end: bool) -> int:
        starts = self._target_starts if to_source else self._source_starts
        # The last replacement starting before the offset (at it, for an end offset) decides.
        index = (bisect.bisect_left if is_end else bisect.bisect_right)(starts, offset) - 1
        if index < 0:
            return offset
        r = self._replacements[index]
        from_start, from_end, to_start, to_end = (
            (r.target_start, r.target_end, r.source_start, r.source_end)
            if to_source
            else (r.source_start, r.source_end, r.target_start, r.target_end)
        )
        if offset < from_end or (offset == from_end and not is_end and offset == from_start):
            return to_end if is_end else to_start
        return to_end + (offset - from_end)
