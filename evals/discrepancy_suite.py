"""The discrepancy suite: clinical-error detection on MEDEC, and discrepancy flags on hand-written cases.

MEDEC (``../shared/data/medec``, or any CSV in its format via ``--data``): every note is de-identified and
checked through the gateway. Error-flag accuracy asks whether the note's flag is right; error-sentence
accuracy counts a note right when it is correct and predicted correct, or has an error and the predicted
sentence is the erroneous one (the MEDEC paper's definition); the false-positive rate is the share of
correct notes flagged. The offline rules were not tuned on MEDEC, so the whole file is a test.

Discrepancy cases (``evals/datasets/discrepancy_cases*.jsonl``, see their READMEs): each case's diagnosis and
documents are certified with one vault and checked; predicted and gold flags are matched by type within a
case. Precision, recall and F1 overall and per type, the share of no-flag cases that got a flag, and for
matched flags whether the cited evidence overlaps a gold quote.
"""

from __future__ import annotations

import csv
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from discrepancy.schemas import FLAG_TYPES, DiscrepancyFlag
from discrepancy.service import DIAGNOSIS_SOURCE, CheckedText, check_discrepancies, check_note
from evals.demographics import demographic_groups
from evals.details import Details
from evals.loaders import SHARED_DATA
from evals.metrics import f1, ratio
from llm.gateway import Gateway
from records.deid import certify, default_deidentifier
from records.vault import PhiVault
from summarizer.verify import locate

MEDEC = SHARED_DATA / "medec" / "MEDEC-MS-ValidationSet-with-GroundTruth-and-ErrorType.csv"
CASES = Path(__file__).parent / "datasets" / "discrepancy_cases.jsonl"
_SENTENCE_LINE = re.compile(r"^(?P<id>\d+) (?P<text>.*)$")


@dataclass(frozen=True)
class MedecNote:
    """One MEDEC text with its gold flag and error sentence id."""

    id: str
    text: str
    sentences: list[tuple[int, str]]
    has_error: bool
    error_sentence: int


def load_medec(path: Path, limit: int | None = None) -> list[MedecNote]:
    """The notes of a MEDEC-format CSV."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))[:limit]
    return [
        MedecNote(
            row["Text ID"],
            row["Text"],
            _sentences(row["Sentences"]),
            row["Error Flag"].strip() == "1",
            int(row["Error Sentence ID"]),
        )
        for row in rows
    ]


def _sentences(column: str) -> list[tuple[int, str]]:
    """``"<id> <sentence>"`` lines; a line without an id continues the previous sentence."""
    found: list[tuple[int, str]] = []
    for line in column.splitlines():
        match = _SENTENCE_LINE.match(line)
        if match:
            found.append((int(match["id"]), match["text"]))
        elif found and line.strip():
            found[-1] = (found[-1][0], f"{found[-1][1]} {line.strip()}")
    return found


def medec_scores(
    gateway: Gateway, path: Path, limit: int | None = None, details: Details | None = None
) -> dict[str, Any]:
    """Error-flag and error-sentence accuracy and the false-positive rate on a MEDEC-format CSV."""
    notes = load_medec(path, limit)
    flag_right = sentence_right = false_positives = flagged = 0
    flags, sentences = [], []
    for note in notes:
        predicted, sentence = _check_note(gateway, note)
        flagged += predicted
        flag_right += predicted == note.has_error
        flags.append(predicted == note.has_error)
        if note.has_error:
            sentences.append(predicted and sentence == note.error_sentence)
        else:
            sentences.append(not predicted)
            false_positives += predicted
        sentence_right += sentences[-1]
    if details is not None:
        details.outcomes("error_flag_accuracy", flags)
        details.outcomes("error_sentence_accuracy", sentences)
        details.by_groups("error_flag_accuracy", demographic_groups(note.text for note in notes))
    correct_notes = sum(not note.has_error for note in notes)
    return {
        "medec_notes": len(notes),
        "error_flag_accuracy": ratio(flag_right, len(notes)),
        "error_sentence_accuracy": ratio(sentence_right, len(notes)),
        "false_positive_rate": ratio(false_positives, correct_notes),
        "medec_flagged": flagged,
    }


def _check_note(gateway: Gateway, note: MedecNote) -> tuple[bool, int | None]:
    """The predicted flag and the id of the predicted sentence (mapped back to the original text)."""
    vault = PhiVault.new()
    certified = certify(note.text, vault, default_deidentifier())
    output = check_note(gateway, certified).output
    if not output.has_error or output.sentence is None:
        return False, None
    found = locate(output.sentence.quote, certified.text)
    if found is None:
        return True, None
    start, _ = certified.offsets.to_source(*found)
    return True, _sentence_id_at(note, start)


def _sentence_id_at(note: MedecNote, offset: int) -> int | None:
    """The id of the sentence holding character ``offset`` of the note's text."""
    position = 0
    for sentence_id, sentence in note.sentences:
        found = locate(sentence, note.text[position:])
        if found is None:
            continue
        start, end = position + found[0], position + found[1]
        if start <= offset < end:
            return sentence_id
        position = end
    return None


