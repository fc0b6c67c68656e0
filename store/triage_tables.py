"""Triage-agent tables: graph threads, approval gates (the pending-approvals inbox), triaged reviews, feedback.

The LangGraph checkpointer holds each thread's state; these rows index it so approvals can be listed and decided
without scanning checkpoints, and so a crash between a decision and its resume can be found and finished.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.tables import Base

__all__ = ["ApprovalGateRow", "DecisionFeedbackRow", "GateStatus", "TriageReviewRow", "TriageThreadRow"]


class GateStatus(StrEnum):
    """Where an approval gate is: waiting, or decided (by a person or by its timeout)."""

    pending = "pending"
    approved = "approved"
    edited = "edited"
    rejected = "rejected"
    escalated = "escalated"


class TriageThreadRow(Base):
    """One triage graph thread (one per incident): its status and what the run cost."""

    __tablename__ = "triage_threads"

    thread_id: Mapped[str] = mapped_column(String(420), primary_key=True, doc="`incident:<incident key>`")
    incident_id: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(24), doc="running | awaiting_approval | done | failed")
    runs: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    first_gate_seconds: Mapped[float | None] = mapped_column(
        Float, doc="wall time from the first run's start to its first pause (a gate) or end"
    )
    generated_by: Mapped[str | None] = mapped_column(String(128), doc="model identity, or `rules`")
    input_tokens: Mapped[int | None]
    output_tokens: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    lease_until: Mapped[datetime | None] = mapped_column(doc="a worker is running the graph on this thread until then")


class ApprovalGateRow(Base):
    """One approval gate (an `interrupt()` in the graph): the proposed action, its requirement and the decision."""

    __tablename__ = "approval_gates"
    __table_args__ = (Index("ix_approval_gates_status_deadline", "status", "deadline"),)

    approval_id: Mapped[str] = mapped_column(String(32), primary_key=True, doc="APR-<hash of thread, action, round>")
    thread_id: Mapped[str] = mapped_column(String(420), index=True)
    incident_id: Mapped[str] = mapped_column(String(32), index=True)
    action_key: Mapped[str] = mapped_column(String(255), doc="the action's idempotency key")
    round: Mapped[int] = mapped_column(Integer, default=0, doc="0, then +1 per escalation")
    tool: Mapped[str] = mapped_column(String(64))
    action: Mapped[dict[str, Any]] = mapped_column(JSON, doc="the ProposedAction as planned")
    requirement: Mapped[dict[str, Any]] = mapped_column(JSON, doc="the ApprovalRequirement this gate enforces")
    args_error: Mapped[str | None] = mapped_column(Text, doc="why the planned args do not validate; edit to fix")
    status: Mapped[str] = mapped_column(String(16), default=GateStatus.pending.value)
    requested_at: Mapped[datetime]
    deadline: Mapped[datetime | None]
    decision: Mapped[dict[str, Any] | None] = mapped_column(JSON, doc="the Decision, as resumed into the graph")
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(128))
    resumed_at: Mapped[datetime | None] = mapped_column(doc="when the graph took the decision; None = still to do")


class TriageReviewRow(Base):
    """What the agent did with one escalated review: the incident it joined, or why it joined none."""

    __tablename__ = "triage_reviews"

    review_id: Mapped[str] = mapped_column(ForeignKey("reviews.review_id"), primary_key=True)
    incident_id: Mapped[str | None] = mapped_column(String(32), index=True)
    thread_id: Mapped[str | None] = mapped_column(String(420))
    outcome: Mapped[str] = mapped_column(String(24), doc="new_incident | attached | below_threshold | no_topic")
    processed_at: Mapped[datetime]


class DecisionFeedbackRow(Base):
    """A human edit or rejection of a proposed action, with an embedding of its situation for few-shot lookup."""

    __tablename__ = "decision_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    approval_id: Mapped[str] = mapped_column(String(32), unique=True)
    incident_id: Mapped[str] = mapped_column(String(32), index=True)
    topic: Mapped[str] = mapped_column(String(64), index=True)
    playbook_id: Mapped[str] = mapped_column(String(64))
    action_id: Mapped[str] = mapped_column(String(64))
    tool: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), doc="edit | reject")
    original_args: Mapped[dict[str, Any]] = mapped_column(JSON)
    edited_args: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    corrected_topic: Mapped[str | None] = mapped_column(String(64))
    situation: Mapped[str] = mapped_column(Text, doc="the hypothesis summary and facts the decision was made on")
    root_cause: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(128))
    role: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime]
    embedder_id: Mapped[str] = mapped_column(String(128))
    embedding: Mapped[list[Any]] = mapped_column(JSON)
