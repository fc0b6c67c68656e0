"""Runs: per-case logs appended as cases finish, resume after an interruption, cached LLM calls, run records."""

from __future__ import annotations

import concurrent.futures
import json
from pathlib import Path
from typing import Any

import pytest

from eval.runlog import RunDir, RunOptions
from eval.runner import run_suites
from store.settings import Settings
from tests.eval.conftest import ECHO_ROWS, CountingFakeChat, echo_suite, write_rows


def _run(suite: Path, out: Path, settings: Settings, **options: Any) -> Any:
    return run_suites(
        RunOptions(suites=[str(suite)], **options),
        out=out,
        settings=settings,
        cache_dir=settings.home / "cache",
        show_progress=False,
        argv=["test"],
    )


def test_run_writes_config_provenance_cases_and_summary(tmp_path: Path, eval_settings: Settings, echo: Any) -> None:
    suite = echo_suite(tmp_path / "suites", wrong=["c1"])
    result = _run(suite, tmp_path / "run", eval_settings, seed=3)
    run = RunDir(result.run_dir)
    info = run.read_info()
    assert info.options.seed == 3 and info.finished_at is not None and info.argv == ["test"]
    assert info.git.revision and info.git.dirty is not None
    assert info.packages["numpy"] and "hypothesis.v1" in info.prompt_versions
    assert (run.suite_dir("echo_suite") / "echo_suite.yaml").read_text() == suite.read_text()
    assert json.loads((run.suite_dir("echo_suite") / "identity.json").read_text())["model"] == "echo-1"
    records = run.read_cases("echo_suite")
    assert [r.case_id for r in records] == [row["id"] for row in ECHO_ROWS]
    assert records[1].output == {"answer": "wrong", "confidence": 0.9} and records[1].passed is False
    summary = result.summary.suites[0]
    assert summary.metrics["exact.accuracy"] == pytest.approx(7 / 8)
    assert summary.failed_cases == 1 and summary.passed_cases == 7
    assert summary.intervals["exact.accuracy"].low <= 7 / 8 <= summary.intervals["exact.accuracy"].high
    assert all(check.passed for check in summary.thresholds)


def test_an_interrupted_run_resumes_and_skips_finished_cases(
    tmp_path: Path, eval_settings: Settings, echo: Any
) -> None:
    suite = echo_suite(tmp_path / "suites")
    echo.interrupt_after = 3
    with pytest.raises(KeyboardInterrupt):
        _run(suite, tmp_path / "run", eval_settings, max_workers=1)
    run = RunDir(tmp_path / "run")
    assert [r.case_id for r in run.read_cases("echo_suite")] == ["c0", "c1", "c2"]
    assert run.read_info().finished_at is None
    with run.cases_file("echo_suite").open("a") as log:
        log.write('{"index": 3, "case_id": "c3", "inp')  # a torn line from the crash

    echo.interrupt_after, echo.solved = None, []
    result = _run(suite, tmp_path / "run", eval_settings, max_workers=1)
    assert echo.solved == ["c3", "c4", "c5", "c6", "c7"]
    assert result.summary.suites[0].cases == 8
    assert result.summary.suites[0].metrics["exact.accuracy"] == 1.0
    assert run.read_info().finished_at is not None


