"""One review as people look it up: the cleaned record, what the scorer said, where the router sent it, its incidents
and human labels; and adding a human label (which `reviewops train` then learns from).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.incident_tables import IncidentReview
from store.schemas import FLAG_NAMES, Sentiment, Urgency
from store.tables import HumanLabel, ReviewScoreRow, RouteDecisionRow, SilverReview

__all__ = ["HumanLabelIn", "ReviewDetail", "ReviewNotFound", "add_human_label", "review_detail"]


class ReviewNotFound(KeyError):
    """No silver review has this id."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class HumanLabelIn(BaseModel):
    """A person's correction of the scorer's labels; fields left out are not asserted."""

    model_config = ConfigDict(extra="forbid")

    sentiment: Sentiment | None = None
    topics: list[str] | None = Field(default=None, max_length=10)
    """Taxonomy leaf ids, e.g. `sizing_fit.runs_small`."""
    urgency: Urgency | None = None
    flags: list[str] | None = None
    """Subset of store.schemas.FLAG_NAMES that apply."""
    author: str = Field(min_length=1, max_length=128)

    @field_validator("flags")
    @classmethod
    def _known_flags(cls, flags: list[str] | None) -> list[str] | None:
        unknown = sorted(set(flags or ()) - set(FLAG_NAMES))
        if unknown:
            raise ValueError(f"unknown flag(s) {unknown}; use one of {list(FLAG_NAMES)}")
        return flags


class ReviewDetail(BaseModel):
    """The cleaned (PII-masked) review with its score, route, incidents and human labels."""

    review: dict[str, Any]
    score: dict[str, Any] | None
    route: dict[str, Any] | None
    incident_ids: list[str]
    human_labels: list[dict[str, Any]]


def _columns(row: Any, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__mapper__.column_attrs if c.key not in skip}


def review_detail(session: Session, review_id: str) -> ReviewDetail:
    """Everything stored about one review; ReviewNotFound names the id."""
    review = session.get(SilverReview, review_id)
    if review is None:
        raise ReviewNotFound(f"no review {review_id!r}; ids look like `storefront:R-1` (source:id)")
    score = session.get(ReviewScoreRow, review_id)
    route = session.get(RouteDecisionRow, review_id)
    incidents = session.scalars(select(IncidentReview.incident_id).where(IncidentReview.review_id == review_id))
    labels = session.scalars(select(HumanLabel).where(HumanLabel.review_id == review_id).order_by(HumanLabel.id))
    return ReviewDetail(
        review=_columns(review, frozenset({"bronze_id", "dedup_key"})),
        score=_columns(score) if score is not None else None,
        route=_columns(route) if route is not None else None,
        incident_ids=sorted(incidents),
        human_labels=[_columns(label) for label in labels],
    )


def add_human_label(
    session: Session, review_id: str, label: HumanLabelIn, topic_ids: Collection[str], now: datetime
) -> int:
    """Store a human label for an existing review; returns its id.

    ReviewNotFound if the review does not exist; ValueError names a topic that is not one of `topic_ids`.
    """
    if session.get(SilverReview, review_id) is None:
        raise ReviewNotFound(f"no review {review_id!r} to label")
    unknown = sorted(set(label.topics or ()) - set(topic_ids))
    if unknown:
        raise ValueError(f"unknown topic id(s) {unknown}; use taxonomy leaf ids such as {sorted(topic_ids)[:3]}")
    row = HumanLabel(review_id=review_id, created_at=now, **label.model_dump())
    session.add(row)
    session.flush()
    return row.id
