"""The semantic stage: heads on frozen multilingual embeddings for sentiment, taxonomy topics and flags.

Every head has two views. A supervised one (logistic regression on the embedding, trained on the labeled seed set
and star-rated reviews) and, for topics and flags, a prototype one: the cosine similarity of the review to the
leaf's own description, keywords and examples from the taxonomy, mapped to a probability by one calibration
shared by all leaves. The shared calibration is what lets a leaf nobody labeled work on day one; a label's
probability is the larger of the two views.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import log_softmax
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from agent.scorer.sentiment import fit_temperature, macro_f1
from store.taxonomy import Taxonomy

__all__ = ["SEMANTIC_FLAGS", "SemanticHeads", "SemanticOutput", "fit_semantic_heads", "prototype_texts"]

SEMANTIC_FLAGS: tuple[str, ...] = ("safety_hazard", "refund_intent", "legal_threat")
"""Flags the semantic stage scores; profanity stays with the lexicon (it is about words, not meaning)."""


def prototype_texts(taxonomy: Taxonomy, label: str) -> list[str]:
    """The texts that stand for a topic or flag: its description, each keyword phrase and each example."""
    item: Any = taxonomy.topic(label) if label in taxonomy.topic_ids() else _flag(taxonomy, label)
    return [item.description, *item.keywords, *item.examples]


def _flag(taxonomy: Taxonomy, flag: str) -> Any:
    for definition in taxonomy.flags:
        if definition.id == flag:
            return definition
    raise KeyError(f"taxonomy {taxonomy.version} has no flag {flag!r}")


@dataclass(frozen=True)
class SemanticOutput:
    """What the semantic stage says about a batch: (n, 3) sentiment probabilities and per-label probabilities."""

    sentiment: np.ndarray
    topics: np.ndarray
    """(n, len(topic_labels)) probabilities."""
    flags: np.ndarray
    """(n, len(SEMANTIC_FLAGS)) probabilities."""


@dataclass(frozen=True)
class SemanticHeads:
    """Trained heads over one encoder's embeddings; plain arrays so the artifact pickles small and loads fast."""

    encoder_id: str
    sentiment_coef: np.ndarray
    """(3, d) logistic-regression weights (negative, neutral, positive)."""
    sentiment_intercept: np.ndarray
    sentiment_temperature: float
    sentiment_offsets: np.ndarray
    """Log-space class offsets for the decision, picked on out-of-fold predictions of the training rows."""
    labels: tuple[str, ...]
    """Topic ids, then SEMANTIC_FLAGS."""
    prototypes: np.ndarray
    """(n_prototypes, d) embedded prototype texts; `prototype_owner[i]` is the label index of row i."""
    prototype_owner: np.ndarray
    prototype_slope: float
    prototype_shift: float
    """P(label | best prototype similarity s) = sigmoid(slope * (s - shift)), one calibration for every label."""
    supervised_coef: np.ndarray
    """(n_labels, d) one-vs-rest weights; labels with too few examples have zero weights and a -10 bias."""
    supervised_intercept: np.ndarray
    thresholds: np.ndarray
    """Per label: raise it when the combined probability reaches this."""

    @property
    def topic_count(self) -> int:
        return len(self.labels) - len(SEMANTIC_FLAGS)

    def predict(self, embeddings: np.ndarray) -> SemanticOutput:
        """Sentiment, topic and flag probabilities for (n, d) L2-normalized embeddings."""
        logits = (embeddings @ self.sentiment_coef.T + self.sentiment_intercept) / self.sentiment_temperature
        sentiment = np.exp(log_softmax(logits, axis=1))
        combined = self.combined_probabilities(embeddings)
        n_topics = self.topic_count
        return SemanticOutput(sentiment=sentiment, topics=combined[:, :n_topics], flags=combined[:, n_topics:])

    def combined_probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        """(n, n_labels): topics take the larger of the prototype and supervised views, flags the supervised one."""
        return _combine_views(self.prototype_probabilities(embeddings), self.supervised_probabilities(embeddings))

    def best_similarity(self, embeddings: np.ndarray) -> np.ndarray:
        """(n, n_labels) the highest cosine similarity of each review to any prototype text of each label."""
        similarity = embeddings @ self.prototypes.T
        best = np.full((len(embeddings), len(self.labels)), -1.0, dtype=np.float32)
        for label in range(len(self.labels)):
            columns = self.prototype_owner == label
            if columns.any():
                best[:, label] = similarity[:, columns].max(axis=1)
        return best

    def prototype_probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        return _sigmoid(self.prototype_slope * (self.best_similarity(embeddings) - self.prototype_shift))

    def supervised_probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        return _sigmoid(embeddings @ self.supervised_coef.T + self.supervised_intercept)

    def decide_sentiment(self, probabilities: np.ndarray) -> np.ndarray:
        """Class index per row after the decision offsets."""
        result: np.ndarray = np.argmax(np.log(probabilities + 1e-12) + self.sentiment_offsets, axis=1)
        return result


