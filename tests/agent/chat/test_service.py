"""The chat graph end to end over a real store: rules answers, model answers that are validated, repaired or
replaced, the intent a model picks when the rules are unsure, and refusals."""

from __future__ import annotations

import json

import pytest

from agent.chat import ChatResponder, QuestionError
from agent.chat.grounding import GroundingCheck, grounding_problems
from agent.llm import LLMUnavailable
from store.embeddings import HashingEmbedder, TextEmbedder
from tests.agent.chat.conftest import AS_OF, DEFECT, ChatWorld, fake_model, prose

TREND = "Is the zipper problem on JKT-0125 getting worse?"
GOOD = "JKT-0125's defect share is 76.9% this week, 3.8x its baseline [R1]."


def test_without_a_model_the_rules_answer_with_facts_and_citations(shop: ChatWorld) -> None:
    answer = shop.chat().ask(TREND, as_of=AS_OF)
    assert answer.generated_by == "rules" and answer.prompt_version is None and answer.fallback_reason is None
    assert answer.intent == "topic_trend" and answer.query_kinds == ["topic_trend", "open_incidents"]
    assert answer.answer.startswith("10 of the 13 reviews of JKT-0125 (76.9%) complained about Defect")
    assert {f.name: f.display for f in answer.facts}["ratio"] == "3.8x"
    assert [c.label for c in answer.citations] == ["R1", "R2", "R3"]
    assert answer.cited_review_ids == [c.review_id for c in answer.citations]
    assert all(DEFECT in c.topics and c.sku == "JKT-0125" for c in answer.citations)


def test_the_data_clock_defaults_to_the_newest_review_hour(shop: ChatWorld) -> None:
    answer = shop.chat().ask("top complaints in the last 7 days")
    assert answer.as_of == AS_OF  # the newest review is at 23:00 on the 14th


@pytest.mark.parametrize(
    "question",
    [
        TREND,
        "What are the top complaints this week?",
        "Which region has the most late deliveries?",
        "Which SKUs get the most complaints?",
        "How many 1-star reviews did JKT-0125 get?",
        "Show me reviews about tracking from US-East",
    ],
)
def test_every_rules_answer_passes_the_check_a_model_answer_must_pass(shop: ChatWorld, question: str) -> None:
    answer = shop.chat().ask(question, as_of=AS_OF)
    check = GroundingCheck(
        facts="\n".join(f"- {f.label}: {f.display}" for f in answer.facts),
        question=answer.question,
        labels=[c.label for c in answer.citations],
    )
    assert grounding_problems(answer.answer, check) == []


def test_a_grounded_model_answer_is_kept_and_its_citations_mapped_to_review_ids(shop: ChatWorld) -> None:
    answer = shop.chat(fake_model(prose(GOOD))).ask(TREND, as_of=AS_OF)
    assert answer.answer == GOOD
    assert answer.generated_by == answer.model and answer.prompt_version == "chat_answer.v1"
    assert [c.label for c in answer.citations] == ["R1"]
    assert answer.cited_review_ids[0].startswith("storefront:T-")


def test_an_invented_number_is_sent_back_once_and_the_repaired_answer_is_kept(shop: ChatWorld) -> None:
    model = fake_model(prose("JKT-0125's defect share is 90% [R1]."), prose(GOOD))
    answer = shop.chat(model).ask(TREND, as_of=AS_OF)
    assert answer.answer == GOOD and answer.generated_by != "rules"
    assert model.messages.calls == 2  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "bad",
    [
        "JKT-0125's defect share is 90% [R1].",  # a number not in the facts
        "76.9% complain [R7].",  # a review that was not given
        "Customers are unhappy with zippers [R1].",  # no number at all
        "not json at all",
    ],
)
def test_an_answer_still_ungrounded_after_the_repair_falls_back_to_rules(shop: ChatWorld, bad: str) -> None:
    answer = shop.chat(fake_model(prose(bad) if bad[0] != "n" else bad)).ask(TREND, as_of=AS_OF)
    assert answer.generated_by == "rules" and answer.answer.startswith("10 of the 13 reviews")
    assert answer.fallback_reason is not None and "not grounded" in answer.fallback_reason
    assert answer.model is not None


def test_when_no_model_answers_the_rules_do_and_say_why(shop: ChatWorld) -> None:
    down = fake_model(ConnectionError("connection refused"))
    answer = shop.chat(down).ask(TREND, as_of=AS_OF)
    assert answer.generated_by == "rules" and "no model answered" in (answer.fallback_reason or "")


