"""Leaks are gold PHI strings the redacted output carries over from the text, not surrogates that happen to
equal one."""

from __future__ import annotations

from evals.loaders import GoldSpan, GoldText
from evals.span_metrics import Prediction, SpanScore, carried_over
from records.phi import PhiCategory

TEXT = "Seen by Dr. Jones with Mr. Smith; Jones called back."


def _gold() -> GoldText:
    spans = tuple(
        GoldSpan(TEXT.index(value, start), TEXT.index(value, start) + len(value), PhiCategory.NAME)
        for value, start in (("Jones", 0), ("Smith", 0), ("Jones", 20))
    )
    return GoldText("t-1", TEXT, spans, "dev")


def test_carried_over_keeps_the_unredacted_stretches() -> None:
    spans = [(12, 17, "NAME"), (27, 32, "NAME")]
    assert carried_over(TEXT, spans) == "Seen by Dr. \0 with Mr. \0; Jones called back."
    assert carried_over(TEXT, [(0, 4, "X"), (2, 6, "X")]) == TEXT[6:]  # overlapping spans, merged


def test_a_surrogate_equal_to_a_gold_string_is_no_leak() -> None:
    score = SpanScore()
    everything = tuple((s.start, s.end, "NAME") for s in _gold().spans)
    # Every name redacted, "Jones" replaced by "Smith": the output shows "Smith", but not from the text.
    score.add(_gold(), Prediction(everything, "Seen by Dr. Smith with Mr. Adams; Smith called back."))
    assert score.leaks == 0


def test_a_mention_left_in_the_text_is_a_leak() -> None:
    score = SpanScore()
    first_two = tuple((s.start, s.end, "NAME") for s in _gold().spans[:2])
    score.add(_gold(), Prediction(first_two, "Seen by Dr. Hale with Mr. Adams; Jones called back."))
    assert score.leaks == 2  # both gold "Jones" strings are still in the output
