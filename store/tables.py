"""SQL tables (SQLAlchemy 2): bronze payloads, quarantine, silver reviews, scores, routing, labels."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Base",
    "BronzeEvent",
    "HumanLabel",
    "PipelineRun",
    "QuarantinedEvent",
    "ReviewScoreRow",
    "RouteDecisionRow",
    "SilverReview",
    "UTCDateTime",
]


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC; SQLite has no time zones and Postgres gets the same values."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to a UTC column; attach tzinfo=UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class BronzeEvent(Base):
    """A payload exactly as received. (source, sha256) is unique, so re-sending is a no-op."""

    __tablename__ = "bronze_events"
    __table_args__ = (UniqueConstraint("source", "payload_sha256", name="uq_bronze_source_sha"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime]
    ingested_at: Mapped[datetime]
    review_id: Mapped[str | None] = mapped_column(String(200), index=True)
    outcome: Mapped[str] = mapped_column(String(16), doc="silver | quarantined | superseded")


class QuarantinedEvent(Base):
    """A payload that could not become a review, with the reason and a copy of the raw bytes."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bronze_id: Mapped[int] = mapped_column(ForeignKey("bronze_events.id"), unique=True)
    source: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(32), index=True)
    detail: Mapped[str] = mapped_column(Text)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    quarantined_at: Mapped[datetime]


class SilverReview(Base):
    """A cleaned review: PII masked, normalized, language tagged, dedup and spam decided."""

    __tablename__ = "reviews"
    __table_args__ = (
        Index("ix_reviews_sku_created", "sku", "created_at"),
        Index("ix_reviews_status", "status"),
    )

    review_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    bronze_id: Mapped[int] = mapped_column(ForeignKey("bronze_events.id"))
    source: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str | None] = mapped_column(String(128))
    order_id: Mapped[str | None] = mapped_column(String(128))
    sku: Mapped[str | None] = mapped_column(String(128))
    category: Mapped[str | None] = mapped_column(String(128))
    rating: Mapped[int | None]
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]
    received_at: Mapped[datetime]
    cleaned_at: Mapped[datetime]
    region: Mapped[str | None] = mapped_column(String(64))
    warehouse: Mapped[str | None] = mapped_column(String(64))
    supplier: Mapped[str | None] = mapped_column(String(64))
    order_value: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))
    dedup_key: Mapped[str] = mapped_column(String(64), index=True)
    duplicate_of: Mapped[str | None] = mapped_column(String(200))
    near_duplicate_of: Mapped[str | None] = mapped_column(String(200))
    spam_reason: Mapped[str | None] = mapped_column(String(200))
    pii_kinds: Mapped[list[Any]] = mapped_column(JSON, default=list)
    indexed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class ReviewScoreRow(Base):
    """The fast scorer's output for one review (latest scorer version wins)."""

    __tablename__ = "review_scores"

    review_id: Mapped[str] = mapped_column(ForeignKey("reviews.review_id"), primary_key=True)
    scorer_version: Mapped[str] = mapped_column(String(64))
    sentiment: Mapped[str] = mapped_column(String(16))
    sentiment_confidence: Mapped[float]
    sentiment_score: Mapped[float]
    sentiment_margin: Mapped[float]
    primary_topic: Mapped[str | None] = mapped_column(String(64), index=True)
    topics: Mapped[list[Any]] = mapped_column(JSON)
    urgency: Mapped[str] = mapped_column(String(16))
    urgency_confidence: Mapped[float]
    flags: Mapped[dict[str, Any]] = mapped_column(JSON)
    flag_rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    scored_at: Mapped[datetime]
    stage: Mapped[str] = mapped_column(String(16), default="first_pass", server_default="first_pass")
    """The cascade stage that scored it last: `first_pass` or `semantic`."""


class RouteDecisionRow(Base):
    """Where a scored review went and why; `agent` rows form the triage queue."""

    __tablename__ = "route_decisions"
    __table_args__ = (Index("ix_route_queue", "route", "queue_status"),)

    review_id: Mapped[str] = mapped_column(ForeignKey("reviews.review_id"), primary_key=True)
    route: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[Any]] = mapped_column(JSON)
    scorer_version: Mapped[str] = mapped_column(String(64))
    routing_version: Mapped[str] = mapped_column(String(64))
    routed_at: Mapped[datetime]
    queue_status: Mapped[str | None] = mapped_column(String(16), doc="queued | taken | done, for agent rows")


class HumanLabel(Base):
    """A label a person gave a review (correction or approval); used when retraining the scorer."""

    __tablename__ = "human_labels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    review_id: Mapped[str] = mapped_column(ForeignKey("reviews.review_id"), index=True)
    sentiment: Mapped[str | None] = mapped_column(String(16))
    topics: Mapped[list[Any] | None] = mapped_column(JSON)
    urgency: Mapped[str | None] = mapped_column(String(16))
    flags: Mapped[list[Any] | None] = mapped_column(JSON)
    author: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]


class PipelineRun(Base):
    """One invocation of the loop (demo, ingest, bench), with its per-stage counts."""

    __tablename__ = "pipeline_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
