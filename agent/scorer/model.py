"""The fast scorer: one TF-IDF matrix per batch, shared by linear heads for sentiment, urgency, topics and flags."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from agent.scorer.dataset import SENTIMENT_LABELS, TOPIC_LABELS, URGENCY_LABELS, review_document
from agent.scorer.lexicon import RULES, match_rules
from agent.scorer.semantic import SemanticHeads
from agent.scorer.sentiment import SentimentStack
from store.schemas import FLAG_NAMES, LabelScore, ReviewScore, Sentiment, Urgency

__all__ = [
    "ARTIFACT_FORMAT",
    "CURRENT_FILE",
    "ESCALATING_FLAGS",
    "MANIFEST_FILE",
    "MODEL_FILE",
    "SEMANTIC_FILE",
    "FastScorer",
    "ScorerNotTrainedError",
    "ScorerParams",
    "load_current",
]

ARTIFACT_FORMAT = 2
MODEL_FILE = "model.joblib"
SEMANTIC_FILE = "semantic.joblib"
"""The semantic stage's heads (agent/scorer/semantic.py), present when the artifact was trained with them."""
MANIFEST_FILE = "manifest.json"
CURRENT_FILE = "CURRENT"

ESCALATING_FLAGS: tuple[str, ...] = ("safety_hazard", "legal_threat")
"""A lexicon hit on one of these makes urgency `high`, matching how the seed set defines urgency."""

_SENTIMENTS = tuple(Sentiment(s) for s in SENTIMENT_LABELS)
_URGENCIES = tuple(Urgency(u) for u in URGENCY_LABELS)
_PRIOR = {rule.name: rule.precision_prior for rule in RULES}

ReviewItem = tuple[str, str, str, int | None]
"""(review_id, title, text, rating); the rating is ignored: sentiment comes from the text alone."""


class ScorerNotTrainedError(FileNotFoundError):
    """No usable scorer artifact where one was expected."""


@dataclass(frozen=True)
class ScorerParams:
    """Everything a trained scorer needs at run time; saved with joblib as a plain dict."""

    vectorizer: TfidfVectorizer
    """TF-IDF of the whole document (title and text), shared by every head."""
    title_vectorizer: TfidfVectorizer
    """TF-IDF of the title alone, a separate field that only the sentiment head reads."""
    sentiment: SentimentStack
    weights: np.ndarray
    """(n_features, 3 + n_binary): 3 urgency logits, then one score per binary head."""
    bias: np.ndarray
    binary_labels: tuple[str, ...]
    """Topic ids in TOPIC_LABELS order, then flag names in FLAG_NAMES order."""
    urgency_temperature: float
    platt_slope: np.ndarray
    platt_intercept: np.ndarray
    thresholds: np.ndarray
    """Per binary head: raise the label when its calibrated probability reaches this value."""

    def to_payload(self) -> dict[str, Any]:
        return {"format": ARTIFACT_FORMAT, **self.__dict__}

    @classmethod
    def from_payload(cls, payload: dict[str, Any], source: Path) -> ScorerParams:
        if payload.get("format") != ARTIFACT_FORMAT:
            raise ScorerNotTrainedError(
                f"{source}: artifact format {payload.get('format')!r} is not {ARTIFACT_FORMAT}; "
                "run `reviewops train` to rebuild it with this code"
            )
        fields = {k: v for k, v in payload.items() if k != "format"}
        return cls(**fields)


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    result: np.ndarray = shifted / shifted.sum(axis=1, keepdims=True)
    return result


def _sigmoid(values: np.ndarray) -> np.ndarray:
    result: np.ndarray = 1.0 / (1.0 + np.exp(-values))
    return result


