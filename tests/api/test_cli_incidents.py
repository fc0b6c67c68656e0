"""`reviewops incidents ...` on a private REVIEWOPS_HOME: list, show, close with a note, search postmortems."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from api.cli_incidents import app
from store.db import Database
from store.incidents import IncidentState, attach_reviews, incident_key, open_or_get, transition
from store.settings import Settings
from tests.pipeline.alerts.factories import add_review

T0 = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)
runner = CliRunner()


@pytest.fixture
def incident_id(tmp_path, monkeypatch) -> str:
    monkeypatch.setenv("REVIEWOPS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("REVIEWOPS_DATABASE_URL", raising=False)
    db = Database.from_settings(Settings())
    db.migrate()
    scope, topic = {"sku": "JKT-0125"}, "product_quality.defect"
    with db.session() as s:
        incident, _ = open_or_get(s, incident_key(scope, topic), scope, topic, "medium", "jira:QA", T0)
        add_review(s, "storefront:R-1", T0, sku="JKT-0125", text="The zipper split on day two.")
        attach_reviews(s, incident.id, ["storefront:R-1"], now=T0)
        transition(s, incident.id, IncidentState.triaged, "agent", T0 + timedelta(hours=1))
        found = incident.id
    db.dispose()
    return found


def invoke(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def test_list_and_show_render_the_incident_with_its_evidence(incident_id):
    listed = invoke("list")
    assert incident_id in listed and "product_quality.defect" in listed and "sku=JKT-0125" in listed
    assert "jira:QA" in listed and "triaged" in listed
    assert max(len(line) for line in listed.splitlines()) <= 80  # readable in a plain terminal
    (row,) = json.loads(invoke("list", "--json"))
    assert row["state"] == "triaged" and row["owner"] == "jira:QA"
    shown = invoke("show", incident_id)
    assert "[storefront:R-1] The zipper split on day two." in shown and "open -> triaged by agent" in shown
    assert json.loads(invoke("show", incident_id, "--json"))["evidence"][0]["review_id"] == "storefront:R-1"


def test_close_requires_a_note_and_resolving_makes_a_searchable_postmortem(incident_id):
    missing = runner.invoke(app, ["close", incident_id, "--by", "lead"])
    assert missing.exit_code != 0 and "--note" in missing.output
    blank = invoke("close", incident_id, "--by", "lead", "--note", "  ", code=1)
    assert "needs a resolution note" in blank
    assert f"{incident_id}: resolved" in invoke("close", incident_id, "--by", "lead", "--note", "zippers replaced")
    assert "No active incidents." in invoke("list")
    found = invoke("postmortems", "zippers replaced")
    assert incident_id in found and "outcome: zippers replaced" in found
    assert "No postmortem" in invoke("postmortems", "carrier")


def test_an_illegal_move_or_unknown_id_exits_non_zero_with_the_reason(incident_id):
    invoke("close", incident_id, "--as", "noise", "--by", "lead", "--note", "duplicate complaint")
    out = invoke("escalate", incident_id, "--by", "lead", "--note", "again", code=1)
    assert "closed_noise" in out and "open" in out
    assert "no incident 'INC-missing'" in invoke("show", "INC-missing", code=1)
