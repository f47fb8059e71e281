"""Subspecialty routing offline: two linear models averaged. One reads MiniLM embeddings of the note (its
meaning), with a temperature that calibrates its probabilities; the other reads TF-IDF word and bigram
weights (its terms: drug names, procedures, anatomy).

A note is embedded passage by passage (its first few, where the reason for the note is written) and the
passages averaged. The trained model is an artifact in ``triage/models`` (weights, classes, temperature,
version and the digest of the training file), written by ``reconsult triage train`` and read at start-up.
Training is deterministic: the same file gives the same artifact.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from llm.embeddings import Embedder
from triage.taxonomy import subspecialties, training_label
from triage.terms import TermModel, per_class_parameters, softmax

MODEL_DIR = Path(__file__).parent / "models"
MODEL_FILE = MODEL_DIR / "subspecialty.npz"
MODEL_VERSION = "subspecialty-2"
PASSAGE_CHARS = 1_000
PASSAGES_PER_NOTE = 4
REGULARISATION = 4.0  # inverse strength (scikit-learn's C); chosen before training, not tuned on dev
TERM_REGULARISATION = 10.0
CV_FOLDS = 5
TERM_WEIGHT = 0.5  # the terms model's share of the average: equal, chosen before measuring


@dataclass(frozen=True)
class SubspecialtyModel:
    """A trained routing model: the meaning model, and (optionally) the terms model averaged with it."""

    classes: tuple[str, ...]
    weights: np.ndarray  # (classes, 384)
    bias: np.ndarray  # (classes,)
    temperature: float
    version: str
    training_digest: str
    term_model: TermModel | None = None

    def probabilities(self, vectors: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        """Class probabilities for each row of ``vectors`` (and, when given, the texts they embed)."""
        meaning = softmax((vectors @ self.weights.T + self.bias) / self.temperature)
        if texts is None or self.term_model is None:
            return meaning
        result: np.ndarray = TERM_WEIGHT * self.term_model.probabilities(texts) + (1 - TERM_WEIGHT) * meaning
        return result

    def save(self, path: Path = MODEL_FILE) -> None:
        """Write the artifact (plain arrays and JSON: nothing is pickled)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "classes": list(self.classes),
            "temperature": self.temperature,
            "version": self.version,
            "training_digest": self.training_digest,
        }
        arrays: dict[str, np.ndarray] = {"weights": self.weights, "bias": self.bias}
        if self.term_model is not None:
            arrays |= self.term_model.arrays()
        with path.open("wb") as sink:
            write: Callable[..., None] = np.savez_compressed
            write(sink, meta=np.array(json.dumps(meta)), **arrays)

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> SubspecialtyModel:
        """Read an artifact; FileNotFoundError names the training command when there is none."""
        if not path.is_file():
            raise FileNotFoundError(f"no subspecialty model at {path}; run `reconsult triage train`")
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            return cls(
                classes=tuple(meta["classes"]),
                weights=data["weights"],
                bias=data["bias"],
                temperature=float(meta["temperature"]),
                version=meta["version"],
                training_digest=meta["training_digest"],
                term_model=TermModel.from_arrays(data),
            )


@cache
def default_model() -> SubspecialtyModel:
    """The shipped model."""
    return SubspecialtyModel.load()


