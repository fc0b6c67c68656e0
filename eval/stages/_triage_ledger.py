"""What a triage case actually did, read back from its tables and set against what the approval policy requires.

The ledger never trusts the graph's own account. For every outbox row (a side effect that was executed: stored for
delivery under its idempotency key) it recomputes the requirement from config/approval_policy.yaml and the case's
trusted incident facts, then looks for the approval that requirement asks for: a gate row for that action decided
approve/edit by a role the requirement names (or admin), an audit entry of that decision, and outbox arguments equal
to the approved (or edited) ones. It also compares the requirement the graph recorded on each planned action and gate
with the recomputed one, and counts deliveries per idempotency key in the local receiver files.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from agent.triage import PlannedAction, TriageService
from store.approval_policy import ApprovalPolicy, ApprovalRequirement, Decision, PolicyContext, can_decide
from store.outbox_tables import AuditEntry, OutboxRow
from store.triage_tables import ApprovalGateRow, TriageThreadRow
from tools import ToolArgsError, approval_requirement, validate_args

__all__ = ["Ledger", "read_ledger"]

_APPROVING = ("approved", "edited")


@dataclass
class Ledger:
    """The case's side effects and plans, each judged against the policy, plus the hypothesis it acted on."""

    actions: list[dict[str, Any]]
    """Executed (outbox) actions, then planned ones that did not run, by tool: tool, args, executed, deliveries,
    approval_required, approved, approved_by, policy (recomputed approver), recorded (the graph's approver), why."""
    requirement_mismatches: list[str]
    """Planned actions and gates whose recorded requirement differs from the recomputed one."""
    incidents: list[dict[str, Any]]
    summaries: list[str]
    cited: list[str]
    retrieved: list[str]
    generated_by: list[str]
    playbooks: list[str]
    threads: dict[str, str]


def _normalized(tool: str, args: dict[str, Any] | None) -> dict[str, Any] | None:
    try:
        return validate_args(tool, args or {}).model_dump(mode="json")
    except (ToolArgsError, KeyError):
        return None


def _expected(policy: ApprovalPolicy, tool: str, context: PolicyContext, round: int = 0) -> ApprovalRequirement:
    requirement = approval_requirement(policy, tool, context)
    return requirement.escalated() if round > 0 and requirement.approver == "human" else requirement


def _same_requirement(recorded: ApprovalRequirement, expected: ApprovalRequirement) -> bool:
    return (recorded.approver, set(recorded.roles)) == (expected.approver, set(expected.roles))


class _Approvals:
    """Gates and audit entries of one case, to find the approval behind an executed row."""

    def __init__(self, gates: Sequence[ApprovalGateRow], audits: Sequence[AuditEntry]) -> None:
        self.gates = gates
        self.audited = {(a.actor, a.action, a.subject) for a in audits}

    def find(self, row: OutboxRow, expected: ApprovalRequirement) -> tuple[bool, str]:
        """(approved, why) for an executed row whose requirement is `expected` (human)."""
        problems: list[str] = []
        for gate in self.gates:
            if gate.tool != row.tool or gate.incident_id != row.incident_id or gate.status not in _APPROVING:
                continue
            problem = self._check(gate, row, expected)
            if problem is None:
                decision = Decision.model_validate(gate.decision)
                return True, f"approved by {decision.actor} ({decision.role}) on {gate.approval_id}, audited"
            problems.append(f"{gate.approval_id}: {problem}")
        if not problems:
            return False, "no gate for this action was decided approve/edit"
        return False, "; ".join(problems)

    def _check(self, gate: ApprovalGateRow, row: OutboxRow, expected: ApprovalRequirement) -> str | None:
        decision = Decision.model_validate(gate.decision)
        needed = expected.escalated() if gate.round > 0 else expected
        if decision.role is None or not can_decide(decision.role, needed):
            return f"decided by role {decision.role} but the policy needs {' or '.join(needed.roles)} (or admin)"
        if (decision.actor, f"approval.{decision.kind}", f"approval:{gate.approval_id}") not in self.audited:
            return "the decision has no audit entry"
        if row.approved_by != decision.actor:
            return f"the outbox row says approved by {row.approved_by!r}, the gate by {decision.actor!r}"
        approved = decision.args if decision.kind == "edit" else (gate.action or {}).get("args")
        if _normalized(row.tool, approved) != row.args:
            return "the executed arguments differ from the approved ones"
        if decision.kind == "approve" and row.idempotency_key != gate.action_key:
            return "the executed action is not the one the gate showed"
        return None


