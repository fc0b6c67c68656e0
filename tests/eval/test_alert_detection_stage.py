"""The alert_detection suite end to end on small streams: the real loop, alert scheduler and outbox per stream."""

from __future__ import annotations

import json
from pathlib import Path

from eval.runlog import RunDir, RunOptions
from eval.runner import run_suites
from eval.suite import SUITES_DIR, load_suite
from store.settings import Settings

STREAMS = [
    {"id": "incidents", "kind": "incidents", "seed": 3, "days": 6, "skus": 20, "reviews_per_day": 80,
     "incidents": True},
    {"id": "clean", "kind": "clean", "seed": 5, "days": 3, "skus": 40, "reviews_per_day": 80, "incidents": False},
]  # fmt: skip


def small_suite(directory: Path) -> Path:
    directory.mkdir(parents=True)
    (directory / "alert_detection_streams.jsonl").write_text(
        "".join(json.dumps(row) + "\n" for row in STREAMS), encoding="utf-8"
    )
    path = directory / "alert_detection.yaml"
    path.write_text((SUITES_DIR / "alert_detection.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    return path


def test_the_shipped_suites_validate():
    assert load_suite(SUITES_DIR / "alert_detection.yaml").spec.stage.name == "alert_detection"
    assert "ci" not in load_suite(SUITES_DIR / "alert_detection_full.yaml").spec.tags


def test_each_stream_is_replayed_and_graded_against_its_truth(settings: Settings, tmp_path: Path) -> None:
    suite = small_suite(tmp_path / "suites")
    result = run_suites(RunOptions(suites=[str(suite)]), out=tmp_path / "run", settings=settings, show_progress=False)
    run = RunDir(result.run_dir)
    summary = run.read_suite_summary("alert_detection")
    assert summary.errors == 0 and summary.cases == 2
    m = summary.metrics
    assert m["detection.incidents"] == 6 and 0.0 <= m["detection.detected_once_rate"] <= 1.0
    assert m["false_alerts.sku_days"] == 6 * 20 + 3 * 40
    assert m["delay.safety_cycles"] <= 1.0  # the overheating charger pages in the evaluation after its batch
    assert "delay.after_distinguishable.p50" in m and "delay.after_fifth_arrival.max" in m
    assert summary.identity is not None and "+rules-" in summary.identity.model
    cases = [json.loads(line) for line in (run.suite_dir("alert_detection") / "cases.jsonl").read_text().splitlines()]
    (with_incidents,) = [c for c in cases if c["case_id"] == "incidents"]
    safety = [i for i in with_incidents["output"]["incidents"] if i["topic"] == "safety_hazard"]
    assert (
        safety and safety[0]["expected_receiver"] == "pagerduty:safety-oncall" and safety[0]["rule"] == "safety_report"
    )
    assert with_incidents["output"]["undelivered"] == 0
    assert not (run.path / "work").exists()  # the per-stream homes are removed
