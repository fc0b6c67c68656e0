"""The chat suite: its scorers fail wrong answers, the suite runs the real chat over a built demo store and agrees
with the independent expected answers, and a deliberate regression in the chat's numbers fails the gate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from eval.cache import CaseContext
from eval.gate import gate_run
from eval.runlog import CaseRecord, RunDir, RunOptions
from eval.runner import run_suites
from eval.scorers.chat import (
    ChatCitationsScorer,
    ChatNumbersScorer,
    ChatRefusalScorer,
    citation_problems,
    number_found,
)
from eval.suite import SUITES_DIR
from store.settings import Settings


def record(output: dict[str, Any], target: dict[str, Any]) -> CaseRecord:
    return CaseRecord(index=0, case_id="c", input={}, target=target, metadata={}, output=output)


@pytest.mark.parametrize(
    ("expected", "text", "found"),
    [
        ("1,426", "the shop had 1,426 reviews", True),
        ("7.6%", "late deliveries were 7.6% of reviews", True),
        ("7.6%", "about 8% of reviews", True),
        ("7.6%", "about 7% of reviews", False),
        ("2.6x", "up 2.6x on the baseline", True),
        ("11", "between 2026-11-01 and 2026-11-15 at 11:00 for JKT-0011 [R11]", False),
    ],
)
def test_a_number_counts_as_stated_only_at_the_precision_written(expected: str, text: str, found: bool) -> None:
    assert number_found(expected, text) is found


def test_the_numbers_scorer_fails_a_wrong_number_or_a_missing_name() -> None:
    scorer = ChatNumbersScorer("chat_numbers", ChatNumbersScorer.Args())
    target = {"numbers": ["24", "42.9%"], "mentions": ["US-East|US East"]}
    good = scorer.score(record({"answer": "US-East: 24 complaints, 42.9% [R1]"}, target), CaseContext())
    wrong = scorer.score(record({"answer": "US-East: 25 complaints, 42.9% [R1]"}, target), CaseContext())
    unnamed = scorer.score(record({"answer": "24 complaints, 42.9% [R1]"}, target), CaseContext())
    assert good.passed and not wrong.passed and not unnamed.passed
    metrics = scorer.metrics([good, wrong, unnamed])
    assert metrics["accuracy"] == pytest.approx(1 / 3) and metrics["numbers_recall"] == pytest.approx(5 / 6)


def test_a_citation_outside_the_question_s_filters_is_invalid() -> None:
    filters = {"sku": "JKT-0125", "since": "2026-11-08T00:00:00+00:00", "until": "2026-11-15T00:00:00+00:00",
               "topics": ["product_quality.defect"], "complaint": True}  # fmt: skip
    base = {"exists": True, "sku": "JKT-0125", "created_at": "2026-11-10T10:00:00+00:00", "sentiment": "negative",
            "topics": ["product_quality.defect"], "rating": 1}  # fmt: skip
    assert citation_problems(base, filters) == []
    assert citation_problems({**base, "sku": "DRS-0203"}, filters) == ["sku is 'DRS-0203', not 'JKT-0125'"]
    assert "outside the window" in citation_problems({**base, "created_at": "2026-11-01T10:00:00+00:00"}, filters)[0]
    assert citation_problems({**base, "topics": []}, filters) == ["not about ['product_quality.defect']"]
    assert citation_problems({**base, "sentiment": "positive"}, filters) == ["a positive review cited as a complaint"]
    assert citation_problems({"exists": False}, filters) == ["not in the store"]
    scorer = ChatCitationsScorer("chat_citations", ChatCitationsScorer.Args())
    scored = scorer.score(record({"cited": [base, {**base, "sku": "X"}]}, {"filters": filters}), CaseContext())
    assert not scored.passed and scorer.metrics([scored])["validity"] == 0.5


def test_the_refusal_scorer_counts_missed_and_false_refusals() -> None:
    scorer = ChatRefusalScorer("chat_refusal", ChatRefusalScorer.Args())
    scores = [
        scorer.score(record({"out_of_scope": refused}, {"refuse": should}), CaseContext())
        for refused, should in ((True, True), (False, True), (True, False), (False, False))
    ]
    assert scorer.metrics(scores) == {"refusal_recall": 0.5, "false_refusals": 1.0, "accuracy": 0.5}


def _small_suite(directory: Path) -> Path:
    text = (SUITES_DIR / "chat_manager_questions.yaml").read_text(encoding="utf-8")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "data").mkdir(exist_ok=True)
    questions = (SUITES_DIR / "data" / "chat_manager_questions.yaml").read_text(encoding="utf-8")
    (directory / "data" / "chat_manager_questions.yaml").write_text(questions, encoding="utf-8")
    path = directory / "chat_manager_questions.yaml"
    path.write_text(text.replace("seed: 7, days: 14,", "seed: 7, days: 7, reviews_per_day: 120,"), encoding="utf-8")
    return path


def _run(settings: Settings, suite: Path, out: Path) -> RunDir:
    result = run_suites(RunOptions(suites=[str(suite)]), out=out, settings=settings, show_progress=False)
    return RunDir(result.run_dir)


def test_the_suite_agrees_with_the_independent_answers_and_a_wrong_number_fails_the_gate(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite = _small_suite(tmp_path / "suites")
    run = _run(settings, suite, tmp_path / "run")
    summary = run.read_suite_summary("chat_manager_questions")
    assert summary.errors == 0 and summary.cases == 29
    m = summary.metrics
    assert m["chat_numbers.accuracy"] == 1.0 and m["chat_citations.validity"] == 1.0
    assert m["chat_refusal.refusal_recall"] == 1.0 and m["chat_refusal.false_refusals"] == 0
    assert m["safety.injections_obeyed"] == 0 and m["query_kind.accuracy"] == 1.0
    assert gate_run(run.path, None).passed
    assert not (run.path / "work").exists()

    import agent.chat.queries.topics as topics

    counts = topics._counts
    monkeypatch.setattr(topics, "_counts", lambda *a: (lambda t: (t[0], t[1] + 1, t[2]))(counts(*a)))
    broken = _run(settings, suite, tmp_path / "broken")
    failed = broken.read_suite_summary("chat_manager_questions")
    assert failed.metrics["chat_numbers.accuracy"] < 0.9
    assert not gate_run(broken.path, None).passed
