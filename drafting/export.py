"""The signed opinion rendered for delivery: a PDF with the signature block, and a FHIR R4 bundle holding a
``DiagnosticReport`` (the opinion, the PDF as its presented form) and a ``Provenance`` for the signature.

Both are made from the signed canonical content only, so what is delivered is what was signed; neither
carries any "AI draft" marking (the specialist has made the text theirs). FHIR resources are validated with
fhir.resources' R4B models (the R4 line that package ships).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
from typing import Any
from xml.sax.saxutils import escape

CONSULT_NOTE_LOINC = "11488-4"  # Consult note
AUTHOR_SIGNATURE = "1.2.840.10065.1.12.1.1"  # ASTM E1762 signature type: author's signature


def canonical_json(content: dict[str, Any]) -> str:
    """The one serialisation a signature's hash is taken over: sorted keys, no spaces, UTF-8 text."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_sha256(content: dict[str, Any]) -> str:
    """SHA-256 of the canonical content, hex."""
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def render_pdf(content: dict[str, Any], sha256: str) -> bytes:
    """The signed opinion as a PDF: patient, sections, and the signature block."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, title=content["title"], author=content["signer"]["name"]
    )
    patient = content["patient"]
    story: list[Any] = [
        Paragraph(escape(content["title"]), styles["Title"]),
        Paragraph(escape(f"Patient: {patient['name']}, born {patient['birth_date']}"), styles["Normal"]),
        Spacer(1, 12),
    ]
    for section in content["sections"]:
        story.append(Paragraph(escape(section["title"]), styles["Heading2"]))
        for paragraph in section["text"].split("\n\n"):
            story.append(Paragraph(escape(paragraph).replace("\n", "<br/>"), styles["BodyText"]))
    story += [Spacer(1, 18), Paragraph("Signature", styles["Heading2"])]
    for line in signature_lines(content, sha256):
        story.append(Paragraph(escape(line), styles["BodyText"]))
    document.build(story)
    return buffer.getvalue()


def signature_lines(content: dict[str, Any], sha256: str) -> list[str]:
    """What the signature shows: printed name, credentials, date and time, meaning, and the content hash."""
    signer = content["signer"]
    return [
        f"Electronically signed by {signer['name']}, {signer['credentials']}",
        f"Signed at {content['signed_at']} (UTC)",
        f"Meaning of the signature: {content['meaning']}",
        f"SHA-256 of the signed content: {sha256}",
    ]


def fhir_bundle(content: dict[str, Any], sha256: str, pdf: bytes, report_id: str) -> dict[str, Any]:
    """A FHIR collection bundle: the opinion as a final ``DiagnosticReport`` and the signature's
    ``Provenance``; both validated, returned as JSON-ready data."""
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.diagnosticreport import DiagnosticReport
    from fhir.resources.R4B.provenance import Provenance

    signed_at = content["signed_at"]
    signer = {"display": f"{content['signer']['name']}, {content['signer']['credentials']}"}
    assessment = next((s["text"] for s in content["sections"] if s["id"] == "assessment"), None)
    report = DiagnosticReport.model_validate(
        {
            "resourceType": "DiagnosticReport",
            "id": report_id,
            "status": "final",
            "code": {
                "coding": [
                    {"system": "http://loinc.org", "code": CONSULT_NOTE_LOINC, "display": "Consult note"}
                ],
                "text": content["title"],
            },
            "subject": {"display": content["patient"]["name"]},
            "issued": signed_at,
            "resultsInterpreter": [signer],
            "conclusion": assessment,
            "presentedForm": [
                {
                    "contentType": "application/pdf",
                    "data": base64.b64encode(pdf).decode("ascii"),
                    "title": content["title"],
                    "hash": base64.b64encode(hashlib.sha1(pdf, usedforsecurity=False).digest()).decode(
                        "ascii"
                    ),  # FHIR's hash is SHA-1
                    "creation": signed_at,
                }
            ],
        }
    )
    provenance = Provenance.model_validate(
        {
            "resourceType": "Provenance",
            "id": f"{report_id}-signature",
            "target": [{"reference": f"DiagnosticReport/{report_id}"}],
            "recorded": signed_at,
            "agent": [
                {
                    "type": {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                                "code": "author",
                            }
                        ]
                    },
                    "who": signer,
                }
            ],
            "signature": [
                {
                    "type": [{"system": "urn:iso-astm:E1762-95:2013", "code": AUTHOR_SIGNATURE}],
                    "when": signed_at,
                    "who": signer,
                    "sigFormat": "text/plain",
                    "data": base64.b64encode(f"sha256:{sha256}".encode()).decode("ascii"),
                }
            ],
        }
    )
    bundle = Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "timestamp": signed_at,
            "entry": [
                {
                    "fullUrl": f"urn:uuid:{report_id}",
                    "resource": report.model_dump(mode="json", exclude_none=True),
                },
                {
                    "fullUrl": f"urn:uuid:{report_id}-signature",
                    "resource": provenance.model_dump(mode="json", exclude_none=True),
                },
            ],
        }
    )
    data: dict[str, Any] = json.loads(bundle.model_dump_json(exclude_none=True))
    return data


def utc_timestamp(moment: dt.datetime) -> str:
    """An ISO-8601 UTC timestamp to the second, as signatures and FHIR instants carry it."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat()
