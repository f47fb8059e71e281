"""Consistency checks for annotated note files (``evals/datasets/clinical_notes_deid*.jsonl``).

Every gold span must be exactly the text it points at, spans must be sorted and disjoint, categories must
be known, and an ``upper_case`` note must be written in capitals. Run it on a file before adding it:
``python -m evals.dataset_check evals/datasets/clinical_notes_deid_dev3.jsonl``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from records.phi import PhiCategory

_CATEGORIES = {category.value for category in PhiCategory}


def note_problems(note: dict[str, Any]) -> list[str]:
    """What is wrong with one annotated note (an empty list when nothing is)."""
    problems = []
    text, previous_end = note["text"], 0
    for span in note["spans"]:
        where = f"{note['id']} {span['start']}-{span['end']}"
        if span["category"] not in _CATEGORIES:
            problems.append(f"{where}: unknown category {span['category']!r}")
        if text[span["start"] : span["end"]] != span["value"]:
            problems.append(f"{where}: value {span['value']!r} is not the text at its offsets")
        if span["start"] < previous_end:
            problems.append(f"{where}: overlaps or precedes the span before it")
        if span["value"] != span["value"].strip() or not span["value"]:
            problems.append(f"{where}: value is empty or has surrounding whitespace")
        previous_end = span["end"]
    if note.get("upper_case") and text != text.upper():
        problems.append(f"{note['id']}: marked upper_case but has lower-case letters")
    if note["split"] not in ("dev", "test"):
        problems.append(f"{note['id']}: unknown split {note['split']!r}")
    return problems


def file_problems(path: Path) -> list[str]:
    """Problems of every note in a JSONL file, plus duplicate ids."""
    problems: list[str] = []
    seen: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        note = json.loads(line)
        if note["id"] in seen:
            problems.append(f"{note['id']}: duplicate id")
        seen.add(note["id"])
        problems += note_problems(note)
    return problems


def main(paths: list[str]) -> int:
    """Print the problems of each file; exit status 1 if there are any."""
    problems = [problem for path in paths for problem in file_problems(Path(path))]
    print("\n".join(problems) or "ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
