"""Gold aggregates, written: counts of scored reviews per SKU x topic x region x warehouse x supplier x hour and day.

`update_gold(session, review_ids)` adds a batch of newly scored reviews in the caller's transaction (the loop
calls it after routing); `rebuild_gold(session)` recomputes everything from silver. Both go through the same
per-review contribution, recorded in `gold_contributions`, so applying a review twice or re-scoring it
corrects the counts instead of double-counting. A review counts under every topic the scorer listed (at
least `min_topic_confidence`), under each credible flag (e.g. `safety_hazard`), and under "*".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Table, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.gold_tables import ALL_TOPICS, GoldContribution, GoldScopeDaily, GoldTopicDaily, GoldTopicHourly
from store.tables import ReviewScoreRow, SilverReview

__all__ = [
    "SCOPE_KINDS",
    "FlagCredibility",
    "GoldConfig",
    "GoldRecord",
    "GoldUpdate",
    "add_records",
    "rebuild_gold",
    "update_gold",
]

SCOPE_KINDS: tuple[str, ...] = ("sku", "category", "region", "warehouse", "supplier", "all")
"""Scopes of `gold_scope_daily`: one review dimension each, and `all` (the whole shop, scope "*")."""

_CHUNK = 500
_DIMS = ("sku", "region", "warehouse", "supplier", "category")
_CUBE_COUNTS = ("reviews", "negative", "positive", "rating_1", "rating_2", "rating_3", "rating_4", "rating_5")
_SCOPE_COUNTS = ("reviews", "negative", "positive")
_LEDGER: Table = GoldContribution.__table__  # type: ignore[assignment]
"""Core inserts into the ledger: the ORM's bulk path costs more than the rest of a batch's gold update."""


class FlagCredibility(BaseModel):
    """When a scorer flag counts as a report in gold (and so can raise an alert on its own)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_probability: float = Field(default=0.5, ge=0.0, le=1.0)
    """The flag's calibrated probability must reach this."""
    require_rule: bool = True
    """A lexicon rule must also have fired: the model alone flags "the lid came off" as a hazard."""


