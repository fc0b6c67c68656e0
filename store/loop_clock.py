"""The loop's clock per incident: review submitted -> ingested -> scored -> alerted -> approved -> executed -> resolved.

Stamps come from the incident's first review (its created_at, bronze ingested_at and scored_at) and from the
incident itself (first alert notification, first entry into acting = approved, into monitoring = executed,
resolved). The promise: the first action executes within 72 hours of the first review of the problem.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

import numpy as np
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.incident_tables import Incident, IncidentReview
from store.tables import BronzeEvent, ReviewScoreRow, SilverReview

__all__ = ["STAGE_NAMES", "IncidentTimeline", "LoopClock", "StageStats", "loop_clock"]

_STAMPS = ("submitted", "ingested", "scored", "alerted", "approved", "executed", "resolved")
STAGE_NAMES: tuple[str, ...] = tuple(f"{a}_to_{b}" for a, b in pairwise(_STAMPS))
"""Consecutive stages, e.g. `scored_to_alerted`."""


class StageStats(BaseModel):
    """Durations of one stage over the incidents that have both stamps, in hours."""

    stage: str
    count: int
    p50_hours: float | None
    p95_hours: float | None
    max_hours: float | None


class IncidentTimeline(BaseModel):
    """One incident's stamps and whether it kept its deadlines."""

    incident_id: str
    key: str
    severity: str
    state: str
    stamps: dict[str, datetime | None] = Field(description="submitted, ingested, scored, alerted, approved, ...")
    first_action_due_at: datetime | None = Field(description="Per-severity SLA, never later than the promise.")
    promise_due_at: datetime | None
    sla_breached: bool
    promise_breached: bool


class LoopClock(BaseModel):
    """p50/p95 per stage, for the whole loop and to first action, plus deadline breaches; for status and /metrics."""

    as_of: datetime
    incidents: int
    stages: list[StageStats]
    whole_loop: StageStats = Field(description="submitted -> resolved")
    first_action: StageStats = Field(description="submitted -> executed")
    promise_hours: float
    promise_breaches: int = Field(description="First action later than the promise, or still none past it.")
    sla_breaches: int = Field(description="First action later than the per-severity SLA, or none past it.")
    at_risk: int = Field(description="No action yet and under 24 h left before the SLA.")
    breached_incidents: list[str]
    timelines: list[IncidentTimeline]


def _stats(stage: str, hours: list[float]) -> StageStats:
    if not hours:
        return StageStats(stage=stage, count=0, p50_hours=None, p95_hours=None, max_hours=None)
    values = np.maximum(np.asarray(hours), 0.0)
    return StageStats(
        stage=stage,
        count=len(values),
        p50_hours=round(float(np.percentile(values, 50)), 3),
        p95_hours=round(float(np.percentile(values, 95)), 3),
        max_hours=round(float(values.max()), 3),
    )


def _hours(start: datetime | None, end: datetime | None) -> float | None:
    return None if start is None or end is None else (end - start).total_seconds() / 3600


def _first_reviews(session: Session) -> dict[str, tuple[datetime, datetime | None, datetime | None]]:
    """Per incident, (created_at, ingested_at, scored_at) of its earliest attached review."""
    stmt = (
        select(IncidentReview.incident_id, SilverReview.created_at, BronzeEvent.ingested_at, ReviewScoreRow.scored_at)
        .join(SilverReview, SilverReview.review_id == IncidentReview.review_id)
        .join(BronzeEvent, BronzeEvent.id == SilverReview.bronze_id)
        .outerjoin(ReviewScoreRow, ReviewScoreRow.review_id == SilverReview.review_id)
    )
    first: dict[str, tuple[datetime, datetime | None, datetime | None]] = {}
    for incident_id, created, ingested, scored in session.execute(stmt):
        if incident_id not in first or created < first[incident_id][0]:
            first[incident_id] = (created, ingested, scored)
    return first


def loop_clock(session: Session, now: datetime, promise_hours: float = 72.0) -> LoopClock:
    """The loop's timings and deadline breaches over every incident, as of `now`."""
    first = _first_reviews(session)
    timelines: list[IncidentTimeline] = []
    for incident in session.scalars(select(Incident).order_by(Incident.opened_at)):
        created, ingested, scored = first.get(incident.id, (incident.first_review_at, None, None))
        stamps: dict[str, datetime | None] = {
            "submitted": created,
            "ingested": ingested,
            "scored": scored,
            "alerted": incident.alerted_at,
            "approved": incident.approved_at,
            "executed": incident.executed_at,
            "resolved": incident.resolved_at,
        }
        promise_due = created + timedelta(hours=promise_hours) if created else None
        action = incident.executed_at or now
        closed_without_action = incident.executed_at is None and incident.state in ("closed_noise", "resolved")
        timelines.append(
            IncidentTimeline(
                incident_id=incident.id,
                key=incident.key,
                severity=incident.severity,
                state=incident.state,
                stamps=stamps,
                first_action_due_at=incident.sla_due_at,
                promise_due_at=promise_due,
                sla_breached=bool(incident.sla_due_at and not closed_without_action and action > incident.sla_due_at),
                promise_breached=bool(promise_due and not closed_without_action and action > promise_due),
            )
        )
    stages = [
        _stats(name, [h for t in timelines if (h := _hours(t.stamps[a], t.stamps[b])) is not None])
        for name, (a, b) in zip(STAGE_NAMES, pairwise(_STAMPS), strict=True)
    ]

    def span(a: str, b: str) -> list[float]:
        return [h for t in timelines if (h := _hours(t.stamps[a], t.stamps[b])) is not None]

    at_risk = sum(
        1
        for t in timelines
        if t.stamps["executed"] is None
        and t.state not in ("closed_noise", "resolved")
        and t.first_action_due_at is not None
        and now <= t.first_action_due_at < now + timedelta(hours=24)
    )
    return LoopClock(
        as_of=now,
        incidents=len(timelines),
        stages=stages,
        whole_loop=_stats("submitted_to_resolved", span("submitted", "resolved")),
        first_action=_stats("submitted_to_executed", span("submitted", "executed")),
        promise_hours=promise_hours,
        promise_breaches=sum(t.promise_breached for t in timelines),
        sla_breaches=sum(t.sla_breached for t in timelines),
        at_risk=at_risk,
        breached_incidents=[t.incident_id for t in timelines if t.promise_breached or t.sla_breached],
        timelines=timelines,
    )
