"""Specification of the playbook tool registry: argument models, payload shapes, and running a tool via the outbox."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import BaseModel
from sqlalchemy import select

import tools
from store.approval_policy import Decision, PolicyContext, load_approval_policy
from store.db import Database
from store.outbox_tables import OutboxRow
from store.playbooks import render_action
from store.schemas import Urgency
from store.settings import PROJECT_ROOT

SIDE_EFFECTING = [
    "add_listing_note",
    "contact_carrier",
    "freeze_listing",
    "notify_qa",
    "offer_service_recovery",
    "open_ticket",
    "page_oncall",
    "post_message",
    "request_sample_inspection",
    "unfreeze_listing",
    "update_sizing_guidance",
]
READ_ONLY = ["incident_history", "search_reviews", "sku_stats"]
CONTEXT = {
    "incident_id": "inc-42",
    "sku": "JKT-0042",
    "category": "Jackets",
    "topic": "sizing_fit.runs_large",
    "topic_name": "Runs large",
    "topic_leaf": "runs_large",
    "severity": "high",
    "region": "US-West",
    "warehouse": "WH-RENO",
    "supplier": "SUP-07",
    "carrier": "UPS",
    "summary": "Customers say it is a full size too big.",
    "owner_team": "sizing-team",
    "review_count": "12",
    "negative_share": "0.31",
}
TICKET = {
    "project": "QA",
    "summary": "Zipper breaks on JKT-0042",
    "description": "12 reviews",
    "incident_id": "inc-42",
}


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'r.db'}")
    database.migrate()
    return database


def test_registry_holds_every_playbook_tool_with_its_side_effect_flag() -> None:
    assert tools.registered_tool_names(side_effect=True) == SIDE_EFFECTING
    assert tools.registered_tool_names(side_effect=False) == READ_ONLY
    assert all(tools.get_tool(name).receiver for name in SIDE_EFFECTING)
    assert all(tools.get_tool(name).description for name in SIDE_EFFECTING + READ_ONLY)


def test_registering_a_name_twice_fails() -> None:
    class Args(BaseModel):
        pass

    with pytest.raises(ValueError, match="'open_ticket' is already registered"):
        tools.playbook_tool("open_ticket", Args, receiver="jira")(lambda args: {})


def test_side_effecting_tools_must_name_a_receiver() -> None:
    class Args(BaseModel):
        pass

    with pytest.raises(ValueError, match="needs a receiver"):
        tools.playbook_tool("launch_rocket", Args)


def test_unknown_tool_lists_the_registered_ones() -> None:
    with pytest.raises(KeyError, match="unknown tool 'refund_everyone'; registered tools: add_listing_note"):
        tools.get_tool("refund_everyone")


def test_jira_payload_shape() -> None:
    payload = tools.build_payload("open_ticket", {**TICKET, "labels": ["defect"], "priority": "High"})
    assert payload["fields"]["project"] == {"key": "QA"}
    assert payload["fields"]["issuetype"] == {"name": "Task"}
    assert payload["fields"]["priority"] == {"name": "High"}
    assert payload["fields"]["labels"] == ["reviewops", "defect"]
    assert payload["properties"] == [{"key": "reviewops", "value": {"incident_id": "inc-42"}}]


def test_slack_payload_escapes_mentions_and_links() -> None:
    text = "<!channel> click <https://evil.example|here> & win"
    payload = tools.build_payload("post_message", {"channel": "#qa", "text": text, "incident_id": "inc-42"})
    assert payload["text"] == "&lt;!channel&gt; click &lt;https://evil.example|here&gt; &amp; win"
    assert payload["blocks"][0]["text"]["text"] == payload["text"]
    assert payload["unfurl_links"] is False


def test_pagerduty_payload_shape() -> None:
    payload = tools.build_payload(
        "page_oncall", {"service": "product-safety", "summary": "Charger overheats", "incident_id": "inc-42"}
    )
    assert payload["event_action"] == "trigger"
    assert payload["dedup_key"] == "inc-42"
    assert payload["payload"]["severity"] == "error"
    assert payload["payload"]["source"] == "reviewops"


def test_sizing_recommendation_follows_the_fit() -> None:
    base = {"sku": "A-1", "note": "Runs large", "incident_id": "inc-42"}
    assert tools.build_payload("update_sizing_guidance", {**base, "fit": "runs_large"})["recommendation"] == "size_down"
    with pytest.raises(tools.ToolArgsError, match="fit 'runs_large' calls for recommendation 'size_down'"):
        tools.validate_args("update_sizing_guidance", {**base, "fit": "runs_large", "recommendation": "size_up"})


@pytest.mark.parametrize(
    ("tool", "args", "problem"),
    [
        ("open_ticket", {**TICKET, "project": "qa"}, "project"),
        ("open_ticket", {**TICKET, "summary": "x" * 256}, "summary"),
        ("open_ticket", {**TICKET, "assignee": "ceo"}, "assignee: Extra inputs are not permitted"),
        ("open_ticket", {k: v for k, v in TICKET.items() if k != "incident_id"}, "incident_id: Field required"),
        ("post_message", {"channel": "general", "text": "hi", "incident_id": "i"}, "channel"),
        ("freeze_listing", {"sku": "A-1; DROP TABLE", "reason": "r", "incident_id": "i"}, "sku"),
        (
            "offer_service_recovery",
            {
                "sku": "A",
                "topic": "packaging.damaged",
                "offer": "refund_100_percent",
                "max_customers": 5,
                "incident_id": "i",
            },
            "offer",
        ),
        (
            "offer_service_recovery",
            {
                "sku": "A",
                "topic": "packaging.damaged",
                "offer": "apology_note",
                "max_customers": 100000,
                "incident_id": "i",
            },
            "max_customers",
        ),
        ("request_sample_inspection", {"sku": "A", "sample_size": 0, "reason": "r", "incident_id": "i"}, "sample_size"),
    ],
)
def test_arguments_are_bounded_and_enumerated(tool: str, args: dict[str, object], problem: str) -> None:
    with pytest.raises(tools.ToolArgsError, match=f"invalid arguments for tool '{tool}': .*{problem}"):
        tools.validate_args(tool, args)


def test_every_shipped_playbook_action_renders_into_valid_tool_arguments() -> None:
    library = tools.playbook_library()
    for playbook in library:
        for action in playbook.remediation:
            proposed = render_action(action, CONTEXT, playbook=playbook)
            tools.build_payload(proposed.tool, proposed.args)
            if proposed.rollback is not None:
                tools.build_payload(proposed.rollback.tool, proposed.rollback.args)
        for step in playbook.diagnostic_steps:
            assert step.tool is None or not tools.get_tool(step.tool).side_effect


def test_playbook_library_refuses_a_tool_that_is_not_registered(tmp_path: Path) -> None:
    source = (PROJECT_ROOT / "config" / "playbooks" / "size_guidance.yaml").read_text()
    (tmp_path / "size_guidance.yaml").write_text(source.replace("tool: post_message", "tool: send_fax"))
    with pytest.raises(Exception, match=r"remediation\[1\]\.tool: unknown tool 'send_fax'"):
        tools.playbook_library(tmp_path)


def test_edited_args_are_revalidated_against_the_tool() -> None:
    at = datetime(2026, 11, 2, tzinfo=UTC)
    edit = Decision(kind="edit", actor="ann", role="approver", at=at, args={**TICKET, "priority": "Highest"})
    assert tools.edited_args("open_ticket", edit)["priority"] == "Highest"
    bad = Decision(kind="edit", actor="ann", role="approver", at=at, args={**TICKET, "priority": "Urgent!!"})
    with pytest.raises(tools.ToolArgsError, match="priority"):
        tools.edited_args("open_ticket", bad)


def test_approval_requirement_takes_side_effect_from_the_registry() -> None:
    policy = load_approval_policy(PROJECT_ROOT / "config" / "approval_policy.yaml")
    safety = PolicyContext(severity=Urgency.high, flags=frozenset({"safety_hazard"}))
    assert tools.approval_requirement(policy, "sku_stats", safety).approver == "auto"
    assert tools.approval_requirement(policy, "post_message", safety).roles == ("qa_lead", "legal")


def test_enqueue_action_stores_validated_args_and_payload_once(db: Database) -> None:
    with db.session() as session:
        first = tools.enqueue_action(session, "open_ticket", TICKET, key="k1", incident_id="inc-42", approved_by="ann")
        again = tools.enqueue_action(session, "open_ticket", TICKET, key="k1", incident_id="inc-42", approved_by="ann")
        assert first.id == again.id
    with db.session() as session:
        row = session.scalars(select(OutboxRow)).one()
    assert (row.tool, row.receiver, row.status, row.approved_by) == ("open_ticket", "jira", "pending", "ann")
    assert row.args["priority"] == "Medium"  # defaults are stored, so the row is the whole call
    assert row.payload["fields"]["summary"] == "Zipper breaks on JKT-0042"


def test_read_only_tools_never_go_to_the_outbox(db: Database) -> None:
    with db.session() as session, pytest.raises(ValueError, match="read-only"):
        tools.enqueue_action(session, "sku_stats", {"sku": "A"}, key="k2")


def test_read_only_tools_build_query_requests() -> None:
    assert tools.build_payload("sku_stats", {"sku": "A-1"}) == {
        "query": "sku_stats",
        "sku": "A-1",
        "window_hours": 168,
        "topic": None,
    }
    with pytest.raises(tools.ToolArgsError, match="needs a `sku` or a `topic`"):
        tools.validate_args("incident_history", {})