def _combine_views(prototype: np.ndarray, supervised: np.ndarray) -> np.ndarray:
    # Flags use the supervised view alone: measured on reviews in seven languages, prototype similarity of ordinary
    # non-English reviews to the hazard examples ran high (15% of normal reviews over the threshold vs 0% for the
    # supervised head), so it would send other languages to the agent far more often than English.
    n_flags = len(SEMANTIC_FLAGS)
    combined = np.maximum(prototype, supervised)
    combined[:, -n_flags:] = supervised[:, -n_flags:]
    return combined


def _sigmoid(values: np.ndarray) -> np.ndarray:
    result: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(values, -30.0, 30.0)))
    return result


def _best_offsets(log_probs: np.ndarray, y: np.ndarray) -> np.ndarray:
    grid = np.round(np.arange(-2.0, 2.01, 0.1), 2)
    best, best_f1 = np.zeros(3), macro_f1(y, log_probs.argmax(axis=1), 3)
    for a in grid:
        for b in grid:
            offsets = np.array([a, b, 0.0])
            f1 = macro_f1(y, (log_probs + offsets).argmax(axis=1), 3)
            if f1 > best_f1 + 1e-9:
                best, best_f1 = offsets, f1
    return best


def _fit_sentiment(
    x: np.ndarray, y: np.ndarray, c: float, seed: int
) -> tuple[LogisticRegression, float, np.ndarray, dict[str, Any]]:
    folds = StratifiedKFold(3, shuffle=True, random_state=seed)
    oof = np.zeros((len(y), 3))
    for train_idx, test_idx in folds.split(x, y):
        model = LogisticRegression(C=c, max_iter=2000).fit(x[train_idx], y[train_idx])
        oof[test_idx] = model.decision_function(x[test_idx])
    temperature = fit_temperature(oof, y)
    log_probs = log_softmax(oof / temperature, axis=1)
    offsets = _best_offsets(log_probs, y)
    report = {
        "rows": len(y),
        "C": c,
        "cv_macro_f1_raw": round(macro_f1(y, log_probs.argmax(axis=1), 3), 4),
        "cv_macro_f1": round(macro_f1(y, (log_probs + offsets).argmax(axis=1), 3), 4),
        "offsets": offsets.round(2).tolist(),
    }
    return LogisticRegression(C=c, max_iter=2000).fit(x, y), temperature, offsets, report


