"""The approvals inbox: list pending gates, apply a decision (checked against the policy, audited), expire gates.

A decision is validated completely before anything is written: the `Decision` model (a reject needs a reason), the
policy (`check_decision`: the role must be one the requirement names, or admin), and for an edit the new arguments
against the tool's argument model. It is then recorded with a compare-and-set and an audit entry in one
transaction, and only then handed to the graph, by interrupt id, so a crash between the two is finished by
`TriageService.recover()` instead of being lost.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, ValidationError

from agent.triage.gates import DECISION_STATUS, claim_decision, due_gates, pending_gates
from agent.triage.learning import record_feedback, write_topic_labels
from agent.triage.state import Hypothesis, IncidentFacts
from store.approval_policy import ApprovalRequirement, Decision, DecisionNotAllowed, Role, check_decision
from store.outbox_tables import audit
from store.playbook_templates import ProposedAction
from store.schemas import FLAG_NAMES
from store.triage_tables import ApprovalGateRow, GateStatus
from tools import ToolArgsError, edited_args

if TYPE_CHECKING:
    from agent.triage.service import TriageService

__all__ = [
    "AlreadyDecided",
    "ApprovalNotFound",
    "DecisionReport",
    "GateNotLive",
    "InvalidDecision",
    "PendingApproval",
    "decide",
    "expire_gates",
    "pending_approvals",
]

logger = logging.getLogger(__name__)


class ApprovalNotFound(KeyError):
    """No gate has this approval id."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class AlreadyDecided(ValueError):
    """The gate was decided already (by someone else, or by its timeout)."""


class InvalidDecision(ValueError):
    """The decision itself is malformed (e.g. a reject without a reason, an unknown topic)."""


class GateNotLive(RuntimeError):
    """The gate row exists but its graph is not paused there; `reviewops triage run` recovers the thread."""


class PendingApproval(BaseModel):
    """One gate waiting for a decision: what would run, who may decide, until when, and why it is proposed."""

    approval_id: str
    incident_id: str
    thread_id: str
    round: int
    tool: str
    action_id: str
    playbook_id: str
    description: str
    args: dict[str, Any]
    args_error: str | None
    roles: list[str]
    """Roles that may decide (an admin always may)."""
    policy_reason: str
    on_timeout: str
    requested_at: datetime
    deadline: datetime | None
    hypothesis: dict[str, Any] | None = None
    evidence: list[dict[str, Any]] = Field(default_factory=list)
    facts: str = ""
    """The cluster in numbers (count, trend, ratings, over-represented places), as the hypothesis saw them."""
    live: bool
    """Whether the graph is paused at this gate now (False only between a crash and recovery)."""


class DecisionReport(BaseModel):
    """What applying a decision did."""

    approval_id: str
    status: str
    incident_id: str
    thread_status: str
    executed: dict[str, str] = Field(default_factory=dict)
    """Idempotency key -> outbox status of every action the thread has executed so far."""
    labels_written: int = 0
    feedback_stored: bool = False


def pending_approvals(service: TriageService) -> list[PendingApproval]:
    """Pending gates from the inbox table, with the hypothesis and evidence read from each paused graph."""
    with service.deps.db.session() as session:
        rows = pending_gates(session)
    payloads: dict[str, dict[str, Any]] = {}
    for thread_id in dict.fromkeys(row.thread_id for row in rows):
        snapshot = service.graph.get_state(service.config(thread_id))
        for item in snapshot.interrupts:
            if isinstance(item.value, dict) and "approval_id" in item.value:
                payloads[item.value["approval_id"]] = item.value
    return [_pending(row, payloads.get(row.approval_id)) for row in rows]


def _pending(row: ApprovalGateRow, payload: dict[str, Any] | None) -> PendingApproval:
    action = ProposedAction.model_validate(row.action)
    requirement = ApprovalRequirement.model_validate(row.requirement)
    return PendingApproval(
        approval_id=row.approval_id,
        incident_id=row.incident_id,
        thread_id=row.thread_id,
        round=row.round,
        tool=row.tool,
        action_id=action.action_id,
        playbook_id=action.playbook_id,
        description=action.description,
        args=dict(action.args),
        args_error=row.args_error,
        roles=list(requirement.roles),
        policy_reason=requirement.reason,
        on_timeout=requirement.on_timeout,
        requested_at=row.requested_at,
        deadline=row.deadline,
        hypothesis=payload.get("hypothesis") if payload else None,
        evidence=list(payload.get("evidence") or []) if payload else [],
        facts=str(payload.get("facts") or "") if payload else "",
        live=payload is not None,
    )


def decide(
    service: TriageService,
    approval_id: str,
    kind: str,
    *,
    actor: str,
    role: Role | None,
    reason: str | None = None,
    args: dict[str, Any] | None = None,
    topic: str | None = None,
    now: datetime | None = None,
) -> DecisionReport:
    """Validate, record and audit a decision on a pending gate, then resume the paused graph with it.

    `topic` (optional) is the decider's judgement of the incident's real topic; it becomes scorer labels on the
    cited reviews. Raises ApprovalNotFound, AlreadyDecided, InvalidDecision, DecisionNotAllowed, ToolArgsError.
    """
    now = now or service.deps.clock()
    row = _pending_row(service, approval_id)
    requirement = ApprovalRequirement.model_validate(row.requirement)
    try:
        decision = Decision(kind=kind, actor=actor, role=role, at=now, reason=reason, args=args)
    except ValidationError as err:
        problems = "; ".join(e["msg"].removeprefix("Value error, ") for e in err.errors(include_url=False))
        raise InvalidDecision(f"decision on {approval_id} is invalid: {problems}") from None
    check_decision(decision, requirement)
    decision = _checked_edit(decision, row)
    if topic is not None and topic not in FLAG_NAMES and topic not in service.deps.taxonomy.topic_ids():
        raise InvalidDecision(f"unknown topic {topic!r}; use a taxonomy leaf id such as sizing_fit.runs_small")
    payload = _live_payload(service, row)
    return _apply(service, row, decision, requirement, payload, topic)


