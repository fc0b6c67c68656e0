"""Bulk reads and writes for the loop's tables; one function per question the pipeline asks."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from store.schemas import CleanedReview, ReviewScore, RouteDecision
from store.tables import (
    BronzeEvent,
    HumanLabel,
    QuarantinedEvent,
    ReviewScoreRow,
    RouteDecisionRow,
    SilverReview,
)

__all__ = [
    "NewBronze",
    "existing_review_ids",
    "insert_bronze",
    "insert_quarantine",
    "insert_routes",
    "insert_scores",
    "insert_silver",
    "iter_dedup_state",
    "iter_human_labels",
    "payload_sha256",
    "set_bronze_outcome",
]

_CHUNK = 500  # keeps IN (...) lists and multi-row VALUES under every backend's parameter limit


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def payload_sha256(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


@dataclass(frozen=True, slots=True)
class NewBronze:
    """A payload stored in bronze for the first time, with its row id."""

    bronze_id: int
    source: str
    payload: bytes
    received_at: datetime


def insert_bronze(
    session: Session, items: Sequence[tuple[str, bytes, datetime]], ingested_at: datetime
) -> list[NewBronze]:
    """Store payloads exactly as received; return only the ones not seen before (re-sends are no-ops)."""
    unique: dict[tuple[str, str], tuple[str, bytes, datetime]] = {}
    for source, payload, received_at in items:
        unique.setdefault((source, payload_sha256(payload)), (source, payload, received_at))
    known: set[tuple[str, str]] = set()
    keys = list(unique)
    for chunk in _chunks(keys):
        shas = [sha for _, sha in chunk]
        rows = session.execute(
            select(BronzeEvent.source, BronzeEvent.payload_sha256).where(BronzeEvent.payload_sha256.in_(shas))
        )
        known.update((r.source, r.payload_sha256) for r in rows)
    fresh = [k for k in keys if k not in known]
    if not fresh:
        return []
    session.execute(
        insert(BronzeEvent),
        [
            {
                "source": unique[k][0],
                "payload": unique[k][1],
                "payload_sha256": k[1],
                "received_at": unique[k][2],
                "ingested_at": ingested_at,
                "review_id": None,
                "outcome": "pending",
            }
            for k in fresh
        ],
    )
    ids: dict[tuple[str, str], int] = {}
    for chunk in _chunks(fresh):
        rows = session.execute(
            select(BronzeEvent.id, BronzeEvent.source, BronzeEvent.payload_sha256).where(
                BronzeEvent.payload_sha256.in_([sha for _, sha in chunk])
            )
        )
        ids.update({(r.source, r.payload_sha256): r.id for r in rows})
    return [NewBronze(ids[k], unique[k][0], unique[k][1], unique[k][2]) for k in fresh]


def insert_quarantine(session: Session, rows: Sequence[tuple[NewBronze, str, str]], quarantined_at: datetime) -> None:
    """Record (bronze, reason, detail) rows and mark their bronze rows quarantined."""
    if not rows:
        return
    session.execute(
        insert(QuarantinedEvent),
        [
            {
                "bronze_id": b.bronze_id,
                "source": b.source,
                "reason": reason,
                "detail": detail[:2000],
                "payload": b.payload,
                "quarantined_at": quarantined_at,
            }
            for b, reason, detail in rows
        ],
    )
    set_bronze_outcome(session, [(b.bronze_id, None, "quarantined") for b, _, _ in rows])


def set_bronze_outcome(session: Session, rows: Sequence[tuple[int, str | None, str]]) -> None:
    """Set (bronze_id, review_id, outcome) on bronze rows."""
    if rows:
        session.execute(
            update(BronzeEvent),
            [{"id": bid, "review_id": rid, "outcome": outcome} for bid, rid, outcome in rows],
        )


def existing_review_ids(session: Session, review_ids: Iterable[str]) -> set[str]:
    """Which of these review ids already have a silver row."""
    ids = list(review_ids)
    found: set[str] = set()
    for chunk in _chunks(ids):
        found.update(session.scalars(select(SilverReview.review_id).where(SilverReview.review_id.in_(chunk))))
    return found


def insert_silver(session: Session, reviews: Sequence[CleanedReview], bronze_ids: dict[str, int]) -> None:
    """Insert cleaned reviews; `bronze_ids` maps review_id to its bronze row."""
    if not reviews:
        return
    session.execute(
        insert(SilverReview),
        [{**r.model_dump(mode="python"), "bronze_id": bronze_ids[r.review_id], "indexed_at": None} for r in reviews],
    )


def insert_scores(session: Session, scores: Sequence[ReviewScore]) -> None:
    if not scores:
        return
    session.execute(
        insert(ReviewScoreRow),
        [
            {
                "review_id": s.review_id,
                "scorer_version": s.scorer_version,
                "sentiment": s.sentiment.value,
                "sentiment_confidence": s.sentiment_confidence,
                "sentiment_score": s.sentiment_score,
                "sentiment_margin": s.sentiment_margin,
                "primary_topic": s.topics[0].label if s.topics else None,
                "topics": [t.model_dump() for t in s.topics],
                "urgency": s.urgency.value,
                "urgency_confidence": s.urgency_confidence,
                "flags": s.flags,
                "flag_rules": s.flag_rules,
                "scored_at": s.scored_at,
                "stage": s.stage,
            }
            for s in scores
        ],
    )


def insert_routes(session: Session, decisions: Sequence[RouteDecision]) -> None:
    if not decisions:
        return
    session.execute(
        insert(RouteDecisionRow),
        [
            {
                "review_id": d.review_id,
                "route": d.route.value,
                "severity": d.severity.value,
                "reasons": d.reasons,
                "scorer_version": d.scorer_version,
                "routing_version": d.routing_version,
                "routed_at": d.routed_at,
                "queue_status": "queued" if d.route.value == "agent" else None,
            }
            for d in decisions
        ],
    )


def iter_dedup_state(session: Session) -> Iterator[tuple[str, str, str]]:
    """(review_id, dedup_key, text) of every first-seen silver review, oldest first, to prime a Cleaner."""
    stmt = (
        select(SilverReview.review_id, SilverReview.dedup_key, SilverReview.text)
        .where(SilverReview.status != "duplicate")
        .order_by(SilverReview.cleaned_at)
        .execution_options(yield_per=5000)
    )
    for row in session.execute(stmt):
        yield row.review_id, row.dedup_key, row.text


def iter_human_labels(session: Session) -> Iterator[dict[str, Any]]:
    """Human labels joined with their review text, in the seed-set record shape."""
    stmt = select(HumanLabel, SilverReview.title, SilverReview.text, SilverReview.rating).join(
        SilverReview, SilverReview.review_id == HumanLabel.review_id
    )
    for label, title, text, rating in session.execute(stmt):
        yield {
            "id": f"human:{label.id}",
            "title": title,
            "text": text,
            "rating": rating,
            "sentiment": label.sentiment,
            "topics": label.topics,
            "urgency": label.urgency,
            "flags": label.flags,
            "split": "train",
            "author": label.author,
        }
