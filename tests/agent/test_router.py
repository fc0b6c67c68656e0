"""Specification of the fast router: which scored reviews go to the triage agent, at what severity, and why."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from agent.router import negative_probability, reason_code, route_batch, route_review
from store.routing_config import RoutingConfig, load_routing_config
from store.schemas import (
    Channel,
    CleanedReview,
    LabelScore,
    ReviewScore,
    Route,
    RouteDecision,
    Sentiment,
    Urgency,
)
from store.taxonomy import Taxonomy
from store.yaml_config import ConfigError, parse_yaml_model

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
NO_INCIDENTS: frozenset[str] = frozenset()

TAXONOMY = parse_yaml_model(
    """
version: "2026.11"
status: published
domains:
  - id: product_quality
    name: Quality
    description: Quality.
    owner: {team: quality-eng, receiver: "jira:QA"}
    topics:
      - {id: product_quality.defect, name: Defect, description: Broken., severity: high}
      - {id: product_quality.material, name: Material, description: Cheap fabric., severity: medium}
  - id: sizing_fit
    name: Sizing
    description: Sizing.
    owner: {team: sizing-team, receiver: "slack:#sizing-team"}
    topics:
      - {id: sizing_fit.runs_small, name: Runs small, description: Too small., severity: low}
""",
    Taxonomy,
    source="test-taxonomy",
)

CONFIG = RoutingConfig(
    version="test-7",
    min_sentiment_confidence=0.50,
    min_sentiment_margin=0.10,
    ambiguity_min_negative_probability=0.25,
    escalate_negative_without_topic=True,
    min_topic_confidence=0.50,
    high_urgency_min_confidence=0.70,
    flag_thresholds={"safety_hazard": 0.50, "refund_intent": 0.60, "legal_threat": 0.60, "profanity": 0.80},
    lexicon_flags=["legal_threat"],
    expensive_order_value=100.0,
    conflict_high_rating=4,
    conflict_negative_confidence=0.70,
    conflict_low_rating=2,
    conflict_positive_confidence=0.70,
    active_incident_severity=Urgency.medium,
)


def make_review(review_id: str = "storefront:R-1", **overrides: Any) -> CleanedReview:
    fields: dict[str, Any] = {
        "review_id": review_id,
        "source": "storefront",
        "channel": Channel.storefront,
        "sku": "JKT-0042",
        "rating": 5,
        "text": "Lovely jacket, a bit snug so size up.",
        "language": "en",
        "created_at": NOW,
        "received_at": NOW,
        "cleaned_at": NOW,
        "order_value": 59.0,
        "dedup_key": "k1",
    }
    return CleanedReview(**(fields | overrides))


def make_score(review_id: str = "storefront:R-1", **overrides: Any) -> ReviewScore:
    """A confident, positive, low-urgency score about a low-severity topic, with no flags."""
    fields: dict[str, Any] = {
        "review_id": review_id,
        "scorer_version": "tfidf-3",
        "sentiment": Sentiment.positive,
        "sentiment_confidence": 0.93,
        "sentiment_score": 0.90,
        "sentiment_margin": 0.88,
        "topics": [LabelScore(label="sizing_fit.runs_small", confidence=0.91)],
        "urgency": Urgency.low,
        "urgency_confidence": 0.95,
        "flags": {"safety_hazard": 0.01, "refund_intent": 0.02, "legal_threat": 0.0, "profanity": 0.0},
        "flag_rules": {},
        "scored_at": NOW,
    }
    return ReviewScore(**(fields | overrides))


def negative(**overrides: Any) -> dict[str, Any]:
    """Score fields of a confidently negative review (rating should be low to avoid the conflict rule)."""
    return {
        "sentiment": Sentiment.negative,
        "sentiment_confidence": 0.90,
        "sentiment_score": -0.85,
        "sentiment_margin": 0.82,
        **overrides,
    }


def route(review: CleanedReview | None = None, score: ReviewScore | None = None, **kwargs: Any) -> RouteDecision:
    return route_review(
        review or make_review(),
        score or make_score(),
        kwargs.get("config", CONFIG),
        TAXONOMY,
        kwargs.get("incidents", NO_INCIDENTS),
        NOW,
    )


# --- done ---------------------------------------------------------------------------------------------------------


def test_confident_positive_low_severity_review_is_done() -> None:
    decision = route()
    assert (decision.route, decision.severity, decision.reasons) == (Route.done, Urgency.low, [])


def test_decision_records_review_versions_and_time() -> None:
    decision = route()
    assert decision.review_id == "storefront:R-1"
    assert decision.scorer_version == "tfidf-3"
    assert decision.routing_version == "test-7"
    assert decision.routed_at == NOW


def test_confident_negative_review_about_a_medium_topic_is_done_at_medium_severity() -> None:
    score = make_score(**negative(topics=[LabelScore(label="product_quality.material", confidence=0.8)]))
    decision = route(make_review(rating=2), score)
    assert (decision.route, decision.severity) == (Route.done, Urgency.medium)


def test_topics_of_a_positive_review_do_not_raise_severity() -> None:
    score = make_score(topics=[LabelScore(label="product_quality.defect", confidence=0.9)])
    assert (route(score=score).route, route(score=score).severity) == (Route.done, Urgency.low)


# --- high severity: always the agent --------------------------------------------------------------------------------


def test_safety_flag_escalates_even_when_everything_else_is_confident() -> None:
    score = make_score(flags={"safety_hazard": 0.62})
    decision = route(score=score)
    assert (decision.route, decision.severity) == (Route.agent, Urgency.high)
    assert decision.reasons == ["safety_flag"]


def test_safety_lexicon_rule_escalates_even_when_the_flag_probability_is_low() -> None:
    score = make_score(flags={"safety_hazard": 0.05}, flag_rules={"safety_hazard": ["caught_fire"]})
    decision = route(score=score, config=CONFIG.model_copy(update={"lexicon_flags": []}))
    assert (decision.route, decision.severity) == (Route.agent, Urgency.high)
    assert decision.reasons == ["safety_lexicon:caught_fire"]


def test_legal_threat_escalates_at_high_severity() -> None:
    decision = route(score=make_score(flags={"legal_threat": 0.75}))
    assert (decision.route, decision.severity, decision.reasons) == (Route.agent, Urgency.high, ["legal_threat"])


def test_legal_lexicon_rule_counts_only_when_configured() -> None:
    score = make_score(flags={"legal_threat": 0.1}, flag_rules={"legal_threat": ["my_lawyer"]})
    assert route(score=score).reasons == ["legal_lexicon:my_lawyer"]
    assert route(score=score, config=CONFIG.model_copy(update={"lexicon_flags": []})).route == Route.done


def test_refund_intent_on_an_expensive_order_escalates_with_value_and_threshold() -> None:
    decision = route(make_review(order_value=129.0), make_score(flags={"refund_intent": 0.8}))
    assert (decision.route, decision.severity) == (Route.agent, Urgency.high)
    assert decision.reasons == ["refund_intent_expensive_order(129.00>=100)"]


@pytest.mark.parametrize("order_value", [45.0, None])
def test_refund_intent_on_a_cheap_or_unknown_order_is_not_escalated_by_that_rule(order_value: float | None) -> None:
    decision = route(make_review(order_value=order_value), make_score(flags={"refund_intent": 0.95}))
    assert decision.route == Route.done


def test_expensive_order_without_refund_intent_is_not_escalated() -> None:
    assert route(make_review(order_value=900.0)).route == Route.done


def test_review_of_a_sku_with_an_active_incident_goes_to_the_agent() -> None:
    decision = route(incidents=frozenset({"JKT-0042", "MUG-0100"}))
    assert (decision.route, decision.severity) == (Route.agent, Urgency.medium)
    assert decision.reasons == ["active_incident:JKT-0042"]


def test_active_incident_severity_comes_from_the_config() -> None:
    config = CONFIG.model_copy(update={"active_incident_severity": Urgency.low})
    decision = route(incidents=frozenset({"JKT-0042"}), config=config)
    assert (decision.route, decision.severity) == (Route.agent, Urgency.low)


def test_review_without_a_sku_never_matches_an_incident() -> None:
    assert route(make_review(sku=None), incidents=frozenset({"JKT-0042"})).route == Route.done


def test_confident_high_severity_topic_on_a_negative_review_escalates() -> None:
    score = make_score(**negative(topics=[LabelScore(label="product_quality.defect", confidence=0.82)]))
    decision = route(make_review(rating=1), score)
    assert (decision.route, decision.severity) == (Route.agent, Urgency.high)
    assert decision.reasons == ["high_severity_topic:product_quality.defect"]


def test_confident_high_urgency_escalates_but_unsure_high_urgency_counts_as_medium() -> None:
    sure = route(score=make_score(urgency=Urgency.high, urgency_confidence=0.83))
    assert (sure.route, sure.severity, sure.reasons) == (Route.agent, Urgency.high, ["high_urgency(0.83>=0.70)"])
    unsure = route(score=make_score(urgency=Urgency.high, urgency_confidence=0.55))
    assert (unsure.route, unsure.severity) == (Route.done, Urgency.medium)


def test_every_reason_is_listed_high_severity_first() -> None:
    score = make_score(
        sentiment_confidence=0.45,
        sentiment_score=0.05,
        sentiment_margin=0.05,
        flags={"safety_hazard": 0.9, "legal_threat": 0.9, "refund_intent": 0.9},
    )
    decision = route(make_review(order_value=250.0), score, incidents=frozenset({"JKT-0042"}))
    assert decision.severity == Urgency.high
    assert [reason_code(r) for r in decision.reasons] == [
        "safety_flag",
        "legal_threat",
        "refund_intent_expensive_order",
        "active_incident",
        "low_sentiment_confidence",
        "low_sentiment_margin",
    ]


# --- ambiguity: agent at medium severity ------------------------------------------------------------------------


def test_low_sentiment_confidence_goes_to_the_agent_at_medium() -> None:
    # P(pos)=0.41, P(neg)=0.35: a complaint is plausible.
    decision = route(score=make_score(sentiment_confidence=0.41, sentiment_score=0.06, sentiment_margin=0.06 + 0.0))
    assert (decision.route, decision.severity) == (Route.agent, Urgency.medium)
    assert decision.reasons[0] == "low_sentiment_confidence(0.41<0.50)"


def test_low_sentiment_margin_goes_to_the_agent_at_medium() -> None:
    # P(pos)=0.52, P(neg)=0.46.
    decision = route(score=make_score(sentiment_confidence=0.52, sentiment_score=0.06, sentiment_margin=0.06))
    assert decision.reasons == ["low_sentiment_margin(0.06<0.10)"]
    assert decision.severity == Urgency.medium


def test_doubt_between_neutral_and_positive_is_done() -> None:
    # P(pos)=0.45, P(neu)=0.45, P(neg)=0.10: no complaint at stake whichever way it goes.
    decision = route(score=make_score(sentiment_confidence=0.45, sentiment_score=0.35, sentiment_margin=0.0))
    assert decision.route == Route.done


def test_negative_probability_is_recovered_for_each_top_class() -> None:
    assert negative_probability(make_score(**negative())) == pytest.approx(0.90)
    assert negative_probability(make_score(sentiment_confidence=0.6, sentiment_score=0.4)) == pytest.approx(0.2)
    neutral = make_score(sentiment=Sentiment.neutral, sentiment_confidence=0.5, sentiment_score=-0.1)
    assert negative_probability(neutral) == pytest.approx(0.3)


def test_five_stars_with_confidently_negative_text_is_a_conflict() -> None:
    score = make_score(**negative(topics=[LabelScore(label="sizing_fit.runs_small", confidence=0.9)]))
    decision = route(make_review(rating=5), score)
    assert (decision.route, decision.severity) == (Route.agent, Urgency.medium)
    assert decision.reasons == ["conflict_rating_5_negative_text"]


def test_one_star_with_confidently_positive_text_is_a_conflict() -> None:
    decision = route(make_review(rating=1))
    assert decision.reasons == ["conflict_rating_1_positive_text"]


def test_rating_and_sentiment_that_agree_or_are_unsure_are_no_conflict() -> None:
    unsure_negative = make_score(**negative(sentiment_confidence=0.65, sentiment_margin=0.4))
    assert route(make_review(rating=5), unsure_negative).route == Route.done
    assert route(make_review(rating=3), make_score(**negative())).route == Route.done
    assert route(make_review(rating=None), make_score(**negative())).route == Route.done


def test_negative_review_without_a_confident_topic_goes_to_the_agent() -> None:
    score = make_score(**negative(topics=[LabelScore(label="product_quality.material", confidence=0.3)]))
    decision = route(make_review(rating=1), score)
    assert (decision.route, decision.severity) == (Route.agent, Urgency.medium)
    assert decision.reasons == ["negative_without_confident_topic"]


def test_negative_review_without_a_topic_finishes_here_when_the_config_says_so() -> None:
    score = make_score(**negative(topics=[]))
    config = CONFIG.model_copy(update={"escalate_negative_without_topic": False})
    decision = route(make_review(rating=1), score, config=config)
    assert decision.route == Route.done
    assert decision.severity == Urgency.low


# --- batches, contracts and config ----------------------------------------------------------------------------------


def test_route_batch_routes_each_review_with_its_own_score() -> None:
    reviews = [make_review("s:1"), make_review("s:2", order_value=300.0)]
    scores = [make_score("s:1"), make_score("s:2", flags={"refund_intent": 0.9})]
    decisions = route_batch(reviews, scores, CONFIG, TAXONOMY, NO_INCIDENTS, NOW)
    assert [(d.review_id, d.route) for d in decisions] == [("s:1", Route.done), ("s:2", Route.agent)]


def test_route_batch_rejects_scores_that_do_not_pair_with_reviews() -> None:
    with pytest.raises(ValueError, match="2 reviews but 1 scores"):
        route_batch([make_review("s:1"), make_review("s:2")], [make_score("s:1")], CONFIG, TAXONOMY, NO_INCIDENTS, NOW)
    with pytest.raises(ValueError, match="pair them by id"):
        route_batch([make_review("s:1")], [make_score("s:2")], CONFIG, TAXONOMY, NO_INCIDENTS, NOW)


def test_topic_unknown_to_the_taxonomy_fails_loudly_naming_the_scorer() -> None:
    score = make_score(**negative(topics=[LabelScore(label="sizing.fit", confidence=0.9)]))
    with pytest.raises(ValueError, match="scorer tfidf-3 labelled 'storefront:R-1' with unknown topic"):
        route(make_review(rating=1), score)


def test_reason_code_strips_the_detail() -> None:
    assert reason_code("low_sentiment_confidence(0.41<0.55)") == "low_sentiment_confidence"
    assert reason_code("active_incident:JKT-0042") == "active_incident"
    assert reason_code("safety_flag") == "safety_flag"


def test_shipped_routing_config_loads_and_routes_against_the_shipped_taxonomy() -> None:
    from store.taxonomy import load_taxonomy

    config = load_routing_config()
    assert config.version
    decision = route_review(make_review(), make_score(), config, load_taxonomy(), NO_INCIDENTS, NOW)
    assert decision.route == Route.done
    assert decision.routing_version == config.version


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("  profanity: 0.80\n", "", "flag_thresholds: missing threshold for profanity"),
        ("  profanity: 0.80\n", "  profanity: 0.80\n  spam: 0.5\n", "flag_thresholds.spam: unknown flag 'spam'"),
        ("conflict_low_rating: 2", "conflict_low_rating: 4", "conflict_low_rating: conflict_low_rating (4) must be"),
        ("min_topic_confidence: 0.50", "min_topic_confidence: 1.5", "min_topic_confidence: expected less than"),
    ],
)
def test_invalid_routing_config_names_the_field(tmp_path: Path, old: str, new: str, expected: str) -> None:
    shipped = (Path(__file__).resolve().parents[2] / "config" / "routing.yaml").read_text(encoding="utf-8")
    assert old in shipped
    path = tmp_path / "routing.yaml"
    path.write_text(shipped.replace(old, new), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_routing_config(path)
    assert expected in str(info.value)