def _pending_row(service: TriageService, approval_id: str) -> ApprovalGateRow:
    with service.deps.db.session() as session:
        row = session.get(ApprovalGateRow, approval_id)
    if row is None:
        raise ApprovalNotFound(f"no approval {approval_id!r}; `reviewops approvals list` shows the pending ones")
    if row.status != GateStatus.pending.value:
        raise AlreadyDecided(f"{approval_id} is already {row.status} (by {row.decided_by} at {row.decided_at})")
    return row


def _checked_edit(decision: Decision, row: ApprovalGateRow) -> Decision:
    if decision.kind == "approve" and row.args_error:
        raise ToolArgsError(
            f"{row.approval_id} cannot be approved as planned: {row.args_error}; decide `edit` with corrected --args"
        )
    if decision.kind != "edit":
        return decision
    validated = edited_args(row.tool, decision)  # raises ToolArgsError naming the field and value
    if validated.get("incident_id", row.incident_id) != row.incident_id:
        raise ToolArgsError(
            f"an edit may not move {row.tool!r} to another incident: incident_id must stay {row.incident_id!r}"
        )
    return decision.model_copy(update={"args": validated})


def _live_payload(service: TriageService, row: ApprovalGateRow) -> dict[str, Any]:
    for attempt in range(2):
        snapshot = service.graph.get_state(service.config(row.thread_id))
        for item in snapshot.interrupts:
            if isinstance(item.value, dict) and item.value.get("approval_id") == row.approval_id:
                return item.value
        if attempt == 0:  # the gate row was written but the process died before the graph paused: bring it there
            service.drive(row.thread_id)
    raise GateNotLive(
        f"{row.approval_id} is not paused in thread {row.thread_id}; run `reviewops triage run` to recover it"
    )


def _apply(
    service: TriageService,
    row: ApprovalGateRow,
    decision: Decision,
    requirement: ApprovalRequirement,
    payload: dict[str, Any],
    topic: str | None,
) -> DecisionReport:
    state = service.graph.get_state(service.config(row.thread_id)).values
    incident = IncidentFacts.model_validate(state["incident"])
    hypothesis = Hypothesis.model_validate(payload["hypothesis"])
    action = ProposedAction.model_validate(row.action)
    labels, stored = 0, False
    with service.deps.db.session() as session:
        if not claim_decision(session, row.approval_id, decision):
            raise AlreadyDecided(f"{row.approval_id} was decided by someone else a moment ago")
        audit(
            session,
            decision.actor,
            f"approval.{decision.kind}",
            f"approval:{row.approval_id}",
            {
                "incident_id": row.incident_id,
                "tool": row.tool,
                "action_key": row.action_key,
                "role": decision.role,
                "reason": decision.reason,
                "args": decision.args,
                "topic": topic,
                "requirement": requirement.reason,
                "policy_version": requirement.policy_version,
            },
            at=decision.at,
        )
        if decision.role is not None:
            feedback = record_feedback(
                session,
                approval_id=row.approval_id,
                incident=incident,
                hypothesis=hypothesis,
                playbook_id=action.playbook_id,
                action=action,
                decision=decision,
                embedder=service.deps.embedder,
                corrected_topic=topic,
            )
            stored = feedback is not None
            judged = topic or (incident.topic if decision.kind in ("approve", "edit") else None)
            if judged is not None:
                labels = write_topic_labels(
                    session, hypothesis.evidence_ids, topic=judged, author=decision.actor, at=decision.at,
                    topic_ids=service.deps.taxonomy.topic_ids(),
                )  # fmt: skip
    thread_status = service.drive(row.thread_id)
    executed = service.graph.get_state(service.config(row.thread_id)).values.get("executed") or {}
    return DecisionReport(
        approval_id=row.approval_id,
        status=DECISION_STATUS[decision.kind].value,
        incident_id=row.incident_id,
        thread_status=thread_status,
        executed={key: value["status"] for key, value in executed.items()},
        labels_written=labels,
        feedback_stored=stored,
    )


def expire_gates(service: TriageService, now: datetime) -> list[str]:
    """Decide every overdue gate with its `on_timeout` outcome (reject or escalate, never approve), audited."""
    with service.deps.db.session() as session:
        overdue = due_gates(session, now)
    expired = []
    for row in overdue:
        requirement = ApprovalRequirement.model_validate(row.requirement)
        decision = Decision.timed_out(requirement, now)
        try:
            check_decision(decision, requirement)
            payload = _live_payload(service, row)
            _apply(service, row, decision, requirement, payload, None)
        except (AlreadyDecided, GateNotLive, DecisionNotAllowed) as err:
            logger.warning("gate %s could not time out now: %s", row.approval_id, err)
            continue
        expired.append(row.approval_id)
    return expired
