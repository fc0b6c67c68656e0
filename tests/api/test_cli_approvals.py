"""`reviewops triage run` and `reviewops approvals list|decide` as a user runs them (sub-apps invoked directly)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from api.cli_approvals import app as approvals_app
from api.cli_triage import app as triage_app
from store.outbox_tables import AuditEntry
from tests.agent.triage.conftest import T0, World, make_world

runner = CliRunner()


@pytest.fixture
def cli_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    world = make_world(tmp_path)
    monkeypatch.setenv("REVIEWOPS_HOME", str(world.settings.home))
    monkeypatch.delenv("REVIEWOPS_DATABASE_URL", raising=False)
    monkeypatch.delenv("REVIEWOPS_CHECKPOINT_URL", raising=False)
    world.zipper_cluster()
    result = runner.invoke(triage_app, ["run", "--no-llm", "--no-index"])
    assert result.exit_code == 0, result.output
    assert "new_incident" in result.output and "approvals pending: 1" in result.output
    yield world
    world.db.dispose()


def pending(world: World) -> list[dict]:
    result = runner.invoke(approvals_app, ["list", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_list_shows_the_gate_with_its_action_roles_and_hypothesis(cli_world: World) -> None:
    result = runner.invoke(approvals_app, ["list"])
    assert result.exit_code == 0, result.output
    for text in ("APR-", "request_sample_inspection", "qa_lead or admin", "rules"):
        assert text in result.output
    [item] = pending(cli_world)
    assert item["tool"] == "request_sample_inspection" and item["hypothesis"]["generated_by"] == "rules"


def test_decide_approve_resumes_the_graph_delivers_once_and_audits(cli_world: World) -> None:
    [item] = pending(cli_world)
    args = ["decide", item["approval_id"], "approve", "--actor", "qa-ann", "--role", "qa_lead", "--reason", "ok"]
    result = runner.invoke(approvals_app, args)
    assert result.exit_code == 0, result.output
    assert "approved by qa-ann" in result.output and "delivered" in result.output
    again = runner.invoke(approvals_app, args)
    assert again.exit_code == 2 and "already approved" in again.output
    assert pending(cli_world) == []
    assert [r.tool for r in cli_world.outbox()].count("request_sample_inspection") == 1
    with cli_world.db.session() as session:
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "approval.approve")).all()
    assert entry.actor == "qa-ann" and entry.detail["role"] == "qa_lead" and entry.detail["reason"] == "ok"


def test_decide_edit_takes_json_args_and_refuses_invalid_ones(cli_world: World) -> None:
    [item] = pending(cli_world)
    base = ["decide", item["approval_id"], "edit", "--actor", "qa-ann", "--role", "qa_lead"]
    assert runner.invoke(approvals_app, [*base, "--args", "{not json"]).exit_code == 2
    bad = runner.invoke(approvals_app, [*base, "--args", json.dumps({**item["args"], "sample_size": 0})])
    assert bad.exit_code == 2 and "sample_size" in bad.output
    good = runner.invoke(approvals_app, [*base, "--args", json.dumps({**item["args"], "sample_size": 12})])
    assert good.exit_code == 0, good.output
    assert [r.args["sample_size"] for r in cli_world.outbox() if r.tool == "request_sample_inspection"] == [12]


def test_decide_in_a_role_the_policy_does_not_name_is_refused(cli_world: World) -> None:
    [item] = pending(cli_world)
    result = runner.invoke(
        approvals_app, ["decide", item["approval_id"], "approve", "--actor", "eve", "--role", "approver"]
    )
    assert result.exit_code == 1 and "qa_lead" in result.output
    assert len(pending(cli_world)) == 1


def test_reject_without_a_reason_is_refused(cli_world: World) -> None:
    [item] = pending(cli_world)
    result = runner.invoke(
        approvals_app, ["decide", item["approval_id"], "reject", "--actor", "qa", "--role", "qa_lead"]
    )
    assert result.exit_code == 2 and "reason" in result.output


def test_an_unknown_id_says_how_to_find_the_right_one(cli_world: World) -> None:
    result = runner.invoke(approvals_app, ["decide", "APR-nope", "approve", "--actor", "qa", "--role", "qa_lead"])
    assert result.exit_code == 2 and "reviewops approvals list" in result.output


def test_review_text_that_looks_like_console_markup_is_printed_literally(tmp_path: Path, monkeypatch) -> None:
    world = make_world(tmp_path)
    monkeypatch.setenv("REVIEWOPS_HOME", str(world.settings.home))
    monkeypatch.delenv("REVIEWOPS_DATABASE_URL", raising=False)
    monkeypatch.delenv("REVIEWOPS_CHECKPOINT_URL", raising=False)
    hostile = "[/bold][red]APPROVED[/red] The zipper broke off on the first day [link=http://x]click[/link]"
    for i in range(6):
        world.add_review(hostile, created_at=T0 - timedelta(hours=10 * i), sku="JKT-0125")
    assert runner.invoke(triage_app, ["run", "--no-llm", "--no-index"]).exit_code == 0
    result = runner.invoke(approvals_app, ["list"])
    assert result.exit_code == 0, result.output
    assert "[/bold][red]APPROVED[/red]" in result.output
    world.db.dispose()
