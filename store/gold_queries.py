"""Gold aggregates, read: scope series for the detectors, rolling baselines, and counts for one scope x topic."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from pydantic import BaseModel
from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from store.gold_tables import ALL_TOPICS, GoldScopeDaily, GoldTopicHourly

__all__ = [
    "EPOCH",
    "Baseline",
    "ScopeFrame",
    "TopicCounts",
    "day_index",
    "load_scope_frame",
    "rolling_baselines",
    "scope_topic_counts",
]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CUBE_DIMS = ("sku", "region", "warehouse", "supplier", "category")


def day_index(at: datetime) -> int:
    """Whole UTC days since 1970-01-01: the day bucket `at` falls in."""
    return (at.astimezone(UTC) - EPOCH).days


@dataclass(frozen=True)
class ScopeFrame:
    """Daily rows of `gold_scope_daily` as numpy columns; strings are codes into the `*_names` lists."""

    day: np.ndarray
    kind: np.ndarray
    scope: np.ndarray
    topic: np.ndarray
    parent: np.ndarray
    reviews: np.ndarray
    negative: np.ndarray
    nonpositive: np.ndarray
    kind_names: list[str]
    scope_names: list[str]
    topic_names: list[str]

    def __len__(self) -> int:
        return len(self.day)


def load_scope_frame(session: Session, first_day: int, last_day: int, kinds: Collection[str]) -> ScopeFrame:
    """Rows of days `first_day..last_day` (day indexes) for these scope kinds, plus the `all` rows parents need."""
    wanted = sorted({*kinds, "all"})
    start, end = EPOCH + timedelta(days=first_day), EPOCH + timedelta(days=last_day + 1)
    # Core rows and the day as text: per-row datetime conversion would dominate an evaluation.
    stmt = select(
        cast(GoldScopeDaily.day, String),
        GoldScopeDaily.scope_kind,
        GoldScopeDaily.scope,
        GoldScopeDaily.topic,
        GoldScopeDaily.parent,
        GoldScopeDaily.reviews,
        GoldScopeDaily.negative,
        GoldScopeDaily.positive,
    ).where(GoldScopeDaily.day >= start, GoldScopeDaily.day < end, GoldScopeDaily.scope_kind.in_(wanted))
    rows = session.connection().execute(stmt).fetchall()
    n = len(rows)
    days_, kinds_, scopes_, topics_, parents_, reviews, negative, positive = (
        zip(*rows, strict=True) if rows else ((),) * 8
    )
    day_of: dict[str, int] = {}
    for text in set(days_):
        day_of[text] = (datetime.fromisoformat(text).replace(tzinfo=UTC) - EPOCH).days
    kind_codes, scope_codes, topic_codes = _Codes(), _Codes(), _Codes()
    reviews_arr = np.fromiter(reviews, dtype=np.int64, count=n)
    return ScopeFrame(
        day=np.fromiter((day_of[d] for d in days_), dtype=np.int64, count=n),
        kind=kind_codes.encode(kinds_),
        scope=scope_codes.encode(scopes_),
        topic=topic_codes.encode(topics_),
        parent=scope_codes.encode(parents_),
        reviews=reviews_arr,
        negative=np.fromiter(negative, dtype=np.int64, count=n),
        nonpositive=reviews_arr - np.fromiter(positive, dtype=np.int64, count=n),
        kind_names=kind_codes.names,
        scope_names=scope_codes.names,
        topic_names=topic_codes.names,
    )


class _Codes:
    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.names: list[str] = []

    def encode(self, values: tuple[str, ...]) -> np.ndarray:
        index, names = self.index, self.names
        codes = np.empty(len(values), dtype=np.int64)
        for i, name in enumerate(values):
            found = index.get(name)
            if found is None:
                found = index[name] = len(names)
                names.append(name)
            codes[i] = found
        return codes


class Baseline(BaseModel):
    """A scope's share of non-positive reviews about a topic over the days before `as_of`."""

    scope_kind: str
    scope: str
    topic: str
    days: int
    reviews: int
    topic_nonpositive: int
    rate: float


def rolling_baselines(
    session: Session, scope_kind: str, as_of: datetime, days: int = 28, topics: Collection[str] | None = None
) -> list[Baseline]:
    """Rolling baselines per scope (e.g. every SKU or category) x topic over the `days` whole days before `as_of`."""
    end = EPOCH + timedelta(days=day_index(as_of))
    start = end - timedelta(days=days)
    stmt = (
        select(GoldScopeDaily.scope, GoldScopeDaily.topic, func.sum(GoldScopeDaily.reviews - GoldScopeDaily.positive))
        .where(GoldScopeDaily.scope_kind == scope_kind, GoldScopeDaily.day >= start, GoldScopeDaily.day < end)
        .group_by(GoldScopeDaily.scope, GoldScopeDaily.topic)
    )
    totals = dict(
        session.execute(
            select(GoldScopeDaily.scope, func.sum(GoldScopeDaily.reviews))
            .where(
                GoldScopeDaily.scope_kind == scope_kind,
                GoldScopeDaily.topic == ALL_TOPICS,
                GoldScopeDaily.day >= start,
                GoldScopeDaily.day < end,
            )
            .group_by(GoldScopeDaily.scope)
        )
        .tuples()
        .all()
    )
    baselines = []
    for scope, topic, nonpositive in session.execute(stmt):
        if topic == ALL_TOPICS or (topics is not None and topic not in topics):
            continue
        reviews = int(totals.get(scope, 0))
        baselines.append(
            Baseline(
                scope_kind=scope_kind,
                scope=scope,
                topic=topic,
                days=days,
                reviews=reviews,
                topic_nonpositive=int(nonpositive),
                rate=int(nonpositive) / reviews if reviews else 0.0,
            )
        )
    return sorted(baselines, key=lambda b: (b.scope, b.topic))


class TopicCounts(BaseModel):
    """Reviews of a scope in a time range: all of them, and those about one topic (all / non-positive / negative)."""

    reviews: int
    topic_reviews: int
    topic_nonpositive: int
    topic_negative: int

    @property
    def nonpositive_share(self) -> float:
        """Non-positive reviews about the topic per review of the scope (the playbooks' `negative_share`)."""
        return self.topic_nonpositive / self.reviews if self.reviews else 0.0


def scope_topic_counts(
    session: Session, scope: Mapping[str, str], topic: str, start: datetime, end: datetime
) -> TopicCounts:
    """Counts for reviews created in [start, end) matching every gold dimension in `scope` (others are ignored)."""
    filters = [GoldTopicHourly.bucket_start >= start, GoldTopicHourly.bucket_start < end]
    filters += [getattr(GoldTopicHourly, dim) == value for dim, value in scope.items() if dim in _CUBE_DIMS]
    stmt = (
        select(
            GoldTopicHourly.topic,
            func.sum(GoldTopicHourly.reviews),
            func.sum(GoldTopicHourly.reviews - GoldTopicHourly.positive),
            func.sum(GoldTopicHourly.negative),
        )
        .where(*filters, GoldTopicHourly.topic.in_([ALL_TOPICS, topic]))
        .group_by(GoldTopicHourly.topic)
    )
    totals = {row[0]: tuple(row[1:]) for row in session.execute(stmt)}
    everything = totals.get(ALL_TOPICS, (0, 0, 0))
    about = totals.get(topic, (0, 0, 0))
    return TopicCounts(
        reviews=int(everything[0] or 0),
        topic_reviews=int(about[0] or 0),
        topic_nonpositive=int(about[1] or 0),
        topic_negative=int(about[2] or 0),
    )
