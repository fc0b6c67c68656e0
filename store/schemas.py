"""The canonical review event and the records each pipeline stage produces."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "FLAG_NAMES",
    "Channel",
    "CleanedReview",
    "LabelScore",
    "QuarantineReason",
    "ReviewEvent",
    "ReviewScore",
    "ReviewStatus",
    "Route",
    "RouteDecision",
    "Sentiment",
    "Urgency",
]


class Channel(StrEnum):
    """Where a review was written; one per adapter family."""

    storefront = "storefront"
    support = "support"
    app_store = "app_store"
    survey = "survey"
    social = "social"
    csv = "csv"


class QuarantineReason(StrEnum):
    """Why an incoming payload could not become a review. Every bad payload gets exactly one."""

    malformed_json = "malformed_json"
    invalid_utf8 = "invalid_utf8"
    missing_field = "missing_field"
    wrong_type = "wrong_type"
    empty_text = "empty_text"
    text_too_long = "text_too_long"
    future_timestamp = "future_timestamp"
    unknown_source = "unknown_source"


class ReviewEvent(BaseModel):
    """One customer review normalized from any source, before cleaning."""

    model_config = ConfigDict(extra="forbid")

    review_id: str = Field(
        min_length=1, max_length=200, description="`<source>:<id at the source>`; stable across re-sends."
    )
    source: str = Field(min_length=1, max_length=64, description="Adapter name that produced this event.")
    channel: Channel
    customer_id: str | None = None
    order_id: str | None = None
    sku: str | None = None
    category: str | None = None
    rating: int | None = Field(default=None, ge=1, le=5, description="Stars 1-5; NPS 0-10 is mapped onto it.")
    title: str = ""
    text: str
    language: str | None = None
    created_at: datetime = Field(description="When the customer wrote it (UTC).")
    received_at: datetime = Field(description="When ReviewOps received the payload (UTC).")
    region: str | None = None
    warehouse: str | None = None
    supplier: str | None = None
    order_value: float | None = Field(default=None, ge=0, description="Order value in the store currency, if known.")
    raw: dict[str, Any] = Field(
        default_factory=dict, description="The source payload as parsed (bronze keeps the bytes)."
    )


class ReviewStatus(StrEnum):
    """Silver status: only `clean` reviews are scored."""

    clean = "clean"
    duplicate = "duplicate"
    spam = "spam"


class CleanedReview(BaseModel):
    """A silver review: PII masked, normalized, language tagged, dedup/spam decided."""

    review_id: str
    source: str
    channel: Channel
    customer_id: str | None = None
    order_id: str | None = None
    sku: str | None = None
    category: str | None = None
    rating: int | None = None
    title: str = ""
    text: str
    language: str
    created_at: datetime
    received_at: datetime
    cleaned_at: datetime
    region: str | None = None
    warehouse: str | None = None
    supplier: str | None = None
    order_value: float | None = None
    status: ReviewStatus = ReviewStatus.clean
    dedup_key: str
    duplicate_of: str | None = None
    near_duplicate_of: str | None = None
    spam_reason: str | None = None
    pii_kinds: list[str] = Field(default_factory=list)


class Sentiment(StrEnum):
    negative = "negative"
    neutral = "neutral"
    positive = "positive"


class Urgency(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


FLAG_NAMES: tuple[str, ...] = ("safety_hazard", "refund_intent", "legal_threat", "profanity")


class LabelScore(BaseModel):
    """A label with its calibrated probability."""

    label: str
    confidence: float = Field(ge=0.0, le=1.0)


class ReviewScore(BaseModel):
    """What the fast scorer says about one review."""

    review_id: str
    scorer_version: str
    sentiment: Sentiment
    sentiment_confidence: float = Field(ge=0.0, le=1.0)
    sentiment_score: float = Field(ge=-1.0, le=1.0, description="P(pos) - P(neg).")
    sentiment_margin: float = Field(ge=0.0, le=1.0, description="Top-1 minus top-2 sentiment probability.")
    topics: list[LabelScore] = Field(
        default_factory=list, description="Taxonomy topic ids above threshold, best first."
    )
    urgency: Urgency
    urgency_confidence: float = Field(ge=0.0, le=1.0)
    flags: dict[str, float] = Field(default_factory=dict, description="Flag name -> calibrated probability.")
    flag_rules: dict[str, list[str]] = Field(default_factory=dict, description="Flag name -> lexicon rules that fired.")
    scored_at: datetime
    stage: str = Field(
        default="first_pass",
        description="The last cascade stage that scored the review: `first_pass` (TF-IDF) or `semantic` (encoder).",
    )


class Route(StrEnum):
    done = "done"
    agent = "agent"
    human = "human"
    """The human review queue: what the system cannot understand (e.g. an unsupported language) goes to people."""


class RouteDecision(BaseModel):
    """Where a scored review goes, and why."""

    review_id: str
    route: Route
    severity: Urgency
    reasons: list[str]
    scorer_version: str
    routing_version: str
    routed_at: datetime
