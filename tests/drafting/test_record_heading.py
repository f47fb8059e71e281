"""A record's heading as the draft's Records reviewed section quotes it."""

from __future__ import annotations

from drafting.service import HEADING_CHARS, record_heading


def test_the_first_line_is_the_heading() -> None:
    assert record_heading("\n  DISCHARGE SUMMARY\nPatient: ...") == "DISCHARGE SUMMARY"


def test_a_run_on_first_line_ends_at_a_sentence_not_mid_word() -> None:
    text = (
        "Cardiology consultation (synthetic demo record) Reason for referral: exertional chest pressure for"
        " three months. History: 58-year-old with hypertension and hyperlipidemia. Stress ECG equivocal."
    )
    heading = record_heading(text)
    assert heading.endswith("for three months.")
    assert len(heading) <= HEADING_CHARS


def test_without_a_sentence_end_it_stops_at_a_word_boundary() -> None:
    heading = record_heading("word " * 60)
    assert len(heading) <= HEADING_CHARS
    assert heading.endswith("word")
