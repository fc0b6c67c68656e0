"""The fast router: send each scored review to `done` or to the triage agent, with a severity and the reasons.

Runs on every review, so it is a pure function over already-validated models: no I/O, no re-validation.
High-severity cases (safety, legal threat, refund on an expensive order, a high-severity topic, confident
high urgency) and reviews of SKUs with an active incident always go to the agent; ambiguous scores go to
the agent at medium severity; everything else is `done`, with severity from its topics and urgency.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from store.routing_config import RoutingConfig
from store.schemas import CleanedReview, ReviewScore, Route, RouteDecision, Sentiment, Urgency
from store.taxonomy import Taxonomy, TaxonomyLookupError
from store.understanding_config import UnderstandingConfig

__all__ = ["reason_code", "route_batch", "route_review"]

_RANK = {Urgency.low: 0, Urgency.medium: 1, Urgency.high: 2}
_REASON_CODE = re.compile(r"[^(:]+")


def route_review(
    review: CleanedReview,
    score: ReviewScore,
    config: RoutingConfig,
    taxonomy: Taxonomy,
    active_incident_skus: frozenset[str],
    now: datetime,
    understanding: UnderstandingConfig | None = None,
) -> RouteDecision:
    """Decide where one scored review goes; reasons are machine-readable codes such as `safety_flag`.

    With `understanding`, a review in a language the system does not understand goes to the human review queue
    (`language_unsupported:<lang>`) instead of the agent, unless a high-severity reason (a flag) escalates it.
    """
    if score.review_id != review.review_id:
        raise ValueError(f"score is for {score.review_id!r} but the review is {review.review_id!r}; pair them by id")
    high: list[str] = []
    incident: list[str] = []
    severity = Urgency.low
    flags, rules, thresholds = score.flags, score.flag_rules, config.flag_thresholds

    # Safety honours its lexicon always: a rule like "caught fire" escalates even when the model is unsure.
    if flags.get("safety_hazard", 0.0) >= thresholds["safety_hazard"]:
        high.append("safety_flag")
    high.extend(f"safety_lexicon:{rule}" for rule in rules.get("safety_hazard", ()))
    if flags.get("legal_threat", 0.0) >= thresholds["legal_threat"]:
        high.append("legal_threat")
    if "legal_threat" in config.lexicon_flags:
        high.extend(f"legal_lexicon:{rule}" for rule in rules.get("legal_threat", ()))
    order_value = review.order_value
    if (
        order_value is not None
        and order_value >= config.expensive_order_value
        and _fires(score, "refund_intent", config)
    ):
        high.append(f"refund_intent_expensive_order({order_value:.2f}>={_number(config.expensive_order_value)})")

    if review.sku is not None and review.sku in active_incident_skus:
        incident.append(f"active_incident:{review.sku}")
        severity = _max(severity, config.active_incident_severity)

    confident_topics = [t.label for t in score.topics if t.confidence >= config.min_topic_confidence]
    if score.sentiment != Sentiment.positive:
        # Praise that mentions a topic is not an issue, so only non-positive reviews take topic severity.
        for topic_id in confident_topics:
            topic_severity = _topic_severity(taxonomy, topic_id, score)
            if topic_severity == Urgency.high:
                high.append(f"high_severity_topic:{topic_id}")
            severity = _max(severity, topic_severity)

    if score.urgency == Urgency.high:
        if score.urgency_confidence >= config.high_urgency_min_confidence:
            high.append(f"high_urgency({score.urgency_confidence:.2f}>={config.high_urgency_min_confidence:.2f})")
        severity = _max(severity, Urgency.medium)
    elif score.urgency == Urgency.medium:
        severity = _max(severity, Urgency.medium)

    ambiguous = _ambiguity_reasons(review, score, config, confident_topics)

    reasons = high + incident + ambiguous
    if high:
        severity = Urgency.high
    elif ambiguous:
        severity = _max(severity, Urgency.medium)
    route = Route.agent if reasons else Route.done
    if understanding is not None and not high and not understanding.understands(review.language):
        route, reasons = Route.human, [f"language_unsupported:{review.language}", *incident, *ambiguous]
    return RouteDecision(
        review_id=review.review_id,
        route=route,
        severity=severity,
        reasons=reasons,
        scorer_version=score.scorer_version,
        routing_version=config.version,
        routed_at=now,
    )


def route_batch(
    reviews: Sequence[CleanedReview],
    scores: Sequence[ReviewScore],
    config: RoutingConfig,
    taxonomy: Taxonomy,
    active_incident_skus: frozenset[str],
    now: datetime,
    understanding: UnderstandingConfig | None = None,
) -> list[RouteDecision]:
    """Route reviews paired position by position with their scores (same length, same review ids)."""
    if len(reviews) != len(scores):
        raise ValueError(f"{len(reviews)} reviews but {len(scores)} scores; pass one score per review, in order")
    return [
        route_review(review, score, config, taxonomy, active_incident_skus, now, understanding)
        for review, score in zip(reviews, scores, strict=True)
    ]


def reason_code(reason: str) -> str:
    """The stable code of a reason, without its detail: `low_sentiment_confidence(0.41<0.55)` -> its name."""
    match = _REASON_CODE.match(reason)
    return match.group(0) if match else reason


def negative_probability(score: ReviewScore) -> float:
    """P(negative), recovered from the top class probability and `sentiment_score` = P(pos) - P(neg)."""
    top, diff = score.sentiment_confidence, score.sentiment_score
    if score.sentiment == Sentiment.negative:
        return top
    if score.sentiment == Sentiment.positive:
        return max(top - diff, 0.0)
    return max((1.0 - top - diff) / 2.0, 0.0)


def _ambiguity_reasons(
    review: CleanedReview, score: ReviewScore, config: RoutingConfig, confident_topics: list[str]
) -> list[str]:
    reasons: list[str] = []
    confidence, sentiment = score.sentiment_confidence, score.sentiment
    if negative_probability(score) >= config.ambiguity_min_negative_probability:
        if confidence < config.min_sentiment_confidence:
            reasons.append(f"low_sentiment_confidence({confidence:.2f}<{config.min_sentiment_confidence:.2f})")
        if score.sentiment_margin < config.min_sentiment_margin:
            reasons.append(f"low_sentiment_margin({score.sentiment_margin:.2f}<{config.min_sentiment_margin:.2f})")
    rating = review.rating
    if rating is not None:
        if (
            rating >= config.conflict_high_rating
            and sentiment == Sentiment.negative
            and confidence >= config.conflict_negative_confidence
        ):
            reasons.append(f"conflict_rating_{rating}_negative_text")
        elif (
            rating <= config.conflict_low_rating
            and sentiment == Sentiment.positive
            and confidence >= config.conflict_positive_confidence
        ):
            reasons.append(f"conflict_rating_{rating}_positive_text")
    if config.escalate_negative_without_topic and sentiment == Sentiment.negative and not confident_topics:
        reasons.append("negative_without_confident_topic")
    return reasons


def _fires(score: ReviewScore, flag: str, config: RoutingConfig) -> bool:
    if score.flags.get(flag, 0.0) >= config.flag_thresholds[flag]:
        return True
    return flag in config.lexicon_flags and bool(score.flag_rules.get(flag))


def _topic_severity(taxonomy: Taxonomy, topic_id: str, score: ReviewScore) -> Urgency:
    try:
        return taxonomy.severity_of(topic_id)
    except TaxonomyLookupError as exc:
        raise ValueError(
            f"scorer {score.scorer_version} labelled {score.review_id!r} with {exc}; "
            "retrain the scorer on this taxonomy or remap its labels"
        ) from None


def _max(a: Urgency, b: Urgency) -> Urgency:
    return a if _RANK[a] >= _RANK[b] else b


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")
