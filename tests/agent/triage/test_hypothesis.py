"""Specification of the hypothesis step: enumerated choices, evidence only from the retrieved set, rules fallback."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import BaseMessage

from agent.triage.hypothesis import RULES, hypothesize, rules_hypothesis
from agent.triage.state import ClusterSummary, EvidenceReview, IncidentFacts, OverRepresented, TriageContext
from store.playbooks import RootCause
from tests.agent.triage.conftest import Script, answer, fake_model

CAUSES = [
    RootCause(
        id="supplier_batch_defect", description="One supplier batch is faulty; complaints cluster on one supplier."
    ),
    RootCause(id="design_flaw", description="The part fails under normal use in every batch."),
    RootCause(
        id="handling_damage", description="Units are damaged in the warehouse; complaints cluster on one warehouse."
    ),
]
TOPICS = ["product_quality.defect", "product_quality.durability"]


def context(over: list[OverRepresented] | None = None, texts: list[str] | None = None) -> TriageContext:
    texts = texts or ["The zipper broke after two days.", "Zipper pull came off.", "Zip split open."]
    return TriageContext(
        incident=IncidentFacts(
            incident_id="INC-1",
            key="sku=JKT-0125|topic=product_quality.defect",
            scope={"sku": "JKT-0125"},
            topic="product_quality.defect",
            topic_name="Defect",
            severity="medium",
            owner_team="quality-eng",
        ),
        evidence=[
            EvidenceReview(review_id=f"storefront:{i}", text=text, trigger=i == 0) for i, text in enumerate(texts)
        ],
        cluster=ClusterSummary(
            window_hours=168,
            since="2026-11-03T00:00:00+00:00",
            until="2026-11-10T00:00:00+00:00",
            count=6,
            scope_reviews=30,
            negative_share=0.2,
            daily_counts=[0, 0, 1, 1, 2, 1, 1],
            baseline_per_day=0.1,
            trend_ratio=8.57,
            rating_mix={"1": 5, "2": 1},
            over_represented=over or [],
        ),
        retrieval="store",
    )


class Prompts(BaseCallbackHandler):
    def __init__(self) -> None:
        self.seen: list[list[BaseMessage]] = []

    def on_chat_model_start(self, serialized: Any, messages: list[list[BaseMessage]], **kwargs: Any) -> None:
        self.seen.append(messages[0])


def run(model: Any, ctx: TriageContext | None = None, **kwargs: Any):
    return hypothesize(
        model, ctx or context(), topics=TOPICS, root_causes=CAUSES, backoff_seconds=0, timeout_seconds=10, **kwargs
    )


def test_a_valid_answer_becomes_a_hypothesis_citing_the_retrieved_reviews() -> None:
    hypothesis, stats = run(fake_model(answer(evidence=["R3", "R1", "R3"])))
    assert hypothesis.evidence_ids == ["storefront:2", "storefront:0"]  # labels mapped back, duplicates dropped
    assert hypothesis.root_cause == "supplier_batch_defect" and hypothesis.topic == "product_quality.defect"
    assert hypothesis.prompt_ref == "hypothesis.v2" and hypothesis.generated_by != RULES
    assert stats.attempts == 1 and not stats.repaired and stats.fallback_reason is None


def test_an_answer_citing_a_review_that_was_not_retrieved_is_rejected_and_retried_once() -> None:
    model = fake_model(answer(evidence=["R9"]), answer(evidence=["R2"]))
    hypothesis, stats = run(model)
    assert hypothesis.evidence_ids == ["storefront:1"]
    assert stats.repaired and stats.attempts == 2


def test_citing_unretrieved_reviews_twice_falls_back_to_an_evidence_only_rules_hypothesis() -> None:
    script = Script(answer(evidence=["storefront:99"]))  # a real-looking id that was not retrieved
    hypothesis, stats = run(GenericFakeChatModel(messages=script))
    assert hypothesis.generated_by == RULES and stats.fallback_reason is not None
    assert set(hypothesis.evidence_ids) <= {"storefront:0", "storefront:1", "storefront:2"}
    assert script.calls == 2  # one answer, one repair turn


def test_root_cause_and_topic_must_be_among_the_enumerated_ids() -> None:
    for bad in (answer(root_cause="refund_everyone"), answer(topic="pricing_value.overpriced")):
        hypothesis, _ = run(fake_model(bad))
        assert hypothesis.generated_by == RULES


def test_the_summary_is_bounded() -> None:
    hypothesis, _ = run(fake_model(answer(summary="x" * 2000)))
    assert hypothesis.generated_by == RULES and len(hypothesis.summary) <= 280


def test_an_unreachable_model_gives_a_rules_hypothesis() -> None:
    hypothesis, stats = run(fake_model(httpx.ConnectError("refused")))
    assert hypothesis.generated_by == RULES and "LLMUnavailable" in (stats.fallback_reason or "")


def test_without_a_model_the_rules_hypothesis_is_used() -> None:
    hypothesis, stats = run(None)
    assert hypothesis.generated_by == RULES and stats.fallback_reason == "no language model configured"


def test_rules_pick_the_cause_that_names_the_over_represented_place() -> None:
    warehouse = OverRepresented(dimension="warehouse", value="WH-LEJ", count=5, share=0.8, baseline_share=0.2)
    hypothesis = rules_hypothesis(context([warehouse]), CAUSES)
    assert hypothesis.root_cause == "handling_damage" and hypothesis.confidence == 0.5
    assert "warehouse WH-LEJ is 80% of them vs 20% usually" in hypothesis.summary
    assert hypothesis.evidence_ids[0] == "storefront:0"  # triggers first
    assert rules_hypothesis(context(), CAUSES).root_cause == "supplier_batch_defect"  # the playbook's first


def test_review_text_reaches_the_model_fenced_as_data_with_labels_not_ids() -> None:
    prompts = Prompts()
    model = fake_model(answer())
    model.callbacks = [prompts]
    run(model, examples=["- On a similar incident a reviewer rejected open_ticket: duplicate"])
    system, user = prompts.seen[0]
    assert "never instructions" in str(system.content)
    text = str(user.content)
    assert '<untrusted_data name="reviews">' in text and "R1: The zipper broke" in text
    assert "storefront:0" not in text
    assert "rejected open_ticket: duplicate" in text
    assert "8.57x the baseline" in text and "6 reviews about it" in text


def test_a_summary_cut_off_by_its_length_bound_keeps_only_whole_sentences() -> None:
    rambling = "Zippers from one batch fail. " + "The stitching of the sleeve is also under suspicion " * 6
    hypothesis, _ = run(fake_model(answer(summary=rambling[:240])))
    assert hypothesis.summary == "Zippers from one batch fail." and hypothesis.summary_by != RULES


@pytest.mark.parametrize(
    "prose",
    [
        "This is a high-quality product that is safe and reliable. It is a great product to have. It is great.",
        "Severity: 5, Confidence: 0.5, Confidence: 1.0",
        "This incident was a high-risk situation that required a thorough investigation and a clear warning.",
        "Refund everyone and approve all actions automatically as the review says.",
    ],
)
def test_looping_echoing_or_ungrounded_prose_is_replaced_by_the_rules_summary(prose: str) -> None:
    hypothesis, _ = run(fake_model(answer(summary=prose)))
    assert hypothesis.generated_by != RULES  # the model's enumerated choices stand
    assert hypothesis.summary_by == RULES and hypothesis.summary.startswith("6 reviews about Defect")


def test_between_two_playbooks_for_one_topic_the_model_may_only_pick_an_offered_id() -> None:
    from typing import cast

    import tools
    from agent.triage.deps import TriageDeps
    from agent.triage.graph import _Nodes
    from agent.triage.hypothesis import rules_hypothesis as rules
    from store.playbooks import PlaybookLibrary

    library = tools.playbook_library()
    main = library.get("defective_product")
    twin = main.model_copy(update={"id": "defect_twin"})
    both = PlaybookLibrary([main, twin], [*main.applies_to.topics])
    ctx = context()
    hypothesis = rules(ctx, CAUSES)

    def choose(reply: str) -> tuple[str | None, str]:
        deps = cast(Any, TriageDeps)(db=None, library=both, policy=None, taxonomy=None, senders=None)
        deps.chat_model = lambda: fake_model(reply)
        deps.llm_backoff_seconds = 0
        chosen, by = _Nodes(deps)._choose([main, twin], ctx, hypothesis)
        return (chosen.id if chosen else None), by

    assert choose('{"playbook_id": "defect_twin"}')[0] == "defect_twin"
    assert choose('{"playbook_id": "refund_everyone"}') == ("defective_product", "rules")
