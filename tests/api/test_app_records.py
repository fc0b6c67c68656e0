"""HTTP reads and writes of records: reviews and human labels, incidents and their lifecycle, postmortems, alert
feedback — each behind the role it needs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from store.alert_tables import AlertRow
from store.incidents import attach_reviews, incident_key, open_or_get

T0 = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)
VIEW = {"X-API-Key": "view-key"}
APPROVE = {"X-API-Key": "ok-key"}
PAYLOAD = {
    "review_id": "R-1",
    "created_at": "2026-11-02T10:00:00Z",
    "rating": 1,
    "body": "The zipper broke on day two. Call me at 415-555-0134.",
    "product": {"sku": "JKT-0042"},
}


@pytest.fixture
def client(settings):
    keys = "in-key:ingest,view-key:viewer,ok-key:approver"
    app = create_app(settings.model_copy(update={"api_keys": keys}))
    client = TestClient(app)
    assert (
        client.post("/ingest/storefront", content=json.dumps(PAYLOAD), headers={"X-API-Key": "in-key"}).status_code
        == 200
    )
    return client


@pytest.fixture
def incident_id(client) -> str:
    db = client.app.state.service.db
    scope, topic = {"sku": "JKT-0042"}, "product_quality.defect"
    with db.session() as s:
        incident, _ = open_or_get(s, incident_key(scope, topic), scope, topic, "medium", "jira:QA", T0)
        attach_reviews(s, incident.id, ["storefront:R-1"], now=T0)
        return incident.id


def test_a_review_is_served_masked_with_its_score_and_route(client):
    assert client.get("/reviews/storefront:R-1").status_code == 401
    body = client.get("/reviews/storefront:R-1", headers=VIEW).json()
    assert "415-555-0134" not in body["review"]["text"] and body["review"]["sku"] == "JKT-0042"
    assert body["score"]["sentiment"] == "negative" and body["route"]["route"] in ("done", "agent")
    assert client.get("/reviews/storefront:nope", headers=VIEW).status_code == 404


def test_a_human_label_needs_the_approver_role_and_known_topics(client):
    label = {"sentiment": "negative", "topics": ["product_quality.defect"], "author": "maria"}
    assert client.post("/labels/storefront:R-1", json=label, headers=VIEW).status_code == 403
    assert client.post("/labels/storefront:R-1", json=label, headers=APPROVE).status_code == 200
    bad = client.post("/labels/storefront:R-1", json={**label, "topics": ["zippers"]}, headers=APPROVE)
    assert bad.status_code == 422 and "zippers" in bad.text
    bad_flag = client.post("/labels/storefront:R-1", json={**label, "flags": ["refund_everyone"]}, headers=APPROVE)
    assert bad_flag.status_code == 422
    assert client.post("/labels/storefront:nope", json=label, headers=APPROVE).status_code == 404
    (stored,) = client.get("/reviews/storefront:R-1", headers=VIEW).json()["human_labels"]
    assert stored["author"] == "maria" and stored["topics"] == ["product_quality.defect"]


def test_incidents_are_listed_shown_and_closed_only_with_a_note(client, incident_id):
    (row,) = client.get("/incidents", headers=VIEW).json()
    assert row["incident_id"] == incident_id and row["state"] == "open"
    detail = client.get(f"/incidents/{incident_id}", headers=VIEW).json()
    assert detail["evidence"][0]["review_id"] == "storefront:R-1"
    assert client.get("/incidents/INC-nope", headers=VIEW).status_code == 404
    move = {"to_state": "triaged", "actor": "lead"}
    assert client.post(f"/incidents/{incident_id}/transitions", json=move, headers=VIEW).status_code == 403
    assert client.post(f"/incidents/{incident_id}/transitions", json=move, headers=APPROVE).json()["state"] == "triaged"
    no_note = client.post(f"/incidents/{incident_id}/transitions", json={"to_state": "resolved"}, headers=APPROVE)
    assert no_note.status_code == 409 and "resolution note" in no_note.text
    illegal = client.post(f"/incidents/{incident_id}/transitions", json={"to_state": "monitoring"}, headers=APPROVE)
    assert illegal.status_code == 409
    done = {"to_state": "resolved", "note": "supplier swapped the zipper batch"}
    closed = client.post(f"/incidents/{incident_id}/transitions", json=done, headers=APPROVE).json()
    assert closed["state"] == "resolved" and closed["postmortem"]["outcome"].startswith("supplier swapped")
    assert client.get("/incidents", headers=VIEW).json() == []
    assert [r["incident_id"] for r in client.get("/incidents?state=closed", headers=VIEW).json()] == [incident_id]
    found = client.get("/postmortems", params={"q": "zipper batch"}, headers=VIEW).json()
    assert [p["incident_id"] for p in found] == [incident_id]


def test_alert_feedback_updates_precision(client):
    db = client.app.state.service.db
    with db.session() as s:
        row = AlertRow(
            fingerprint="f" * 16, rule="sku_rate_vs_baseline", topic="product_quality.defect", scope_kind="sku",
            scope="JKT-0042", severity="warning", labels={"sku": "JKT-0042"}, state="firing", starts_at=T0,
            last_evaluated_at=T0 + timedelta(minutes=5), evidence={"observed": 5, "reviews": 9},
        )  # fmt: skip
        s.add(row)
        s.flush()
        alert_id = row.id
    assert client.post(f"/alerts/{alert_id}/feedback", json={"verdict": "noise"}, headers=VIEW).status_code == 403
    body = client.post(f"/alerts/{alert_id}/feedback", json={"verdict": "useful"}, headers=APPROVE).json()
    (rule,) = body["precision"]["by_rule"]
    assert rule["key"] == "sku_rate_vs_baseline" and rule["useful"] == 1 and rule["precision"] == 1.0
    assert client.post("/alerts/999/feedback", json={"verdict": "useful"}, headers=APPROVE).status_code == 404
    assert client.post(f"/alerts/{alert_id}/feedback", json={"verdict": "meh"}, headers=APPROVE).status_code == 422