class FastScorer:
    """Scores reviews in batches; every output carries a calibrated probability and the artifact version."""

    def __init__(
        self, version: str, params: ScorerParams, manifest: dict[str, Any], semantic: SemanticHeads | None = None
    ) -> None:
        expected = (*TOPIC_LABELS, *FLAG_NAMES)
        if params.binary_labels != expected:
            raise ScorerNotTrainedError(
                f"artifact {version} predicts {list(params.binary_labels)}, this code expects {list(expected)}; "
                "run `reviewops train`"
            )
        self.version: str = version
        self.manifest: dict[str, Any] = manifest
        self.semantic: SemanticHeads | None = semantic
        """The semantic stage's heads trained with this artifact, if any (agent/scorer/cascade.py runs them)."""
        self._params = params
        self._n_topics = len(TOPIC_LABELS)
        self.flag_thresholds: dict[str, float] = {
            flag: float(params.thresholds[self._n_topics + j]) for j, flag in enumerate(FLAG_NAMES)
        }
        """Per flag: the probability at which this scorer itself raises it (chosen on train-split CV)."""

    @classmethod
    def load(cls, path: Path) -> FastScorer:
        """Load one artifact folder (`<models dir>/<version>/` holding manifest.json and model.joblib)."""
        manifest_path, model_path = path / MANIFEST_FILE, path / MODEL_FILE
        if not manifest_path.is_file() or not model_path.is_file():
            raise ScorerNotTrainedError(
                f"{path}: not a scorer artifact (needs {MANIFEST_FILE} and {MODEL_FILE}); run `reviewops train`"
            )
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        params = ScorerParams.from_payload(joblib.load(model_path), model_path)
        semantic_path = path / SEMANTIC_FILE
        semantic = joblib.load(semantic_path) if semantic_path.is_file() else None
        return cls(str(manifest["version"]), params, manifest, semantic)

    def raised_flags(self, score: ReviewScore) -> list[str]:
        """The flags this scorer raises on `score`: a lexicon rule fired or the probability reached its threshold."""
        return [f for f in FLAG_NAMES if f in score.flag_rules or score.flags.get(f, 0.0) >= self.flag_thresholds[f]]

    def score_batch(self, items: Sequence[ReviewItem], now: datetime) -> list[ReviewScore]:
        """Score (review_id, title, text, rating) items; the text is vectorized once and shared by all heads."""
        if not items:
            return []
        p = self._params
        documents = [review_document(title, text) for _, title, text, _ in items]
        features = p.vectorizer.transform(documents)
        titles = p.title_vectorizer.transform([title for _, title, _, _ in items])
        sentiment = p.sentiment.probabilities(sp.hstack([features, titles], format="csr"))
        decided = np.argmax(np.log(sentiment + 1e-12) + p.sentiment.offsets, axis=1)
        ranked = np.sort(sentiment, axis=1)
        margins = ranked[:, 2] - ranked[:, 1]
        logits = np.asarray(features @ p.weights) + p.bias
        urgency = _softmax(logits[:, 0:3] / p.urgency_temperature)
        binary = _sigmoid(logits[:, 3:] * p.platt_slope + p.platt_intercept)
        raised = binary[:, : self._n_topics] >= p.thresholds[: self._n_topics]

        rows = zip(
            items,
            documents,
            sentiment.tolist(),
            decided.tolist(),
            margins.tolist(),
            urgency.tolist(),
            binary.tolist(),
            raised.tolist(),
            strict=True,
        )
        return [
            self._assemble(item[0], doc, s_probs, s_pick, margin, u_probs, b_probs, b_raised, now)
            for item, doc, s_probs, s_pick, margin, u_probs, b_probs, b_raised in rows
        ]

    def _assemble(
        self,
        review_id: str,
        document: str,
        s_probs: list[float],
        s_pick: int,
        margin: float,
        u_probs: list[float],
        b_probs: list[float],
        b_raised: list[bool],
        now: datetime,
    ) -> ReviewScore:
        n = self._n_topics
        topics = sorted(
            (LabelScore.model_construct(label=TOPIC_LABELS[i], confidence=b_probs[i]) for i in range(n) if b_raised[i]),
            key=lambda topic: -topic.confidence,
        )
        fired = match_rules(document)
        flags: dict[str, float] = {}
        for j, flag in enumerate(FLAG_NAMES):
            rules = fired.get(flag)
            flags[flag] = max(b_probs[n + j], *(_PRIOR[name] for name in rules)) if rules else b_probs[n + j]
        u_pick = max(range(3), key=u_probs.__getitem__)
        u_confidence = u_probs[u_pick]
        escalation = [flags[f] for f in ESCALATING_FLAGS if f in fired]
        if escalation:
            u_pick, u_confidence = 2, max(u_probs[2], *escalation)
        # Values are in range by construction, so model_construct skips re-validating them (~5% of batch time).
        return ReviewScore.model_construct(
            review_id=review_id,
            scorer_version=self.version,
            sentiment=_SENTIMENTS[s_pick],
            sentiment_confidence=s_probs[s_pick],
            sentiment_score=min(1.0, max(-1.0, s_probs[2] - s_probs[0])),
            sentiment_margin=min(1.0, max(0.0, margin)),
            topics=topics,
            urgency=_URGENCIES[u_pick],
            urgency_confidence=u_confidence,
            flags=flags,
            flag_rules=fired,
            scored_at=now,
        )


def load_current(out_dir: Path) -> FastScorer:
    """Load the artifact that `<out_dir>/CURRENT` names; raise a clear error when nothing has been trained."""
    pointer = out_dir / CURRENT_FILE
    if not pointer.is_file():
        raise ScorerNotTrainedError(
            f"No trained scorer in {out_dir} ({CURRENT_FILE} is missing); run `reviewops train` to build one "
            "from data/seed/labeled_reviews.jsonl and the human labels in the database."
        )
    version = pointer.read_text(encoding="utf-8").strip()
    return FastScorer.load(out_dir / version)
