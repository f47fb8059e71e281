"""``reconsult discrepancy check``: the discrepancy check over local files, without a server.

All files are one case: one surrogate map, one check against the diagnosis given with ``--diagnosis``
(without one, only the checks within the records run: medicines against allergies, conditions and results,
and records that disagree). Citations name the file, as ``reconsult summarize`` prints them; a claim from
the diagnosis names ``"diagnosis"`` and offsets into its text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from discrepancy.schemas import DiscrepancyFlag
from discrepancy.service import DIAGNOSIS_SOURCE, CheckedText, check_discrepancies
from llm.gateway import Gateway
from reconsult.summarize_cli import file_citation, ingest_paths
from records.deid import certify, default_deidentifier
from records.documents import Document
from records.vault import PhiVault
from summarizer.prepare import prepare_document
from summarizer.schemas import Citation


def check_paths(paths: list[Path], diagnosis: str, gateway: Gateway) -> dict[str, Any]:
    """The flags of ``paths`` against ``diagnosis`` as one JSON-ready object (texts shown as written)."""
    documents, errors = ingest_paths(paths)
    vault, deidentifier = PhiVault.new(), default_deidentifier()
    checked = [CheckedText.of(prepare_document(document, vault, deidentifier)) for _, document in documents]
    stated = CheckedText(DIAGNOSIS_SOURCE, certify(diagnosis, vault, deidentifier))
    result = check_discrepancies(gateway, stated, checked)
    by_id = {document.id: (path, document) for path, document in documents}
    return {
        "diagnosis": diagnosis,
        "documents": [{"id": document.id, "path": str(path)} for path, document in documents],
        "flags": [_flag(flag, by_id, diagnosis, vault) for flag in result.report.flags],
        "dropped_by_citation_check": result.report.dropped,
        "errors": errors,
        "provenance": result.provenance.model_dump(),
    }


def _flag(
    flag: DiscrepancyFlag, documents: dict[str, tuple[Path, Document]], diagnosis: str, vault: PhiVault
) -> dict[str, Any]:
    return {
        "type": flag.type,
        "severity": flag.severity,
        "why": vault.reidentify(flag.why),
        "claim": _cited(flag.claim, documents, diagnosis),
        "evidence": [_cited(citation, documents, diagnosis) for citation in flag.evidence],
        "missing": flag.missing,
    }


def _cited(citation: Citation, documents: dict[str, tuple[Path, Document]], diagnosis: str) -> dict[str, Any]:
    if citation.document_id == DIAGNOSIS_SOURCE:
        text = diagnosis[citation.start : citation.end]
        return {"path": "diagnosis", "start": citation.start, "end": citation.end, "text": text}
    _, document = documents[citation.document_id]
    return file_citation(citation, documents) | {"text": document.text[citation.start : citation.end]}


def flag_lines(output: dict[str, Any]) -> list[str]:
    """A readable listing of the flags."""
    lines = [f"diagnosis: {output['diagnosis'] or '(none given)'}"]
    if not output["flags"]:
        lines.append("no discrepancies found")
    for flag in output["flags"]:
        claim = flag["claim"]
        lines.append(f"- [{flag['severity']}] {flag['type']}: {flag['why']}")
        lines.append(f"    claim ({claim['path']}): {claim['text']!r}")
        lines += [f"    evidence ({item['path']}): {item['text']!r}" for item in flag["evidence"]]
    lines += [f"error: {error['path']}: {error['reason']}" for error in output["errors"]]
    return lines
