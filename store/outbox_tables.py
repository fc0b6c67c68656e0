"""Outbox and audit-log tables: every side effect is a keyed outbox row first, every decision an audit entry."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, Session, mapped_column

from store.tables import Base

__all__ = ["AuditEntry", "OutboxRow", "OutboxStatus", "audit"]


class OutboxStatus(StrEnum):
    """Where an outbox row is in its delivery."""

    pending = "pending"
    """Not yet delivered; due now (or when its lease/backoff expires)."""
    delivered = "delivered"
    """The receiver accepted it (2xx, or written to the local file/console)."""
    failed = "failed"
    """The last attempt failed with a retryable error; it is retried after a backoff."""
    dead = "dead"
    """Given up: a non-retryable answer (4xx) or attempts exhausted; needs a person (requeue)."""


class OutboxRow(Base):
    """One outbound call a tool wants made, keyed so a replayed or retried action is stored (and sent) once."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("idempotency_key", name="uq_outbox_idempotency_key"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(255))
    tool: Mapped[str] = mapped_column(String(64))
    args: Mapped[dict[str, Any]] = mapped_column(JSON)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    receiver: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.pending.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text, doc="truncated")
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None] = mapped_column(
        doc="not before this: the lease of a worker sending it, or the backoff after a failure"
    )
    incident_id: Mapped[str | None] = mapped_column(String(128), index=True)
    approved_by: Mapped[str | None] = mapped_column(String(128))


class AuditEntry(Base):
    """Who did what to which subject, when, with details (decisions, deliveries, requeues)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(255), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def audit(
    session: Session,
    actor: str,
    action: str,
    subject: str,
    detail: dict[str, Any] | None = None,
    *,
    at: datetime | None = None,
) -> AuditEntry:
    """Append an audit entry in the caller's transaction (it commits or rolls back with the change it records)."""
    entry = AuditEntry(
        at=at or datetime.now(UTC), actor=actor, action=action, subject=subject, detail=dict(detail or {})
    )
    session.add(entry)
    session.flush()
    return entry