def passages_of(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` of the passages of ``text`` that are embedded."""
    from summarizer.prepare import passages

    return passages(text, PASSAGE_CHARS)[:PASSAGES_PER_NOTE] or [(0, 0)]


def passage_vectors(texts: Sequence[str], embedder: Embedder) -> list[np.ndarray]:
    """Per text, the embeddings of its passages (:func:`passages_of`), one row each, in one batch."""
    spans = [passages_of(text) for text in texts]
    flat = [text[start:end] for text, pieces in zip(texts, spans, strict=True) for start, end in pieces]
    embedded = np.asarray(embedder.embed(flat), dtype=np.float32)
    rows, position = [], 0
    for pieces in spans:
        rows.append(embedded[position : position + len(pieces)])
        position += len(pieces)
    return rows


def mean_vector(passages: np.ndarray) -> np.ndarray:
    """The unit-length mean of passage embeddings: a note's vector."""
    mean = passages.mean(axis=0)
    result: np.ndarray = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return result


def note_vectors(texts: Sequence[str], embedder: Embedder) -> np.ndarray:
    """One unit vector per text: the mean of its first passages' embeddings."""
    return np.vstack([mean_vector(rows) for rows in passage_vectors(texts, embedder)])


@dataclass(frozen=True)
class LabelledNote:
    """A training example: one distinct note and the subspecialty it trains."""

    text: str
    label: str


def training_examples(csv_path: Path) -> list[LabelledNote]:
    """Distinct (note, subspecialty) pairs of a MTSamples-format CSV, without non-routable labels."""
    seen: set[tuple[str, str]] = set()
    examples = []
    for row in _rows(csv_path):
        label = training_label(row["medical_specialty"], row["transcription"])
        key = (row["transcription"], label or "")
        if label is not None and key not in seen:
            seen.add(key)
            examples.append(LabelledNote(row["transcription"], label))
    return examples


def _rows(csv_path: Path) -> Iterable[dict[str, str]]:
    with csv_path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def train(csv_path: Path, embedder: Embedder, extra: Sequence[LabelledNote] = ()) -> SubspecialtyModel:
    """Fit the model on a MTSamples-format CSV and ``extra`` examples, such as referral-style vignettes (the
    transcriptions are long notes; referrals are short): deterministic."""
    from sklearn.linear_model import LogisticRegression

    examples = training_examples(csv_path) + list(extra)
    vectors = note_vectors([example.text for example in examples], embedder)
    labels = np.array([example.label for example in examples])
    model = LogisticRegression(C=REGULARISATION, max_iter=5000, class_weight="balanced")
    model.fit(vectors, labels)
    temperature = _fit_temperature(vectors, labels)
    order = [slug for slug in subspecialties() if slug in set(model.classes_)]
    index = [list(model.classes_).index(slug) for slug in order]
    weights, bias = per_class_parameters(model.coef_, model.intercept_)
    term_model = TermModel.fit(
        [example.text for example in examples],
        [example.label for example in examples],
        order,
        TERM_REGULARISATION,
    )
    return SubspecialtyModel(
        classes=tuple(order),
        weights=weights[index].astype(np.float32),
        bias=bias[index].astype(np.float32),
        temperature=temperature,
        version=MODEL_VERSION,
        training_digest=_digest(csv_path, extra),
        term_model=term_model,
    )


def _digest(csv_path: Path, extra: Sequence[LabelledNote]) -> str:
    digest = hashlib.sha256(csv_path.read_bytes())
    for example in extra:
        digest.update(f"\n{example.label}\t{example.text}".encode())
    return digest.hexdigest()


def _fit_temperature(vectors: np.ndarray, labels: np.ndarray) -> float:
    """The temperature minimising the log loss of out-of-fold logits (cross-validated on the training set)."""
    from scipy.optimize import minimize_scalar
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    folds = StratifiedKFold(n_splits=CV_FOLDS, shuffle=True, random_state=0)
    logits = cross_val_predict(
        LogisticRegression(C=REGULARISATION, max_iter=5000, class_weight="balanced"),
        vectors,
        labels,
        cv=folds,
        method="decision_function",
    )
    if logits.ndim == 1:  # two classes: one log-odds column
        logits = np.column_stack([-logits / 2, logits / 2])
    classes = np.unique(labels)
    truth = np.searchsorted(classes, labels)

    def log_loss(temperature: float) -> float:
        scaled = logits / temperature
        scaled -= scaled.max(axis=1, keepdims=True)
        log_probabilities = scaled - np.log(np.exp(scaled).sum(axis=1, keepdims=True))
        return float(-log_probabilities[np.arange(len(truth)), truth].mean())

    result: Any = minimize_scalar(log_loss, bounds=(0.05, 20.0), method="bounded")
    return float(result.x)
