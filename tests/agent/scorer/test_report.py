"""Specification of the held-out report: per-label metrics on the seed held-out split and sentiment vs stars."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.scorer import ScorerReport, evaluate_heldout, format_report, load_current
from agent.scorer.dataset import TOPIC_LABELS
from agent.scorer.report import expected_calibration_error
from store.schemas import FLAG_NAMES

SEED = Path(__file__).resolve().parents[3] / "data" / "seed" / "labeled_reviews.jsonl"


@pytest.fixture(scope="module")
def report(trained_models_dir: Path) -> ScorerReport:
    return evaluate_heldout(load_current(trained_models_dir), SEED, csv_path=None)


def test_report_has_one_row_per_label_on_the_seed_heldout_split(report: ScorerReport) -> None:
    heldout = sum('"split": "heldout"' in line for line in SEED.read_text().splitlines())
    assert report.seed_heldout_examples == heldout == 360
    assert [m.label for m in report.topics] == list(TOPIC_LABELS)
    assert [m.label for m in report.flags] == list(FLAG_NAMES)
    assert [m.label for m in report.urgency] == ["low", "medium", "high"]
    assert sum(m.support for m in report.sentiment) == heldout
    assert report.stars is None


def test_every_heldout_safety_hazard_is_flagged(report: ScorerReport) -> None:
    assert report.safety_recall == 1.0


def test_format_report_prints_the_tables(report: ScorerReport) -> None:
    text = format_report(report)
    assert "safety recall 1.000" in text
    assert "sizing_fit.runs_small" in text
    assert "CSV not available" in text


def test_sentiment_vs_stars_uses_the_csv_heldout_split(trained_models_dir: Path, shared_csv: Path) -> None:
    stars = evaluate_heldout(load_current(trained_models_dir), SEED, shared_csv).stars
    assert stars is not None
    assert 4000 < stars.rows < 5200
    assert sum(map(sum, stars.confusion)) == stars.rows
    assert 0.0 <= stars.ece <= 1.0 and 0.0 <= stars.macro_f1 <= 1.0


def test_ece_is_zero_when_confidence_matches_accuracy() -> None:
    assert expected_calibration_error([0.75] * 4, [True, True, True, False]) == pytest.approx(0.0)
    assert expected_calibration_error([1.0, 1.0], [False, False]) == pytest.approx(1.0)