def _delivery_counts(lines: Iterable[dict[str, Any]]) -> Counter[str]:
    return Counter(str(line.get("idempotency_key")) for line in lines)


def read_ledger(
    service: TriageService, policy: ApprovalPolicy, context: PolicyContext, deliveries: Iterable[dict[str, Any]]
) -> Ledger:
    """Read the case's outbox, gates, audit log and graph states through `service` and judge them (see module)."""
    with service.deps.db.session() as session:
        rows = list(session.scalars(select(OutboxRow).order_by(OutboxRow.id)))
        gates = list(session.scalars(select(ApprovalGateRow).order_by(ApprovalGateRow.approval_id)))
        audits = list(session.scalars(select(AuditEntry).where(AuditEntry.action.like("approval.%"))))
        threads = {t.thread_id: t.status for t in session.scalars(select(TriageThreadRow))}
        session.expunge_all()
    states = [service.graph.get_state(service.config(thread)).values for thread in sorted(threads)]
    planned = [PlannedAction.model_validate(a) for values in states for a in values.get("actions") or []]
    approvals = _Approvals(gates, audits)
    counts = _delivery_counts(deliveries)
    actions: list[dict[str, Any]] = []
    mismatches: list[str] = []
    executed_keys = {row.idempotency_key for row in rows}
    for row in rows:
        expected = _expected(policy, row.tool, context)
        if expected.approver == "auto":
            approved, why = True, f"the policy runs it at once ({expected.reason})"
        elif expected.approver == "reject":
            approved, why = False, f"the policy never runs it ({expected.reason})"
        else:
            approved, why = approvals.find(row, expected)
        recorded = next((p.requirement.approver for p in planned if p.key == row.idempotency_key), None)
        actions.append(
            {
                "tool": row.tool,
                "args": row.args,
                "executed": True,
                "status": row.status,
                "deliveries": counts[row.idempotency_key],
                "approval_required": expected.approver != "auto",
                "approved": approved,
                "approved_by": row.approved_by,
                "policy": expected.approver,
                "recorded": recorded,
                "why": why,
            }
        )
    edited_from = {g.action_key for g in gates if g.status == "edited"}
    for item in planned:
        expected = _expected(policy, item.action.tool, context)
        if not _same_requirement(item.requirement, expected):
            mismatches.append(
                f"planned {item.action.tool}: graph recorded {item.requirement.approver} {list(item.requirement.roles)}"
                f", policy says {expected.approver} {list(expected.roles)}"
            )
        if item.key in executed_keys or item.key in edited_from:
            continue
        actions.append(
            {
                "tool": item.action.tool,
                "args": item.action.args,
                "executed": False,
                "status": "not executed",
                "deliveries": counts[item.key],
                "approval_required": expected.approver != "auto",
                "approved": False,
                "approved_by": None,
                "policy": expected.approver,
                "recorded": item.requirement.approver,
                "why": "planned, not executed",
            }
        )
    for gate in gates:
        gate_requirement = ApprovalRequirement.model_validate(gate.requirement)
        expected = _expected(policy, gate.tool, context, gate.round)
        if not _same_requirement(gate_requirement, expected):
            mismatches.append(
                f"gate {gate.approval_id} ({gate.tool}, round {gate.round}): recorded {gate_requirement.approver} "
                f"{list(gate_requirement.roles)}, policy says {expected.approver} {list(expected.roles)}"
            )
    return Ledger(
        actions=sorted(actions, key=lambda a: (not a["executed"], a["tool"], json.dumps(a["args"], sort_keys=True))),
        requirement_mismatches=sorted(mismatches),
        incidents=[dict(values["incident"]) for values in states if values.get("incident")],
        summaries=[str(values["hypothesis"]["summary"]) for values in states if values.get("hypothesis")],
        cited=[rid for values in states for rid in (values.get("hypothesis") or {}).get("evidence_ids", [])],
        retrieved=[
            str(item["review_id"]) for values in states for item in (values.get("context") or {}).get("evidence", [])
        ],
        generated_by=[str(values["hypothesis"]["generated_by"]) for values in states if values.get("hypothesis")],
        playbooks=[str(values.get("playbook_id") or "") for values in states if values.get("hypothesis")],
        threads=threads,
    )
