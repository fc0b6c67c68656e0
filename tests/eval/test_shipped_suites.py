"""The shipped suites on the real stages: the fast scorer, the router and retrieval (HashingEmbedder; MiniLM slow)."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from agent.scorer import evaluate_heldout, load_current
from eval.gate import gate_run
from eval.runlog import RunDir, RunOptions
from eval.runner import run_suites
from eval.suite import SUITES_DIR
from store.settings import PROJECT_ROOT, Settings


def _run(suites: list[str], settings: Settings, out: Path, **options: object) -> RunDir:
    result = run_suites(RunOptions(suites=suites, **options), out=out, settings=settings, show_progress=False)
    return RunDir(result.run_dir)


def test_seed_heldout_suite_reproduces_the_scorer_report_and_passes_its_bounds(
    settings: Settings, tmp_path: Path
) -> None:
    run = _run(["scorer_seed_heldout"], settings, tmp_path / "run")
    summary = run.read_suite_summary("scorer_seed_heldout")
    report = evaluate_heldout(load_current(settings.models_dir), PROJECT_ROOT / "data/seed/labeled_reviews.jsonl", None)
    m = summary.metrics
    assert summary.cases == report.seed_heldout_examples and summary.errors == 0
    assert m["sentiment.macro_f1"] == pytest.approx(report.sentiment_macro_f1)
    assert m["urgency.macro_f1"] == pytest.approx(report.urgency_macro_f1)
    assert m["topics.micro_f1"] == pytest.approx(report.topics_micro_f1)
    assert m["sentiment_calibration.ece"] == pytest.approx(report.sentiment_ece)
    assert m["flags.safety_hazard.recall"] == report.safety_recall == 1.0
    assert summary.identity is not None and summary.identity.details["source"] == "REVIEWOPS_HOME"
    assert gate_run(run.path, None).passed


def test_csv_stars_suite_reproduces_sentiment_vs_stars_on_the_heldout_rows(
    settings: Settings, shared_csv: Path, tmp_path: Path
) -> None:
    settings = settings.model_copy(update={"shared_csv": shared_csv})
    run = _run(["scorer_csv_stars"], settings, tmp_path / "run")
    summary = run.read_suite_summary("scorer_csv_stars")
    scorer = load_current(settings.models_dir)
    stars = evaluate_heldout(scorer, PROJECT_ROOT / "data/seed/labeled_reviews.jsonl", shared_csv).stars
    assert stars is not None and summary.cases == stars.rows
    assert summary.metrics["sentiment.macro_f1"] == pytest.approx(stars.macro_f1)
    assert summary.metrics["sentiment.accuracy"] == pytest.approx(stars.accuracy)
    assert summary.metrics["sentiment_calibration.ece"] == pytest.approx(stars.ece)
    assert summary.details["sentiment"]["matrix"] == stars.confusion


def test_without_a_current_scorer_one_is_trained_into_the_run_and_reused_on_resume(
    trained_models_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trained: list[Path] = []

    def fake_train(seed_path: Path, out_dir: Path, csv_path: Path | None, **_: object) -> object:
        trained.append(out_dir)  # stands in for the ~minute of real training: copy the session's artifact
        shutil.copytree(trained_models_dir, out_dir, symlinks=True)
        return SimpleNamespace(seconds=0.0)

    monkeypatch.setattr("eval.stages.fast_scorer.train_scorer", fake_train)
    settings = Settings(home=tmp_path / "home", shared_csv=tmp_path / "no.csv")
    run = _run(["scorer_seed_heldout"], settings, tmp_path / "run", limit=5)
    identity = run.read_suite_summary("scorer_seed_heldout").identity
    assert trained == [run.path / "models"]
    assert identity is not None and identity.details["source"] == "trained for this run"
    (run.suite_dir("scorer_seed_heldout") / "identity.json").unlink()  # force the stage to prepare again
    _run(["scorer_seed_heldout"], settings, tmp_path / "run", limit=5)
    assert trained == [run.path / "models"]


def test_router_suite_escalates_every_safety_and_legal_case(settings: Settings, tmp_path: Path) -> None:
    run = _run(["router_must_escalate"], settings, tmp_path / "run")
    summary = run.read_suite_summary("router_must_escalate")
    assert summary.errors == 0
    assert summary.metrics["routing.must_escalate_recall.safety_hazard"] == 1.0
    assert summary.metrics["routing.must_escalate_recall.legal_threat"] == 1.0
    assert 0.0 < summary.metrics["routing.share_escalated"] < 0.5
    assert summary.metrics["routing.share_cases"] > 1000  # the normal stream


def _small_retrieval_suite(directory: Path) -> Path:
    text = (SUITES_DIR / "retrieval_incidents.yaml").read_text(encoding="utf-8")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "retrieval_incidents.yaml"
    path.write_text(text.replace("{seed: 7, days: 14,", "{seed: 7, days: 7, reviews_per_day: 100,"), encoding="utf-8")
    return path


def test_retrieval_suite_finds_same_incident_reports(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    suite = _small_retrieval_suite(tmp_path / "suites")
    run = _run([str(suite)], settings, tmp_path / "run")
    summary = run.read_suite_summary("retrieval_incidents")
    assert summary.identity is not None and summary.identity.model == "hashing-v1-256"
    assert summary.errors == 0 and summary.cases > 50
    assert summary.metrics["retrieval.hit_rate_at_10"] > 0.8
    assert summary.metrics["retrieval.mrr"] > 0.5
    assert "retrieval.recall_at_10.safety_overheat" in summary.metrics
    assert not (run.path / "work").exists()  # the private Chroma index is removed


@pytest.mark.slow
def test_retrieval_suite_with_the_real_minilm_embedder(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    suite = _small_retrieval_suite(tmp_path / "suites")
    run = _run([str(suite)], settings, tmp_path / "run", models={"retrieval": "minilm"})
    summary = run.read_suite_summary("retrieval_incidents")
    assert summary.identity is not None and summary.identity.model == "sentence-transformers/all-MiniLM-L6-v2"
    assert summary.metrics["retrieval.mrr"] > 0.5
