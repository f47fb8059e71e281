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
    """A plain-text or Markdown note, split into paragraphs under the headings it uses."""
    try:
        text = decode_text(path.read_bytes())
    except BinaryContent as error:
        raise RecordRejected(
            source.filename, RejectionKind.UNSUPPORTED, "not readable as text", source.entry
        ) from error
    builder = DocumentBuilder(source, RecordKind.TEXT, title=_first_line(text) or "Text note")
    for section, paragraph in _paragraphs(text):
        builder.add(paragraph, section=section)
    return [builder.build()]


def _paragraphs(text: str) -> Iterator[tuple[str | None, str]]:
    """(section, paragraph) pairs; a heading starts a section and a blank line ends a paragraph."""
    section: str | None = None
    lines: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        heading = _MARKDOWN_HEADING.match(line) or _LABEL_HEADING.match(line)
        if (heading or not line.strip()) and lines:
            yield section, "\n".join(lines)
            lines = []
        if heading:
            section = heading.group("title").strip()
            rest = heading.groupdict().get("rest")
            lines = [line.strip()] if rest else []
            if not rest:
                yield section, line.strip()
        elif line.strip():
            lines.append(line.rstrip())
    if lines:
        yield section, "\n".join(lines)


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
