"""The triage benchmark on a small demo stream with rules-only hypotheses: it collects and prints every figure."""

from __future__ import annotations

import pytest

from lab.bench.triage_bench import ProblemIncidents, format_triage_bench, run_triage_bench
from lab.demo.run import DemoOptions
from lab.demo.stream import generate_stream
from store.settings import Settings

OPTIONS = DemoOptions(seed=7, days=5, skus=20, reviews_per_day=60, index=False, triage=True, use_llm=False)


@pytest.fixture(scope="module")
def bench(tmp_path_factory, trained_models_dir):
    root = tmp_path_factory.mktemp("triage_bench")
    (root / "main").mkdir()
    (root / "main" / "models").symlink_to(trained_models_dir, target_is_directory=True)
    settings = Settings(home=root / "main", shared_csv=root / "no-such.csv")
    return run_triage_bench(settings, OPTIONS, root / "work")


def test_every_escalated_review_has_an_outcome_and_every_incident_run_a_time(bench):
    assert bench.escalated > 0
    assert sum(bench.outcomes.values()) == bench.escalated
    assert len(bench.gate_seconds) == len(bench.tokens) > 0
    assert all(seconds > 0 for seconds in bench.gate_seconds)
    assert bench.model == "rules" and set(bench.generated_by) == {"rules"}
    assert bench.incidents_total == sum(bench.incidents_by_opener.values()) >= len(bench.gate_seconds)


def test_each_injected_problem_is_listed_with_the_incidents_holding_its_reports(bench):
    truth = generate_stream(seed=7, days=5, skus=20, reviews_per_day=60).truth.incidents

    assert [p.problem for p in bench.problems] == [t.id for t in truth]
    for problem, planted in zip(bench.problems, truth, strict=True):
        assert problem.reports == len(planted.review_ids)
        assert problem.in_incidents <= problem.reports
    assert any(p.incidents for p in bench.problems)


def test_the_report_prints_latency_tokens_shares_and_duplicates(bench):
    text = format_triage_bench(bench)

    assert "escalation -> pending approval per incident: p50" in text
    assert "tokens in per incident:  n/a (no model call)" in text
    reached = sum(bench.outcomes.get(name, 0) for name in ("attached", "new_incident", "reopened"))
    assert f"of the {reached} that reached an incident: existing incident" in text
    assert "duplicate incidents: " in text


def test_a_problem_in_two_incidents_counts_one_duplicate():
    problem = ProblemIncidents(problem="p", topic="t", scope={}, reports=3, in_incidents=3, incidents=["a", "b"])

    assert problem.duplicates == 1
    assert ProblemIncidents(problem="p", topic="t", scope={}, reports=1, in_incidents=0, incidents=[]).duplicates == 0
