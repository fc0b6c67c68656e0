"""The agent-hypothesis stage on the demo stream's injected incidents: rules by default, a model under test through
the eval cache, an LLM judge of its own, and the required-evidence scorer."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from eval.cache import CaseContext
from eval.dataset import LoadContext
from eval.registry import DATASETS, SCORERS
from eval.runlog import CaseRecord, RunDir, RunOptions
from eval.runner import RunResult, run_suites
from eval.suite import SUITES_DIR
from store.settings import Settings

SMALL_STREAM = "{seed: 7, days: 7, reviews_per_day: 100}"


def small_suite(directory: Path, name: str = "agent_hypothesis") -> Path:
    """A shipped suite on a 7-day, 100-reviews-a-day stream (the same six injected incidents, fewer reports)."""
    directory.mkdir(parents=True, exist_ok=True)
    text = (SUITES_DIR / f"{name}.yaml").read_text(encoding="utf-8").replace("{seed: 7, days: 14}", SMALL_STREAM)
    assert SMALL_STREAM in text
    path = directory / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def run(suite: Path, settings: Settings, out: Path, **options: Any) -> RunResult:
    chat_models = options.pop("chat_models", None)
    cache_dir = options.pop("cache_dir", None)
    return run_suites(
        RunOptions(suites=[str(suite)], **options),
        out=out,
        settings=settings,
        chat_models=chat_models,
        cache_dir=cache_dir,
        show_progress=False,
    )


def test_the_loader_gives_one_case_per_injected_incident_with_its_truth(eval_settings: Settings) -> None:
    loader = DATASETS.get("demo_incidents")()
    dataset = loader.load(
        loader.Args(seed=7, days=7, reviews_per_day=100), LoadContext(SUITES_DIR, "demo", eval_settings)
    )
    kinds = {case.metadata["kind"]: case for case in dataset.cases}
    assert set(kinds) == {"zipper_defect", "runs_small", "carrier_delay", "crushed_packaging", "misleading_photo",
                          "safety_overheat"}  # fmt: skip
    safety = kinds["safety_overheat"].target
    assert safety["topic"] == "safety_hazard" and safety["leaf_topic"] == "product_quality.defect"
    assert safety["playbook"] == "safety_hazard" and len(safety["relevant"]) >= 10
    assert "The expected playbook is defective_product." in kinds["zipper_defect"].target["reference"]
    assert dataset.resources["truth"].seed == 7 and dataset.resources["stream"].events


def test_rules_hypotheses_are_graded_by_the_stream_truth_for_free_and_identically_on_a_rerun(
    settings: Settings, tmp_path: Path
) -> None:
    suite = small_suite(tmp_path / "suites")
    first = RunDir(run(suite, settings, tmp_path / "first").run_dir)
    summary = first.read_suite_summary("agent_hypothesis")
    cases = {c.metadata["kind"]: c for c in first.read_cases("agent_hypothesis")}
    assert summary.errors == 0 and summary.identity is not None and summary.identity.model == "rules"
    assert summary.identity.prompts.keys() == {"hypothesis.v2", "playbook_choice.v1"}
    assert summary.metrics["evidence.outside_ids"] == 0
    assert summary.metrics["usage.llm_calls"] == 0 and summary.metrics["usage.cached_calls"] == 0
    zipper = cases["zipper_defect"].output or {}
    assert zipper["matched"] and zipper["generated_by"] == "rules" and zipper["playbook"] == "defective_product"
    assert set(zipper["evidence"]) <= set(zipper["retrieved"]) and zipper["retrieval"] == "index"
    assert cases["safety_overheat"].output["playbook_chosen_by"] == "flag"  # type: ignore[index]
    # on this short stream the packaging cluster never reaches its playbook's threshold: no incident, a failed case
    unmatched = cases["crushed_packaging"]
    assert unmatched.output == {**(unmatched.output or {}), "matched": False, "playbook": None}
    assert unmatched.scores["evidence"].passed is False and unmatched.scores["playbook"].passed is False
    assert summary.metrics["playbook.accuracy"] == pytest.approx(5 / 6)
    again = RunDir(run(suite, settings, tmp_path / "again").run_dir)
    assert [c.output for c in again.read_cases("agent_hypothesis")] == [
        c.output for c in first.read_cases("agent_hypothesis")
    ]


class PromptReader(BaseChatModel):
    """A deterministic stand-in for a model under test: answers the hypothesis prompt with its first offered topic
    and cause, cites R1 and R2, and writes a summary from the cause's own words (so it is grounded)."""

    @property
    def _llm_type(self) -> str:
        return "prompt-reader"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        prompt = str(messages[1].content)  # the task (later messages are repair turns)
        if "Playbooks (id: when to use it)" in prompt:
            first = re.search(r"^(\w+): ", prompt.split("Playbooks (id: when to use it):", 1)[1].strip(), re.M)
            reply: dict[str, Any] = {"playbook_id": first.group(1) if first else "", "reason": "It fits."}
        else:
            topic = prompt.split("Topics (pick one): ", 1)[1].split("\n", 1)[0].split(", ")[0].strip()
            causes = prompt.split("Root causes (pick one id):", 1)[1].split("\n\n", 1)[0]
            cause, description = re.findall(r"^- (\w+): (.+)$", causes, re.M)[0]
            summary = f"Likely cause: {description.split(';')[0].rstrip('.')}."
            reply = {"topic": topic, "root_cause": cause, "evidence": ["R1", "R2"], "severity": "medium",
                     "confidence": 0.6, "summary": summary}  # fmt: skip
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=json.dumps(reply)))])


