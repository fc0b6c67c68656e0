"""Owners' feedback on alerts (useful / noise) and the precision it gives per rule and per topic."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.alert_tables import AlertFeedbackRow, AlertRow

__all__ = ["PrecisionReport", "PrecisionRow", "alert_precision", "record_feedback"]

Verdict = Literal["useful", "noise"]


def record_feedback(
    session: Session, alert_id: int, verdict: Verdict, actor: str, now: datetime, note: str | None = None
) -> None:
    """Store an owner's verdict on an alert; the latest verdict per alert counts."""
    if verdict not in ("useful", "noise"):
        raise ValueError(f"verdict must be useful or noise, got {verdict!r}")
    if session.get(AlertRow, alert_id) is None:
        raise KeyError(f"no alert {alert_id}; `reviewops alerts list` shows the ids")
    session.add(AlertFeedbackRow(alert_id=alert_id, verdict=verdict, actor=actor, at=now, note=note))
    session.flush()


class PrecisionRow(BaseModel):
    """Alerts of one rule (or topic), how many were rated, and the share rated useful."""

    key: str
    alerts: int
    rated: int
    useful: int
    noise: int
    precision: float | None = Field(description="useful / rated; None before any rating.")
    noisy: bool = Field(description="Enough ratings and precision under the bar: tune or drop it.")


class PrecisionReport(BaseModel):
    by_rule: list[PrecisionRow]
    by_topic: list[PrecisionRow]


def alert_precision(session: Session, min_rated: int = 3, noisy_below: float = 0.5) -> PrecisionReport:
    """Precision per rule and per topic from the latest verdict on each alert."""
    latest: dict[int, str] = {}
    for alert_id, verdict in session.execute(
        select(AlertFeedbackRow.alert_id, AlertFeedbackRow.verdict).order_by(AlertFeedbackRow.at, AlertFeedbackRow.id)
    ):
        latest[alert_id] = verdict
    alerts = session.execute(select(AlertRow.id, AlertRow.rule, AlertRow.topic)).all()

    def rows(by: int) -> list[PrecisionRow]:
        total: Counter[str] = Counter()
        useful: Counter[str] = Counter()
        noise: Counter[str] = Counter()
        for alert in alerts:
            key = str(alert[by])
            total[key] += 1
            verdict = latest.get(alert.id)
            useful[key] += verdict == "useful"
            noise[key] += verdict == "noise"
        result = []
        for key in sorted(total):
            rated = useful[key] + noise[key]
            precision = useful[key] / rated if rated else None
            result.append(
                PrecisionRow(
                    key=key,
                    alerts=total[key],
                    rated=rated,
                    useful=useful[key],
                    noise=noise[key],
                    precision=precision,
                    noisy=precision is not None and rated >= min_rated and precision < noisy_below,
                )
            )
        return result

    return PrecisionReport(by_rule=rows(1), by_topic=rows(2))
