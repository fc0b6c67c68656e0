"""Incident tables: one row per problem cluster (scope x topic, unique key), its transitions, reviews and postmortem."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.tables import Base

__all__ = ["Incident", "IncidentReview", "IncidentTransition", "Postmortem"]


class Incident(Base):
    """A problem cluster being handled: who owns it, where it is in its lifecycle, and when each stage happened."""

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_state", "state"), Index("ix_incidents_sku", "sku"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True, doc="INC-<hash of key>: the same on every replay")
    key: Mapped[str] = mapped_column(String(400), unique=True, doc="scope + topic; one incident per cluster")
    scope: Mapped[dict[str, Any]] = mapped_column(JSON)
    sku: Mapped[str | None] = mapped_column(String(128))
    region: Mapped[str | None] = mapped_column(String(64))
    warehouse: Mapped[str | None] = mapped_column(String(64))
    topic: Mapped[str] = mapped_column(String(64), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(24))
    opened_by: Mapped[str] = mapped_column(String(128))
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    first_review_at: Mapped[datetime | None]
    review_count: Mapped[int] = mapped_column(Integer, default=0)
    sla_due_at: Mapped[datetime | None] = mapped_column(doc="first action due (per-severity SLA, capped at 72 h)")
    alerted_at: Mapped[datetime | None] = mapped_column(doc="first alert notification about it")
    triaged_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None] = mapped_column(doc="first entry into `acting`")
    executed_at: Mapped[datetime | None] = mapped_column(doc="first entry into `monitoring`: the action ran")
    monitoring_since: Mapped[datetime | None] = mapped_column(doc="latest entry into `monitoring`")
    monitoring_deadline: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None] = mapped_column(doc="latest entry into resolved or closed_noise")
    metric: Mapped[str] = mapped_column(String(64), default="nonpositive_share")
    baseline_rate: Mapped[float | None] = mapped_column(Float, doc="the metric before the problem began")
    hypothesis: Mapped[str | None] = mapped_column(Text)
    hypothesis_generated_by: Mapped[str | None] = mapped_column(String(64))
    playbook_id: Mapped[str | None] = mapped_column(String(64))
    resolution_note: Mapped[str | None] = mapped_column(Text)


class IncidentTransition(Base):
    """One state change of an incident: from, to, who, when, why."""

    __tablename__ = "incident_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)


class IncidentReview(Base):
    """A review that is evidence for an incident."""

    __tablename__ = "incident_reviews"

    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    review_id: Mapped[str] = mapped_column(ForeignKey("reviews.review_id"), primary_key=True, index=True)
    attached_at: Mapped[datetime]


class Postmortem(Base):
    """What triggered an incident, what was done, what changed after; `text` is the searchable summary."""

    __tablename__ = "incident_postmortems"

    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    created_at: Mapped[datetime]
    trigger: Mapped[str] = mapped_column(Text)
    actions: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(Text)
    metric_before: Mapped[float | None] = mapped_column(Float)
    metric_after: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
