"""Plain text, Markdown, HTML and DOCX into documents with sections."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from records.documents import Document, DocumentBuilder, EmbeddedParser, SourceRef
from records.intake import BinaryContent, RecordRejected, RejectionKind, decode_text
from records.kinds import RecordKind

# A heading line: Markdown "# Title", or a short upper-case label ending in a colon ("HISTORY:"), alone
# on its line or followed by the section's first sentence ("ASSESSMENT: Stable angina.").
_MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<title>.+?)\s*#*\s*$")
_LABEL_HEADING = re.compile(r"^\s*(?P<title>[A-Z][A-Z0-9 /&,()'-]{2,60}):(?:\s+(?P<rest>.*))?$")
_HTML_BLOCKS = (
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "li",
    "tr",
    "pre",
    "blockquote",
    "dt",
    "dd",
    "caption",
)
_HTML_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def parse_text(path: Path, source: SourceRef, embedded: EmbeddedParser) -> list[Document]:
    """A plain-text or Markdown note, split into paragraphs under the headings it uses.

    Each paragraph is a verbatim slice of the decoded text (line ends normalised to LF, as Python's
    ``open()`` reads it), and its span records where the slice starts, so a citation maps back to the file.
    """
    try:
        text = decode_text(path.read_bytes())
    except BinaryContent as error:
        raise RecordRejected(
            source.filename, RejectionKind.UNSUPPORTED, "not readable as text", source.entry
        ) from error
    text = normalise_line_ends(text)
    builder = DocumentBuilder(source, RecordKind.TEXT, title=_first_line(text) or "Text note")
    for section, start, end in _paragraphs(text):
        builder.add(text[start:end], section=section, source_start=start)
    return [builder.build()]


def normalise_line_ends(text: str) -> str:
    """CRLF and CR as LF: the text Python's universal-newline ``open()`` returns."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _paragraphs(text: str) -> Iterator[tuple[str | None, int, int]]:
    """(section, start, end) of each paragraph, without surrounding whitespace; a heading starts a section
    (and is a paragraph of its own unless text follows it on its line) and a blank line ends a paragraph."""
    section: str | None = None
    start: int | None = None
    end = line_start = 0
    for content in text.split("\n"):
        line_end = line_start + len(content)
        heading = _MARKDOWN_HEADING.match(content) or _LABEL_HEADING.match(content)
        if (heading or not content.strip()) and start is not None:
            yield section, start, end
            start = None
        if heading and not heading.groupdict().get("rest"):
            section = heading.group("title").strip()
            yield section, *_stripped(text, line_start, line_end)
        elif content.strip():
            if heading:
                section = heading.group("title").strip()
            start = start if start is not None else line_start + len(content) - len(content.lstrip())
            end = line_start + len(content.rstrip())
        line_start = line_end + 1
    if start is not None:
        yield section, start, end


def _stripped(text: str, start: int, end: int) -> tuple[int, int]:
    piece = text[start:end]
    return start + len(piece) - len(piece.lstrip()), start + len(piece.rstrip())


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip().lstrip("#").strip()[:120]
    return ""


def parse_html(path: Path, source: SourceRef, embedded: EmbeddedParser) -> list[Document]:
    """An HTML document as its block elements in reading order; tables as rows of ' | '-joined cells."""
    from lxml import html
    from lxml.etree import ParserError

    try:
        root = html.fromstring(decode_text(path.read_bytes()))
    except (ParserError, ValueError, BinaryContent) as error:
        raise RecordRejected(
            source.filename, RejectionKind.CORRUPT, "the HTML cannot be parsed", source.entry
        ) from error
    for unwanted in root.xpath("//script|//style|//noscript|//template"):
        unwanted.drop_tree()
    title = " ".join((root.findtext(".//title") or "").split()) or "HTML document"
    builder = DocumentBuilder(source, RecordKind.HTML, title=title)
    section: str | None = None
    for element in _outermost_blocks(root):
        text = _element_text(element)
        if element.tag in _HTML_HEADINGS:
            section = text
        builder.add(text, section=section)
    return [builder.build()]


def _outermost_blocks(root: Any) -> Iterator[Any]:
    """Block elements in document order, skipping those inside another selected block."""
    for element in root.iter(*_HTML_BLOCKS):
        if not any(ancestor.tag in _HTML_BLOCKS for ancestor in element.iterancestors()):
            yield element


def _element_text(element: Any) -> str:
    if element.tag == "tr":
        return " | ".join(" ".join(cell.text_content().split()) for cell in element.iter("td", "th"))
    if element.tag == "pre":
        return str(element.text_content())
    return " ".join(element.text_content().split())


def parse_docx(path: Path, source: SourceRef, embedded: EmbeddedParser) -> list[Document]:
    """A Word document's paragraphs and tables in body order; heading styles start sections."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except Exception as error:  # python-docx raises assorted errors on damaged packages
        raise RecordRejected(
            source.filename, RejectionKind.CORRUPT, "the DOCX cannot be read", source.entry
        ) from error
    title = (document.core_properties.title or "").strip() or "Word document"
    builder = DocumentBuilder(source, RecordKind.DOCX, title=title)
    section: str | None = None
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            style = (block.style.name if block.style is not None else "") or ""
            if style.startswith(("Heading", "Title")) and block.text.strip():
                section = block.text.strip()
            builder.add(block.text, section=section)
        elif isinstance(block, Table):
            for row in block.rows:
                builder.add(" | ".join(cell.text.strip() for cell in row.cells), section=section)
    return [builder.build()]