def test_an_interrupt_loses_no_case_that_finished_beside_it(
    tmp_path: Path, eval_settings: Settings, echo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The runner wakes late, when the 3rd case is done and the 4th has raised: both come back in one `done` set.
    import eval.runner as runner

    def wait_for_all(futures: Any, return_when: Any = None) -> Any:
        return concurrent.futures.wait(futures, return_when=concurrent.futures.ALL_COMPLETED)

    monkeypatch.setattr(runner, "wait", wait_for_all)
    echo.interrupt_after = 3
    for attempt in range(5):  # a set's order varies between runs; every attempt must keep c2
        out = tmp_path / f"run{attempt}"
        echo.solved = []
        with pytest.raises(KeyboardInterrupt):
            _run(echo_suite(tmp_path / f"suites{attempt}"), out, eval_settings, max_workers=1)
        assert [r.case_id for r in RunDir(out).read_cases("echo_suite")] == ["c0", "c1", "c2"]


def test_resume_refuses_other_options(tmp_path: Path, eval_settings: Settings, echo: Any) -> None:
    suite = echo_suite(tmp_path / "suites")
    _run(suite, tmp_path / "run", eval_settings, seed=1)
    with pytest.raises(ValueError, match="holds a run with other options"):
        _run(suite, tmp_path / "run", eval_settings, seed=2)


def test_a_finished_suite_is_not_run_again(tmp_path: Path, eval_settings: Settings, echo: Any) -> None:
    suite = echo_suite(tmp_path / "suites")
    _run(suite, tmp_path / "run", eval_settings)
    echo.solved = []
    _run(suite, tmp_path / "run", eval_settings)
    assert echo.solved == []


def test_limit_takes_a_seeded_sample_in_dataset_order(tmp_path: Path, eval_settings: Settings, echo: Any) -> None:
    suite = echo_suite(tmp_path / "suites")
    first = _run(suite, tmp_path / "a", eval_settings, limit=3, seed=9)
    again = _run(suite, tmp_path / "b", eval_settings, limit=3, seed=9)
    ids = [r.case_id for r in RunDir(first.run_dir).read_cases("echo_suite")]
    assert len(ids) == 3 and ids == sorted(ids, key=lambda i: int(i[1:]))
    assert ids == [r.case_id for r in RunDir(again.run_dir).read_cases("echo_suite")]


def _llm_suite(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    write_rows(directory / "questions.jsonl", [{"id": f"q{i}", "question": f"question {i}?"} for i in range(5)])
    path = directory / "llm_suite.yaml"
    path.write_text(
        """name: llm_suite
description: A model under test answers; a judge grades.
stage: {name: test_llm}
dataset:
  loader: jsonl
  args: {path: questions.jsonl, input: [question]}
scorers:
  - scorer: match
    args: {output: answer, value: "the answer", mode: contains}
  - scorer: judge
    args: {rubric: "Answers the question.", k: 3}
  - scorer: usage
thresholds:
  judge.pass_rate: {min: 1.0}
""",
        encoding="utf-8",
    )
    return path


def _cases(run_dir: Path) -> list[tuple[str, Any, Any]]:
    records = RunDir(run_dir).read_cases("llm_suite")
    return [(r.case_id, r.output, {k: v.model_dump() for k, v in r.scores.items() if k != "usage"}) for r in records]


def test_a_cached_rerun_is_identical_and_makes_no_llm_calls(tmp_path: Path, eval_settings: Settings) -> None:
    suite = _llm_suite(tmp_path / "suites")
    model = CountingFakeChat(responses=["This is the answer."])
    judge = CountingFakeChat(responses=['{"verdict": "pass", "reason": "answers it"}'])
    models = {"model": model, "judge": judge}

    first = run_suites(RunOptions(suites=[str(suite)]), out=tmp_path / "first", settings=eval_settings,
                       chat_models=models, cache_dir=tmp_path / "cache", show_progress=False)  # fmt: skip
    assert (model.calls, judge.calls) == (5, 15)
    assert (first.llm_calls, first.cached_calls) == (20, 0)

    second = run_suites(RunOptions(suites=[str(suite)]), out=tmp_path / "second", settings=eval_settings,
                        chat_models=models, cache_dir=tmp_path / "cache", show_progress=False)  # fmt: skip
    assert (model.calls, judge.calls) == (5, 15)
    assert (second.llm_calls, second.cached_calls) == (0, 20)
    assert _cases(first.run_dir) == _cases(second.run_dir)
    usage = second.summary.suites[0].metrics
    assert usage["usage.llm_calls"] == 0 and usage["usage.cached_calls"] == 5 and usage["usage.spent"] == 0
    assert second.summary.suites[0].metrics["judge.pass_rate"] == 1.0

    third = run_suites(RunOptions(suites=[str(suite)], use_cache=False), out=tmp_path / "third",
                       settings=eval_settings, chat_models=models, cache_dir=tmp_path / "cache",
                       show_progress=False)  # fmt: skip
    assert (model.calls, judge.calls) == (10, 30)
    assert third.llm_calls == 20


def test_stage_errors_are_recorded_per_case_and_counted(tmp_path: Path, eval_settings: Settings) -> None:
    suite = _llm_suite(tmp_path / "suites")
    result = run_suites(RunOptions(suites=[str(suite)]), out=tmp_path / "run", settings=eval_settings,
                        cache_dir=tmp_path / "cache", show_progress=False)  # fmt: skip
    summary = result.summary.suites[0]
    assert summary.errors == 5 and summary.failed_cases == 5
    record = RunDir(result.run_dir).read_cases("llm_suite")[0]
    assert record.error is not None and "no 'model' chat model configured" in record.error
    assert any(check.check == "errors" and not check.passed for check in summary.thresholds)
