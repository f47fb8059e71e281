"""Pipeline scaling: wall time and peak memory of the offline pipeline on records of 10, 100 and 500 pages.

Each size runs in a fresh process (so peak memory is that size's own): the process loads the models on a
one-page warm-up record, then times ingest (PDF through unstructured) -> de-identification -> summarisation
(map over units, reduce, narrative) -> embeddings on a generated multi-page PDF of clinical visit notes.
The baseline is linear growth: the fitted exponent of time against pages is printed with the ratio of the
largest record's seconds per page to the smallest's (1.0 means perfectly linear).

    .venv/bin/python benchmarks/pipeline_scaling.py [--pages 10 100 500]
"""

from __future__ import annotations

import argparse
import io
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reconsult.offline import apply_offline_defaults

apply_offline_defaults()

PROBLEMS = (
    "hypertension",
    "type 2 diabetes mellitus",
    "chronic kidney disease stage 3",
    "atrial fibrillation",
)
DRUGS = (
    "lisinopril 20 mg oral daily",
    "metformin 500 mg BID",
    "apixaban 5 mg BID",
    "atorvastatin 40 mg nightly",
)
FIRST = ("Maria", "James", "Aisha", "Wei", "Olga", "Tomas")
LAST = ("Alvarez", "Okafor", "Lindqvist", "Nakamura", "Petrov", "Hughes")


def visit_page(index: int) -> list[str]:
    """One page of a visit note, about 2,000 characters, with identifiers and clinical content."""
    name = f"{FIRST[index % len(FIRST)]} {LAST[index % len(LAST)]}"
    date = f"{1 + index % 12:02d}/{1 + index % 28:02d}/20{10 + index % 14}"
    problem, drug = PROBLEMS[index % len(PROBLEMS)], DRUGS[index % len(DRUGS)]
    lines = [
        f"PROGRESS NOTE - visit {index + 1}",
        f"Patient: {name}   MRN: {400000 + index}   Date of service: {date}",
        "HISTORY OF PRESENT ILLNESS:",
        f"{name.split()[0]} is a 67 year-old with a history of {problem} and hyperlipidemia who presents for",
        "follow-up. Reports mild fatigue and occasional dizziness on standing. No chest pain, no dyspnea.",
        "MEDICATIONS:",
        drug,
        "furosemide 20 mg oral daily",
        "LABS:",
        f"Creatinine {1.0 + index % 7 / 10:.1f} mg/dL (0.6-1.2)",
        f"Hemoglobin A1c {6 + index % 3}.{index % 10} % (4.0-5.6) H",
        "ASSESSMENT:",
        f"1. {problem}",
        "2. Orthostatic dizziness, likely medication related",
        "PLAN:",
        f"Continue {drug}. Recheck labs in three months. Call Dr. {LAST[(index + 2) % len(LAST)]} at",
        f"(555) 01{index % 100:02d}-{1000 + index % 9000} with questions.",
    ]
    filler = "Counselled on diet, exercise and home blood pressure monitoring; questions answered."
    return lines + [filler] * 12


def record_pdf(pages: int) -> bytes:
    """A ``pages``-page PDF of visit notes."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=letter, invariant=1)
    for page in range(pages):
        y = 750
        for line in visit_page(page):
            pdf.drawString(40, y, line)
            y -= 15
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def run_once(pages: int) -> dict[str, float]:
    """Time the offline pipeline on one record (in this process) after a warm-up; peak RSS in MiB."""
    from llm.embeddings import default_embedder
    from llm.gateway import Gateway
    from pipeline.stages import CHUNK_CHARS
    from pipeline.summary_graph import summarize_documents
    from records.deid import default_deidentifier
    from records.ingest import ingest_file
    from summarizer.prepare import passages

    gateway, embedder, deidentifier = Gateway(), default_embedder(), default_deidentifier()

    def pipeline(path: Path) -> int:
        documents = [d for d in ingest_file(path, upload_id="bench", filename=path.name).documents if d.text]
        context, _ = summarize_documents(documents, gateway, deidentifier)
        for document in context.documents:  # the index step: the worker embeds every certified passage
            text = document.certified.text
            embedder.embed([text[start:end] for start, end in passages(text, CHUNK_CHARS)])
        return len(context.units)

    with tempfile.TemporaryDirectory() as folder:
        warm_up, record = Path(folder) / "warm.pdf", Path(folder) / "record.pdf"
        warm_up.write_bytes(record_pdf(1))
        record.write_bytes(record_pdf(pages))
        pipeline(warm_up)
        started = time.perf_counter()
        units = pipeline(record)
        seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"pages": pages, "seconds": round(seconds, 2), "peak_mib": round(peak_mib), "units": units}


def fitted_exponent(results: list[dict[str, float]]) -> float:
    """The least-squares slope of log(seconds) against log(pages)."""
    xs = [math.log(r["pages"]) for r in results]
    ys = [math.log(r["seconds"]) for r in results]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    covariance = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    return covariance / sum((x - mean_x) ** 2 for x in xs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, nargs="+", default=[10, 100, 500])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: measure one size
    args = parser.parse_args()
    if not args.one and len(set(args.pages)) < 2:
        parser.error("--pages needs at least two different sizes to fit a growth exponent")
    if args.one:
        print(json.dumps(run_once(args.one)))
        return
    results = []
    for pages in args.pages:
        completed = subprocess.run(  # this very script, once per size
            [sys.executable, __file__, "--one", str(pages)], capture_output=True, text=True, check=True
        )
        results.append(json.loads(completed.stdout.strip().splitlines()[-1]))
        print(json.dumps(results[-1]), flush=True)
    exponent = fitted_exponent(results)
    first, last = results[0], results[-1]
    per_page_ratio = (last["seconds"] / last["pages"]) / (first["seconds"] / first["pages"])
    print(f"fitted growth exponent (baseline: linear = 1.00): {exponent:.2f}")
    print(f"seconds per page, {last['pages']} pages / {first['pages']} pages: {per_page_ratio:.2f}x")
    for result in results:
        if result["pages"] == 100:
            print(f"100-page record: {result['seconds']} s (target < 60 s on 2 cores)")


if __name__ == "__main__":
    main()
