"""The understanding cascade: the TF-IDF first pass on every review, the semantic stage for the share it cannot judge.

A review takes the semantic stage when it is in a language the first pass was not trained on, when the first pass
is unsure of its sentiment, or when the first pass sees a faint safety signal (config/understanding.yaml). There,
English reviews get the two stages' sentiment averaged in log space (each corrects the other's domain habits);
other languages get the semantic stage alone plus their own flag lexicon. Semantic probabilities are re-centred so
that the stage's own threshold sits at 0.5, the scale the router's thresholds were set on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import numpy as np

from agent.scorer.dataset import review_document
from agent.scorer.encoder import SentenceEncoder
from agent.scorer.lexicon import RULES
from agent.scorer.lexicon_multilingual import MULTILINGUAL_RULES, match_rules_multilingual
from agent.scorer.model import ESCALATING_FLAGS, FastScorer
from agent.scorer.semantic import SEMANTIC_FLAGS, SemanticHeads
from store.schemas import LabelScore, ReviewScore, Sentiment, Urgency
from store.understanding_config import UnderstandingConfig

__all__ = ["CascadeItem", "CascadeStats", "ScoringCascade", "first_pass_probabilities"]

_SENTIMENTS = (Sentiment.negative, Sentiment.neutral, Sentiment.positive)
_PRIOR = {rule.name: rule.precision_prior for rule in RULES}
_PRIOR.update({rule.name: rule.precision_prior for rules in MULTILINGUAL_RULES.values() for rule in rules})


class CascadeItem(NamedTuple):
    """One review to score: (review_id, title, text, rating, language); the rating is never a feature."""

    review_id: str
    title: str
    text: str
    rating: int | None
    language: str


@dataclass
class CascadeStats:
    """How many reviews each stage scored, and why they took the semantic stage (counts add up across batches)."""

    first_pass: int = 0
    semantic: int = 0
    reasons: dict[str, int] | None = None

    def add(self, reason: str) -> None:
        self.reasons = self.reasons or {}
        self.reasons[reason] = self.reasons.get(reason, 0) + 1


def first_pass_probabilities(score: ReviewScore) -> np.ndarray:
    """(negative, neutral, positive) probabilities recovered from a first-pass score's confidence and score."""
    top, diff = score.sentiment_confidence, score.sentiment_score
    if score.sentiment == Sentiment.negative:
        neg = top
    elif score.sentiment == Sentiment.positive:
        neg = max(top - diff, 0.0)
    else:
        neg = max((1.0 - top - diff) / 2.0, 0.0)
    pos = min(max(diff + neg, 0.0), 1.0)
    return np.clip(np.array([neg, 1.0 - neg - pos, pos]), 1e-6, 1.0)


