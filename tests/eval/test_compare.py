"""Comparing two runs: per-metric deltas with paired intervals, and the cases whose verdict flipped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from eval.cli import app
from eval.compare import compare_runs, format_comparison
from eval.runlog import RunOptions
from eval.runner import run_suites
from store.settings import Settings
from tests.eval.conftest import echo_suite


def _run(suite: Path, out: Path, settings: Settings) -> Path:
    options = RunOptions(suites=[str(suite)])
    return run_suites(options, out=out, settings=settings, cache_dir=out / "cache", show_progress=False).run_dir


def test_compare_shows_deltas_with_intervals_and_flipped_cases(
    tmp_path: Path, eval_settings: Settings, echo: Any
) -> None:
    before = _run(echo_suite(tmp_path / "a", wrong=["c1"]), tmp_path / "run_a", eval_settings)
    after = _run(echo_suite(tmp_path / "b", wrong=["c4", "c6"]), tmp_path / "run_b", eval_settings)
    comparison = compare_runs(before, after, resamples=300, seed=1)

    suite = comparison.suites[0]
    assert suite.shared_cases == 8
    accuracy = next(d for d in suite.deltas if d.metric == "exact.accuracy")
    assert (accuracy.a, accuracy.b) == (7 / 8, 6 / 8) and accuracy.headline
    assert accuracy.low is not None and accuracy.high is not None and accuracy.low <= -1 / 8 <= accuracy.high
    flips = {(f.case_id, f.before, f.after) for f in suite.flipped}
    assert flips == {("c1", False, True), ("c4", True, False), ("c6", True, False)}
    assert "expected 'answer 4'" not in suite.flipped[0].why or suite.flipped[0].why

    text = format_comparison(comparison)
    assert "| exact.accuracy | 0.8750 | 0.7500 | -0.1250 |" in text
    assert "Flipped cases: 2 pass -> fail, 1 fail -> pass" in text
    assert "- c4: pass -> FAIL" in text and "- c1: fail -> pass" in text


def test_compare_command_prints_markdown_or_json(tmp_path: Path, eval_settings: Settings, echo: Any) -> None:
    before = _run(echo_suite(tmp_path / "a"), tmp_path / "run_a", eval_settings)
    after = _run(echo_suite(tmp_path / "b", wrong=["c0"]), tmp_path / "run_b", eval_settings)
    runner = CliRunner()
    shown = runner.invoke(app, ["compare", str(before), str(after), "--resamples", "100"])
    assert shown.exit_code == 0, shown.output
    assert "- c0: pass -> FAIL" in shown.output
    as_json = runner.invoke(app, ["compare", str(before), str(after), "--json", "--resamples", "0"])
    assert '"case_id": "c0"' in as_json.output
