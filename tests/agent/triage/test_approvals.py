"""Specification of the approval gates: the graph pauses per action, people (or timeouts) decide, actions run once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agent.triage import AlreadyDecided, InvalidDecision
from store.approval_policy import DecisionNotAllowed
from store.incident_tables import Incident
from store.triage_tables import ApprovalGateRow
from tests.agent.triage.conftest import World
from tools import ToolArgsError


def only_pending(service, tool: str = "request_sample_inspection"):
    pending = [p for p in service.pending_approvals() if p.tool == tool]
    assert len(pending) == 1, [p.tool for p in service.pending_approvals()]
    return pending[0]


def test_an_escalated_cluster_reaches_a_pending_approval_with_hypothesis_and_evidence(any_world: World) -> None:
    triggers = any_world.zipper_cluster()
    with any_world.service() as service:
        report = service.run()
        pending = service.pending_approvals()
    assert report.outcomes == {"new_incident": 6}
    assert [p.tool for p in pending] == ["request_sample_inspection"]
    gate = pending[0]
    assert gate.live and gate.roles == ["qa_lead"] and gate.deadline is not None
    assert gate.args["sku"] == "JKT-0125" and gate.args["supplier"] == "SUP-7"
    assert gate.hypothesis is not None
    assert gate.hypothesis["root_cause"] == "supplier_batch_defect"
    assert gate.hypothesis["summary"].startswith("Zippers on JKT-0125")
    assert gate.hypothesis["evidence_ids"] == triggers[:2]
    assert [e["review_id"] for e in gate.evidence] == triggers[:2]
    assert "zip" in gate.evidence[0]["text"].lower()
    assert "6 reviews about it in the last 168 h" in gate.facts
    with any_world.db.session() as session:
        incident = session.get(Incident, gate.incident_id)
        assert incident is not None
        assert incident.state == "awaiting_approval" and incident.playbook_id == "defective_product"
        assert incident.hypothesis_generated_by != "rules"


def test_auto_actions_go_out_at_once_while_a_gate_waits(any_world: World) -> None:
    any_world.zipper_cluster()
    with any_world.service() as service:
        service.run()
    assert {row.tool: row.status for row in any_world.outbox()} == {
        "notify_qa": "delivered",
        "open_ticket": "delivered",
    }
    assert len(any_world.delivered("jira")) == 1


def test_approving_delivers_the_action_exactly_once(any_world: World) -> None:
    any_world.zipper_cluster()
    with any_world.service() as service:
        service.run()
        gate = only_pending(service)
        report = service.decide(gate.approval_id, "approve", actor="qa-ann", role="qa_lead", reason="looks real")
        service.run()
        service.recover()
        with pytest.raises(AlreadyDecided):
            service.decide(gate.approval_id, "approve", actor="qa-bob", role="qa_lead")
    assert report.status == "approved" and report.thread_status == "done"
    inspections = [row for row in any_world.outbox() if row.tool == "request_sample_inspection"]
    assert len(inspections) == 1 and inspections[0].status == "delivered"
    assert inspections[0].approved_by == "qa-ann"
    assert [line["payload"]["type"] for line in any_world.delivered("qa")].count("qa.sample_inspection") == 1
    with any_world.db.session() as session:
        assert session.get(Incident, gate.incident_id).state == "monitoring"  # type: ignore[union-attr]


def test_rejecting_never_runs_the_tool(any_world: World) -> None:
    any_world.zipper_cluster()
    with any_world.service() as service:
        service.run()
        gate = only_pending(service)
        with pytest.raises(InvalidDecision, match="reason"):
            service.decide(gate.approval_id, "reject", actor="qa-ann", role="qa_lead")
        report = service.decide(gate.approval_id, "reject", actor="qa-ann", role="qa_lead", reason="one-off")
        service.run()
    assert report.status == "rejected" and report.thread_status == "done"
    assert "request_sample_inspection" not in {row.tool for row in any_world.outbox()}
    assert all(line["payload"]["type"] != "qa.sample_inspection" for line in any_world.delivered("qa"))


def test_an_invalid_edit_is_refused_and_a_valid_edit_runs_with_the_new_arguments(any_world: World) -> None:
    any_world.zipper_cluster()
    with any_world.service() as service:
        service.run()
        gate = only_pending(service)
        with pytest.raises(ToolArgsError, match="sample_size"):
            service.decide(
                gate.approval_id, "edit", actor="qa-ann", role="qa_lead", args={**gate.args, "sample_size": 999}
            )
        with pytest.raises(ToolArgsError, match="another incident"):
            service.decide(
                gate.approval_id, "edit", actor="qa-ann", role="qa_lead", args={**gate.args, "incident_id": "INC-x"}
            )
        assert only_pending(service).approval_id == gate.approval_id  # refused edits change nothing
        edited = {**gate.args, "sample_size": 25, "hold_stock": True}
        service.decide(gate.approval_id, "edit", actor="qa-ann", role="qa_lead", args=edited, reason="bigger sample")
    [row] = [row for row in any_world.outbox() if row.tool == "request_sample_inspection"]
    assert row.args["sample_size"] == 25 and row.args["hold_stock"] is True and row.status == "delivered"
    assert row.idempotency_key != gate.args  # an edit makes a new key
    with any_world.db.session() as session:
        assert session.get(ApprovalGateRow, gate.approval_id).status == "edited"  # type: ignore[union-attr]


def test_a_role_the_policy_does_not_name_cannot_decide(world: World) -> None:
    world.zipper_cluster()
    with world.service() as service:
        service.run()
        gate = only_pending(service)
        with pytest.raises(DecisionNotAllowed, match="qa_lead"):
            service.decide(gate.approval_id, "approve", actor="eve", role="approver")
        assert only_pending(service).approval_id == gate.approval_id
        service.decide(gate.approval_id, "approve", actor="root", role="admin")  # an admin may decide any gate
    assert any(row.tool == "request_sample_inspection" for row in world.outbox())


def test_escalation_hands_the_gate_to_the_escalated_roles(world: World) -> None:
    world.zipper_cluster()
    with world.service() as service:
        service.run()
        gate = only_pending(service)
        report = service.decide(gate.approval_id, "escalate", actor="qa-ann", role="qa_lead", reason="not my call")
        second = only_pending(service)
        assert report.status == "escalated" and report.thread_status == "awaiting_approval"
        assert second.approval_id != gate.approval_id and second.round == 1 and second.roles == ["admin"]
        with pytest.raises(DecisionNotAllowed):
            service.decide(second.approval_id, "approve", actor="qa-ann", role="qa_lead")
        service.decide(second.approval_id, "approve", actor="root", role="admin")
    assert [row.approved_by for row in world.outbox() if row.tool == "request_sample_inspection"] == ["root"]


def test_pending_approvals_survive_a_new_service_instance(any_world: World) -> None:
    any_world.zipper_cluster()
    with any_world.service() as first:
        first.run()
        before = [(p.approval_id, p.hypothesis) for p in first.pending_approvals()]
    with any_world.service(model=None, use_llm=False) as second:  # a new process: new checkpointer, no model
        after = second.pending_approvals()
        assert [(p.approval_id, p.hypothesis) for p in after] == before and after[0].live
        second.decide(after[0].approval_id, "approve", actor="qa-ann", role="qa_lead")
    assert any(row.tool == "request_sample_inspection" and row.status == "delivered" for row in any_world.outbox())


def test_several_pending_gates_are_resumed_by_interrupt_id_each_running_on_its_own_approval(any_world: World) -> None:
    any_world.safety_report()
    with any_world.service() as service:
        service.run()
        pending = {p.tool: p for p in service.pending_approvals()}
        assert set(pending) == {
            "freeze_listing",
            "notify_qa",
            "request_sample_inspection",
            "page_oncall",
            "open_ticket",
        }
        assert all(set(p.roles) <= {"qa_lead", "legal"} for p in pending.values())  # the safety floor
        assert any_world.outbox() == []  # nothing on a safety incident runs without a person
        service.decide(pending["page_oncall"].approval_id, "reject", actor="lee", role="legal", reason="not urgent")
        service.decide(pending["freeze_listing"].approval_id, "approve", actor="lee", role="legal")
        assert [row.tool for row in any_world.outbox()] == ["freeze_listing"]  # out before the other gates close
        assert {p.tool for p in service.pending_approvals()} == {
            "notify_qa",
            "request_sample_inspection",
            "open_ticket",
        }
        for tool in ("open_ticket", "notify_qa", "request_sample_inspection"):
            report = service.decide(pending[tool].approval_id, "approve", actor="qa-ann", role="qa_lead")
    assert report.thread_status == "done"
    assert sorted(row.tool for row in any_world.outbox()) == [
        "freeze_listing", "notify_qa", "open_ticket", "request_sample_inspection",
    ]  # fmt: skip
    assert all(row.status == "delivered" for row in any_world.outbox())


def test_an_unanswered_gate_takes_the_policys_timeout_outcome_and_never_approves(world: World) -> None:
    world.zipper_cluster()
    with world.service() as service:
        service.run()
        gate = only_pending(service)
        assert service.expire_gates(gate.requested_at + timedelta(hours=23)) == []
        assert service.expire_gates(gate.requested_at + timedelta(hours=25)) == [gate.approval_id]
        escalated = only_pending(service)  # quality_inspection escalates to admin on timeout
        assert escalated.roles == ["admin"] and escalated.on_timeout == "reject"
        assert service.expire_gates(escalated.requested_at + timedelta(hours=25)) == [escalated.approval_id]
        assert service.pending_approvals() == []
    with world.db.session() as session:
        first = session.get(ApprovalGateRow, gate.approval_id)
        assert first is not None and first.status == "escalated" and first.decided_by == "policy:timeout"
    assert "request_sample_inspection" not in {row.tool for row in world.outbox()}
