"""The language policy in the router: what the system cannot understand goes to people, flags still escalate."""

from __future__ import annotations

from agent.router import route_review
from store.schemas import Route
from store.understanding_config import UnderstandingConfig, load_understanding_config
from tests.agent.test_router import CONFIG, NO_INCIDENTS, NOW, TAXONOMY, make_review, make_score, negative

POLICY = UnderstandingConfig(
    version="2026.12.1",
    first_pass_languages=["en", "und"],
    semantic_languages=["de", "es"],
    semantic_below_confidence=0.5,
    semantic_safety_screen=0.05,
    semantic_for_negative=True,
)


def _route(language: str, **score: object) -> tuple[Route, list[str]]:
    decision = route_review(
        make_review(language=language, rating=2), make_score(**score), CONFIG, TAXONOMY, NO_INCIDENTS, NOW, POLICY
    )
    return decision.route, decision.reasons


def test_an_unsupported_language_goes_to_the_human_queue_not_the_agent() -> None:
    route, reasons = _route("ja", **negative(sentiment_confidence=0.41, sentiment_margin=0.05))
    assert route is Route.human
    assert reasons[0] == "language_unsupported:ja"


def test_a_safety_flag_in_an_unsupported_language_still_escalates_to_the_agent() -> None:
    route, reasons = _route("zh", flags={"safety_hazard": 0.9, "refund_intent": 0, "legal_threat": 0, "profanity": 0})
    assert route is Route.agent
    assert "safety_flag" in reasons


def test_a_confident_review_in_an_understood_language_is_done_here() -> None:
    for language in ("de", "en"):
        review = make_review(language=language)
        assert route_review(review, make_score(), CONFIG, TAXONOMY, NO_INCIDENTS, NOW, POLICY).route is Route.done


def test_without_a_policy_every_language_routes_alike() -> None:
    decision = route_review(make_review(language="ja"), make_score(), CONFIG, TAXONOMY, NO_INCIDENTS, NOW)
    assert decision.route is Route.done


def test_the_shipped_policy_lists_each_language_once_and_understands_english_and_german() -> None:
    policy = load_understanding_config()
    assert policy.understands("en") and policy.understands("de") and not policy.understands("ja")
    assert not set(policy.first_pass_languages) & set(policy.semantic_languages)
