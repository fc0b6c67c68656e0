"""Alert state tables: alert episodes, notification groups, sent notifications, silences and owners' feedback."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.tables import Base

__all__ = ["AlertFeedbackRow", "AlertGroupRow", "AlertNotificationRow", "AlertRow", "SilenceRow"]


class AlertRow(Base):
    """One firing episode of an alert (fingerprint = rule + scope + topic), from first firing to resolution."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_state_fingerprint", "state", "fingerprint"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    rule: Mapped[str] = mapped_column(String(64), index=True)
    topic: Mapped[str] = mapped_column(String(64), index=True)
    scope_kind: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(16))
    labels: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), doc="firing | resolved")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    last_evaluated_at: Mapped[datetime]
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, doc="the numbers behind the alert")
    baseline_rate: Mapped[float | None] = mapped_column(Float, doc="frozen at firing; resolution compares with it")
    suppressed_by: Mapped[str | None] = mapped_column(String(200), doc="inhibit rule or silence muting it now")
    incident_id: Mapped[str | None] = mapped_column(String(32), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("alert_groups.id"), index=True)
    first_notified_at: Mapped[datetime | None]


class AlertGroupRow(Base):
    """Alerts routed to one receiver under one group key, notified together (Alertmanager's aggregation group)."""

    __tablename__ = "alert_groups"
    __table_args__ = (Index("ix_alert_groups_key_state", "group_key", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group_key: Mapped[str] = mapped_column(String(400))
    route: Mapped[str] = mapped_column(String(200))
    receiver: Mapped[str] = mapped_column(String(200))
    group_labels: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), doc="active | closed")
    created_at: Mapped[datetime]
    next_flush_at: Mapped[datetime]
    last_notified_at: Mapped[datetime | None]
    notified_firing: Mapped[list[Any]] = mapped_column(JSON, doc="fingerprints in the last firing notification")
    sequence: Mapped[int] = mapped_column(Integer, default=0, doc="notifications sent; part of idempotency keys")
    closed_at: Mapped[datetime | None]


class AlertNotificationRow(Base):
    """A notification handed to a receiver, keyed so a retried evaluation never notifies twice."""

    __tablename__ = "alert_notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("alert_groups.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    receiver: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), doc="firing | resolved")
    reason: Mapped[str] = mapped_column(String(16), doc="new | changed | repeat | resolved")
    sent_at: Mapped[datetime]
    alert_ids: Mapped[list[Any]] = mapped_column(JSON)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class SilenceRow(Base):
    """Mutes notifications of alerts matching every matcher between starts_at and ends_at."""

    __tablename__ = "alert_silences"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    matchers: Mapped[list[Any]] = mapped_column(JSON, doc='Alertmanager-style matchers, e.g. sku="JKT-0125"')
    created_by: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime] = mapped_column(index=True)


class AlertFeedbackRow(Base):
    """An owner's verdict on an alert: useful or noise (the latest verdict per alert counts)."""

    __tablename__ = "alert_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    verdict: Mapped[str] = mapped_column(String(16), doc="useful | noise")
    actor: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)
