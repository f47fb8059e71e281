"""Urgency: explicit red-flag rules (``triage/data/red_flags.json``) plus a small model, erring upwards.

The rules read sentence by sentence and ignore findings that are negated ("denies chest pain") or in the
past ("stroke 10 years ago"). The model, trained on the dev split of our urgency vignettes, averages a
terms model (TF-IDF words and bigrams, stop words kept: "no", "not", "now" and "since" carry urgency) with
a logistic regression over MiniLM embeddings; held-out-file validation on the dev files chose the terms
model's share (see ``evals/datasets/README_urgency.md``). The decision takes the higher of the two, and
low confidence never lands on routine: it escalates to urgent and asks for human review, because
under-triage is the costly error.
Every reason quotes the sentence it rests on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from llm.embeddings import Embedder
from summarizer.text_rules import sentences
from triage.terms import TermModel, softmax

RULES_FILE = Path(__file__).parent / "data" / "red_flags.json"
MODEL_FILE = Path(__file__).parent / "models" / "urgency.npz"
LEVELS = ("emergent", "urgent", "routine")  # most urgent first
RULE_WEIGHT = 0.85  # how much a fired rule outweighs the model in the final probabilities
REVIEW_BELOW = 0.5  # a decision less sure than this goes to a person
ROUTINE_NEEDS = 0.6  # routine needs this much certainty (chosen by held-out-file validation on dev)
URGENCY_REGULARISATION = 10.0  # scikit-learn's C of the embedding model
URGENCY_TERM_REGULARISATION = 30.0  # and of the terms model
URGENCY_TERM_WEIGHT = 0.75  # the terms model's share of the average
_NEGATION = re.compile(
    r"(?i)\b(?:no|nil|never|neither|nor|denies|denied|denying|without|w/o|negative for|ruled out"
    r"|excluded|not|absence of|free of|no (?:signs?|evidence|symptoms) of)\b"
)
_HYPOTHETICAL = re.compile(  # safety-netting and worries, not findings: "return if pain or fainting"
    r"(?i)\b(?:if|in case|unless|watch(?:ing)? (?:out )?for|warned (?:about|of)|safety.net\w*"
    r"|risk of|read (?:online )?that|every (?:week|day|shift|night))\b"
)
_PAST = re.compile(
    r"(?i)\b(?:history of|hx of|h/o|pmh|(?:years?|months?|weeks?) ago|(?:[3-9]|\d\d) days ago"
    r"|last (?:week|month|year|summer|winter|spring|autumn)"
    r"|in the past (?:week|month|year|few (?:weeks|months|years))|previous(?:ly)?|prior"
    r"|remote|resolved|as a (?:child|teenager|baby)|in (?:his|her|my|their) (?:teens|childhood|youth)"
    r"|in the past|fully recovered|family history|fhx|runs in the family|already (?:seen|assessed|treated)"
    r"|seen (?:in|at|by) (?:the )?(?:ed|a&e|emergency|tia clinic|stroke clinic|eye casualty)"
    r"|(?:mother|father|mum|mom|dad|sister|brother|sibling|uncle|aunt|grandmother|grandfather|cousin)(?:'s)?"
    r" (?:had|has had|died|passed away|was diagnosed|suffered))\b"
)
_PAST_AFTER = re.compile(  # a distant time just after the finding: "stroke 10 years ago", "an overdose at 17"
    r"(?i)^[^\n;.!?:]{0,60}?\b(?:(?:years?|months?|weeks?) ago|as a (?:child|teenager)"
    r"|in (?:his|her|my|their) (?:teens|childhood|youth|twenties|thirties)|at (?:the )?age (?:of )?\d+"
    r"|at \d{1,2}(?= (?:after|when|while|and)\b|[,.;]))"
)
_BASELINE_AFTER = re.compile(r"(?i)^[^\n;.!?]{0,30}?\b(?:usual|baseline)\b")  # "SpO2 89% (his usual 88-90%)"
# "sodium 112 (136 two months ago)": the aside is the past, not the finding
_PARENTHESES = re.compile(r"\([^)\n]*\)")
# A paragraph headed as a discharge summary or a dated excerpt reports events a hospital team has assessed
# (the decision rules send those to "urgent" or lower), however acute its words.
_ASSESSED_HEADING = re.compile(
    r"(?i)discharge summary|\(excerpt,? [^)\n]*\b(?:ago|earlier|previously)\)|\bexcerpt\b[^\n]{0,30}\bago\b"
)
_CLAUSE_BREAK = re.compile(  # where a clause ends; "now", "today" and "since" start a new, current one
    r"(?i)[\n;:!?]|\.(?!\d)|\b(?:but|however|although|though|whereas|now|today|tonight"
    r"|this (?:morning|afternoon|evening)|since|then)\b"
)
_LOOKBACK = 80  # characters before a match searched for negation, hypothetical or past-tense cues


@dataclass(frozen=True)
class RedFlagRule:
    """One reviewable rule."""

    id: str
    level: str
    name: str
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Reason:
    """Why a level was suggested: the rule's name, and the sentence it rests on (offsets into the text)."""

    rule: str
    text: str  # the rule's name, e.g. "Signs of acute stroke"
    start: int
    end: int


