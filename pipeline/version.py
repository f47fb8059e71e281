"""What identifies a run: the pipeline's version and the record set it reads (light to import: the API
uses it to queue runs idempotently)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

PIPELINE_VERSION = "1.2"
# The graph's steps, in order (pipeline.graph builds them; the API reports progress by them).
# Triage and discrepancy run side by side; progress lists them in this order.
STEPS = (
    "ingest",
    "deidentify",
    "index",
    "summarize",
    "triage",
    "discrepancy",
    "draft",
    "await_signoff",
    "finalize",
)


def run_input_hash(record_digests: Iterable[tuple[str, str]]) -> str:
    """A digest of ``(record id, content SHA-256)`` pairs and the pipeline version: the same records asked
    for twice give the same run; a new record (or a new pipeline) gives a new one."""
    material = "\n".join(sorted(f"{record_id}:{digest}" for record_id, digest in record_digests))
    return hashlib.sha256(f"{PIPELINE_VERSION}\n{material}".encode()).hexdigest()
