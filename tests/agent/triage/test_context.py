"""Specification of context gathering: the cluster in numbers from the store, and evidence from the index."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Any

import pytest
from chromadb.errors import InternalError

from agent.triage.context import cluster_summary, gather_context
from agent.triage.state import IncidentFacts
from pipeline.indexing import index_pending_reviews
from store.embeddings import HashingEmbedder
from store.vector_index import ReviewIndex
from tests.agent.triage.conftest import T0, World

FACTS = IncidentFacts(
    incident_id="INC-1", key="sku=JKT-0125|topic=product_quality.defect", scope={"sku": "JKT-0125"},
    topic="product_quality.defect", topic_name="Defect", severity="medium", owner_team="quality-eng",
)  # fmt: skip


def baseline(world: World) -> None:
    """A month of ordinary reviews of the SKU: praise from every warehouse, one old defect report."""
    for day in range(8, 30):
        warehouse = "WH-LEJ" if day % 2 else "WH-ROT"
        world.add_review("Warm and well made.", created_at=T0 - timedelta(days=day), route="done", topic=None,
                         sentiment="positive", rating=5, warehouse=warehouse)  # fmt: skip
    world.add_review("Zip broke.", created_at=T0 - timedelta(days=20), route="done")


def test_the_cluster_summary_counts_trend_ratings_and_over_represented_places(world: World) -> None:
    baseline(world)
    for hours in range(0, 60, 12):  # 5 defect reports in the last 2.5 days, all shipped from WH-LEJ
        world.add_review("The zipper broke.", created_at=T0 - timedelta(hours=hours), warehouse="WH-LEJ",
                         rating=1 if hours else 2, carrier="DHL")  # fmt: skip
    with world.db.session() as session:
        summary = cluster_summary(
            session, {"sku": "JKT-0125"}, "product_quality.defect", T0 + timedelta(seconds=1), 168
        )
    assert summary.count == 5 and summary.scope_reviews == 5
    assert summary.daily_counts == [0, 0, 0, 0, 1, 2, 2]
    assert summary.baseline_per_day == round(1 / 28, 4) and summary.trend_ratio == round((5 / 7) / (1 / 28), 2)
    assert summary.rating_mix == {"1": 4, "2": 1}
    assert [(o.dimension, o.value, o.share) for o in summary.over_represented] == [("warehouse", "WH-LEJ", 1.0)]
    assert summary.dominant["carrier"] == "DHL" and summary.dominant["supplier"] == "SUP-7"


def test_praise_that_mentions_the_topic_is_not_part_of_the_cluster(world: World) -> None:
    world.add_review("The zipper is great.", created_at=T0, sentiment="positive", rating=5)
    with world.db.session() as session:
        summary = cluster_summary(session, {"sku": "JKT-0125"}, "product_quality.defect", T0 + timedelta(hours=1), 24)
    assert summary.count == 0 and summary.scope_reviews == 1


def test_evidence_is_the_triggers_plus_similar_reviews_of_the_same_sku_from_the_index(world: World) -> None:
    older = [
        world.add_review(text, created_at=T0 - timedelta(days=2), route="done")
        for text in ("zipper broke on the jacket", "zip teeth split apart", "lovely colour")
    ]
    other_sku = world.add_review("zipper broke on the jacket", created_at=T0 - timedelta(days=1), sku="DRS-0001")
    trigger = world.add_review("the zipper broke after a day", created_at=T0)
    with ReviewIndex.open(world.settings, HashingEmbedder(64)) as index:
        index_pending_reviews(world.settings, world.db, embedder=index.embedder)
    with ReviewIndex.open(world.settings, HashingEmbedder(64)) as index, world.db.session() as session:
        context = gather_context(session, FACTS, [trigger], index=index, window_hours=168, max_evidence=3)
    ids = [item.review_id for item in context.evidence]
    assert context.retrieval == "index"
    assert ids[0] == trigger and context.evidence[0].trigger
    assert older[0] in ids and other_sku not in ids
    assert len(ids) == 3


def test_without_an_index_the_clusters_newest_reviews_stand_in(world: World) -> None:
    cluster = world.zipper_cluster(5)
    with world.db.session() as session:
        context = gather_context(session, FACTS, cluster[:1], index=None, window_hours=168, max_evidence=4)
    assert context.retrieval == "store"
    assert [item.review_id for item in context.evidence] == cluster[:4]


class FailingIndex:
    """A review index whose every search raises `error`."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def similar(self, *args: Any, **kwargs: Any) -> list[Any]:
        raise self.error


@pytest.mark.parametrize("error", [InternalError("database is locked"), sqlite3.OperationalError("disk I/O error")])
def test_an_index_that_fails_leaves_the_clusters_newest_reviews_as_evidence(world: World, error: Exception) -> None:
    cluster = world.zipper_cluster(5)
    index: Any = FailingIndex(error)
    with world.db.session() as session:
        context = gather_context(session, FACTS, cluster[:1], index=index, window_hours=168, max_evidence=4)
    assert context.retrieval == "store"
    assert [item.review_id for item in context.evidence] == cluster[:4]


def test_a_programming_error_in_the_index_search_is_not_taken_for_an_unavailable_index(world: World) -> None:
    cluster = world.zipper_cluster(2)
    index: Any = FailingIndex(TypeError("bug"))
    with world.db.session() as session, pytest.raises(TypeError, match="bug"):
        gather_context(session, FACTS, cluster[:1], index=index, window_hours=168, max_evidence=4)
