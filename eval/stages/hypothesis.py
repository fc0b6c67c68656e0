"""The agent's hypothesis and playbook choice on each incident injected into the seeded demo stream.

Cases come from the `demo_incidents` loader (one per injected incident, graded by the stream's ground truth). The
stage replays the stream through the real loop into a private store, lets the triage service open its incidents
(rules, no model: see eval/stages/_demo_store.py), and for each injected incident re-runs the real triage graph's
`hypothesize` and `choose_playbook` nodes from that incident's gathered context, stopping before any action is
planned. Without `--model` the hypothesis is the rules one (free, deterministic); with `--model local` (or any
provider) the model under test writes it, through the eval cache.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from contextlib import ExitStack
from functools import lru_cache
from typing import Any, Literal

from langgraph.checkpoint.memory import InMemorySaver
from pydantic import BaseModel, ConfigDict, Field

from agent.triage import build_triage_graph
from agent.triage.hypothesis import HYPOTHESIS_PROMPT, facts_text
from agent.triage.state import TriageContext
from eval.cache import CaseContext
from eval.dataset import Case, Dataset, DatasetLoader, LoadContext
from eval.registry import dataset, stage
from eval.runlog import StageIdentity
from eval.stages._chat import CachedChatModel
from eval.stages._demo_store import AgentIncident, DemoStore, open_demo_store
from eval.stages._triage_world import TriageConfigs
from eval.stages.base import Stage
from eval.stages.fast_scorer import resolve_scorer
from eval.stages.retrieval import build_embedder
from lab.demo.stream import DemoStream, IncidentTruth, generate_stream
from prompts import load_prompt

__all__ = ["DemoIncidentsLoader", "HypothesisStage"]

_STRICT = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class _IncidentsArgs(BaseModel):
    model_config = _STRICT

    seed: int = 7
    """Stream seed; the same arguments give the same stream."""
    days: int = Field(default=14, ge=1)
    skus: int = Field(default=120, ge=1)
    reviews_per_day: int = Field(default=220, ge=1)


@lru_cache(maxsize=2)
def _stream(seed: int, days: int, skus: int, reviews_per_day: int) -> DemoStream:
    return generate_stream(seed=seed, days=days, skus=skus, reviews_per_day=reviews_per_day)


def _reference(incident: IncidentTruth) -> str:
    scope = ", ".join(f"{k} {v}" for k, v in sorted(incident.scope.items()))
    flags = f" flagged {', '.join(incident.flags)}" if incident.flags else ""
    return (
        f"Injected incident {incident.kind}: reports of {incident.topic}{flags}, confined to {scope}, starting "
        f"{incident.starts_at:%Y-%m-%d %H:%M} UTC ({len(incident.review_ids)} reports). "
        f"The expected playbook is {incident.expected_playbook}."
    )


@dataset("demo_incidents")
class DemoIncidentsLoader(DatasetLoader):
    """One case per incident injected into the seeded demo stream (lab.demo.stream), with its ground truth.

    Target: `topic` (the id the agent keys the incident by: the flag for flag incidents such as safety_hazard, else
    the taxonomy leaf), `leaf_topic`, `playbook` (expected), `relevant` (every report id), `scope`, `reference` (the
    truth in one paragraph, for a judge). Input: `kind` and `report_ids` (used only to find the agent's incident).
    Resources: `stream` (the raw events) and `truth`.
    """

    Args = _IncidentsArgs

    def load(self, args: _IncidentsArgs, context: LoadContext) -> Dataset:
        stream = _stream(args.seed, args.days, args.skus, args.reviews_per_day)
        cases = [
            Case(
                id=incident.id,
                input={"kind": incident.kind, "report_ids": list(incident.review_ids)},
                target={
                    "topic": incident.flags[0] if incident.flags else incident.topic,
                    "leaf_topic": incident.topic,
                    "playbook": incident.expected_playbook,
                    "relevant": list(incident.review_ids),
                    "scope": dict(incident.scope),
                    "reference": _reference(incident),
                },
                metadata={"dataset": context.name, "kind": incident.kind},
            )
            for incident in stream.truth.incidents
        ]
        return Dataset(cases, resources={"stream": stream, "truth": stream.truth})


class _Args(BaseModel):
    model_config = _STRICT

    embedder: Literal["hashing", "minilm", "none"] = "hashing"
    """Embedder of the private similar-review index (`none`: no index, evidence from the store)."""
    scorer: str | None = None
    """Fast scorer artifact (default: the current one under REVIEWOPS_HOME, else one trained for the run)."""


@stage("agent_hypothesis")
class HypothesisStage(Stage):
    """Output: `topic`, `root_cause`, `summary` (+ `summary_by`, `generated_by`), `evidence` (cited ids),
    `retrieved` (ids the model was shown), `playbook` (+ `playbook_chosen_by`), the matched agent incident
    (`incident_id`, `incident_topic`, `overlap`), and `answer` (the brief a judge reads)."""

    Args = _Args
    args: _Args
    batch_size = 1

    def prepare(self, dataset: Dataset) -> StageIdentity:
        stream: DemoStream | None = dataset.resources.get("stream")
        if stream is None:
            raise ValueError("the agent_hypothesis stage needs the demo_incidents loader (it provides `stream`)")
        self.truth = {incident.id: incident for incident in stream.truth.incidents}
        settings = self.ctx.settings
        configs = TriageConfigs.load(settings.config_dir)
        scorer, details = resolve_scorer(dataclasses.replace(self.ctx, model=self.args.scorer))
        embedder = None if self.args.embedder == "none" else build_embedder(self.args.embedder)
        self._stack = ExitStack()
        home = settings.model_copy(update={"home": self.ctx.work_dir / "store"})
        self.store: DemoStore = self._stack.enter_context(open_demo_store(stream, home, scorer, configs, embedder))
        prompts = [load_prompt(*HYPOTHESIS_PROMPT), load_prompt("playbook_choice", "v1")]
        return StageIdentity(
            stage="agent_hypothesis",
            model=self.ctx.model or "rules",
            versions={"scorer": scorer.version, "routing": configs.routing.version},
            prompts={prompt.ref: prompt.digest for prompt in prompts},
            details={
                "scorer": details,
                "embedder": embedder.model_id if embedder is not None else None,
                **self.store.counts,
            },
        )

    def solve(self, cases: Sequence[Case], calls: CaseContext) -> list[dict[str, Any]]:
        return [self._solve_one(case, calls) for case in cases]

    def _solve_one(self, case: Case, calls: CaseContext) -> dict[str, Any]:
        agent = self.store.incident_for(self.truth[case.id])
        if agent is None:
            return _unmatched()
        model = CachedChatModel.over(calls.chat("model")) if self.ctx.model else None
        deps = dataclasses.replace(self.store.deps, chat_model=lambda: model)
        graph = build_triage_graph(deps).compile(checkpointer=InMemorySaver(), interrupt_before=["plan_actions"])
        config: Any = {"configurable": {"thread_id": f"eval:{case.id}"}}
        graph.update_state(config, agent.start, as_node="gather_context")
        graph.invoke(None, config)
        return _output(agent, graph.get_state(config).values)

    def close(self) -> None:
        stack = getattr(self, "_stack", None)
        if stack is not None:
            stack.close()


def _unmatched() -> dict[str, Any]:
    return {
        "matched": False,
        "incident_id": None,
        "incident_topic": None,
        "overlap": 0,
        "topic": None,
        "root_cause": None,
        "summary": "",
        "evidence": [],
        "retrieved": [],
        "playbook": None,
        "answer": "The agent opened no incident holding any of these reports.",
    }


def _output(agent: AgentIncident, values: dict[str, Any]) -> dict[str, Any]:
    context = TriageContext.model_validate(values["context"])
    hypothesis = values["hypothesis"]
    generation = values.get("generation") or {}
    playbook = values.get("playbook_id") or None
    return {
        "matched": True,
        "incident_id": agent.incident_id,
        "incident_topic": context.incident.topic,
        "scope": context.incident.scope,
        "overlap": agent.overlap,
        "topic": hypothesis["topic"],
        "root_cause": hypothesis["root_cause"],
        "summary": hypothesis["summary"],
        "summary_by": hypothesis["summary_by"],
        "generated_by": hypothesis["generated_by"],
        "fallback_reason": generation.get("fallback_reason"),
        "evidence": list(hypothesis["evidence_ids"]),
        "retrieved": context.evidence_ids(),
        "retrieval": context.retrieval,
        "playbook": playbook,
        "playbook_chosen_by": values.get("playbook_chosen_by"),
        "answer": _brief(context, hypothesis, playbook),
    }


def _brief(context: TriageContext, hypothesis: dict[str, Any], playbook: str | None) -> str:
    """What a judge reads: the facts and reviews the agent was given, then its hypothesis."""
    labels = {item.review_id: f"R{i + 1}" for i, item in enumerate(context.evidence)}
    reviews = "\n".join(f"{labels[item.review_id]}: {' '.join(item.text.split())}" for item in context.evidence)
    cited = ", ".join(labels.get(rid, rid) for rid in hypothesis["evidence_ids"])
    scope = ", ".join(f"{k} {v}" for k, v in sorted(context.incident.scope.items()))
    return (
        f"Incident: {scope}\nFacts:\n{facts_text(context)}\nReviews shown to the agent:\n{reviews}\n\n"
        f"Agent's hypothesis:\n- topic: {hypothesis['topic']}\n- root cause: {hypothesis['root_cause']}\n"
        f"- cited reviews: {cited}\n- summary: {hypothesis['summary']}\n- playbook: {playbook or 'none'}"
    )