PASS = '{"verdict": "pass", "reason": "supported by the cited reviews"}'
FAIL = '{"verdict": "fail", "reason": "invents a cause"}'


def test_a_model_under_test_answers_through_the_cache_and_a_separate_judge_votes(
    settings: Settings, tmp_path: Path
) -> None:
    suite = small_suite(tmp_path / "suites", "agent_hypothesis_judged")
    options: dict[str, Any] = {
        "models": {"agent_hypothesis": "prompt-reader"},
        "judge_model": "fake-judge",
        "max_workers": 1,  # the fake judge answers in turn: one case at a time keeps its votes per case fixed
        "cache_dir": tmp_path / "cache",
    }

    def models() -> dict[str, BaseChatModel]:
        return {"model": PromptReader(), "judge": FakeListChatModel(responses=[PASS, PASS, FAIL])}

    result = run(suite, settings, tmp_path / "first", chat_models=models(), **options)
    first = RunDir(result.run_dir)
    summary = first.read_suite_summary("agent_hypothesis_judged")
    assert summary.errors == 0 and summary.identity is not None and summary.identity.model == "prompt-reader"
    written = [c.output or {} for c in first.read_cases("agent_hypothesis_judged") if (c.output or {}).get("matched")]
    assert written and all(o["generated_by"].endswith("prompt-reader") for o in written)
    assert all(o["summary_by"] != "rules" for o in written)
    assert summary.metrics["judge.pass_rate"] == 1.0  # 2 of 3 votes pass on every case
    assert summary.metrics["judge.agreement"] == pytest.approx(2 / 3)
    assert summary.metrics["usage.llm_calls"] == len(written)  # one hypothesis per matched incident
    assert result.llm_calls == len(written) + 3 * summary.cases  # and k=3 judge votes per case
    assert summary.identity.details["chat_models"].keys() == {"model", "judge"}
    rerun = run(suite, settings, tmp_path / "again", chat_models=models(), **options)
    assert (rerun.llm_calls, rerun.cached_calls) == (0, result.llm_calls)
    again = RunDir(rerun.run_dir)
    assert [c.output for c in again.read_cases("agent_hypothesis_judged")] == [
        c.output for c in first.read_cases("agent_hypothesis_judged")
    ]


def _evidence(output: dict[str, Any], relevant: list[str], **args: Any) -> Any:
    cls = SCORERS.get("evidence")
    scorer = cls("evidence", cls.Args.model_validate(args))
    record = CaseRecord(index=0, case_id="c", input={}, target={"relevant": relevant}, metadata={}, output=output)
    return scorer, scorer.score(record, CaseContext())


def test_required_evidence_needs_enough_true_reports_and_nothing_the_model_was_not_shown() -> None:
    shown = ["a", "b", "c", "x"]
    scorer, good = _evidence({"evidence": ["a", "b", "x"], "retrieved": shown}, ["a", "b", "c"])
    _, few = _evidence({"evidence": ["a", "x"], "retrieved": shown}, ["a", "b", "c"])
    _, foreign = _evidence({"evidence": ["a", "b", "zz"], "retrieved": shown}, ["a", "b", "zz"])
    assert [good.passed, few.passed, foreign.passed] == [True, False, False]
    assert "cited ids it was not shown: ['zz']" in foreign.explanation
    assert "cites 1 true report(s) of the incident, needs 2" in few.explanation
    metrics = scorer.metrics([good, few, foreign])
    assert metrics["required_evidence_rate"] == pytest.approx(1 / 3) and metrics["outside_ids"] == 1
    assert metrics["cited_precision"] == pytest.approx((2 + 1 + 3) / 8)
    assert metrics["shown_precision"] == pytest.approx((3 + 3 + 2) / 12)


@pytest.mark.slow
def test_the_real_local_model_writes_hypotheses_and_judges_them_once_then_from_the_cache(
    settings: Settings, tmp_path: Path
) -> None:
    pytest.importorskip("xllamacpp")
    from agent.llm import ModelFileMissing, default_model_path, stop_all_local_servers

    try:
        default_model_path()
    except ModelFileMissing as exc:
        pytest.skip(str(exc))
    suite = small_suite(tmp_path / "suites", "agent_hypothesis_judged")
    options: dict[str, Any] = {
        "models": {"agent_hypothesis": "local"},
        "judge_model": "local",
        "limit": 2,
        "cache_dir": tmp_path / "cache",
    }
    try:
        result = run(suite, settings, tmp_path / "first", **options)
        rerun = run(suite, settings, tmp_path / "again", **options)
    finally:
        stop_all_local_servers()
    first = RunDir(result.run_dir)
    summary = first.read_suite_summary("agent_hypothesis_judged")
    assert summary.errors == 0 and summary.metrics["evidence.outside_ids"] == 0
    assert summary.metrics["judge.invalid_votes"] == 0  # the verdict schema is grammar-enforced on llama.cpp
    matched = [c.output for c in first.read_cases("agent_hypothesis_judged") if (c.output or {}).get("matched")]
    assert all(str(o["generated_by"]).startswith(("local:", "rules")) for o in matched)  # type: ignore[index]
    assert all(set(o["evidence"]) <= set(o["retrieved"]) for o in matched)  # type: ignore[index]
    assert rerun.llm_calls == 0 and rerun.cached_calls == result.llm_calls + result.cached_calls