@dataclass
class UrgencySuggestion:
    """The suggested level, its probabilities and reasons, and whether a person must review it."""

    level: str
    probabilities: dict[str, float]
    reasons: list[Reason] = field(default_factory=list)
    needs_review: bool = False

    @property
    def confidence(self) -> float:
        """The probability of the suggested level."""
        return self.probabilities[self.level]


@cache
def rules() -> tuple[RedFlagRule, ...]:
    """The red-flag rules, compiled."""
    data = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    return tuple(
        RedFlagRule(
            rule["id"],
            rule["level"],
            rule["name"],
            tuple(re.compile(p, re.IGNORECASE | re.DOTALL) for p in rule["patterns"]),
        )
        for rule in data["rules"]
    )


def red_flags(text: str) -> list[Reason]:
    """Every rule that fires on a current, affirmed finding, once per rule, quoting the sentence where its
    match begins. Patterns may reach across sentences ("33 weeks ... BP 168/112")."""
    spans = list(sentences(text, 0, len(text)))
    found: dict[str, Reason] = {}
    for rule in rules():
        match = next(
            (
                m
                for pattern in rule.patterns
                for m in pattern.finditer(text)
                if _affirmed_and_current(text, m)
            ),
            None,
        )
        if match is not None:
            piece = next((p for p in spans if p.start <= match.start() < p.end), None)
            start, end = (piece.start, piece.end) if piece else match.span()
            found[rule.id] = Reason(rule.id, rule.name, start, end)
    return list(found.values())


def _affirmed_and_current(text: str, match: re.Match[str]) -> bool:
    """The finding is current and affirmed: no negation, hypothetical or past cue in its clause shortly
    before it, no distant time ("10 years ago", "at 17") just after it, and, for a pattern reaching across
    clauses ("ESR 86 ... Her vision is normal, no visual blurring, double vision"), none in the clause of its
    last part either. A pattern that spells out a negation itself ("not helping", "without waking") is its
    own judge of negation in that last part."""
    start, end = match.span()
    if not _clause_is_affirmed(text[max(0, start - _LOOKBACK) : start]):
        return False
    after = text[end : end + 80]
    if _BASELINE_AFTER.search(after) or _PAST_AFTER.search(_PARENTHESES.sub("", after)):
        return False
    if _in_a_question(text, end) or _under_an_assessed_heading(text, start):
        return False
    inside = match.group()
    breaks = [b.end() for b in _CLAUSE_BREAK.finditer(inside)]
    if not breaks:
        return True
    own_negation = _NEGATION.search(match.re.pattern) is not None
    return _clause_is_affirmed(inside[breaks[-1] :], negation=not own_negation)


def _in_a_question(text: str, end: int) -> bool:
    """The sentence the match ends in is a question ("Any sudden weakness or facial droop?")."""
    stop = re.search(r"[.!?\n]", text[end:])
    return stop is not None and stop.group() == "?"


def _under_an_assessed_heading(text: str, start: int) -> bool:
    """The match's paragraph opens with a discharge-summary or dated-excerpt heading."""
    paragraph = text.rfind("\n\n", 0, start) + 1
    first_line_end = text.find("\n", paragraph + 1)
    heading_end = start if first_line_end < 0 else min(start, first_line_end)
    return _ASSESSED_HEADING.search(text[paragraph:heading_end]) is not None


