"""One builder for tests that need stored reviews without running the loop: bronze + silver + score rows."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from store.tables import BronzeEvent, ReviewScoreRow, SilverReview

__all__ = ["add_review"]


def add_review(
    session: Session,
    review_id: str,
    created_at: datetime,
    *,
    sku: str | None = "JKT-0001",
    category: str | None = "Jackets",
    region: str | None = "US-East",
    warehouse: str | None = "WH-NJ",
    supplier: str | None = "SUP-01",
    rating: int | None = 2,
    sentiment: str = "negative",
    topics: Sequence[str] = ("product_quality.defect",),
    flags: dict[str, float] | None = None,
    flag_rules: dict[str, list[str]] | None = None,
    status: str = "clean",
    text: str = "The zipper broke after two days.",
    scored: bool = True,
    payload: bytes | None = None,
) -> str:
    """A bronze + silver (+ score) row as the loop would store them; returns the review id.

    `payload` is the bronze bytes (the review id by default); `flags` default to a zero safety probability."""
    raw = payload if payload is not None else review_id.encode()
    digest = hashlib.sha256(review_id.encode()).hexdigest()
    bronze = BronzeEvent(
        source="storefront",
        payload=raw,
        payload_sha256=hashlib.sha256(raw).hexdigest(),
        received_at=created_at,
        ingested_at=created_at,
        review_id=review_id,
        outcome="silver",
    )
    session.add(bronze)
    session.flush()
    session.add(
        SilverReview(
            review_id=review_id,
            bronze_id=bronze.id,
            source="storefront",
            channel="storefront",
            customer_id=None,
            order_id=None,
            sku=sku,
            category=category,
            rating=rating,
            title="",
            text=text,
            language="en",
            created_at=created_at,
            received_at=created_at,
            cleaned_at=created_at,
            region=region,
            warehouse=warehouse,
            supplier=supplier,
            order_value=None,
            status=status,
            dedup_key=digest[:32],
            duplicate_of=None,
            near_duplicate_of=None,
            spam_reason=None,
            pii_kinds=[],
        )
    )
    session.flush()  # the score row references the silver row
    if scored and status == "clean":
        session.add(
            ReviewScoreRow(
                review_id=review_id,
                scorer_version="test",
                sentiment=sentiment,
                sentiment_confidence=0.9,
                sentiment_score=-0.8 if sentiment == "negative" else 0.8,
                sentiment_margin=0.8,
                primary_topic=topics[0] if topics else None,
                topics=[{"label": t, "confidence": 0.9} for t in topics],
                urgency="medium",
                urgency_confidence=0.8,
                flags={"safety_hazard": 0.0} if flags is None else flags,
                flag_rules=flag_rules or {},
                scored_at=created_at,
            )
        )
    session.flush()
    return review_id