def _recentre(probability: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """Move each probability so that `threshold` maps to 0.5 (a shift in logit space; order is kept)."""
    p = np.clip(probability, 1e-6, 1 - 1e-6)
    t = np.clip(threshold, 1e-6, 1 - 1e-6)
    logit = np.log(p / (1 - p)) - np.log(t / (1 - t))
    result: np.ndarray = 1.0 / (1.0 + np.exp(-logit))
    return result


class ScoringCascade:
    """Scores batches through the first pass and, for the share that needs it, the semantic stage."""

    def __init__(self, scorer: FastScorer, config: UnderstandingConfig, encoder: SentenceEncoder | None) -> None:
        self.scorer = scorer
        self.config = config
        self.encoder = encoder
        self.heads: SemanticHeads | None = scorer.semantic if encoder is not None else None
        if self.heads is not None and encoder is not None and self.heads.encoder_id != encoder.model_id:
            raise ValueError(
                f"scorer {scorer.version} was trained on {self.heads.encoder_id} embeddings but the encoder is "
                f"{encoder.model_id}; run `reviewops train`"
            )
        self.stats = CascadeStats()

    @property
    def version(self) -> str:
        return self.scorer.version

    def semantic_reason(self, item: CascadeItem, first: ReviewScore) -> str | None:
        """Why this review takes the semantic stage, or None when the first pass is enough."""
        if item.language not in self.config.first_pass_languages:
            return "language" if item.language in self.config.semantic_languages else "language_unsupported"
        if first.sentiment_confidence < self.config.semantic_below_confidence:
            return "low_confidence"
        if first.flags.get("safety_hazard", 0.0) >= self.config.semantic_safety_screen:
            return "safety_screen"
        if self.config.semantic_for_negative and first.sentiment == Sentiment.negative:
            return "negative"
        return None

    def score_batch(self, items: Sequence[CascadeItem], now: datetime) -> list[ReviewScore]:
        """Score every item; the result is in input order and each score names the stage that made it."""
        first = self.scorer.score_batch([(i.review_id, i.title, i.text, i.rating) for i in items], now)
        self.stats.first_pass += len(items)
        if self.heads is None or self.encoder is None:
            return first
        chosen = [(k, reason) for k, (item, score) in enumerate(zip(items, first, strict=True))
                  if (reason := self.semantic_reason(item, score)) is not None]  # fmt: skip
        if not chosen:
            return first
        texts = [_document(items[k]) for k, _ in chosen]
        output = self.heads.predict(self.encoder.encode(texts))
        n_topics = self.heads.topic_count
        topic_probs = _recentre(output.topics, self.heads.thresholds[:n_topics])
        flag_probs = _recentre(output.flags, self.heads.thresholds[n_topics:])
        result = list(first)
        for row, (k, reason) in enumerate(chosen):
            self.stats.semantic += 1
            self.stats.add(reason)
            english = reason not in ("language", "language_unsupported")
            result[k] = self._combine(
                items[k], first[k], output.sentiment[row], topic_probs[row], flag_probs[row], english
            )
        return result

    def _combine(
        self,
        item: CascadeItem,
        first: ReviewScore,
        sentiment: np.ndarray,
        topic_probs: np.ndarray,
        flag_probs: np.ndarray,
        english: bool,
    ) -> ReviewScore:
        heads = self.heads
        assert heads is not None
        if english:
            log_mix = 0.5 * np.log(first_pass_probabilities(first)) + 0.5 * np.log(sentiment + 1e-12)
            probs = np.exp(log_mix - log_mix.max())
            probs /= probs.sum()
            pick = int(np.argmax(log_mix + 0.5 * heads.sentiment_offsets))
        else:
            probs = sentiment
            pick = int(heads.decide_sentiment(sentiment[None, :])[0])
        ranked = np.sort(probs)

        topics = self._topics(first, topic_probs, english, complaint=pick == 0)

        flag_rules = {flag: list(rules) for flag, rules in first.flag_rules.items()}
        for flag, rules in match_rules_multilingual(_document(item), item.language).items():
            flag_rules.setdefault(flag, []).extend(rules)
        flags = dict(first.flags)
        for flag, p in zip(SEMANTIC_FLAGS, flag_probs.tolist(), strict=True):
            flags[flag] = max(flags.get(flag, 0.0), p) if english else p
        for flag, rules in flag_rules.items():
            flags[flag] = max(flags.get(flag, 0.0), *(_PRIOR.get(name, 0.8) for name in rules))

        urgency, urgency_confidence = first.urgency, first.urgency_confidence
        if not english:  # the first pass's urgency head read English words only
            urgency, urgency_confidence = Urgency.low, 0.5
            if pick == 0 and topics:
                urgency = Urgency.medium
        # A flag makes the review urgent when a lexicon rule fired, the first pass raised it, or the semantic stage
        # is sure. On English text the first pass and the English lexicon already read the words, so the semantic
        # stage alone needs `english_flag_confirm`; below that its flag still reaches the router (a possible hazard
        # for the agent to look at) without raising urgency.
        confirm = self.config.english_flag_confirm if english else 0.5
        first_raised = {f for f in ESCALATING_FLAGS if first.flags.get(f, 0.0) >= 0.5}
        semantic = dict(zip(SEMANTIC_FLAGS, flag_probs.tolist(), strict=True))
        urgent = [flags[f] for f in ESCALATING_FLAGS
                  if f in flag_rules or f in first_raised or semantic.get(f, 0.0) >= confirm]  # fmt: skip
        if urgent:
            urgency, urgency_confidence = Urgency.high, max(urgent)
        return ReviewScore.model_construct(
            review_id=first.review_id,
            scorer_version=first.scorer_version,
            sentiment=_SENTIMENTS[pick],
            sentiment_confidence=float(probs[pick]),
            sentiment_score=float(min(1.0, max(-1.0, probs[2] - probs[0]))),
            sentiment_margin=float(min(1.0, max(0.0, ranked[2] - ranked[1]))),
            topics=sorted(
                (LabelScore.model_construct(label=label, confidence=p) for label, p in topics.items()),
                key=lambda topic: -topic.confidence,
            ),
            urgency=urgency,
            urgency_confidence=float(urgency_confidence),
            flags=flags,
            flag_rules=flag_rules,
            scored_at=first.scored_at,
            stage="semantic",
        )

    def _topics(
        self, first: ReviewScore, topic_probs: np.ndarray, english: bool, *, complaint: bool
    ) -> dict[str, float]:
        """Topic confidences: the first pass's on English text, the semantic stage's where the first pass has none,
        and for a complaint (called negative) neither view places, its nearest leaf (prototype ranks transfer across
        shops better than any absolute threshold: docs/decisions.md, "Understanding")."""
        heads = self.heads
        assert heads is not None
        topics = {t.label: t.confidence for t in first.topics} if english else {}
        if any(p >= 0.5 for p in topics.values()):
            return topics
        labels = heads.labels[: heads.topic_count]
        for label, p in zip(labels, topic_probs.tolist(), strict=True):
            if p >= 0.5:
                topics[label] = max(topics.get(label, 0.0), p)
        if complaint and self.config.complaint_nearest_leaf and not any(p >= 0.5 for p in topics.values()):
            best = int(np.argmax(topic_probs))
            topics[labels[best]] = max(topics.get(labels[best], 0.0), 0.5)
        return topics


def _document(item: CascadeItem) -> str:
    return review_document(item.title, item.text)