class GoldConfig(BaseModel):
    """What a review counts under. Changing it changes history: run `reviewops alerts rebuild-gold` afterwards."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_topic_confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    """Topics listed by the scorer (already above its per-label thresholds) count at or above this confidence."""
    flags: dict[str, FlagCredibility] = Field(default_factory=lambda: {"safety_hazard": FlagCredibility()})
    """Flags counted as pseudo-topics (topic id = flag id) and what makes one credible."""


@dataclass(frozen=True, slots=True)
class GoldRecord:
    """What one review adds to gold: its hour bucket, dimensions ("" when unknown), topics, sentiment, rating."""

    bucket_start: datetime
    sku: str
    region: str
    warehouse: str
    supplier: str
    category: str
    topics: tuple[str, ...]
    sentiment: str
    rating: int | None

    def counts(self, sign: int) -> tuple[int, ...]:
        rating = self.rating if self.rating in (1, 2, 3, 4, 5) else 0
        return (
            sign,
            sign * (self.sentiment == "negative"),
            sign * (self.sentiment == "positive"),
            *(sign * (rating == r) for r in range(1, 6)),
        )


@dataclass
class GoldUpdate:
    """What `update_gold` did: reviews added, re-counted after a change, unchanged, and not (yet) countable."""

    added: int = 0
    corrected: int = 0
    unchanged: int = 0
    not_scored: int = 0


def _chunks(items: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _contribution(row: Any, config: GoldConfig) -> GoldRecord:
    topics = [t["label"] for t in row.topics or () if float(t.get("confidence", 0.0)) >= config.min_topic_confidence]
    flags, rules = row.flags or {}, row.flag_rules or {}
    for flag, rule in config.flags.items():
        if float(flags.get(flag, 0.0)) >= rule.min_probability and (rules.get(flag) or not rule.require_rule):
            topics.append(flag)
    return GoldRecord(
        bucket_start=row.created_at.replace(minute=0, second=0, microsecond=0),
        sku=row.sku or "",
        region=row.region or "",
        warehouse=row.warehouse or "",
        supplier=row.supplier or "",
        category=row.category or "",
        topics=tuple(dict.fromkeys(topics)),
        sentiment=row.sentiment,
        rating=row.rating,
    )


def _scored_rows(session: Session, review_ids: Sequence[str] | None) -> Iterator[Any]:
    stmt = (
        select(
            SilverReview.review_id,
            SilverReview.created_at,
            SilverReview.sku,
            SilverReview.region,
            SilverReview.warehouse,
            SilverReview.supplier,
            SilverReview.category,
            SilverReview.rating,
            ReviewScoreRow.sentiment,
            ReviewScoreRow.topics,
            ReviewScoreRow.flags,
            ReviewScoreRow.flag_rules,
        )
        .join(ReviewScoreRow, ReviewScoreRow.review_id == SilverReview.review_id)
        .where(SilverReview.status == "clean")
    )
    if review_ids is None:
        yield from session.execute(stmt.execution_options(yield_per=5000))
        return
    for chunk in _chunks(review_ids):
        yield from session.execute(stmt.where(SilverReview.review_id.in_(chunk)))


class _Deltas:
    """Count changes keyed by table row, summed over a batch before one upsert per table."""

    def __init__(self) -> None:
        self.hourly: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * len(_CUBE_COUNTS))
        self.daily: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * len(_CUBE_COUNTS))
        self.scope: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * len(_SCOPE_COUNTS))
        self.parents: dict[tuple[Any, ...], str] = {}
        self.subtracted = False

    def add(self, c: GoldRecord, sign: int) -> None:
        self.subtracted |= sign < 0
        counts = c.counts(sign)
        day = c.bucket_start.replace(hour=0)
        dims = (c.sku, c.region, c.warehouse, c.supplier, c.category)
        scopes = [
            (kind, value, (c.category or ALL_TOPICS) if kind == "sku" else ALL_TOPICS)
            for kind, value in zip(
                SCOPE_KINDS, (c.sku, c.category, c.region, c.warehouse, c.supplier, ALL_TOPICS), strict=True
            )
            if value
        ]
        for topic in (ALL_TOPICS, *c.topics):
            for target, cell in ((self.hourly, (c.bucket_start, topic, *dims)), (self.daily, (day, topic, *dims))):
                row = target[cell]
                for i, n in enumerate(counts):
                    row[i] += n
            for kind, value, parent in scopes:
                series = (day, kind, value, topic)
                row = self.scope[series]
                for i in range(len(_SCOPE_COUNTS)):
                    row[i] += counts[i]
                if parent != ALL_TOPICS or series not in self.parents:  # a review without a category keeps the SKU's
                    self.parents[series] = parent

    def apply(self, session: Session) -> None:
        cube_keys = ("topic", *_DIMS)
        _increment(session, GoldTopicHourly.__table__, ("bucket_start", *cube_keys), _CUBE_COUNTS, self.hourly)
        _increment(session, GoldTopicDaily.__table__, ("day", *cube_keys), _CUBE_COUNTS, self.daily)
        scope_keys = ("day", "scope_kind", "scope", "topic")
        _increment(session, GoldScopeDaily.__table__, scope_keys, _SCOPE_COUNTS, self.scope, self.parents)
        if self.subtracted:
            for table in (GoldTopicHourly, GoldTopicDaily, GoldScopeDaily):
                session.execute(delete(table).where(table.reviews <= 0))


def _increment(
    session: Session,
    table: Any,
    key_columns: Sequence[str],
    count_columns: Sequence[str],
    deltas: dict[tuple[Any, ...], list[int]],
    parents: dict[tuple[Any, ...], str] | None = None,
) -> None:
    """Add `deltas` to the rows keyed by `key_columns`, inserting missing rows (one upsert statement per chunk)."""
    rows = []
    for key, counts in deltas.items():
        if not any(counts):
            continue
        row = dict(zip(key_columns, key, strict=True)) | dict(zip(count_columns, counts, strict=True))
        if parents is not None:
            row["parent"] = parents[key]
        rows.append(row)
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    module: Any = {"sqlite": sqlite, "postgresql": postgresql}.get(dialect)
    if module is None:
        raise RuntimeError(f"gold upserts support sqlite and postgresql, not {dialect!r}; use one of those databases")
    gold: Table = table
    stmt = module.insert(gold)
    updates = {name: gold.c[name] + stmt.excluded[name] for name in count_columns}
    if parents is not None:
        # a SKU's parent is its category; a review that carries no category must not re-parent it to the shop
        updates["parent"] = case(
            (stmt.excluded["parent"] == ALL_TOPICS, gold.c["parent"]), else_=stmt.excluded["parent"]
        )
    stmt = stmt.on_conflict_do_update(index_elements=list(key_columns), set_=updates)
    for start in range(0, len(rows), 2000):
        session.execute(stmt, rows[start : start + 2000])


def _ledger_row(review_id: str, c: GoldRecord) -> dict[str, Any]:
    return {
        "review_id": review_id,
        "bucket_start": c.bucket_start,
        "sku": c.sku,
        "region": c.region,
        "warehouse": c.warehouse,
        "supplier": c.supplier,
        "category": c.category,
        "topics": list(c.topics),
        "sentiment": c.sentiment,
        "rating": c.rating,
    }


def _recorded(session: Session, review_ids: Sequence[str]) -> dict[str, GoldRecord]:
    found: dict[str, GoldRecord] = {}
    for chunk in _chunks(review_ids):
        for row in session.scalars(select(GoldContribution).where(GoldContribution.review_id.in_(chunk))):
            found[row.review_id] = GoldRecord(
                bucket_start=row.bucket_start,
                sku=row.sku,
                region=row.region,
                warehouse=row.warehouse,
                supplier=row.supplier,
                category=row.category,
                topics=tuple(row.topics),
                sentiment=row.sentiment,
                rating=row.rating,
            )
    return found


def update_gold(session: Session, review_ids: Iterable[str], config: GoldConfig | None = None) -> GoldUpdate:
    """Bring gold up to date for these reviews, in the caller's transaction; safe to repeat for the same ids."""
    config = config or GoldConfig()
    ids = list(dict.fromkeys(review_ids))
    report = GoldUpdate()
    if not ids:
        return report
    before = _recorded(session, ids)
    now_rows = {row.review_id: _contribution(row, config) for row in _scored_rows(session, ids)}
    deltas = _Deltas()
    stale, fresh = [], []
    for review_id in ids:
        old, new = before.get(review_id), now_rows.get(review_id)
        if old == new:
            report.unchanged += old is not None
            report.not_scored += old is None
            continue
        if old is not None:
            deltas.add(old, -1)
            stale.append(review_id)
        if new is not None:
            deltas.add(new, +1)
            fresh.append(_ledger_row(review_id, new))
        if old is None:
            report.added += 1
        else:
            report.corrected += 1
    deltas.apply(session)
    for chunk in _chunks(stale):
        session.execute(delete(GoldContribution).where(GoldContribution.review_id.in_(chunk)))
    if fresh:
        session.execute(_LEDGER.insert(), fresh)
    return report


