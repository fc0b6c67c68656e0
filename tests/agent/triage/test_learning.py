"""Specification of learning from decisions: edits/rejections become few-shot examples and scorer labels."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import BaseMessage
from sqlalchemy import select

from agent.scorer.dataset import parse_labeled_rows
from store.embeddings import HashingEmbedder
from store.review_store import iter_human_labels
from store.tables import HumanLabel
from store.triage_tables import DecisionFeedbackRow
from tests.agent.triage.conftest import World, answer, fake_model


class Prompts(BaseCallbackHandler):
    def __init__(self) -> None:
        self.users: list[str] = []

    def on_chat_model_start(self, serialized: Any, messages: list[list[BaseMessage]], **kwargs: Any) -> None:
        self.users.append(str(messages[0][-1].content))


def inspection_gate(service):
    [gate] = [p for p in service.pending_approvals() if p.tool == "request_sample_inspection"]
    return gate


def labels(world: World) -> list[HumanLabel]:
    with world.db.session() as session:
        return list(session.scalars(select(HumanLabel).order_by(HumanLabel.review_id)))


def test_edits_and_rejections_are_stored_with_the_situation_they_were_made_in(world: World) -> None:
    world.zipper_cluster()
    with world.service(embedder=HashingEmbedder(64)) as service:
        service.run()
        gate = inspection_gate(service)
        service.decide(gate.approval_id, "reject", actor="qa-ann", role="qa_lead", reason="batch already recalled")
    with world.db.session() as session:
        [row] = session.scalars(select(DecisionFeedbackRow)).all()
    assert (row.kind, row.tool, row.reason, row.actor) == (
        "reject",
        "request_sample_inspection",
        "batch already recalled",
        "qa-ann",
    )
    assert "product_quality.defect at sku=JKT-0125" in row.situation and "Zippers on JKT-0125" in row.situation
    assert row.embedder_id == "hashing-v1-64" and len(row.embedding) == 64


def test_the_nearest_past_decision_is_a_few_shot_example_for_the_next_similar_incident(world: World) -> None:
    world.zipper_cluster(sku="JKT-0125")
    with world.service(embedder=HashingEmbedder(64)) as service:
        service.run()
        gate = inspection_gate(service)
        edited = {**gate.args, "sample_size": 30}
        service.decide(gate.approval_id, "edit", actor="qa-ann", role="qa_lead", args=edited, reason="zips fail rarely")
    world.zipper_cluster(sku="JKT-0200")
    prompts = Prompts()
    model = fake_model(answer())
    model.callbacks = [prompts]
    with world.service(model=model, embedder=HashingEmbedder(64)) as service:
        service.run()
    [prompt] = prompts.users
    assert "a reviewer edited request_sample_inspection (sample_size: '10' -> '30'): zips fail rarely" in prompt


def test_approving_labels_the_cited_reviews_with_the_confirmed_topic_for_retraining(world: World) -> None:
    ids = world.zipper_cluster()
    with world.service() as service:
        service.run()
        report = service.decide(inspection_gate(service).approval_id, "approve", actor="qa-ann", role="qa_lead")
    written = labels(world)
    assert report.labels_written == 2 == len(written)
    assert {label.review_id for label in written} == set(ids[:2])  # the hypothesis's evidence
    assert all(label.topics == ["product_quality.defect"] and label.author == "qa-ann" for label in written)
    with world.db.session() as session:
        rows = parse_labeled_rows(list(iter_human_labels(session)), "human labels")
    assert len(rows) == 2 and rows[0].sentiment == "negative"


def test_a_corrected_topic_becomes_the_label_and_a_plain_rejection_labels_nothing(world: World) -> None:
    world.zipper_cluster()
    world.zipper_cluster(sku="JKT-0300")
    with world.service() as service:
        service.run()
        first, second = sorted(
            (p for p in service.pending_approvals() if p.tool == "request_sample_inspection"),
            key=lambda p: p.args["sku"],
        )
        plain = service.decide(first.approval_id, "reject", actor="qa-ann", role="qa_lead", reason="not needed")
        corrected = service.decide(second.approval_id, "reject", actor="qa-ann", role="qa_lead",
                                   reason="fabric, not zips", topic="product_quality.material")  # fmt: skip
    assert plain.labels_written == 0 and corrected.labels_written == 2
    assert {tuple(label.topics or ()) for label in labels(world)} == {("product_quality.material",)}
