"""`reviewops alerts ...` end to end on a private REVIEWOPS_HOME with the shipped rules and routing."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from api.cli_alerts import app
from store.db import Database
from store.settings import Settings
from tests.pipeline.alerts.factories import add_review

NOW = datetime(2026, 11, 9, 12, 0, tzinfo=UTC)
runner = CliRunner()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWOPS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("REVIEWOPS_DATABASE_URL", raising=False)
    db = Database.from_settings(Settings())
    with db.session() as s:
        rid = add_review(
            s,
            "storefront:R-1",
            NOW.replace(hour=10),
            sku="CHG-0091",
            category="Electronics accessories",
            text="The charger started smoking overnight.",
            flags={"safety_hazard": 0.99},
            flag_rules={"safety_hazard": ["safety.smoke"]},
        )
    db.dispose()
    return tmp_path / "home", rid


def invoke(*args: str):
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_rebuild_gold_then_run_pages_the_safety_owner_and_writes_the_receiver_file(home):
    path, review_id = home
    assert "gold rebuilt from 1 scored reviews" in invoke("rebuild-gold")
    out = invoke("run", "--now", NOW.isoformat())
    assert "firing   new      -> pagerduty:safety-oncall" in out
    (line,) = (path / "alerts" / "pagerduty_safety-oncall.jsonl").read_text().splitlines()
    payload = json.loads(line)
    assert payload["alerts"][0]["playbook"] == "safety_hazard"
    assert payload["alerts"][0]["reviews"][0]["review_id"] == review_id
    listed = invoke("list")
    assert "safety_report" in listed and "Precision by rule" in listed


def test_feedback_on_an_alert_shows_in_the_precision_table(home):
    invoke("rebuild-gold")
    invoke("run", "--now", NOW.isoformat())
    assert "alert 1: useful" in invoke("feedback", "1", "useful", "--by", "qa-lead")
    assert "100%" in invoke("list", "--state", "all")


def test_feedback_on_an_unknown_alert_fails_with_a_hint(home):
    result = runner.invoke(app, ["feedback", "99", "noise"])
    assert result.exit_code == 1 and "no alert 99" in result.output


def test_silences_are_added_listed_and_expired(home):
    out = invoke("silence", "add", "-m", 'sku="CHG-0091"', "--reason", "recall under way", "--by", "qa-lead",
                 "--duration", "2d")  # fmt: skip
    assert out.startswith('silence 1: sku="CHG-0091"')
    assert "recall under way" in invoke("silence", "list")
    assert "silence 1 ended" in invoke("silence", "expire", "1")
    assert "recall under way" not in invoke("silence", "list")


def test_a_bad_time_or_duration_is_refused_with_an_example(home):
    assert "2026-11-08T12:00:00Z" in runner.invoke(app, ["run", "--now", "yesterday"]).output
    result = runner.invoke(app, ["silence", "add", "-m", "sku=X", "--reason", "r", "--by", "b", "--duration", "1w"])
    assert result.exit_code != 0 and "30s, 10m, 4h or 1d" in result.output
