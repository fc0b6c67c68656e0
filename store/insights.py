"""Read-only questions over silver + scores that the demo, status and (later) the chat agent ask."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from store.tables import ReviewScoreRow, RouteDecisionRow, SilverReview

__all__ = ["TopicCluster", "route_reason_counts", "top_negative_clusters"]


class TopicCluster(BaseModel):
    """Negative reviews of one SKU about one topic."""

    sku: str
    topic: str
    negative_reviews: int
    share_of_sku_reviews: float
    first_at: datetime
    last_at: datetime
    escalated: int


def top_negative_clusters(session: Session, limit: int = 10, min_reviews: int = 3) -> list[TopicCluster]:
    """SKU x primary-topic groups of negative reviews, largest first."""
    per_sku = dict(
        session.execute(
            select(SilverReview.sku, func.count())
            .where(SilverReview.status == "clean", SilverReview.sku.is_not(None))
            .group_by(SilverReview.sku)
        )
        .tuples()
        .all()
    )
    escalated = func.sum(case((RouteDecisionRow.route == "agent", 1), else_=0))
    stmt = (
        select(
            SilverReview.sku,
            ReviewScoreRow.primary_topic,
            func.count().label("n"),
            func.min(SilverReview.created_at).label("first_at"),
            func.max(SilverReview.created_at).label("last_at"),
            escalated.label("escalated"),
        )
        .join(ReviewScoreRow, ReviewScoreRow.review_id == SilverReview.review_id)
        .join(RouteDecisionRow, RouteDecisionRow.review_id == SilverReview.review_id)
        .where(
            SilverReview.sku.is_not(None),
            ReviewScoreRow.primary_topic.is_not(None),
            ReviewScoreRow.sentiment == "negative",
        )
        .group_by(SilverReview.sku, ReviewScoreRow.primary_topic)
        .having(func.count() >= min_reviews)
        .order_by(func.count().desc())
        .limit(limit)
    )
    return [
        TopicCluster(
            sku=row.sku,
            topic=row.primary_topic,
            negative_reviews=row.n,
            share_of_sku_reviews=row.n / max(per_sku.get(row.sku, row.n), 1),
            first_at=row.first_at,
            last_at=row.last_at,
            escalated=int(row.escalated or 0),
        )
        for row in session.execute(stmt)
    ]


def route_reason_counts(session: Session) -> dict[str, int]:
    """How often each escalation reason (without its numbers) appears among agent-routed reviews."""
    counts: dict[str, int] = {}
    for reasons in session.scalars(select(RouteDecisionRow.reasons).where(RouteDecisionRow.route == "agent")):
        for reason in reasons:
            key = str(reason).split("(")[0].split(":")[0]
            counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))
