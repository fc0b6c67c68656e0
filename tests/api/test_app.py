"""The HTTP service: keyed ingest, status and Prometheus metrics."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from api.app import create_app

PAYLOAD = {
    "review_id": "R-1",
    "created_at": "2026-11-02T10:00:00Z",
    "rating": 1,
    "body": "The zipper broke on day two and support never answered.",
    "product": {"sku": "JKT-0042"},
}


@pytest.fixture
def client(settings):
    app = create_app(settings.model_copy(update={"api_keys": "in-key:ingest,view-key:viewer"}))
    return TestClient(app)


def test_ingest_needs_a_key_with_the_ingest_role(client):
    assert client.post("/ingest/storefront", content=json.dumps(PAYLOAD)).status_code == 401
    forbidden = client.post("/ingest/storefront", content=json.dumps(PAYLOAD), headers={"X-API-Key": "view-key"})
    assert forbidden.status_code == 403


def test_ingest_runs_the_fast_path_and_is_idempotent(client):
    headers = {"X-API-Key": "in-key"}
    first = client.post("/ingest/storefront", content=json.dumps(PAYLOAD), headers=headers).json()
    assert first["scored"] == 1
    again = client.post("/ingest/storefront", content=json.dumps(PAYLOAD), headers=headers).json()
    assert again["resent"] == 1 and again["scored"] == 0
    bad = client.post("/ingest/storefront", content=b"\xff\xfe", headers=headers).json()
    assert bad["quarantined"] == {"invalid_utf8": 1}


def test_status_and_metrics_report_the_stored_counts(client):
    client.post("/ingest/storefront", content=json.dumps(PAYLOAD), headers={"X-API-Key": "in-key"})
    status = client.get("/status", headers={"X-API-Key": "view-key"}).json()
    assert status["bronze"] == 1
    metrics = client.get("/metrics").text
    assert "reviewops_store_bronze 1.0" in metrics
    assert 'reviewops_stage_lag_seconds{quantile="0.5",stage="received_to_routed"}' in metrics
    assert "reviewops_alerts_muted 0.0" in metrics


@pytest.fixture
def approvals_client(settings):
    keys = "view-key:viewer,ok-key:approver,qa-key:qa_lead"
    return TestClient(create_app(settings.model_copy(update={"api_keys": keys})))


def test_pending_approvals_are_listed_for_viewers(approvals_client):
    response = approvals_client.get("/approvals", headers={"X-API-Key": "view-key"})
    assert response.status_code == 200
    assert response.json() == []


def test_deciding_needs_a_deciding_role_and_an_existing_gate(approvals_client):
    body = {"kind": "approve"}
    assert approvals_client.post("/approvals/gate-x", json=body, headers={"X-API-Key": "view-key"}).status_code == 403
    missing = approvals_client.post("/approvals/gate-x", json=body, headers={"X-API-Key": "qa-key"})
    assert missing.status_code == 404


def test_a_decision_kind_outside_the_four_is_refused(approvals_client):
    response = approvals_client.post(
        "/approvals/gate-x", json={"kind": "refund_everyone"}, headers={"X-API-Key": "ok-key"}
    )
    assert response.status_code == 422