def _clause_is_affirmed(before: str, negation: bool = True) -> bool:
    """No cue in the last clause of ``before``."""
    clause = _CLAUSE_BREAK.split(before)[-1]
    cues = (_NEGATION, _HYPOTHETICAL, _PAST) if negation else (_HYPOTHETICAL, _PAST)
    return not any(cue.search(clause) for cue in cues)


def rule_level(reasons: Sequence[Reason]) -> str:
    """The most urgent level among fired rules (routine when none fired)."""
    levels = {rule.id: rule.level for rule in rules()}
    fired = {levels[reason.rule] for reason in reasons}
    return next((level for level in LEVELS if level in fired), "routine")


@dataclass(frozen=True)
class UrgencyModel:
    """Logistic regression over note embeddings, averaged with a terms model when it has one:
    probabilities for ``LEVELS``."""

    weights: np.ndarray  # (3, 384), rows in LEVELS order
    bias: np.ndarray
    term_model: TermModel | None = None

    def probabilities(self, vector: np.ndarray, text: str | None = None) -> np.ndarray:
        """Probabilities of (emergent, urgent, routine) for a note vector (and, when given, its text)."""
        meaning = softmax(self.weights @ vector + self.bias)
        if text is None or self.term_model is None:
            return meaning
        wording = self.term_model.probabilities([text])[0]
        result: np.ndarray = URGENCY_TERM_WEIGHT * wording + (1 - URGENCY_TERM_WEIGHT) * meaning
        return result

    def save(self, path: Path = MODEL_FILE) -> None:
        """Write the artifact (plain arrays: nothing is pickled)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = self.term_model.arrays() if self.term_model is not None else {}
        write: Callable[..., None] = np.savez_compressed
        with path.open("wb") as sink:
            write(sink, weights=self.weights, bias=self.bias, **arrays)

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> UrgencyModel:
        """Read the artifact."""
        if not path.is_file():
            raise FileNotFoundError(f"no urgency model at {path}; run `reconsult triage train`")
        with np.load(path, allow_pickle=False) as data:
            return cls(data["weights"], data["bias"], TermModel.from_arrays(data))


@cache
def default_urgency_model() -> UrgencyModel:
    """The shipped model."""
    return UrgencyModel.load()


def train_urgency(texts: Sequence[str], levels: Sequence[str], embedder: Embedder) -> UrgencyModel:
    """Fit the urgency model (deterministic)."""
    from sklearn.linear_model import LogisticRegression

    from triage.subspecialty import note_vectors

    model = LogisticRegression(C=URGENCY_REGULARISATION, max_iter=5000)
    model.fit(note_vectors(texts, embedder), np.array([LEVELS.index(level) for level in levels]))
    order = [list(model.classes_).index(index) for index in range(len(LEVELS))]
    terms = TermModel.fit(
        texts, levels, LEVELS, URGENCY_TERM_REGULARISATION, drop_stop_words=False, balanced=False
    )
    weights, bias = model.coef_[order].astype(np.float32), model.intercept_[order].astype(np.float32)
    return UrgencyModel(weights, bias, terms)


def suggest_urgency(text: str, vector: np.ndarray, model: UrgencyModel | None = None) -> UrgencySuggestion:
    """The urgency of a case from its text (for the rules) and its note vector (for the model)."""
    reasons = red_flags(text)
    model_probabilities = (model or default_urgency_model()).probabilities(vector, text)
    probabilities = model_probabilities
    fired = rule_level(reasons)
    if reasons:
        certain = np.array([level == fired for level in LEVELS], dtype=float)
        probabilities = RULE_WEIGHT * certain + (1 - RULE_WEIGHT) * model_probabilities
    level = LEVELS[int(np.argmax(probabilities))]
    if level == "emergent" and not reasons and probabilities[0] < REVIEW_BELOW:
        level = "urgent"  # the model alone calls an emergency only when sure; review follows below
    if LEVELS.index(fired) < LEVELS.index(level):  # a rule never loses to the model
        level = fired
    rounded = {name: round(float(p), 4) for name, p in zip(LEVELS, probabilities, strict=True)}
    suggestion = UrgencySuggestion(level, rounded, reasons)
    if suggestion.confidence < REVIEW_BELOW:
        suggestion.needs_review = True
    if level == "routine" and suggestion.confidence < ROUTINE_NEEDS:
        # Routine is the costly answer when wrong: it needs more certainty than any other, else a person
        # looks at the case as urgent.
        suggestion.level = "urgent"
        suggestion.needs_review = True
    return suggestion
