"""The loop's state read from the store: counts per stage, quarantine reasons, routes, stage lags, backlog."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.tables import BronzeEvent, QuarantinedEvent, ReviewScoreRow, RouteDecisionRow, SilverReview

__all__ = ["STAGES", "LagStats", "LoopStatus", "loop_status"]

# (name, from column, to column): each lag is measured per review between two stage stamps.
STAGES: tuple[tuple[str, str, str], ...] = (
    ("submitted_to_received", "created_at", "received_at"),
    ("received_to_cleaned", "received_at", "cleaned_at"),
    ("cleaned_to_scored", "cleaned_at", "scored_at"),
    ("scored_to_routed", "scored_at", "routed_at"),
    ("received_to_routed", "received_at", "routed_at"),
)


class LagStats(BaseModel):
    """Lag of one stage over the most recent reviews, in seconds."""

    stage: str
    count: int
    p50_seconds: float
    p95_seconds: float
    max_seconds: float


class LoopStatus(BaseModel):
    """Everything `reviewops status` and `/metrics` show about the fast path."""

    bronze: int
    silver_by_status: dict[str, int]
    quarantine_by_reason: dict[str, int]
    scored: int
    routed_by_route: dict[str, int]
    routes_by_language: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="Language -> route -> reviews (done, agent, human)."
    )
    scored_by_stage: dict[str, int] = Field(default_factory=dict, description="Cascade stage -> reviews it scored.")
    agent_queue_by_status: dict[str, int]
    unindexed: int = Field(description="Clean silver reviews not yet in the vector index.")
    lags: list[LagStats]
    newest_received_at: datetime | None


def _grouped(session: Session, column: object, *where: object) -> dict[str, int]:
    stmt = select(column, func.count()).group_by(column)  # type: ignore[call-overload]
    for clause in where:
        stmt = stmt.where(clause)
    return {str(key): int(n) for key, n in session.execute(stmt)}


def loop_status(session: Session, lag_window: int = 20_000) -> LoopStatus:
    """Read the loop's counts and the stage lags of the latest `lag_window` routed reviews."""
    rows = session.execute(
        select(
            SilverReview.created_at,
            SilverReview.received_at,
            SilverReview.cleaned_at,
            ReviewScoreRow.scored_at,
            RouteDecisionRow.routed_at,
        )
        .join(ReviewScoreRow, ReviewScoreRow.review_id == SilverReview.review_id)
        .join(RouteDecisionRow, RouteDecisionRow.review_id == SilverReview.review_id)
        .order_by(RouteDecisionRow.routed_at.desc())
        .limit(lag_window)
    ).all()
    lags: list[LagStats] = []
    if rows:
        columns = {name: [getattr(r, name).timestamp() for r in rows] for name in rows[0]._fields}
        for stage, start, end in STAGES:
            seconds = np.maximum(np.asarray(columns[end]) - np.asarray(columns[start]), 0.0)
            lags.append(
                LagStats(
                    stage=stage,
                    count=len(seconds),
                    p50_seconds=float(np.percentile(seconds, 50)),
                    p95_seconds=float(np.percentile(seconds, 95)),
                    max_seconds=float(seconds.max()),
                )
            )
    return LoopStatus(
        bronze=int(session.scalar(select(func.count()).select_from(BronzeEvent)) or 0),
        silver_by_status=_grouped(session, SilverReview.status),
        quarantine_by_reason=_grouped(session, QuarantinedEvent.reason),
        scored=int(session.scalar(select(func.count()).select_from(ReviewScoreRow)) or 0),
        routed_by_route=_grouped(session, RouteDecisionRow.route),
        routes_by_language=_routes_by_language(session),
        scored_by_stage=_grouped(session, ReviewScoreRow.stage),
        agent_queue_by_status=_grouped(session, RouteDecisionRow.queue_status, RouteDecisionRow.route == "agent"),
        unindexed=int(
            session.scalar(
                select(func.count())
                .select_from(SilverReview)
                .where(SilverReview.status == "clean", SilverReview.indexed_at.is_(None))
            )
            or 0
        ),
        lags=lags,
        newest_received_at=session.scalar(select(func.max(SilverReview.received_at))),
    )


def _routes_by_language(session: Session) -> dict[str, dict[str, int]]:
    stmt = (
        select(SilverReview.language, RouteDecisionRow.route, func.count())
        .join(RouteDecisionRow, RouteDecisionRow.review_id == SilverReview.review_id)
        .group_by(SilverReview.language, RouteDecisionRow.route)
    )
    result: dict[str, dict[str, int]] = {}
    for language, route, n in session.execute(stmt):
        result.setdefault(str(language), {})[str(route)] = int(n)
    return result
