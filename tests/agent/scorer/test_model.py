"""Specification of FastScorer: valid, calibrated-looking outputs, text-only sentiment, and rules OR'ed into flags."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from agent.scorer import FastScorer, ScorerNotTrainedError, load_current
from agent.scorer.dataset import TOPIC_LABELS
from agent.scorer.lexicon import RULES
from store.schemas import FLAG_NAMES, ReviewScore, Sentiment, Urgency

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
PRIOR = {rule.name: rule.precision_prior for rule in RULES}
ITEMS = [
    ("storefront:R-1", "Love it", "Fits perfectly and the fabric is so soft.", 5),
    ("storefront:R-2", "Zipper broke", "The zipper broke the first day. Sending it back.", 1),
    ("support:88231", "Charger got hot", "My charger overheated and the plug melted.", None),
    ("social:tw-1", "", "@shop my order is 3 weeks late", None),
    ("app_store:gp:1", "", "ok", 3),
]


@pytest.fixture(scope="module")
def scorer(trained_models_dir: Path) -> FastScorer:
    return load_current(trained_models_dir)


@pytest.fixture(scope="module")
def scores(scorer: FastScorer) -> list[ReviewScore]:
    return scorer.score_batch(ITEMS, NOW)


def test_every_score_is_a_valid_review_score_for_its_item(scorer: FastScorer, scores: list[ReviewScore]) -> None:
    assert [s.review_id for s in scores] == [item[0] for item in ITEMS]
    for score in scores:
        assert ReviewScore.model_validate(score.model_dump()) == score
        assert score.scorer_version == scorer.version
        assert score.scored_at == NOW
        assert set(score.flags) == set(FLAG_NAMES)
        assert all(t.label in TOPIC_LABELS for t in score.topics)


def test_sentiment_fields_follow_their_definitions(scores: list[ReviewScore]) -> None:
    for score in scores:
        assert 0.0 <= score.sentiment_margin <= 1.0
        assert -1.0 <= score.sentiment_score <= 1.0
        assert 0.0 <= score.sentiment_confidence <= 1.0
    assert scores[0].sentiment == Sentiment.positive and scores[0].sentiment_score > 0
    assert scores[1].sentiment == Sentiment.negative and scores[1].sentiment_score < 0


def test_topics_are_sorted_best_first(scores: list[ReviewScore]) -> None:
    for score in scores:
        confidences = [t.confidence for t in score.topics]
        assert confidences == sorted(confidences, reverse=True)
    assert "product_quality.defect" in {t.label for t in scores[1].topics}


def test_a_fired_rule_lifts_the_flag_to_its_prior_and_is_recorded(scorer: FastScorer, scores: list[ReviewScore]):
    charger = scores[2]
    assert {"safety.overheat", "safety.melt"} <= set(charger.flag_rules["safety_hazard"])
    assert charger.flags["safety_hazard"] >= max(PRIOR["safety.overheat"], PRIOR["safety.melt"])
    assert "safety_hazard" in scorer.raised_flags(charger)
    assert "refund.return_request" in scores[1].flag_rules["refund_intent"]


def test_a_safety_rule_makes_urgency_high(scores: list[ReviewScore]) -> None:
    assert scores[2].urgency == Urgency.high
    assert scores[2].urgency_confidence >= scores[2].flags["safety_hazard"]


def test_no_rule_no_flag_rules_entry(scores: list[ReviewScore]) -> None:
    assert scores[0].flag_rules == {}


def test_rating_is_not_a_feature(scorer: FastScorer) -> None:
    one, five = scorer.score_batch([("a", "", "It is okay I guess.", 1), ("b", "", "It is okay I guess.", 5)], NOW)
    assert one.model_dump(exclude={"review_id"}) == five.model_dump(exclude={"review_id"})


def _approx_floats(value: Any) -> Any:
    """Floats compared to 1e-6 (float32 sums run in another order for another batch shape); labels exactly."""
    if isinstance(value, float):
        return pytest.approx(value, rel=1e-6, abs=1e-9)
    if isinstance(value, dict):
        return {k: _approx_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_approx_floats(v) for v in value]
    return value


def test_scores_do_not_depend_on_batch_composition(scorer: FastScorer, scores: list[ReviewScore]) -> None:
    alone = scorer.score_batch([ITEMS[1]], NOW)[0]
    assert alone.model_dump() == _approx_floats(scores[1].model_dump())


def test_empty_batch_scores_to_empty_list(scorer: FastScorer) -> None:
    assert scorer.score_batch([], NOW) == []


def test_loading_a_folder_that_is_not_an_artifact_says_to_train(tmp_path: Path) -> None:
    with pytest.raises(ScorerNotTrainedError, match="reviewops train"):
        FastScorer.load(tmp_path)
