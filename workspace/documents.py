"""A document laid out for the records pane: its pages, with a cited passage marked."""

from __future__ import annotations

from dataclasses import dataclass

from review_api.runs.schemas import DocumentText


@dataclass(frozen=True)
class Part:
    """A run of text, marked when it is the cited passage."""

    text: str
    cited: bool = False


@dataclass(frozen=True)
class Page:
    """One page of a document (``number`` None for unpaged formats) as runs of text."""

    number: int | None
    parts: list[Part]


def paged(document: DocumentText, passage: tuple[int, int] | None) -> list[Page]:
    """The document split at its page starts, the passage (offsets into its text) marked where it falls;
    a passage crossing a page break is marked on both pages."""
    bounds = _page_bounds(document)
    return [Page(number, _parts(document.text, start, end, passage)) for number, start, end in bounds]


def _page_bounds(document: DocumentText) -> list[tuple[int | None, int, int]]:
    starts = [(page, offset) for page, offset in document.page_starts if 0 <= offset <= len(document.text)]
    if not starts:
        return [(None, 0, len(document.text))]
    starts[0] = (starts[0][0], 0)  # text before the first page marker belongs to that page
    ends = [offset for _, offset in starts[1:]] + [len(document.text)]
    return [(page, start, end) for (page, start), end in zip(starts, ends, strict=True) if end > start]


def _parts(text: str, start: int, end: int, passage: tuple[int, int] | None) -> list[Part]:
    if passage is None or passage[1] <= start or passage[0] >= end:
        return [Part(text[start:end])]
    cited_start, cited_end = max(passage[0], start), min(passage[1], end)
    parts = [
        Part(text[start:cited_start]),
        Part(text[cited_start:cited_end], cited=True),
        Part(text[cited_end:end]),
    ]
    return [part for part in parts if part.text]
