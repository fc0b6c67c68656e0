"""Inside the running service, ingest keeps gold current and alerts are evaluated and delivered on the interval."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from store.gold_tables import GoldScopeDaily

SAFETY = {
    "review_id": "R-fire",
    "rating": 1,
    "title": "Fire hazard",
    "body": "The charger started smoking and melted the plug, it could have caused a fire.",
    "product": {"sku": "CHG-0091", "category": "Electronics accessories"},
}


def test_an_ingested_safety_report_pages_its_owner_without_any_command(settings, monkeypatch):
    monkeypatch.setenv("REVIEWOPS_ALERTS_INTERVAL_SECONDS", "0.2")
    app = create_app(settings.model_copy(update={"api_keys": "in-key:ingest"}))
    payload = {**SAFETY, "created_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat()}
    page = settings.home / "alerts" / "pagerduty_safety-oncall.jsonl"
    with TestClient(app) as client:
        answer = client.post("/ingest/storefront", content=json.dumps(payload), headers={"X-API-Key": "in-key"})
        assert answer.json()["gold"] == 1  # the batch updated gold in its own transaction
        deadline = time.monotonic() + 60
        while not page.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    (line,) = page.read_text().splitlines()
    notification = json.loads(line)
    assert notification["alerts"][0]["rule"] == "safety_report"
    assert notification["alerts"][0]["reviews"][0]["review_id"] == "storefront:R-fire"
    with app.state.service.db.session() as s:
        assert s.scalar(select(func.count()).select_from(GoldScopeDaily)) > 0
