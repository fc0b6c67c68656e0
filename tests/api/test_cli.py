"""The `reviewops` CLI as a user runs it, on a private REVIEWOPS_HOME."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from api.cli import app

runner = CliRunner()


@pytest.fixture
def env(settings, monkeypatch):
    monkeypatch.setenv("REVIEWOPS_HOME", str(settings.home))
    monkeypatch.setenv("REVIEWOPS_SHARED_CSV", str(settings.shared_csv))
    return settings


def test_demo_prints_every_stage_and_the_truth_checks(env):
    args = ["demo", "--days", "5", "--skus", "20", "--reviews-per-day", "60", "--no-index", "--no-llm"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    for heading in ("Loop stages", "Quarantine reasons", "Top SKU x topic clusters", "ground truth", "Triage agent"):
        assert heading in result.output
    assert (env.home / "reviewops.db").exists()
    assert (env.home / "demo_stream.jsonl").exists()


def test_status_after_ingesting_a_jsonl_file_twice(env, tmp_path):
    lines = [
        {
            "review_id": f"R-{i}",
            "created_at": "2026-11-02T10:00:00Z",
            "rating": 5,
            "body": f"Great jacket number {i}, warm and the zipper is sturdy.",
        }
        for i in range(3)
    ]
    path = tmp_path / "reviews.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n{not json\n")
    first = runner.invoke(app, ["ingest", "--file", str(path), "--source", "storefront"])
    assert first.exit_code == 0, first.output
    assert "'malformed_json': 1" in first.output
    second = runner.invoke(app, ["ingest", "--file", str(path), "--source", "storefront"])
    assert "'resent': 4" in second.output
    status = runner.invoke(app, ["status"])
    assert status.exit_code == 0, status.output
    assert "malformed_json" in status.output
    assert "silver reviews" in status.output


def test_a_csv_without_a_mapping_is_a_clear_error(env, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    result = runner.invoke(app, ["ingest", "--file", str(path)])
    assert result.exit_code == 2
    assert "--mapping" in result.output
