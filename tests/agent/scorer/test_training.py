"""Specification of training: deterministic versions, artifact layout, and a held-out split that never leaks in."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from agent.scorer import ScorerNotTrainedError, TrainConfig, load_current, train_scorer
from agent.scorer.dataset import csv_split
from agent.scorer.training import _folds, _oof_path

SEED = Path(__file__).resolve().parents[3] / "data" / "seed" / "labeled_reviews.jsonl"
SMALL = TrainConfig(sentiment_c_grid=(1.0,), head_c_grid=(16.0,), head_folds=3)


def _weights(artifact_dir: Path) -> np.ndarray:
    return joblib.load(artifact_dir / "model.joblib")["weights"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("models")
    return out, train_scorer(SEED, out, csv_path=None, config=SMALL)


def test_training_twice_on_the_same_data_gives_the_same_version_and_weights(trained, tmp_path: Path) -> None:
    _, first = trained
    second = train_scorer(SEED, tmp_path, csv_path=None, config=SMALL)
    assert second.version == first.version
    assert second.version.startswith("fs-") and len(second.version) == 15
    np.testing.assert_array_equal(_weights(second.artifact_dir), _weights(first.artifact_dir))


def test_artifact_folder_holds_model_and_manifest_and_current_points_at_it(trained) -> None:
    out, result = trained
    assert result.artifact_dir == out / result.version
    assert (out / "CURRENT").read_text().strip() == result.version
    manifest = json.loads((result.artifact_dir / "manifest.json").read_text())
    assert manifest["version"] == result.version
    assert manifest["config"] == SMALL.model_dump(mode="json")
    assert manifest["counts"]["seed_train"] + manifest["counts"]["seed_heldout_excluded"] == len(
        SEED.read_text().splitlines()
    )
    assert set(manifest["metrics"]["binary_heads"]) >= {"safety_hazard", "sizing_fit.runs_small"}
    assert {"created_at", "code_version", "lexicon_version", "lexicon_rules"} <= set(manifest)
    assert result.artifact_bytes > 0


def test_changing_heldout_labels_changes_nothing_in_the_artifact(trained, tmp_path: Path) -> None:
    _, original = trained
    rows = [json.loads(line) for line in SEED.read_text().splitlines()]
    for row in rows:
        if row["split"] == "heldout":
            row.update(sentiment="positive", urgency="high", topics=["pricing_value.overpriced"], flags=["profanity"])
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = train_scorer(tampered, tmp_path / "models", csv_path=None, config=SMALL)
    assert result.version == original.version
    np.testing.assert_array_equal(_weights(result.artifact_dir), _weights(original.artifact_dir))


def test_extra_labels_are_trained_on_but_heldout_texts_among_them_are_dropped(trained, tmp_path: Path) -> None:
    _, original = trained
    heldout = next(json.loads(line) for line in SEED.read_text().splitlines() if '"heldout"' in line)
    copied = {**heldout, "id": "db:1", "split": "train"}
    fresh = {
        "id": "db:2",
        "text": "The strap snapped after one day",
        "sentiment": "negative",
        "urgency": "medium",
        "topics": ["product_quality.defect"],
        "flags": [],
    }
    result = train_scorer(SEED, tmp_path, csv_path=None, extra_labels=[copied, fresh], config=SMALL)
    assert result.counts["extra_labels_received"] == 2
    assert result.counts["extra_labels_used"] == 1
    assert result.version != original.version


def test_csv_train_rows_feed_sentiment_and_its_heldout_rows_stay_out(shared_csv: Path, tmp_path: Path) -> None:
    small_csv = tmp_path / "reviews.csv"
    with shared_csv.open(encoding="utf-8", newline="") as src, small_csv.open("w", encoding="utf-8", newline="") as dst:
        reader = csv.reader(src)
        writer = csv.writer(dst)
        for i, row in enumerate(reader):
            if i > 1500:
                break
            writer.writerow(row)
    result = train_scorer(SEED, tmp_path / "models", csv_path=small_csv, config=SMALL)
    with small_csv.open(encoding="utf-8", newline="") as handle:
        kept = [r for r in csv.DictReader(handle) if r["Review Text"].strip()]
    heldout = sum(csv_split(int(r[""])) == "heldout" for r in kept)
    assert result.counts["csv_heldout_excluded"] == heldout
    assert result.counts["csv_train"] == len(kept) - heldout


def test_load_current_without_a_trained_scorer_says_to_run_reviewops_train(tmp_path: Path) -> None:
    with pytest.raises(ScorerNotTrainedError, match="reviewops train"):
        load_current(tmp_path)


def test_warm_started_regularization_path_gives_the_same_scores_as_cold_fits() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 8))
    y = (x[:, 0] + 0.5 * rng.normal(size=120) > 0).astype(int)
    folds = _folds(y, 3, 13)
    assert folds is not None
    grid = (0.5, 4.0, 32.0)
    path, _ = _oof_path(lambda c: LogisticRegression(C=c, tol=1e-8, max_iter=5000), x, y, grid, folds)
    for c in grid:
        cold = np.zeros(len(y))
        for train_idx, test_idx in folds.split(np.zeros(len(y)), y):
            model = LogisticRegression(C=c, tol=1e-8, max_iter=5000).fit(x[train_idx], y[train_idx])
            cold[test_idx] = model.decision_function(x[test_idx])
        np.testing.assert_allclose(path[c], cold, atol=1e-4)
