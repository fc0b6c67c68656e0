"""Gold tables: review counts per SKU x topic x region x warehouse x supplier x hour/day, and per scope x topic x day.

Maintained by `store.gold.update_gold` from scored silver reviews and rebuildable from silver (`rebuild_gold`).
Unknown dimensions are stored as "" (not NULL) so the composite keys stay unique; topic "*" counts every
scored review of the cell, the denominator of every rate.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store.tables import Base

__all__ = ["ALL_TOPICS", "GoldContribution", "GoldScopeDaily", "GoldTopicDaily", "GoldTopicHourly"]

ALL_TOPICS = "*"
"""Topic value of the rows that count every scored review (the denominators)."""


class _CubeCounts:
    """Key dimensions and counts shared by the hourly and daily cubes."""

    topic: Mapped[str] = mapped_column(String(64), primary_key=True, doc="leaf topic id, flag id, or '*'")
    sku: Mapped[str] = mapped_column(String(128), primary_key=True)
    region: Mapped[str] = mapped_column(String(64), primary_key=True)
    warehouse: Mapped[str] = mapped_column(String(64), primary_key=True)
    supplier: Mapped[str] = mapped_column(String(64), primary_key=True)
    category: Mapped[str] = mapped_column(String(128), primary_key=True)
    reviews: Mapped[int] = mapped_column(Integer, doc="scored reviews in the cell carrying the topic")
    negative: Mapped[int] = mapped_column(Integer)
    positive: Mapped[int] = mapped_column(Integer)
    rating_1: Mapped[int] = mapped_column(Integer)
    rating_2: Mapped[int] = mapped_column(Integer)
    rating_3: Mapped[int] = mapped_column(Integer)
    rating_4: Mapped[int] = mapped_column(Integer)
    rating_5: Mapped[int] = mapped_column(Integer)


class GoldTopicHourly(_CubeCounts, Base):
    """Counts per hour (of `created_at`, UTC) x topic x SKU x region x warehouse x supplier x category."""

    __tablename__ = "gold_topic_hourly"
    __table_args__ = (Index("ix_gold_topic_hourly_sku", "sku", "bucket_start"),)

    bucket_start: Mapped[datetime] = mapped_column(primary_key=True)


class GoldTopicDaily(_CubeCounts, Base):
    """The hourly cube rolled up to UTC days."""

    __tablename__ = "gold_topic_daily"
    __table_args__ = (Index("ix_gold_topic_daily_sku", "sku", "day"),)

    day: Mapped[datetime] = mapped_column(primary_key=True)


class GoldScopeDaily(Base):
    """Counts per day x scope (one dimension: sku, category, region, warehouse, supplier, or the whole shop) x topic.

    The series the detectors and rolling baselines read; `parent` is the scope a rate is compared with
    (the category of a SKU, the whole shop for the others).
    """

    __tablename__ = "gold_scope_daily"

    day: Mapped[datetime] = mapped_column(primary_key=True)
    scope_kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    scope: Mapped[str] = mapped_column(String(128), primary_key=True)
    topic: Mapped[str] = mapped_column(String(64), primary_key=True)
    parent: Mapped[str] = mapped_column(String(128))
    reviews: Mapped[int] = mapped_column(Integer)
    negative: Mapped[int] = mapped_column(Integer)
    positive: Mapped[int] = mapped_column(Integer)


class GoldContribution(Base):
    """What one review added to gold, so re-scoring it (or applying it twice) corrects instead of double-counting."""

    __tablename__ = "gold_contributions"
    __table_args__ = (Index("ix_gold_contributions_bucket", "bucket_start"),)

    review_id: Mapped[str] = mapped_column(ForeignKey("reviews.review_id"), primary_key=True)
    bucket_start: Mapped[datetime]
    sku: Mapped[str] = mapped_column(String(128))
    region: Mapped[str] = mapped_column(String(64))
    warehouse: Mapped[str] = mapped_column(String(64))
    supplier: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(128))
    topics: Mapped[list[Any]] = mapped_column(JSON, doc="topic and flag ids counted, without '*'")
    sentiment: Mapped[str] = mapped_column(String(16))
    rating: Mapped[int | None] = mapped_column(Integer)
