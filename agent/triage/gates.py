"""Approval gates as rows: opened by the graph just before its `interrupt()`, decided by people or timeouts.

A gate row is written before the graph pauses, so the inbox survives a restart; opening is idempotent because the
gate node re-runs from its top on every resume. Deciding is a compare-and-set on `status`, so of two people
deciding one gate exactly one wins; `resumed_at` stays empty until the graph has taken the decision, which lets a
crashed resume be found and finished.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agent.triage.state import ActionState, PlannedAction
from store.approval_policy import ApprovalRequirement, Decision
from store.triage_tables import ApprovalGateRow, GateStatus

__all__ = [
    "DECISION_STATUS",
    "approval_id_for",
    "claim_decision",
    "decided_unresumed",
    "due_gates",
    "gate_payload",
    "mark_resumed",
    "open_gate",
    "pending_gates",
]

DECISION_STATUS: dict[str, GateStatus] = {
    "approve": GateStatus.approved,
    "edit": GateStatus.edited,
    "reject": GateStatus.rejected,
    "escalate": GateStatus.escalated,
}


def approval_id_for(thread_id: str, planned_key: str, round: int) -> str:
    """The gate's id: the same for the same thread, action and escalation round on every replay."""
    digest = hashlib.sha256(f"{thread_id}|{planned_key}|{round}".encode()).hexdigest()[:10]
    return f"APR-{digest}"


def open_gate(
    session: Session,
    *,
    gate: ActionState,
    planned: PlannedAction,
    requirement: ApprovalRequirement,
    round: int,
    now: datetime,
) -> ApprovalGateRow:
    """The gate row for this action and round, created pending if absent (a re-run finds the first one)."""
    approval_id = approval_id_for(gate["gate_thread_id"], planned.key, round)
    values: dict[str, Any] = {
        "approval_id": approval_id,
        "thread_id": gate["gate_thread_id"],
        "incident_id": gate["incident_id"],
        "action_key": planned.key,
        "round": round,
        "tool": planned.action.tool,
        "action": planned.action.model_dump(mode="json"),
        "requirement": requirement.model_dump(mode="json"),
        "args_error": planned.args_error,
        "status": GateStatus.pending.value,
        "requested_at": now,
        "deadline": requirement.deadline(now),
    }
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
        session.execute(insert(ApprovalGateRow).values(**values).on_conflict_do_nothing(index_elements=["approval_id"]))
    else:
        try:
            with session.begin_nested():
                session.add(ApprovalGateRow(**values))
        except IntegrityError:
            pass  # opened by an earlier run of this gate
    row = session.get(ApprovalGateRow, approval_id, populate_existing=True)
    assert row is not None, f"approval gate {approval_id} vanished right after it was opened"
    return row


def gate_payload(row: ApprovalGateRow, gate: ActionState) -> dict[str, Any]:
    """The interrupt value: the proposed action, its requirement, the hypothesis and the cited evidence."""
    return {
        "approval_id": row.approval_id,
        "thread_id": row.thread_id,
        "incident_id": row.incident_id,
        "round": row.round,
        "action": row.action,
        "action_key": row.action_key,
        "requirement": row.requirement,
        "args_error": row.args_error,
        "requested_at": row.requested_at.isoformat(),
        "deadline": row.deadline.isoformat() if row.deadline else None,
        "hypothesis": gate["hypothesis"],
        "evidence": gate["evidence"],
        "facts": gate.get("facts", ""),
    }


def pending_gates(session: Session, thread_id: str | None = None) -> list[ApprovalGateRow]:
    """Gates waiting for a decision, oldest first."""
    stmt = select(ApprovalGateRow).where(ApprovalGateRow.status == GateStatus.pending.value)
    if thread_id is not None:
        stmt = stmt.where(ApprovalGateRow.thread_id == thread_id)
    return list(session.scalars(stmt.order_by(ApprovalGateRow.requested_at, ApprovalGateRow.approval_id)))


def due_gates(session: Session, now: datetime) -> list[ApprovalGateRow]:
    """Pending gates whose deadline has passed."""
    stmt = select(ApprovalGateRow).where(
        ApprovalGateRow.status == GateStatus.pending.value,
        ApprovalGateRow.deadline.is_not(None),
        ApprovalGateRow.deadline <= now,
    )
    return list(session.scalars(stmt.order_by(ApprovalGateRow.deadline)))


def claim_decision(session: Session, approval_id: str, decision: Decision) -> bool:
    """Record `decision` on a pending gate; False when it was no longer pending (someone decided first)."""
    result = session.execute(
        update(ApprovalGateRow)
        .where(ApprovalGateRow.approval_id == approval_id, ApprovalGateRow.status == GateStatus.pending.value)
        .values(
            status=DECISION_STATUS[decision.kind].value,
            decision=decision.model_dump(mode="json"),
            decided_at=decision.at,
            decided_by=decision.actor,
        )
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def decided_unresumed(session: Session, thread_id: str | None = None) -> list[ApprovalGateRow]:
    """Decided gates the graph has not taken yet (a crash or a concurrent resume left them)."""
    stmt = select(ApprovalGateRow).where(
        ApprovalGateRow.status != GateStatus.pending.value, ApprovalGateRow.resumed_at.is_(None)
    )
    if thread_id is not None:
        stmt = stmt.where(ApprovalGateRow.thread_id == thread_id)
    return list(session.scalars(stmt.order_by(ApprovalGateRow.decided_at)))


def mark_resumed(session: Session, approval_ids: Sequence[str], now: datetime) -> None:
    """Note that the graph has taken these decisions."""
    if approval_ids:
        session.execute(
            update(ApprovalGateRow)
            .where(ApprovalGateRow.approval_id.in_(list(approval_ids)))
            .values(resumed_at=now)
            .execution_options(synchronize_session=False)
        )