@dataclass
class CaseScore:
    """Counts over the discrepancy cases."""

    matched: Counter[str] = field(default_factory=Counter)
    predicted: Counter[str] = field(default_factory=Counter)
    gold: Counter[str] = field(default_factory=Counter)
    clean_cases: int = 0
    clean_cases_flagged: int = 0
    evidence_checked: int = 0
    evidence_overlapping: int = 0
    dropped: int = 0


def load_cases(path: Path | None = None, split: str = "test") -> list[dict[str, Any]]:
    """The hand-written cases of ``split`` (dev, test or all): of ``path``, or of every case file."""
    files = [path] if path else sorted(CASES.parent.glob("discrepancy_cases*.jsonl"))
    rows = [
        json.loads(line)
        for file in files
        for line in file.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return [row for row in rows if split == "all" or row["split"] == split]


def case_text(case: dict[str, Any]) -> str:
    """A case's documents as one text: where its patient's age and sex are stated, if anywhere."""
    return "\n\n".join(document["text"] for document in case["documents"])


def case_scores(
    gateway: Gateway, split: str, limit: int | None = None, details: Details | None = None
) -> dict[str, Any]:
    """Precision and recall of the flags on the hand-written cases of ``split``."""
    score = CaseScore()
    cases = load_cases(split=split)[:limit]
    matched, predicted, gold = [], [], []
    for case in cases:
        flags, dropped = _check_case(gateway, case)
        score.dropped += dropped
        before = (sum(score.matched.values()), sum(score.predicted.values()), sum(score.gold.values()))
        _score_case(score, case, flags)
        matched.append(sum(score.matched.values()) - before[0])
        predicted.append(sum(score.predicted.values()) - before[1])
        gold.append(sum(score.gold.values()) - before[2])
        if details is not None and (matched[-1] != predicted[-1] or matched[-1] != gold[-1]):
            found = sorted(flag.type for flag in flags)
            details.failures.append(
                {"item": case["id"], "gold": sorted(g["type"] for g in case["gold"]), "predicted": found}
            )
    if details is not None:
        details.ratios("flag_precision", matched, predicted)
        details.ratios("flag_recall", matched, gold)
        details.by_groups("flag_recall", demographic_groups(case_text(case) for case in cases))
    return _case_metrics(score, len(cases))


def _check_case(gateway: Gateway, case: dict[str, Any]) -> tuple[list[DiscrepancyFlag], int]:
    vault, deidentifier = PhiVault.new(), default_deidentifier()
    diagnosis = CheckedText(DIAGNOSIS_SOURCE, certify(case["diagnosis"], vault, deidentifier))
    documents = [
        CheckedText(document["name"], certify(document["text"], vault, deidentifier))
        for document in case["documents"]
    ]
    result = check_discrepancies(gateway, diagnosis, documents, case_ref=case["id"])
    return result.report.flags, result.report.dropped


def _score_case(score: CaseScore, case: dict[str, Any], flags: list[DiscrepancyFlag]) -> None:
    gold = Counter(item["type"] for item in case["gold"])
    predicted = Counter(flag.type for flag in flags)
    score.gold += gold
    score.predicted += predicted
    score.matched += gold & predicted
    if not case["gold"]:
        score.clean_cases += 1
        score.clean_cases_flagged += bool(flags)
    texts = {document["name"]: document["text"] for document in case["documents"]}
    for flag in flags:
        golds = [item for item in case["gold"] if item["type"] == flag.type]
        if golds and flag.evidence:
            score.evidence_checked += 1
            score.evidence_overlapping += _overlaps_gold(flag, golds, texts)


def _overlaps_gold(flag: DiscrepancyFlag, golds: list[dict[str, Any]], texts: dict[str, str]) -> bool:
    """Any cited evidence span overlaps any gold evidence quote of the same type."""
    gold_spans = []
    for item in golds:
        for evidence in item["evidence"]:
            start = texts.get(evidence["document"], "").find(evidence["quote"])
            if start >= 0:
                gold_spans.append((evidence["document"], start, start + len(evidence["quote"])))
    return any(
        citation.document_id == name and citation.start < end and start < citation.end
        for citation in flag.evidence
        for name, start, end in gold_spans
    )


def _case_metrics(score: CaseScore, cases: int) -> dict[str, Any]:
    matched, predicted, gold = (sum(c.values()) for c in (score.matched, score.predicted, score.gold))
    precision, recall = ratio(matched, predicted), ratio(matched, gold)
    per_type = {
        name: {
            "precision": ratio(score.matched[name], score.predicted[name]),
            "recall": ratio(score.matched[name], score.gold[name]),
            "gold": score.gold[name],
            "predicted": score.predicted[name],
        }
        for name in FLAG_TYPES
    }
    return {
        "discrepancy_cases": cases,
        "flag_precision": precision,
        "flag_recall": recall,
        "flag_f1": f1(precision, recall),
        "flags_gold": gold,
        "flags_predicted": predicted,
        "clean_case_false_alarm_rate": ratio(score.clean_cases_flagged, score.clean_cases),
        "evidence_overlap_rate": ratio(score.evidence_overlapping, score.evidence_checked),
        "flags_dropped_by_citation_check": score.dropped,
        "per_type": per_type,
    }


def run(
    data: Path | None = None, limit: int | None = None, split: str = "test", gateway: Gateway | None = None
) -> dict[str, Any]:
    """Run the suite; ``data`` replaces the MEDEC CSV (any CSV in its format)."""
    from reconsult.settings import get_settings

    started = time.perf_counter()
    gateway = gateway or Gateway(get_settings().gateway_config())
    details = Details()
    metrics = medec_scores(gateway, data or MEDEC, limit, details) | case_scores(
        gateway, split, limit, details
    )
    metrics["seconds"] = round(time.perf_counter() - started, 1)
    dataset = str(data) if data else "medec/MEDEC-MS-ValidationSet"
    return {
        "suite": "discrepancy",
        "dataset": dataset,
        "split": split,
        "metrics": metrics,
    } | details.as_json()


def summary_lines(result: dict[str, Any]) -> list[str]:
    """A readable digest of a discrepancy-suite result."""
    metrics = result["metrics"]
    lines = [f"suite discrepancy: MEDEC {result['dataset']} ({metrics['medec_notes']} notes)"]
    for key in ("error_flag_accuracy", "error_sentence_accuracy", "false_positive_rate", "medec_flagged"):
        lines.append(f"  {key:<32}{metrics[key]}")
    lines.append(f"discrepancy flags on {metrics['discrepancy_cases']} cases ({result['split']} split):")
    for key in (
        "flag_precision",
        "flag_recall",
        "flag_f1",
        "flags_gold",
        "flags_predicted",
        "clean_case_false_alarm_rate",
        "evidence_overlap_rate",
        "flags_dropped_by_citation_check",
    ):
        lines.append(f"  {key:<32}{metrics[key]}")
    lines.append("per type (precision / recall / gold / predicted):")
    for name, scores in metrics["per_type"].items():
        lines.append(
            f"  {name:<28}{scores['precision']!s:>8}{scores['recall']!s:>8}"
            f"{scores['gold']:>6}{scores['predicted']:>6}"
        )
    return lines