def rebuild_gold(session: Session, config: GoldConfig | None = None, chunk_size: int = 20_000) -> int:
    """Recompute every gold table from silver + scores in the caller's transaction; returns the reviews counted."""
    config = config or GoldConfig()
    for table in (GoldTopicHourly, GoldTopicDaily, GoldScopeDaily, GoldContribution):
        session.execute(delete(table))
    counted = 0
    deltas, ledger = _Deltas(), []
    for row in _scored_rows(session, None):
        contribution = _contribution(row, config)
        deltas.add(contribution, +1)
        ledger.append(_ledger_row(row.review_id, contribution))
        if len(ledger) >= chunk_size:
            counted += _flush(session, deltas, ledger)
            deltas, ledger = _Deltas(), []
    return counted + _flush(session, deltas, ledger)


def _flush(session: Session, deltas: _Deltas, ledger: list[dict[str, Any]]) -> int:
    deltas.apply(session)
    if ledger:
        session.execute(_LEDGER.insert(), ledger)
    return len(ledger)


def add_records(session: Session, records: Iterable[GoldRecord], chunk_size: int = 50_000) -> int:
    """Count records straight into gold, without silver rows or the contribution ledger.

    For history imported from elsewhere and for benchmarks; `rebuild_gold` recomputes from silver and drops them.
    """
    counted = 0
    deltas = _Deltas()
    pending = 0
    for record in records:
        deltas.add(record, +1)
        pending += 1
        if pending >= chunk_size:
            deltas.apply(session)
            counted, deltas, pending = counted + pending, _Deltas(), 0
    deltas.apply(session)
    return counted + pending
