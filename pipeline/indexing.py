"""The batched indexing stage beside the fast path: embed clean silver reviews into Chroma, resumably."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import func, select, update

from store.db import Database
from store.embeddings import ReviewEmbedder, TextEmbedder
from store.settings import Settings
from store.tables import ReviewScoreRow, SilverReview
from store.vector_index import IndexItem, ReviewIndex

__all__ = ["IndexRunStats", "index_pending_reviews", "pending_items"]


class IndexRunStats(BaseModel):
    """What one indexing run did."""

    indexed: int
    seconds: float
    rate: float
    total_in_index: int


def pending_items(db: Database, limit: int) -> list[IndexItem]:
    """The oldest clean silver reviews not yet marked as indexed, with their scores as metadata."""
    with db.session() as session:
        rows = session.execute(
            select(SilverReview, ReviewScoreRow.topics, ReviewScoreRow.sentiment)
            .outerjoin(ReviewScoreRow, ReviewScoreRow.review_id == SilverReview.review_id)
            .where(SilverReview.status == "clean", SilverReview.indexed_at.is_(None))
            .order_by(SilverReview.cleaned_at, SilverReview.review_id)
            .limit(limit)
        ).all()
    return [
        IndexItem(
            review_id=r.review_id,
            text=f"{r.title}. {r.text}" if r.title else r.text,
            sku=r.sku,
            category=r.category,
            topics=[t["label"] for t in (topics or [])],
            rating=r.rating,
            region=r.region,
            warehouse=r.warehouse,
            supplier=r.supplier,
            created_at=r.created_at,
            channel=r.channel,
            sentiment=sentiment,
        )
        for r, topics, sentiment in rows
    ]


def _mark_indexed(db: Database, review_ids: Sequence[str]) -> None:
    with db.session() as session:
        session.execute(
            update(SilverReview).where(SilverReview.review_id.in_(review_ids)).values(indexed_at=datetime.now(UTC))
        )


def index_pending_reviews(
    settings: Settings,
    db: Database,
    embedder: TextEmbedder | None = None,
    batch_size: int = 256,
    on_progress: Callable[[int, int], None] | None = None,
) -> IndexRunStats:
    """Embed and upsert every clean review not yet indexed; a crash mid-way re-indexes nothing twice."""
    with db.session() as session:
        total = int(
            session.scalar(
                select(func.count())
                .select_from(SilverReview)
                .where(SilverReview.status == "clean", SilverReview.indexed_at.is_(None))
            )
            or 0
        )
    done = 0

    def mark_done(ids: Sequence[str]) -> None:
        nonlocal done
        _mark_indexed(db, ids)
        done += len(ids)
        if on_progress:
            on_progress(done, total)

    with ReviewIndex.open(settings, embedder or ReviewEmbedder.from_settings(settings)) as index:
        stats = index.index_pending(lambda n: pending_items(db, n), mark_done, batch_size=batch_size)
        count = index.count()
    return IndexRunStats(indexed=stats.count, seconds=stats.seconds, rate=stats.rate, total_in_index=count)
