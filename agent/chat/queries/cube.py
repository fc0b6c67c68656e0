"""Reads of the hourly gold cube (`gold_topic_hourly`) and the arguments every windowed query kind shares.

Complaints are what the playbooks and the incident metric count: non-positive reviews (negative or neutral)
carrying the topic, out of every scored review of the scope (topic `*`) in the same window.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agent.chat.records import DIMENSIONS
from store.gold_tables import ALL_TOPICS, GoldTopicHourly

__all__ = ["ALL_TOPICS", "CubeRow", "WindowArgs", "cube_rows", "daily_complaints", "first_bucket", "span_text"]

_Value = Annotated[str, Field(min_length=1, max_length=128)]


class WindowArgs(BaseModel):
    """Scope filters and a window: what every windowed query kind takes."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    scope: dict[str, _Value] = Field(default_factory=dict)
    """Dimension -> value (sku, region, warehouse, supplier, category); every one must match."""
    since: datetime | None = None
    until: datetime
    window: str = Field(default="the window", max_length=200)
    """The window as the answer names it."""

    @field_validator("scope")
    @classmethod
    def _known_dimensions(cls, scope: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(scope) - set(DIMENSIONS))
        if unknown:
            raise ValueError(f"unknown scope dimension(s) {unknown}; use {', '.join(DIMENSIONS)}")
        return scope

    def scope_text(self) -> str:
        """`JKT-0125 in region EU-West`, or `the whole shop`."""
        parts = [self.scope["sku"]] if "sku" in self.scope else []
        parts += [f"{name} {value}" for name, value in self.scope.items() if name != "sku"]
        return " in ".join(parts) if parts else "the whole shop"


@dataclass(frozen=True)
class CubeRow:
    """Summed cube counts of one group (values of the `group_by` dimensions) and topic."""

    group: tuple[str, ...]
    topic: str
    reviews: int
    nonpositive: int
    negative: int


def _filtered(stmt: Any, scope: Mapping[str, str], since: datetime | None, until: datetime) -> Any:
    """`stmt` (a select over the cube) limited to the window and the scope's dimensions."""
    cube = GoldTopicHourly
    stmt = stmt.where(cube.bucket_start < until)
    if since is not None:
        stmt = stmt.where(cube.bucket_start >= since)
    for dimension, value in scope.items():
        stmt = stmt.where(getattr(cube, dimension) == value)
    return stmt


def cube_rows(
    session: Session,
    *,
    scope: Mapping[str, str],
    since: datetime | None,
    until: datetime,
    topics: Sequence[str] | None = None,
    group_by: Sequence[str] = (),
) -> list[CubeRow]:
    """Counts per group x topic in [since, until); `topics` None means every topic, `*` included."""
    cube = GoldTopicHourly
    columns = [getattr(cube, dimension) for dimension in group_by]
    stmt: Any = select(
        *columns,
        cube.topic,
        func.sum(cube.reviews),
        func.sum(cube.reviews - cube.positive),
        func.sum(cube.negative),
    )
    stmt = _filtered(stmt, scope, since, until)
    if topics is not None:
        stmt = stmt.where(cube.topic.in_(list(topics)))
    stmt = stmt.group_by(*columns, cube.topic)
    found = []
    for row in session.execute(stmt):
        values: tuple[Any, ...] = tuple(row)
        group, (topic, reviews, nonpositive, negative) = values[:-4], values[-4:]
        counts = (int(reviews or 0), int(nonpositive or 0), int(negative or 0))
        found.append(CubeRow(tuple(str(g) for g in group), str(topic), *counts))
    return found


def daily_complaints(
    session: Session, *, scope: Mapping[str, str], topic: str, since: datetime, until: datetime
) -> list[int]:
    """Complaints about `topic` per day of the window (days counted from `since`), oldest first."""
    cube = GoldTopicHourly
    stmt: Any = select(cube.bucket_start, func.sum(cube.reviews - cube.positive)).where(cube.topic == topic)
    stmt = _filtered(stmt, scope, since, until).group_by(cube.bucket_start)
    days = max(1, -(-int((until - since).total_seconds()) // 86_400))
    counts: dict[int, int] = defaultdict(int)
    for row in session.execute(stmt):
        bucket: datetime = row[0]
        complaints = row[1]
        counts[min(days - 1, int((bucket - since).total_seconds() // 86_400))] += int(complaints or 0)
    return [counts[day] for day in range(days)]


def first_bucket(session: Session) -> datetime | None:
    """The hour of the oldest review gold holds (the start of the data)."""
    value: datetime | None = session.scalar(select(func.min(GoldTopicHourly.bucket_start)))
    return value


def span_text(length: timedelta) -> str:
    """`7 days`, `1 day`, `36 hours`: a window length as answers say it."""
    hours = round(length.total_seconds() / 3600)
    if hours % 24 == 0:
        days = hours // 24
        return f"{days} day{'s' if days != 1 else ''}"
    return f"{hours} hour{'s' if hours != 1 else ''}"
