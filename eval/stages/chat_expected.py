"""Expected answers to the chat suite's questions, computed independently of the chat code.

This module reads the built store's raw rows (clean silver reviews joined with their scores, incidents and their
reviews) with its own SQL and counts in plain Python; it imports nothing from `agent.chat` and never reads the gold
tables the chat reads. The definitions are the ones docs/chat.md states: a review is about a topic when the scorer
listed it (or, for a counted flag, its probability reaches 0.5 and a lexicon rule fired); a complaint is a
non-positive review; windows are half-open [since, until) on the review's creation time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import create_engine, text

__all__ = ["Expectation", "Reference", "WindowSpec"]

COUNTED_FLAGS = ("safety_hazard",)
FLAG_MIN_PROBABILITY = 0.5
BASELINE_DAYS = 28
INCIDENT_ACTIVE = ("open", "triaged", "awaiting_approval", "acting", "monitoring", "escalated")
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class WindowSpec(BaseModel):
    """A window by meaning, not by words: the last N days, today, yesterday, this week, since a weekday, all."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days: int | None = None
    today: bool = False
    yesterday: bool = False
    this_week: bool = False
    since_weekday: str | None = None
    all: bool = False

    def bounds(self, as_of: datetime) -> tuple[datetime | None, datetime]:
        last_day = (as_of - timedelta(microseconds=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        if self.all:
            return None, as_of
        if self.today:
            return last_day, as_of
        if self.yesterday:
            return last_day - timedelta(days=1), last_day
        if self.this_week:
            return last_day - timedelta(days=last_day.weekday()), as_of
        if self.since_weekday:
            wanted = WEEKDAYS.index(self.since_weekday)
            return last_day - timedelta(days=(last_day.weekday() - wanted) % 7), as_of
        return as_of - timedelta(days=self.days or 7), as_of


class Expectation(BaseModel):
    """What a correct answer contains, and which reviews it may cite."""

    numbers: list[str] = Field(default_factory=list)
    mentions: list[str] = Field(default_factory=list)
    """Texts the answer must name; `a|b` means either."""
    kind: str
    refuse: bool = False
    filters: dict[str, Any] = Field(default_factory=dict)
    """What a cited review must satisfy (scope, topics, complaint, window, rating, incident)."""
    forbidden_text: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class _Review:
    review_id: str
    created_at: datetime
    places: dict[str, str | None]
    rating: int | None
    sentiment: str
    topics: frozenset[str]


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "0%"


def _count(value: int) -> str:
    return f"{value:,}"


def _aware(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    from datetime import UTC

    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _json(value: Any) -> Any:
    import json

    return json.loads(value) if isinstance(value, str) else value


class Reference:
    """The store's rows, loaded once, and one method per kind of question."""

    def __init__(self, database_url: str, topic_names: Mapping[str, str]) -> None:
        self.names = dict(topic_names)
        engine = create_engine(database_url)
        try:
            with engine.connect() as connection:
                self.reviews = [self._review(row) for row in connection.execute(text(
                    "SELECT r.review_id, r.created_at, r.sku, r.region, r.warehouse, r.supplier, r.category, "
                    "r.rating, s.sentiment, s.topics, s.flags, s.flag_rules FROM reviews r "
                    "JOIN review_scores s ON s.review_id = r.review_id WHERE r.status = 'clean'"
                ))]  # fmt: skip
                self.incident_rows = [dict(row._mapping) for row in connection.execute(text(
                    "SELECT id, state, severity, sku, region, warehouse, topic, opened_at FROM incidents"
                ))]  # fmt: skip
                self.attached: dict[str, set[str]] = {}
                for incident_id, review_id in connection.execute(
                    text("SELECT incident_id, review_id FROM incident_reviews")
                ):
                    self.attached.setdefault(incident_id, set()).add(review_id)
        finally:
            engine.dispose()

    @staticmethod
    def _review(row: Any) -> _Review:
        topics = {item["label"] for item in _json(row.topics) or ()}
        flags, rules = _json(row.flags) or {}, _json(row.flag_rules) or {}
        topics |= {f for f in COUNTED_FLAGS if float(flags.get(f, 0.0)) >= FLAG_MIN_PROBABILITY and rules.get(f)}
        places = {"sku": row.sku, "region": row.region, "warehouse": row.warehouse, "supplier": row.supplier,
                  "category": row.category}  # fmt: skip
        return _Review(row.review_id, _aware(row.created_at), places, row.rating, row.sentiment, frozenset(topics))

    def select(
        self,
        scope: Mapping[str, str],
        since: datetime | None,
        until: datetime,
        topics: Iterable[str] = (),
        complaint: bool = False,
        rating: tuple[int, int] | None = None,
    ) -> list[_Review]:
        """Reviews in scope and window, about any of `topics`, complaints only, within a star range."""
        wanted = set(topics)
        return [
            r
            for r in self.reviews
            if (since is None or r.created_at >= since)
            and r.created_at < until
            and all(r.places.get(k) == v for k, v in scope.items())
            and (not wanted or wanted & r.topics)
            and (not complaint or r.sentiment != "positive")
            and (rating is None or (r.rating is not None and rating[0] <= r.rating <= rating[1]))
        ]

    @staticmethod
    def _filters(scope: Mapping[str, str], since: datetime | None, until: datetime, **more: Any) -> dict[str, Any]:
        return {**scope, "since": since.isoformat() if since else None, "until": until.isoformat(), **more}

    def top_topics(self, scope: dict[str, str], since: datetime | None, until: datetime) -> Expectation:
        rows = self.select(scope, since, until)
        counts = Counter(t for r in rows if r.sentiment != "positive" for t in r.topics if t in self.names)
        if not counts:
            return Expectation(kind="top_topics", numbers=[_count(len(rows))])
        (top, n), *_ = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return Expectation(
            kind="top_topics",
            numbers=[_count(len(rows)), _count(n), _share(n, len(rows))],
            mentions=[self.names[top]],
            filters=self._filters(scope, since, until, complaint=True),
        )

    def topic_trend(self, scope: dict[str, str], topic: str, since: datetime, until: datetime) -> Expectation:
        rows = self.select(scope, since, until)
        about = [r for r in rows if topic in r.topics and r.sentiment != "positive"]
        start = min(r.created_at for r in self.reviews).replace(minute=0, second=0, microsecond=0)
        base_since = max(since - timedelta(days=BASELINE_DAYS), start)
        base = self.select(scope, base_since, since)
        base_about = [r for r in base if topic in r.topics and r.sentiment != "positive"]
        numbers = [_count(len(about)), _count(len(rows)), _share(len(about), len(rows))]
        if base and base_about and rows:
            numbers.append(_share(len(base_about), len(base)))
            ratio = (len(about) / len(rows)) / (len(base_about) / len(base))
            numbers.append(f"{ratio:.1f}x")
        return Expectation(
            kind="topic_trend", numbers=numbers, mentions=[self.names[topic]],
            filters=self._filters(scope, since, until, topics=[topic], complaint=True),
        )  # fmt: skip

    def rank(
        self,
        dimension: str,
        topics: list[str],
        since: datetime | None,
        until: datetime,
        *,
        by_share: bool = False,
        values: list[str] | None = None,
        min_reviews: int = 10,
    ) -> Expectation:
        rows = self.select({}, since, until)
        totals = Counter(r.places[dimension] for r in rows if r.places[dimension])
        hits = Counter(
            r.places[dimension]
            for r in rows
            if r.places[dimension] and r.sentiment != "positive" and (not topics or set(topics) & r.topics)
        )
        places = [p for p in totals if p in values] if values else [p for p in totals if hits[p]]
        kind = "top_skus" if dimension == "sku" else "compare_places"
        if by_share:
            places = [p for p in places if totals[p] >= min_reviews]
        if not places:
            return Expectation(kind=kind)
        if by_share:
            leader = min(places, key=lambda p: (-hits[p] / totals[p], -hits[p], p))
        else:
            leader = min(places, key=lambda p: (-hits[p], -hits[p] / totals[p], p))
        return Expectation(
            kind=kind,
            numbers=[_count(hits[leader]), _share(hits[leader], totals[leader])],
            mentions=[leader],
            filters=self._filters({dimension: str(leader)}, since, until, topics=topics, complaint=True),
        )

    def count(
        self,
        scope: dict[str, str],
        since: datetime | None,
        until: datetime,
        topics: list[str],
        complaint: bool,
        rating: tuple[int, int] | None,
    ) -> Expectation:
        rows = self.select(scope, since, until, topics, complaint, rating)
        filters = self._filters(scope, since, until, topics=topics, complaint=complaint)
        if rating is not None:
            filters.update(rating_min=rating[0], rating_max=rating[1])
        return Expectation(kind="count_reviews", numbers=[_count(len(rows))], filters=filters)

    def incidents(self, sku: str | None, include_closed: bool) -> Expectation:
        chosen = [
            i for i in self.incident_rows
            if (include_closed or i["state"] in INCIDENT_ACTIVE) and (sku is None or i["sku"] == sku)
        ]  # fmt: skip
        chosen.sort(key=lambda i: (SEVERITY_ORDER.get(i["severity"], 9), str(i["opened_at"]), i["id"]))
        first = chosen[0]["id"] if chosen else None
        return Expectation(
            kind="open_incidents",
            numbers=[_count(len(chosen))],
            mentions=[first] if first else [],
            filters={"incident": first} if first else {},
        )
