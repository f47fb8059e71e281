"""A terms model: logistic regression over TF-IDF word and bigram weights, stored as plain arrays.

Both triage models use one: the subspecialty model for the terms a note uses (drug names, procedures,
anatomy), the urgency model for the words that carry time and severity ("now", "since this morning",
"cannot", "no"), which is why the urgency model keeps English stop words that the routing model drops.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_TERMS = 8_000


def term_vectorizer(vocabulary: dict[str, int] | None = None, drop_stop_words: bool = True) -> Any:
    """The TF-IDF vectoriser (fitted in training, rebuilt from an artifact's vocabulary to predict)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        sublinear_tf=True,
        min_df=2,
        max_features=MAX_TERMS,
        ngram_range=(1, 2),
        stop_words="english" if drop_stop_words else None,
        vocabulary=vocabulary,
    )


@dataclass(frozen=True)
class TermModel:
    """The fitted vocabulary, its IDF weights, and one row of weights per class (in the caller's order)."""

    terms: tuple[str, ...]
    idf: np.ndarray
    weights: np.ndarray  # (classes, terms)
    bias: np.ndarray  # (classes,)
    drop_stop_words: bool = True

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        classes: Sequence[str],
        regularisation: float,
        drop_stop_words: bool = True,
        balanced: bool = True,
    ) -> TermModel:
        """Fit on ``texts`` (deterministic); rows follow ``classes``."""
        from sklearn.linear_model import LogisticRegression

        vectorizer = term_vectorizer(drop_stop_words=drop_stop_words)
        model = LogisticRegression(
            C=regularisation, max_iter=5000, class_weight="balanced" if balanced else None
        )
        model.fit(vectorizer.fit_transform(list(texts)), np.array(labels))
        weights, bias = per_class_parameters(model.coef_, model.intercept_)
        order = [list(model.classes_).index(name) for name in classes]
        vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
        return cls(
            terms=tuple(vocabulary),
            idf=vectorizer.idf_.astype(np.float32),
            weights=weights[order].astype(np.float32),
            bias=bias[order].astype(np.float32),
            drop_stop_words=drop_stop_words,
        )

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities, one row per text."""
        vocabulary = {term: index for index, term in enumerate(self.terms)}
        vectorizer = term_vectorizer(vocabulary=vocabulary, drop_stop_words=self.drop_stop_words)
        vectorizer.idf_ = self.idf
        return softmax(np.asarray(vectorizer.transform(list(texts)) @ self.weights.T) + self.bias)

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays an artifact stores (no pickles)."""
        return {
            "terms": np.array(self.terms),
            "term_idf": self.idf,
            "term_weights": self.weights,
            "term_bias": self.bias,
            "term_drop_stop_words": np.array(self.drop_stop_words),
        }

    @classmethod
    def from_arrays(cls, data: Any) -> TermModel | None:
        """The terms model stored in an opened ``.npz`` artifact, or None when it has none."""
        if "term_weights" not in data.files:
            return None
        drop = bool(data["term_drop_stop_words"]) if "term_drop_stop_words" in data.files else True
        return cls(
            terms=tuple(str(term) for term in data["terms"]),
            idf=data["term_idf"],
            weights=data["term_weights"],
            bias=data["term_bias"],
            drop_stop_words=drop,
        )


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exponentials = np.exp(shifted)
    result: np.ndarray = exponentials / exponentials.sum(axis=-1, keepdims=True)
    return result


def per_class_parameters(coef: np.ndarray, intercept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One row of weights per class: with two classes scikit-learn keeps one row (the second class's
    log-odds), which halved and mirrored gives the same probabilities through a softmax."""
    if coef.shape[0] > 1:
        return coef, intercept
    return np.vstack([-coef[0] / 2, coef[0] / 2]), np.array([-intercept[0] / 2, intercept[0] / 2])
