"""The offline engine's reading rules, one behaviour each, on the handler the local provider calls."""

from __future__ import annotations

from typing import Any

import pytest

from summarizer.local import summarize_document, summarize_narrative
from summarizer.text_rules import sentences, split_series


def extract(text: str, facts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return summarize_document({"texts": {"d1": text}, "hints": {"facts": facts or []}})


def names(items: list[dict[str, Any]], field: str = "name") -> list[str]:
    return [item.get(field) or item["text"] for item in items]


class TestSeries:
    def test_commas_parentheses_and_the_last_and(self) -> None:
        text = (
            "history of severe anxiety (panic) (finding), carcinoma of lung, TNM stage 1 (disorder) and gout."
        )
        parts = [piece.text for piece in split_series(text, len("history of "), len(text))]
        assert parts == [
            "severe anxiety (panic) (finding)",
            "carcinoma of lung, TNM stage 1 (disorder)",
            "gout",
        ]

    def test_a_series_ends_where_a_clause_begins(self) -> None:
        out = extract(
            "She is a 67 year-old woman with a history of hypertension and gout who presents with pain."
        )
        assert names(out["conditions"]) == ["hypertension", "gout"]
        assert names(out["presenting_problem"]) == ["pain"]

    def test_substances_make_it_an_allergy_list(self) -> None:
        out = extract(
            "# Assessment and Plan\n"
            "Patient is presenting with latex (substance), aspirin, bee venom (substance)."
        )
        assert names(out["allergies"], "substance") == [
            "latex (substance)",
            "aspirin",
            "bee venom (substance)",
        ]
        assert out["conditions"] == []

    def test_operations_are_procedures_unless_tagged_as_a_situation(self) -> None:
        out = extract(
            "Past history of appendectomy, renal transplant and history of tubal ligation (situation)."
        )
        assert names(out["procedures"]) == ["appendectomy", "renal transplant"]
        assert names(out["conditions"]) == ["history of tubal ligation (situation)"]

    def test_hedged_problems_are_suspected(self) -> None:
        out = extract("IMPRESSION:\nstable angina, rule out obstructive coronary artery disease")
        statuses = {item["name"]: item["status"] for item in out["conditions"]}
        assert statuses == {"stable angina": None, "obstructive coronary artery disease": "suspected"}


class TestSections:
    def test_inline_headings_of_a_run_together_pdf(self) -> None:
        text = (
            "Consult note (demo). Reason for referral: chest pressure. Medications: aspirin 81 mg daily; "
            "atorvastatin 40 mg nightly. Labs: LDL 162 mg/dL (0-100) H."
        )
        out = extract(text)
        assert names(out["presenting_problem"]) == ["chest pressure"]
        assert names(out["medications"]) == ["aspirin", "atorvastatin"]
        assert (out["labs"][0]["value"], out["labs"][0]["unit"], out["labs"][0]["abnormal"]) == (
            "162",
            "mg/dL",
            True,
        )

    def test_a_sentence_ending_in_a_colon_is_not_a_heading(self) -> None:
        out = extract("## Plan\nThe following procedures were conducted:\n- renal dialysis (procedure)\n")
        assert names(out["procedures"]) == ["renal dialysis (procedure)"]

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("Mrs. Cook is 67. Dr. Lee saw her.", ["Mrs. Cook is 67", "Dr. Lee saw her"]),
            ("Pain, e.g. in the chest. Next", ["Pain, e.g. in the chest", "Next"]),
            ("one line\ncontinues here\n\nnew paragraph", ["one line\ncontinues here", "new paragraph"]),
        ],
    )
    def test_sentences(self, text: str, expected: list[str]) -> None:
        assert [piece.text for piece in sentences(text, 0, len(text))] == expected


class TestMedicationsInProse:
    def test_a_drug_with_a_dose_after_a_verb_of_taking(self) -> None:
        out = extract("Continue lisinopril 20 mg oral daily and metformin 500 mg BID. Aspirin helps.")
        assert [(m["name"], m["dose"], m["route"], m["frequency"]) for m in out["medications"]] == [
            ("lisinopril", "20 mg", "oral", "daily"),
            ("metformin", "500 mg", None, "BID"),
        ]


class TestCodedFacts:
    def test_facts_are_taken_as_rendered_with_their_status(self) -> None:
        line = "Condition: Sepsis (disorder) (SNOMED 91302008) — active, onset 1976-01-19"
        out = extract(
            line,
            [
                {
                    "text_key": "d1",
                    "kind": "condition",
                    "code": "91302008",
                    "status": "active",
                    "start": 0,
                    "end": len(line),
                }
            ],
        )
        condition = out["conditions"][0]
        assert (condition["name"], condition["status"], condition["date"]) == (
            "Sepsis (disorder)",
            "active",
            "1976-01-19",
        )
        assert condition["quotes"] == [{"text_key": "d1", "quote": line}]


class TestNarrative:
    def test_best_ranked_excerpts_within_the_word_budget_in_their_order(self) -> None:
        texts = {"e1": "First finding of note. " * 3, "e2": "Key impression here.", "e3": "word " * 200}
        out = summarize_narrative({"texts": texts, "hints": {"ranks": {"e1": 1, "e2": 0, "e3": 2}}})
        assert [sentence["quotes"][0]["text_key"] for sentence in out["sentences"]] == ["e1", "e2"]
