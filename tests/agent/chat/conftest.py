"""A small store with known counts, built through the real tables and the real gold update, and fake chat models."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from agent.chat import ChatDeps, ChatService
from store.db import Database
from store.embeddings import HashingEmbedder
from store.gold import update_gold
from store.incidents import attach_reviews, incident_key, open_or_get, transition
from store.settings import Settings
from store.tables import BronzeEvent, ReviewScoreRow, SilverReview
from store.taxonomy import load_taxonomy
from store.vector_index import IndexItem, ReviewIndex
from tests.fake_chat import Script as Script  # re-exported for the tests beside this conftest
from tests.fake_chat import fake_model as fake_model

AS_OF = datetime(2026, 11, 15, tzinfo=UTC)
"""A Sunday midnight: `this week` starts Monday 2026-11-09, `today` is Saturday 2026-11-14."""
DEFECT = "product_quality.defect"
LATE = "shipping_delivery.late"
SMALL = "sizing_fit.runs_small"


def prose(text: str) -> str:
    """A prose answer as the model writes it under the JSON schema."""
    return json.dumps({"answer": text})


@dataclass
class ChatWorld:
    """A private REVIEWOPS_HOME with a migrated database; reviews go through silver, scores and gold."""

    settings: Settings
    db: Database
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    index: ReviewIndex | None = None

    def review(
        self,
        text: str,
        *,
        at: datetime,
        sku: str = "JKT-0125",
        topics: tuple[str, ...] = (DEFECT,),
        sentiment: str = "negative",
        rating: int | None = 1,
        region: str = "EU-West",
        warehouse: str = "WH-ROT",
        supplier: str = "SUP-07",
        category: str = "Jackets",
        flags: dict[str, float] | None = None,
        review_id: str | None = None,
    ) -> str:
        """Store one clean, scored review and count it into gold; returns its id."""
        review_id = review_id or f"storefront:T-{next(self.counter):05d}"
        raw = json.dumps({"review_id": review_id, "body": text}).encode()
        with self.db.session() as session:
            bronze = BronzeEvent(
                source="storefront", payload=raw, payload_sha256=hashlib.sha256(raw).hexdigest(), received_at=at,
                ingested_at=at, review_id=review_id, outcome="silver",
            )  # fmt: skip
            session.add(bronze)
            session.flush()
            session.add(
                SilverReview(
                    review_id=review_id, bronze_id=bronze.id, source="storefront", channel="storefront",
                    customer_id=None, order_id=None, sku=sku, category=category, rating=rating, title="", text=text,
                    language="en", created_at=at, received_at=at, cleaned_at=at, region=region, warehouse=warehouse,
                    supplier=supplier, order_value=None, status="clean", dedup_key=review_id, pii_kinds=[],
                )
            )  # fmt: skip
            session.flush()
            rules = {name: True for name in (flags or {})}
            session.add(
                ReviewScoreRow(
                    review_id=review_id, scorer_version="test", sentiment=sentiment, sentiment_confidence=0.9,
                    sentiment_score=-0.8 if sentiment == "negative" else 0.8, sentiment_margin=0.8,
                    primary_topic=topics[0] if topics else None,
                    topics=[{"label": t, "confidence": 0.9} for t in topics], urgency="medium",
                    urgency_confidence=0.8, flags=flags or {}, flag_rules=rules, scored_at=at,
                )
            )  # fmt: skip
            session.flush()
            update_gold(session, [review_id])
        return review_id

    def many(self, count: int, text: str, *, start: datetime, step_hours: float = 5, **attrs: Any) -> list[str]:
        """`count` reviews, one every `step_hours` going back from `start`."""
        return [self.review(f"{text} ({i})", at=start - timedelta(hours=step_hours * i), **attrs) for i in range(count)]

    def incident(self, scope: dict[str, str], topic: str, review_ids: list[str], *, opened: datetime,
                 moves: tuple[str, ...] = ()) -> str:  # fmt: skip
        """Open an incident over these reviews and move it through `moves`; returns its id."""
        taxonomy = load_taxonomy(self.settings.config_dir / "taxonomy.yaml")
        with self.db.session() as session:
            row, _ = open_or_get(
                session, incident_key(scope, topic), scope, topic, taxonomy.severity_of(topic).value,
                taxonomy.owner_for(topic).team, opened,
            )  # fmt: skip
            attach_reviews(session, row.id, review_ids, now=opened)
            at = opened
            for state in moves:
                at += timedelta(hours=2)
                note = "done" if state in ("resolved", "closed_noise") else None
                transition(session, row.id, state, "test", at, note=note)
            return row.id

    def build_index(self) -> ReviewIndex:
        """Index every clean review with the HashingEmbedder (kept open until the world is closed)."""
        from sqlalchemy import select

        self.index = ReviewIndex.open(self.settings, HashingEmbedder(256))
        with self.db.session() as session:
            rows = session.scalars(select(SilverReview)).all()
            items = [
                IndexItem(review_id=r.review_id, text=r.text, sku=r.sku, category=r.category, rating=r.rating,
                          region=r.region, warehouse=r.warehouse, supplier=r.supplier, created_at=r.created_at)
                for r in rows
            ]  # fmt: skip
        self.index.upsert(items)
        return self.index

    def deps(self, model: Any = None, **options: Any) -> ChatDeps:
        return ChatDeps(
            db=self.db,
            taxonomy=load_taxonomy(self.settings.config_dir / "taxonomy.yaml"),
            index=self.index,
            chat_model=lambda: model,
            llm_backoff_seconds=0.0,
            **options,
        )

    def chat(self, model: Any = None, **options: Any) -> ChatService:
        return ChatService(self.deps(model, **options))

    def close(self) -> None:
        if self.index is not None:
            self.index.close()
        self.db.dispose()


def make_world(tmp_path: Path, database_url: str | None = None) -> ChatWorld:
    home = tmp_path / "home"
    home.mkdir(parents=True, exist_ok=True)
    settings = Settings(home=home, database_url=database_url, shared_csv=tmp_path / "none.csv")
    return ChatWorld(settings=settings, db=Database.from_settings(settings))


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ChatWorld]:
    built = make_world(tmp_path)
    yield built
    built.close()


@pytest.fixture
def shop(world: ChatWorld) -> ChatWorld:
    """A two-week shop with a zipper problem on JKT-0125 this week, late deliveries in US-East and noise.

    Last 7 days (11-08..11-15) on JKT-0125: 10 defect complaints, 2 praising reviews, 1 late complaint.
    The 7 days before on JKT-0125: 2 defect complaints and 8 praising reviews.
    US-East, last 7 days: 6 late complaints on DRS-0203 (WH-NJ, SUP-02); EU-West gets the JKT reviews.
    """
    recent = AS_OF - timedelta(hours=1)
    world.many(10, "The zipper broke after two days", start=recent, step_hours=14)
    world.many(2, "Lovely warm jacket", start=recent - timedelta(hours=3), step_hours=30, topics=(),
               sentiment="positive", rating=5)  # fmt: skip
    world.review("Parcel arrived a week late", at=AS_OF - timedelta(days=2), topics=(LATE,), rating=2)
    before = AS_OF - timedelta(days=7, hours=1)
    world.many(2, "Zip came apart", start=before, step_hours=40)
    world.many(8, "Great jacket, fits well", start=before - timedelta(hours=2), step_hours=18, topics=(),
               sentiment="positive", rating=5)  # fmt: skip
    world.many(6, "Still waiting for my dress, tracking stuck", start=recent - timedelta(hours=2), step_hours=20,
               sku="DRS-0203", category="Dresses", topics=(LATE,), region="US-East", warehouse="WH-NJ",
               supplier="SUP-02", rating=2)  # fmt: skip
    world.many(4, "Nice dress", start=recent - timedelta(hours=4), step_hours=30, sku="DRS-0203",
               category="Dresses", topics=(), sentiment="positive", rating=5, region="US-East",
               warehouse="WH-NJ", supplier="SUP-02")  # fmt: skip
    return world
