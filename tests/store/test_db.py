from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select

from store.db import Database
from store.review_store import insert_bronze
from store.tables import BronzeEvent

EXPECTED_TABLES = {
    "bronze_events",
    "quarantine",
    "reviews",
    "review_scores",
    "route_decisions",
    "human_labels",
    "pipeline_runs",
    "alembic_version",
}


@pytest.fixture(params=["sqlite", "postgres"])
def database(request, tmp_path):
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'r.db'}")
    else:
        db = Database(request.getfixturevalue("postgres_url"))
    db.migrate()
    yield db
    db.dispose()


def test_migrations_create_every_table_and_are_repeatable(database):
    assert set(inspect(database.engine).get_table_names()) >= EXPECTED_TABLES
    database.migrate()  # a second upgrade is a no-op, not an error


def test_resending_the_same_payload_stores_it_once(database):
    now = datetime(2026, 11, 2, tzinfo=UTC)
    items = [("storefront", b'{"a": 1}', now), ("storefront", b'{"a": 2}', now), ("storefront", b'{"a": 1}', now)]
    with database.session() as s:
        first = insert_bronze(s, items, ingested_at=now)
    with database.session() as s:
        second = insert_bronze(s, items, ingested_at=now)
        stored = s.scalars(select(BronzeEvent.payload)).all()
    assert sorted(b.payload for b in first) == [b'{"a": 1}', b'{"a": 2}']
    assert second == []
    assert sorted(stored) == [b'{"a": 1}', b'{"a": 2}']


def test_same_bytes_from_two_sources_are_two_bronze_rows(database):
    now = datetime(2026, 11, 2, tzinfo=UTC)
    with database.session() as s:
        fresh = insert_bronze(s, [("storefront", b"x", now), ("nps", b"x", now)], ingested_at=now)
    assert {b.source for b in fresh} == {"storefront", "nps"}


def test_timestamps_round_trip_as_aware_utc(database):
    cet = timezone(timedelta(hours=1))
    received = datetime(2026, 11, 2, 10, 0, tzinfo=cet)
    with database.session() as s:
        insert_bronze(s, [("storefront", b"{}", received)], ingested_at=received)
    with database.session() as s:
        row = s.scalars(select(BronzeEvent)).one()
    assert row.received_at == received
    assert row.received_at.tzinfo == UTC


def test_naive_timestamps_are_refused(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'r.db'}")
    db.migrate()
    with pytest.raises(Exception, match="naive datetime"), db.session() as s:
        insert_bronze(s, [("storefront", b"{}", datetime(2026, 1, 1))], ingested_at=datetime(2026, 1, 1))
