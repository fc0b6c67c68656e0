"""The gate: passes on the run its baseline came from, fails (non-zero exit) on a deliberate regression."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from eval.cli import app
from eval.gate import format_gate, gate_run, load_baseline, write_baseline
from eval.report import DEFAULT_BASELINE
from eval.runlog import RunOptions
from eval.runner import run_suites
from eval.suite import find_suite, load_suite
from store.settings import Settings
from tests.eval.conftest import echo_suite


def _run(suite: Path, out: Path, settings: Settings) -> Path:
    options = RunOptions(suites=[str(suite)])
    return run_suites(options, out=out, settings=settings, cache_dir=out / "cache", show_progress=False).run_dir


def test_gate_passes_on_the_baseline_run_and_fails_on_a_degraded_one(
    tmp_path: Path, eval_settings: Settings, echo: Any
) -> None:
    baseline_run = _run(echo_suite(tmp_path / "good"), tmp_path / "baseline_run", eval_settings)
    baseline = tmp_path / "baseline.json"
    write_baseline(baseline_run, baseline, note="first")
    assert load_baseline(baseline).suites["echo_suite"].metrics == {"exact.accuracy": 1.0}

    runner = CliRunner()
    passed = runner.invoke(app, ["gate", str(baseline_run), "--baseline", str(baseline)])
    assert passed.exit_code == 0, passed.output
    assert "Gate PASSED" in passed.output

    # Two wrong answers out of eight: accuracy 0.75 is above the 0.5 bound but 0.25 below the baseline (tol 0.05).
    degraded = _run(echo_suite(tmp_path / "bad", wrong=["c2", "c5"]), tmp_path / "degraded_run", eval_settings)
    failed = runner.invoke(app, ["gate", str(degraded), "--baseline", str(baseline)])
    assert failed.exit_code == 1
    assert "Gate FAILED" in failed.output
    assert "FAIL exact.accuracy [baseline]: -0.2500 vs baseline 1.0000 (tolerance 0.05) regressed" in failed.output
    assert "ok   exact.accuracy [threshold]: 0.7500 >= 0.5" in failed.output


def test_gate_fails_below_the_absolute_bound_even_without_a_baseline(
    tmp_path: Path, eval_settings: Settings, echo: Any
) -> None:
    wrong = [f"c{i}" for i in range(5)]
    report = gate_run(_run(echo_suite(tmp_path / "s", wrong=wrong), tmp_path / "run", eval_settings), None)
    assert not report.passed
    assert "FAIL exact.accuracy [threshold]: 0.3750 >= 0.5 violated" in format_gate(report)


def test_gate_fails_when_cases_errored(tmp_path: Path, eval_settings: Settings, echo: Any) -> None:
    suite = echo_suite(tmp_path / "s")
    suite.write_text(
        suite.read_text().replace(
            "args: {path: echo_rows.jsonl, input: [answer]", "args: {path: echo_rows.jsonl, input: [label]"
        )
    )
    report = gate_run(_run(suite, tmp_path / "run", eval_settings), None)
    assert not report.passed
    assert "FAIL errors [errors]: 8 case(s) errored (max_errors 0)" in format_gate(report)


def test_a_skipped_suite_passes_with_a_note(tmp_path: Path, eval_settings: Settings) -> None:
    options = RunOptions(suites=["scorer_csv_stars"])  # eval_settings points shared_csv at a missing file
    run_dir = run_suites(options, out=tmp_path / "run", settings=eval_settings, show_progress=False).run_dir
    report = gate_run(run_dir, None)
    assert report.passed
    assert report.suites[0].notes[0].startswith("skipped: ${shared_csv} is not available")


def test_committed_baseline_records_every_thresholded_metric_of_its_suites() -> None:
    baseline = load_baseline(DEFAULT_BASELINE)
    for name, reference in baseline.suites.items():
        spec = load_suite(find_suite(name)).spec
        assert "ci" in spec.tags
        assert set(spec.thresholds) <= set(reference.metrics), name
    assert json.loads(DEFAULT_BASELINE.read_text())["run_id"]


def test_updating_the_baseline_from_a_partial_run_keeps_the_other_suites(
    tmp_path: Path, eval_settings: Settings, echo: Any
) -> None:
    from eval.gate import BaselineSuite

    baseline = tmp_path / "baseline.json"
    write_baseline(_run(echo_suite(tmp_path / "good"), tmp_path / "run1", eval_settings), baseline)
    kept = load_baseline(baseline)
    kept.suites["other_suite"] = BaselineSuite(model="m", metrics={"x.accuracy": 0.9})
    baseline.write_text(kept.model_dump_json(indent=2))
    degraded = _run(echo_suite(tmp_path / "bad", wrong=["c2"]), tmp_path / "run2", eval_settings)
    written = write_baseline(degraded, baseline, note="refresh echo only")
    assert written.suites["other_suite"].metrics == {"x.accuracy": 0.9}
    assert load_baseline(baseline).suites["echo_suite"].metrics == {"exact.accuracy": 0.875}