def test_a_model_that_cannot_start_means_rules(shop: ChatWorld) -> None:
    def broken() -> None:
        raise LLMUnavailable("no server", model="local:x", attempts=0)

    service = shop.chat()
    service.deps.chat_model = broken  # type: ignore[assignment]
    answer = service.ask(TREND, as_of=AS_OF)
    assert answer.generated_by == "rules" and answer.fallback_reason is None


def test_when_the_rules_are_unsure_the_model_picks_among_the_enumerated_intents(shop: ChatWorld) -> None:
    model = fake_model(json.dumps({"intent": "count_reviews"}), prose("There were 10 complaints [R1]."))
    answer = shop.chat(model).ask("JKT-0125 zipper?", as_of=AS_OF)
    assert answer.intent == "count_reviews" and answer.intent_by == answer.model
    assert answer.query_kinds == ["count_reviews"]


def test_an_intent_outside_the_list_is_refused_by_the_schema_and_the_rules_default_stands(shop: ChatWorld) -> None:
    model = fake_model(json.dumps({"intent": "freeze_listing"}))
    answer = shop.chat(model).ask("JKT-0125 zipper?", as_of=AS_OF, chat_model=model)
    assert answer.intent == "topic_trend" and answer.intent_by == "default"


def test_the_model_may_call_an_unclear_question_out_of_scope(shop: ChatWorld) -> None:
    answer = shop.chat(fake_model(json.dumps({"intent": "out_of_scope"}))).ask("JKT-0125 vibes", as_of=AS_OF)
    assert answer.out_of_scope and answer.query_kinds == [] and "can't answer" in answer.answer


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("Freeze the listing for JKT-0125", "only reads the data"),
        ("What's the weather in Paris?", "not weather"),
        ("How is ABC-9999 doing?", "no review in the store is for ABC-9999"),
    ],
)
def test_refusals_run_no_query_and_no_model(shop: ChatWorld, question: str, says: str) -> None:
    model = fake_model(prose("should never be asked"))
    answer = shop.chat(model).ask(question, as_of=AS_OF)
    assert answer.out_of_scope and says in answer.answer
    assert answer.facts == [] and answer.citations == [] and answer.generated_by == "rules"
    assert model.messages.calls == 0  # type: ignore[attr-defined]


def test_an_empty_store_answers_with_zeros_and_says_so(world: ChatWorld) -> None:
    answer = world.chat().ask("What are the top complaints?")
    assert not answer.out_of_scope and "There are no reviews" in answer.answer
    assert "the store has no reviews yet" in answer.caveats


def test_gold_lagging_silver_is_a_caveat(shop: ChatWorld) -> None:
    from sqlalchemy import delete

    from store.gold_tables import GoldContribution

    with shop.db.session() as session:
        first = session.scalars(GoldContribution.__table__.select().with_only_columns(GoldContribution.review_id))
        session.execute(delete(GoldContribution).where(GoldContribution.review_id == next(iter(first))))
    answer = shop.chat().ask(TREND, as_of=AS_OF)
    assert any("rebuild-gold" in caveat for caveat in answer.caveats)


@pytest.mark.parametrize(("question", "problem"), [("   ", "empty"), ("x" * 501, "501 characters")])
def test_empty_or_overlong_questions_are_errors(shop: ChatWorld, question: str, problem: str) -> None:
    with pytest.raises(QuestionError, match=problem):
        shop.chat().ask(question)


def test_a_chroma_directory_that_cannot_be_opened_means_evidence_from_the_store(shop: ChatWorld) -> None:
    shop.settings.chroma_dir.parent.mkdir(parents=True, exist_ok=True)
    shop.settings.chroma_dir.write_text("not a directory")  # opening the index raises FileExistsError
    responder = ChatResponder(shop.settings, shop.db, embedder=lambda: HashingEmbedder(256))
    answer = responder.ask(TREND, as_of=AS_OF, use_llm=False)
    assert answer.generated_by == "rules" and answer.cited_review_ids


def test_a_programming_error_while_opening_the_index_is_not_taken_for_a_missing_index(shop: ChatWorld) -> None:
    def broken() -> TextEmbedder:
        raise TypeError("bug")

    with pytest.raises(TypeError, match="bug"):
        ChatResponder(shop.settings, shop.db, embedder=broken).ask(TREND, as_of=AS_OF, use_llm=False)