def _fit_prototype_calibration(best: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """One sigmoid over every (review, topic) pair's best prototype similarity: shared, so unlabeled leaves work."""
    n_topics = best.shape[1] - len(SEMANTIC_FLAGS)
    pairs_x, pairs_y = best[:, :n_topics].reshape(-1, 1), truth[:, :n_topics].reshape(-1)
    if pairs_y.min() == pairs_y.max():
        return 20.0, 0.9
    model = LogisticRegression(C=1e4, class_weight="balanced", max_iter=2000).fit(pairs_x, pairs_y)
    slope = float(model.coef_[0, 0])
    return slope, float(-model.intercept_[0] / slope)


def _fit_supervised(x: np.ndarray, truth: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One-vs-rest heads and their out-of-fold probabilities (for thresholds)."""
    n_labels = truth.shape[1]
    coef = np.zeros((n_labels, x.shape[1]), dtype=np.float32)
    intercept = np.full(n_labels, -10.0, dtype=np.float32)
    oof = np.zeros(truth.shape)
    for j in range(n_labels):
        y = truth[:, j]
        if y.sum() < 6:
            continue
        folds = StratifiedKFold(3, shuffle=True, random_state=seed)
        for train_idx, test_idx in folds.split(x, y):
            model = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000).fit(x[train_idx], y[train_idx])
            oof[test_idx, j] = model.predict_proba(x[test_idx])[:, 1]
        model = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000).fit(x, y)
        coef[j], intercept[j] = model.coef_[0], model.intercept_[0]
    return coef, intercept, oof


_FLAG_MIN_RECALL = {"safety_hazard": 0.98, "legal_threat": 0.95, "refund_intent": 0.95}
"""Flags favour recall: their threshold is the highest one that keeps this out-of-fold recall on the seed set."""


def _thresholds(probabilities: np.ndarray, truth: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    """Per label: topics maximize F1 on out-of-fold probabilities; flags keep `_FLAG_MIN_RECALL` (0.5: no positives)."""
    thresholds = np.full(truth.shape[1], 0.5)
    grid = np.round(np.arange(0.05, 0.96, 0.01), 2)
    for j, label in enumerate(labels):
        y = truth[:, j].astype(bool)
        if not y.any():
            continue
        if label in _FLAG_MIN_RECALL:
            keeping = [t for t in grid if (probabilities[y, j] >= t).mean() >= _FLAG_MIN_RECALL[label]]
            thresholds[j] = float(max(keeping)) if keeping else float(grid[0])
            continue
        best = -1.0
        for t in grid:
            pred = probabilities[:, j] >= t
            tp, fp, fn = int((pred & y).sum()), int((pred & ~y).sum()), int((~pred & y).sum())
            f = 2 * tp / max(1, 2 * tp + fn + fp)
            if f > best + 1e-9:
                best, thresholds[j] = f, float(t)
    return thresholds


def fit_semantic_heads(
    encoder_id: str,
    taxonomy: Taxonomy,
    prototype_embeddings: dict[str, np.ndarray],
    labeled: np.ndarray,
    label_truth: np.ndarray,
    sentiment_x: np.ndarray,
    sentiment_y: np.ndarray,
    seed: int = 13,
) -> tuple[SemanticHeads, dict[str, Any]]:
    """Fit every head from embeddings; the caller embeds (see agent/scorer/training.py).

    `prototype_embeddings` maps each topic id and semantic flag to its embedded prototype texts; `labeled` and
    `label_truth` are the seed rows' embeddings and their (n, n_labels) 0/1 topic + flag labels; `sentiment_x`/`_y`
    are every sentiment-labeled row (seed and star-rated reviews).
    """
    labels = (*taxonomy.topic_ids(), *SEMANTIC_FLAGS)
    vectors = [prototype_embeddings[label] for label in labels]
    prototypes = np.vstack(vectors).astype(np.float32)
    owner = np.concatenate([np.full(len(v), i) for i, v in enumerate(vectors)])
    sentiment, temperature, offsets, sentiment_report = _fit_sentiment(sentiment_x, sentiment_y, 1.0, seed)

    draft = SemanticHeads(
        encoder_id=encoder_id,
        sentiment_coef=sentiment.coef_.astype(np.float32),
        sentiment_intercept=sentiment.intercept_.astype(np.float32),
        sentiment_temperature=temperature,
        sentiment_offsets=offsets,
        labels=labels,
        prototypes=prototypes,
        prototype_owner=owner,
        prototype_slope=20.0,
        prototype_shift=0.9,
        supervised_coef=np.zeros((len(labels), prototypes.shape[1]), dtype=np.float32),
        supervised_intercept=np.full(len(labels), -10.0, dtype=np.float32),
        thresholds=np.full(len(labels), 0.5),
    )
    best = draft.best_similarity(labeled)
    slope, shift = _fit_prototype_calibration(best, label_truth)
    coef, intercept, oof = _fit_supervised(labeled, label_truth, seed)
    prototype_probs = _sigmoid(slope * (best - shift))
    combined_oof = _combine_views(prototype_probs, oof)
    thresholds = _thresholds(combined_oof, label_truth, labels)
    heads = SemanticHeads(
        encoder_id=encoder_id,
        sentiment_coef=draft.sentiment_coef,
        sentiment_intercept=draft.sentiment_intercept,
        sentiment_temperature=temperature,
        sentiment_offsets=offsets,
        labels=labels,
        prototypes=prototypes,
        prototype_owner=owner,
        prototype_slope=slope,
        prototype_shift=shift,
        supervised_coef=coef,
        supervised_intercept=intercept,
        thresholds=thresholds,
    )
    raised = combined_oof >= thresholds
    truth = label_truth.astype(bool)
    per_label = {}
    for j, label in enumerate(labels):
        tp = int((raised[:, j] & truth[:, j]).sum())
        denom = int(raised[:, j].sum() + truth[:, j].sum())
        per_label[label] = {
            "positives": int(truth[:, j].sum()),
            "threshold": round(float(thresholds[j]), 2),
            "cv_f1": round(2 * tp / denom, 4) if denom else None,
        }
    report = {
        "encoder": encoder_id,
        "sentiment": sentiment_report,
        "prototype_calibration": {"slope": round(slope, 3), "shift": round(shift, 4)},
        "prototypes": len(prototypes),
        "labels": per_label,
    }
    return heads, report
