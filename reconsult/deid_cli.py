"""Reading the inputs of ``reconsult deid``: plain text as is, any other record format through ingestion."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

from records.ingest import ingest_file
from records.intake import BinaryContent, decode_text


def read_input(path: str) -> str:
    """The text to de-identify from ``path`` (``-``: standard input); ValueError with a reason otherwise."""
    if path == "-":
        return sys.stdin.read()
    file = Path(path)
    if not file.is_file():
        raise ValueError("no such file")
    raw = file.read_bytes()
    try:
        text = decode_text(raw)
    except BinaryContent:
        text = None
    if text is not None and not text.lstrip().startswith(("{", "<", "MSH")):
        return text
    return _ingested_text(file)


def _ingested_text(file: Path) -> str:
    result = ingest_file(file, upload_id=uuid.uuid4().hex, filename=file.name)
    if result.errors and not result.documents:
        raise ValueError(result.errors[0].reason)
    return "\n\n".join(doc.text for doc in result.documents if doc.text)
