"""Gold aggregates: what a review counts under, incremental maintenance, corrections, and rebuild from silver."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from lab.demo.run import micro_batches
from lab.demo.stream import generate_stream
from pipeline.clock import SimulatedClock
from pipeline.factory import build_loop
from store.db import Database
from store.gold import GoldConfig, rebuild_gold, update_gold
from store.gold_queries import rolling_baselines, scope_topic_counts
from store.gold_tables import GoldContribution, GoldScopeDaily, GoldTopicDaily, GoldTopicHourly
from store.tables import ReviewScoreRow
from tests.pipeline.alerts.factories import add_review

T0 = datetime(2026, 11, 3, 10, 20, tzinfo=UTC)
GOLD_TABLES = (GoldTopicHourly, GoldTopicDaily, GoldScopeDaily)


@pytest.fixture(params=["sqlite", "postgres"])
def database(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'g.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    db = Database(url)
    db.migrate()
    yield db
    db.dispose()


def snapshot(session) -> dict[str, set[tuple]]:
    """Every gold row as a tuple, per table, for comparing two ways of building gold."""
    return {
        table.__tablename__: {tuple(row) for row in session.execute(select(*table.__table__.columns))}
        for table in GOLD_TABLES
    }


def hourly(session, topic: str) -> list[GoldTopicHourly]:
    return list(session.scalars(select(GoldTopicHourly).where(GoldTopicHourly.topic == topic)))


def test_a_review_counts_under_all_reviews_and_each_of_its_topics(database):
    with database.session() as s:
        rid = add_review(s, "r1", T0, topics=("product_quality.defect", "sizing_fit.runs_small"), rating=1)
        update_gold(s, [rid])
    with database.session() as s:
        assert {row.topic for row in s.scalars(select(GoldTopicHourly))} == {
            "*",
            "product_quality.defect",
            "sizing_fit.runs_small",
        }
        (row,) = hourly(s, "product_quality.defect")
        assert row.bucket_start == T0.replace(minute=0)
        assert (row.reviews, row.negative, row.positive, row.rating_1, row.rating_2) == (1, 1, 0, 1, 0)
        assert (row.sku, row.region, row.warehouse, row.supplier, row.category) == (
            "JKT-0001",
            "US-East",
            "WH-NJ",
            "SUP-01",
            "Jackets",
        )
        scopes = {(r.scope_kind, r.scope) for r in s.scalars(select(GoldScopeDaily).where(GoldScopeDaily.topic == "*"))}
        assert scopes == {
            ("sku", "JKT-0001"),
            ("category", "Jackets"),
            ("region", "US-East"),
            ("warehouse", "WH-NJ"),
            ("supplier", "SUP-01"),
            ("all", "*"),
        }


def test_unknown_dimensions_are_empty_strings_and_have_no_scope_rows(database):
    with database.session() as s:
        update_gold(s, [add_review(s, "r1", T0, sku=None, category=None, warehouse=None, supplier=None)])
    with database.session() as s:
        (row,) = hourly(s, "*")
        assert (row.sku, row.category) == ("", "")
        kinds = {r.scope_kind for r in s.scalars(select(GoldScopeDaily))}
        assert kinds == {"region", "all"}


def test_a_review_without_a_category_does_not_reparent_its_sku_to_the_shop(database):
    with database.session() as s:
        update_gold(s, [add_review(s, "r1", T0)])  # storefront: SKU and category
    with database.session() as s:
        update_gold(s, [add_review(s, "r2", T0 + timedelta(hours=1), category=None)])  # a support ticket: SKU only
        update_gold(s, [add_review(s, "r3", T0 + timedelta(hours=2), category=None)])
    with database.session() as s:
        parents = {r.parent for r in s.scalars(select(GoldScopeDaily).where(GoldScopeDaily.scope_kind == "sku"))}
        assert parents == {"Jackets"}
        counted = snapshot(s)
        rebuild_gold(s)
        assert snapshot(s) == counted


def test_safety_flag_counts_only_when_a_lexicon_rule_backs_the_model(database):
    with database.session() as s:
        credible = add_review(s, "r1", T0, flags={"safety_hazard": 0.97}, flag_rules={"safety_hazard": ["safety.fire"]})
        model_only = add_review(s, "r2", T0, flags={"safety_hazard": 1.0})
        update_gold(s, [credible, model_only])
    with database.session() as s:
        (row,) = hourly(s, "safety_hazard")
        assert row.reviews == 1


def test_flag_credibility_is_configurable(database):
    config = GoldConfig(flags={"safety_hazard": {"min_probability": 0.9, "require_rule": False}})
    with database.session() as s:
        update_gold(s, [add_review(s, "r1", T0, flags={"safety_hazard": 0.95})], config)
    with database.session() as s:
        assert [row.reviews for row in hourly(s, "safety_hazard")] == [1]


def test_unscored_spam_and_duplicates_are_not_counted(database):
    with database.session() as s:
        ids = [
            add_review(s, "spam", T0, status="spam"),
            add_review(s, "dup", T0, status="duplicate"),
            add_review(s, "later", T0, scored=False),
        ]
        report = update_gold(s, ids)
    assert report.not_scored == 3
    with database.session() as s:
        assert s.scalars(select(GoldTopicHourly)).all() == []


def test_applying_the_same_reviews_twice_changes_nothing(database):
    with database.session() as s:
        ids = [add_review(s, f"r{i}", T0 + timedelta(minutes=i)) for i in range(5)]
        update_gold(s, ids)
    with database.session() as s:
        before = snapshot(s)
        report = update_gold(s, ids)
        assert report.unchanged == 5 and report.added == 0
        assert snapshot(s) == before


def test_a_rescored_review_moves_its_counts_to_the_new_topic(database):
    with database.session() as s:
        update_gold(s, [add_review(s, "r1", T0)])
    with database.session() as s:
        s.execute(update(ReviewScoreRow).values(topics=[{"label": "packaging.damaged", "confidence": 0.9}]))
        report = update_gold(s, ["r1"])
        assert report.corrected == 1
    with database.session() as s:
        assert hourly(s, "product_quality.defect") == []
        assert [row.reviews for row in hourly(s, "packaging.damaged")] == [1]
        incremental = snapshot(s)
        rebuild_gold(s)
        assert snapshot(s) == incremental


def test_incremental_batches_equal_a_rebuild_from_silver(database):
    topics = ["product_quality.defect", "sizing_fit.runs_small", "packaging.damaged"]
    with database.session() as s:
        for batch in range(4):
            ids = [
                add_review(
                    s,
                    f"b{batch}-{i}",
                    T0 + timedelta(hours=7 * batch + i),
                    sku=f"SKU-{i % 3}",
                    region=["US-East", "EU-West"][i % 2],
                    sentiment=["negative", "neutral", "positive"][i % 3],
                    topics=topics[: i % 3 + 1],
                    rating=1 + i % 5,
                )
                for i in range(9)
            ]
            update_gold(s, ids)
    with database.session() as s:
        incremental = snapshot(s)
        counted = rebuild_gold(s, chunk_size=5)  # small chunks: writes interleave with the streamed read
        assert counted == 36
        assert snapshot(s) == incremental


def test_the_loop_keeps_gold_current_per_batch_and_equal_to_a_rebuild(settings):
    stream = generate_stream(seed=3, days=5, skus=20, reviews_per_day=80)
    clock = SimulatedClock(stream.start)
    loop = build_loop(settings, clock=clock)
    counted = 0
    for batch in micro_batches(stream.events, 60):
        clock.advance_to(batch[-1].received_at)
        report = loop.process(batch)
        assert report.gold == report.scored  # every scored review is in gold when its batch commits
        counted += report.gold
    with loop.db.session() as s:
        assert s.scalar(select(func.count()).select_from(GoldContribution)) == counted
        incremental = snapshot(s)
        rebuild_gold(s)
        assert snapshot(s) == incremental
        assert sum(row.reviews for row in hourly(s, "*")) == s.scalar(select(func.count()).select_from(ReviewScoreRow))


def test_scope_counts_and_rolling_baselines_read_back(database):
    with database.session() as s:
        ids = [add_review(s, f"d{i}", T0 - timedelta(days=i), topics=("product_quality.defect",)) for i in range(1, 4)]
        ids += [add_review(s, f"p{i}", T0 - timedelta(days=i), sentiment="positive", topics=()) for i in range(1, 4)]
        update_gold(s, ids)
    with database.session() as s:
        counts = scope_topic_counts(s, {"sku": "JKT-0001"}, "product_quality.defect", T0 - timedelta(days=7), T0)
        assert (counts.reviews, counts.topic_nonpositive) == (6, 3)
        assert counts.nonpositive_share == pytest.approx(0.5)
        (baseline,) = rolling_baselines(s, "sku", T0, days=7, topics={"product_quality.defect"})
        assert (baseline.scope, baseline.reviews, baseline.topic_nonpositive) == ("JKT-0001", 6, 3)
