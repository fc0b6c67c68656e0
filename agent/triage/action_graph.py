"""One planned action's subgraph: approval gate -> execute (only if it may run) -> back to the triage graph.

The triage graph sends every planned action into its own copy of this subgraph, so each action moves on as soon as
it is decided: an auto notification goes out at once, an approved freeze is delivered right after its approval
while other gates of the incident still wait. A gate that needs a person calls `interrupt()` once per round (a new
round after an escalation); the interrupt is never wrapped in try/except, and everything the gate does before it is
idempotent because the node re-runs from its top on resume. A resume value counts only if it is the decision the
inbox recorded on the gate row, by a role the requirement names; anything else is ignored and the gate waits on.
Execution is a separate node: the action is stored in the outbox under its idempotency key before delivery, so a
replay, a resume or a crash never sends it twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import interrupt
from sqlalchemy import select

from agent.triage.deps import TriageDeps
from agent.triage.gates import gate_payload, open_gate
from agent.triage.state import ActionReport, ActionState, ExecutedAction, GateOutcome, GateResult, PlannedAction
from store.approval_policy import ApprovalRequirement, Decision, DecisionNotAllowed, check_decision
from store.outbox_tables import OutboxRow
from store.playbook_templates import ProposedAction
from store.triage_tables import ApprovalGateRow
from tools import ToolArgsError, deliver_pending, edited_args, enqueue_action

__all__ = ["build_action_graph"]

logger = logging.getLogger(__name__)


class _ActionNodes:
    def __init__(self, deps: TriageDeps) -> None:
        self.deps = deps

    def approval_gate(self, state: ActionState) -> dict[str, Any]:
        planned = PlannedAction.model_validate(state["planned"])
        requirement = planned.requirement
        if requirement.approver == "reject":
            return _outcome(planned, "policy_rejected")
        if requirement.approver == "auto":
            return _outcome(planned, "blocked" if planned.args_error else "auto")
        decisions: list[Decision] = []
        approval_ids: list[str] = []
        while True:  # one interrupt per round; an escalation opens the next round for the escalated roles
            with self.deps.incident_lock(state["incident_id"]), self.deps.db.session() as session:
                row = open_gate(
                    session,
                    gate=state,
                    planned=planned,
                    requirement=requirement,
                    round=len(decisions),
                    now=self.deps.clock(),
                )
                payload = gate_payload(row, state)
            decision = Decision.model_validate(interrupt(payload))
            if not self._recorded(payload["approval_id"], decision, requirement):
                continue  # not the decision recorded on the gate: ignore it and keep waiting for a real one
            decisions.append(decision)
            approval_ids.append(payload["approval_id"])
            if decision.kind != "escalate":
                break
            requirement = requirement.escalated()
        if decision.kind == "reject":
            return _outcome(planned, "rejected", decisions, approval_ids)
        if decision.kind == "edit":
            try:  # the service validated the edit before resuming; this guards against any other caller
                edited = planned.action.with_args(edited_args(planned.action.tool, decision))
            except ToolArgsError:
                logger.exception("edit of %s does not validate; the action is blocked", planned.key)
                return _outcome(planned, "blocked", decisions, approval_ids)
            return _outcome(planned, "edited", decisions, approval_ids, action=edited)
        if planned.args_error:  # approved as planned, but the planned arguments cannot run
            return _outcome(planned, "blocked", decisions, approval_ids)
        return _outcome(planned, "approved", decisions, approval_ids)

    def _recorded(self, approval_id: str, decision: Decision, requirement: ApprovalRequirement) -> bool:
        """Whether `decision` is the one recorded (and audited) on the gate row and its role may decide the gate.

        The inbox records every decision before resuming the graph; a resume value that is not on the row (code
        resuming the thread directly, a stale or forged value) must not run a side effect.
        """
        with self.deps.db.session() as session:
            stored = session.scalar(select(ApprovalGateRow.decision).where(ApprovalGateRow.approval_id == approval_id))
        if stored is None or Decision.model_validate(stored) != decision:
            logger.warning("gate %s: ignoring a resume value that is not its recorded decision", approval_id)
            return False
        try:
            check_decision(decision, requirement)
        except DecisionNotAllowed as err:
            logger.warning("gate %s: ignoring a recorded decision the policy does not allow: %s", approval_id, err)
            return False
        return True

    def runs(self, state: ActionState) -> str:
        return "execute" if GateOutcome.model_validate(state["outcome"]).runs else END

    def execute(self, state: ActionState) -> dict[str, Any]:
        outcome = GateOutcome.model_validate(state["outcome"])
        incident_id = state["incident_id"]
        approved_by = outcome.decisions[-1].actor if outcome.decisions else "policy:auto"
        with self.deps.incident_lock(incident_id), self.deps.db.session() as session:
            row_id = enqueue_action(
                session, outcome.action.tool, outcome.action.args, key=outcome.key,
                incident_id=incident_id, approved_by=approved_by,
            ).id  # fmt: skip
        if self.deps.after_enqueue is not None:
            self.deps.after_enqueue([row_id])
        deliver_pending(self.deps.db.session, self.deps.senders, clock=self.deps.clock)
        with self.deps.db.session() as session:
            status = session.scalar(select(OutboxRow.status).where(OutboxRow.id == row_id)) or "unknown"
        executed = ExecutedAction(key=outcome.key, tool=outcome.action.tool, outbox_id=row_id, status=status)
        return {"executed": {outcome.key: executed.model_dump(mode="json")}}


def _outcome(
    planned: PlannedAction,
    result: GateResult,
    decisions: Sequence[Decision] = (),
    approval_ids: Sequence[str] = (),
    action: ProposedAction | None = None,
) -> dict[str, Any]:
    final = action or planned.action
    outcome = GateOutcome(
        planned_key=planned.key,
        result=result,
        action=final,
        key=final.idempotency_key(),
        decisions=list(decisions),
        approval_ids=list(approval_ids),
    ).model_dump(mode="json")
    return {"outcome": outcome, "outcomes": {planned.key: outcome}}


def build_action_graph(deps: TriageDeps) -> CompiledStateGraph[Any]:
    """The per-action subgraph; it checkpoints through the triage graph's checkpointer."""
    nodes = _ActionNodes(deps)
    graph: StateGraph[ActionState, None, ActionState, ActionReport] = StateGraph(
        ActionState, output_schema=ActionReport
    )
    graph.add_node("approval_gate", nodes.approval_gate)
    graph.add_node("execute", nodes.execute)
    graph.add_edge(START, "approval_gate")
    graph.add_conditional_edges("approval_gate", nodes.runs, ["execute", END])
    graph.add_edge("execute", END)
    return graph.compile()
