"""The fast path: bronze -> quarantine | silver -> score -> route -> gold, one transaction per batch.

Gold (store/gold.py) is brought up to date inside each batch's transaction, so the aggregates the alert rules read
never lag the reviews: a running loop (the service, `reviewops ingest`, the demo) keeps gold current, and the alert
scheduler (pipeline/alerts/schedule.py) evaluates it on its own interval.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from agent.router import route_batch
from agent.scorer import FastScorer
from agent.scorer.cascade import CascadeItem, ScoringCascade
from agent.scorer.encoder import SentenceEncoder
from pipeline.adapters import IngestLimits, QuarantineError, parse_payload
from pipeline.clean import Cleaner
from pipeline.clock import Clock, SystemClock
from pipeline.metrics import LOOP_METRICS
from store.db import Database
from store.gold import GoldConfig, update_gold
from store.review_store import (
    NewBronze,
    existing_review_ids,
    insert_bronze,
    insert_quarantine,
    insert_routes,
    insert_scores,
    insert_silver,
    iter_dedup_state,
    set_bronze_outcome,
)
from store.routing_config import RoutingConfig
from store.schemas import ReviewEvent, ReviewStatus, Route
from store.taxonomy import Taxonomy
from store.understanding_config import UnderstandingConfig

__all__ = ["BatchReport", "RawPayload", "ReviewLoop"]

log = logging.getLogger(__name__)


class RawPayload(Protocol):
    """Anything carrying a source name, the payload bytes and when they were received."""

    @property
    def source(self) -> str: ...
    @property
    def payload(self) -> bytes: ...
    @property
    def received_at(self) -> datetime: ...


@dataclass
class BatchReport:
    """Per-stage counts; reports add up across batches with `+=`."""

    received: int = 0
    resent: int = 0
    superseded: int = 0
    quarantined: Counter[str] = field(default_factory=Counter)
    silver: Counter[str] = field(default_factory=Counter)
    scored: int = 0
    stages: Counter[str] = field(default_factory=Counter)
    """Reviews per cascade stage that scored them last (`first_pass`, `semantic`)."""
    routed: Counter[str] = field(default_factory=Counter)
    route_reasons: Counter[str] = field(default_factory=Counter)
    gold: int = 0
    """Reviews added to (or corrected in) gold."""

    def __iadd__(self, other: BatchReport) -> BatchReport:
        self.received += other.received
        self.resent += other.resent
        self.superseded += other.superseded
        self.quarantined.update(other.quarantined)
        self.silver.update(other.silver)
        self.scored += other.scored
        self.stages.update(other.stages)
        self.routed.update(other.routed)
        self.route_reasons.update(other.route_reasons)
        self.gold += other.gold
        return self

    def as_dict(self) -> dict[str, object]:
        return {
            "received": self.received,
            "resent": self.resent,
            "superseded": self.superseded,
            "quarantined": dict(self.quarantined),
            "silver": dict(self.silver),
            "scored": self.scored,
            "stages": dict(self.stages),
            "routed": dict(self.routed),
            "gold": self.gold,
        }


class ReviewLoop:
    """Runs batches of raw payloads through every fast-path stage and stores each stage's output."""

    def __init__(
        self,
        db: Database,
        scorer: FastScorer,
        cleaner: Cleaner,
        taxonomy: Taxonomy,
        routing: RoutingConfig,
        limits: IngestLimits,
        clock: Clock | None = None,
        active_incident_skus: Callable[[], frozenset[str]] = frozenset,
        gold: GoldConfig | None = GoldConfig(),
        understanding: UnderstandingConfig | None = None,
        encoder: SentenceEncoder | None = None,
    ) -> None:
        self.db = db
        self.scorer = scorer
        self.cleaner = cleaner
        self.taxonomy = taxonomy
        self.routing = routing
        self.limits = limits
        self.clock: Clock = clock or SystemClock()
        self.active_incident_skus = active_incident_skus
        self.gold = gold
        """What gold counts; None leaves gold to `reviewops alerts rebuild-gold`."""
        self.understanding = understanding
        """The cascade and language policy; None scores with the first pass alone and routes every language alike."""
        self.cascade = ScoringCascade(scorer, understanding, encoder) if understanding is not None else None
        self.prime_cleaner()

    def prime_cleaner(self) -> None:
        """Restore dedup state from silver, so a restarted process dedups against everything stored."""
        with self.db.session() as session:
            self.cleaner.prime(iter_dedup_state(session))

    def process(self, raws: Sequence[RawPayload]) -> BatchReport:
        """Ingest one batch end to end; all-or-nothing, so a crash mid-batch loses nothing and a re-send redoes it."""
        report = BatchReport(received=len(raws))
        try:
            with self.db.session() as session:
                fresh = insert_bronze(
                    session, [(r.source, r.payload, r.received_at) for r in raws], ingested_at=self.clock.now()
                )
                report.resent = len(raws) - len(fresh)
                events, bronze_of = self._parse(session, fresh, report)
                self._clean_score_route(session, events, bronze_of, report)
        except Exception:
            # The cleaner may hold state for rows that were rolled back: rebuild it from what is stored.
            self.cleaner = type(self.cleaner)(self.cleaner.config)
            self.prime_cleaner()
            raise
        LOOP_METRICS.observe_batch(report)
        return report

    def _parse(
        self, session: Session, fresh: Sequence[NewBronze], report: BatchReport
    ) -> tuple[list[ReviewEvent], dict[str, int]]:
        quarantined: list[tuple[NewBronze, str, str]] = []
        events: list[ReviewEvent] = []
        bronze_of: dict[str, int] = {}
        superseded: list[tuple[int, str | None, str]] = []
        for bronze in fresh:
            try:
                event = parse_payload(bronze.source, bronze.payload, bronze.received_at, self.limits)
            except QuarantineError as err:
                quarantined.append((bronze, err.reason.value, err.detail))
                continue
            if event.review_id in bronze_of:  # same review id twice in one batch with different bytes
                superseded.append((bronze.bronze_id, event.review_id, "superseded"))
                continue
            bronze_of[event.review_id] = bronze.bronze_id
            events.append(event)
        known = existing_review_ids(session, bronze_of)
        if known:
            superseded.extend((bronze_of.pop(rid), rid, "superseded") for rid in known)
            events = [e for e in events if e.review_id not in known]
        insert_quarantine(session, quarantined, quarantined_at=self.clock.now())
        set_bronze_outcome(session, superseded)
        report.quarantined.update(reason for _, reason, _ in quarantined)
        report.superseded = len(superseded)
        return events, bronze_of

    def _clean_score_route(
        self, session: Session, events: list[ReviewEvent], bronze_of: dict[str, int], report: BatchReport
    ) -> None:
        if not events:
            return
        cleaned = self.cleaner.clean_batch(events, now=self.clock.now())
        insert_silver(session, cleaned, bronze_of)
        set_bronze_outcome(session, [(bronze_of[c.review_id], c.review_id, "silver") for c in cleaned])
        report.silver.update(c.status.value for c in cleaned)
        to_score = [c for c in cleaned if c.status is ReviewStatus.clean]
        if not to_score:
            return
        if self.cascade is not None:
            items = [CascadeItem(c.review_id, c.title, c.text, c.rating, c.language) for c in to_score]
            scores = self.cascade.score_batch(items, now=self.clock.now())
        else:
            scores = self.scorer.score_batch(
                [(c.review_id, c.title, c.text, c.rating) for c in to_score], now=self.clock.now()
            )
        insert_scores(session, scores)
        report.scored += len(scores)
        report.stages.update(s.stage for s in scores)
        decisions = route_batch(
            to_score,
            scores,
            self.routing,
            self.taxonomy,
            self.active_incident_skus(),
            now=self.clock.now(),
            understanding=self.understanding,
        )
        insert_routes(session, decisions)
        report.routed.update(d.route.value for d in decisions)
        if self.gold is not None:
            done = update_gold(session, [s.review_id for s in scores], self.gold)
            report.gold += done.added + done.corrected
        for d in decisions:
            if d.route is Route.agent:
                report.route_reasons.update(reason.split("(")[0] for reason in d.reasons)
