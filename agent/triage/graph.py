"""The triage graph: context -> hypothesis -> playbook -> planned actions -> one action subgraph each -> record.

```
START -> gather_context -> hypothesize -> choose_playbook -> plan_actions -+-> action x N (Send) -> record -> END
                                                                            +-> record (no actions) -> END
action (agent/triage/action_graph.py):  START -> approval_gate -> execute (if it may run) -> END
```
Facts, topic, severity, flags and the playbook come from code (store, scorer, policy, playbooks); the model only
picks among enumerated ids and writes the summary. The incident moves to `awaiting_approval` when a gate needs a
person, and in `record` (after every action is decided) to `acting` -> `monitoring` if anything was delivered, or
back to `triaged` if nothing was approved.
"""

from __future__ import annotations

import logging
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Send

from agent.llm import LLMError, enum_model, generate_structured
from agent.triage.action_graph import build_action_graph
from agent.triage.context import gather_context
from agent.triage.deps import ACTOR, DEFAULT_WINDOW_HOURS, TriageDeps, advance_incident, candidate_playbooks
from agent.triage.hypothesis import facts_text, hypothesize
from agent.triage.learning import example_lines, nearest_feedback
from agent.triage.state import (
    ActionState,
    ExecutedAction,
    GateOutcome,
    Hypothesis,
    IncidentFacts,
    PlannedAction,
    TriageContext,
    TriageState,
)
from prompts import load_prompt
from store.approval_policy import PolicyContext
from store.incidents import IncidentState, get_incident, set_hypothesis
from store.outbox_tables import audit
from store.playbook_templates import PLACEHOLDERS
from store.playbooks import Playbook, render_action
from tools import ToolArgsError, approval_requirement, validate_args

__all__ = ["build_triage_graph", "compile_triage_graph"]

logger = logging.getLogger(__name__)


class _Nodes:
    def __init__(self, deps: TriageDeps) -> None:
        self.deps = deps

    def gather_context(self, state: TriageState) -> dict[str, Any]:
        incident = IncidentFacts.model_validate(state["incident"])
        playbooks = candidate_playbooks(self.deps.library, incident.topic, incident.flags)
        window = playbooks[0].detection.window_hours if playbooks else DEFAULT_WINDOW_HOURS
        with self.deps.db.session() as session:
            context = gather_context(
                session,
                incident,
                state["trigger_review_ids"],
                index=self.deps.index,
                window_hours=window,
                max_evidence=self.deps.max_evidence,
                rules=self.deps.rules,
            )
        return {"context": context.model_dump(mode="json")}

    def hypothesize(self, state: TriageState) -> dict[str, Any]:
        context = TriageContext.model_validate(state["context"])
        incident = context.incident
        playbooks = candidate_playbooks(self.deps.library, incident.topic, incident.flags)
        causes = list({cause.id: cause for p in playbooks for cause in p.likely_root_causes}.values())
        topics = list(dict.fromkeys([incident.topic, *(t for p in playbooks for t in p.applies_to.topics)]))
        with self.deps.db.session() as session:
            query = f"{incident.topic} {' '.join(item.text for item in context.evidence[:3])}"
            rows = nearest_feedback(
                session, query, embedder=self.deps.embedder, topic=incident.topic, k=self.deps.few_shot
            )
            examples = example_lines(rows)
        try:
            llm = self.deps.chat_model()
        except LLMError as err:
            logger.warning("no chat model for %s: %s", incident.incident_id, err)
            llm = None
        hypothesis, stats = hypothesize(
            llm,
            context,
            topics=topics,
            root_causes=causes,
            examples=examples,
            timeout_seconds=self.deps.llm_timeout_seconds,
            backoff_seconds=self.deps.llm_backoff_seconds,
        )
        return {"hypothesis": hypothesis.model_dump(mode="json"), "generation": stats.model_dump(mode="json")}

    def choose_playbook(self, state: TriageState) -> dict[str, Any]:
        context = TriageContext.model_validate(state["context"])
        hypothesis = Hypothesis.model_validate(state["hypothesis"])
        playbooks = candidate_playbooks(self.deps.library, context.incident.topic, context.incident.flags)
        chosen, by = self._choose(playbooks, context, hypothesis)
        if chosen is None:
            return {"playbook_id": "", "playbook_version": "", "playbook_chosen_by": by}
        return {"playbook_id": chosen.id, "playbook_version": chosen.version, "playbook_chosen_by": by}

    def _choose(
        self, playbooks: list[Playbook], context: TriageContext, hypothesis: Hypothesis
    ) -> tuple[Playbook | None, str]:
        flags = set(context.incident.flags)
        if not playbooks:
            return None, "none"
        by_flag = [p for p in playbooks if flags & set(p.applies_to.flags)]
        if by_flag:  # safety and other flag playbooks are never left to a model's choice
            return by_flag[0], "flag"
        if len(playbooks) == 1:
            return playbooks[0], "topic"
        owners = [p for p in playbooks if hypothesis.root_cause in {c.id for c in p.likely_root_causes}]
        if len(owners) == 1:
            return owners[0], "root_cause"
        return self._model_choice(playbooks, context, hypothesis)

    def _model_choice(
        self, playbooks: list[Playbook], context: TriageContext, hypothesis: Hypothesis
    ) -> tuple[Playbook, str]:
        try:
            llm = self.deps.chat_model()
            if llm is None:
                return playbooks[0], "rules"
            schema = enum_model("PlaybookChoice", "playbook_id", [p.id for p in playbooks])
            result = generate_structured(
                llm,
                load_prompt("playbook_choice", "v1"),
                {
                    "facts": facts_text(context),
                    "hypothesis": hypothesis.summary,
                    "playbooks": "\n".join(f"{p.id}: {p.title}" for p in playbooks),
                },
                schema,
                timeout_seconds=self.deps.llm_timeout_seconds,
                backoff_seconds=self.deps.llm_backoff_seconds,
            )
        except LLMError as err:
            logger.warning("playbook choice falls back to the first candidate: %s", err)
            return playbooks[0], "rules"
        chosen = result.value.model_dump()["playbook_id"]
        return next(p for p in playbooks if p.id == chosen), result.model

    def plan_actions(self, state: TriageState) -> dict[str, Any]:
        context = TriageContext.model_validate(state["context"])
        hypothesis = Hypothesis.model_validate(state["hypothesis"])
        incident = context.incident
        planned: list[PlannedAction] = []
        if state.get("playbook_id"):
            playbook = self.deps.library.get(state["playbook_id"])
            values = _placeholders(context, hypothesis)
            policy_context = PolicyContext(severity=incident.severity, flags=frozenset(incident.flags))
            for action in playbook.remediation:
                proposed = render_action(action, values, playbook=playbook)
                try:
                    validate_args(proposed.tool, proposed.args)
                    args_error = None
                except ToolArgsError as err:
                    args_error = str(err)
                requirement = approval_requirement(self.deps.policy, proposed.tool, policy_context)
                planned.append(
                    PlannedAction(
                        action=proposed, key=proposed.idempotency_key(), requirement=requirement, args_error=args_error
                    )
                )
        now = self.deps.clock()
        with self.deps.db.session() as session:
            set_hypothesis(
                session, incident.incident_id, hypothesis.summary, state.get("playbook_id") or None,
                hypothesis.generated_by, now,
            )  # fmt: skip
            advance_incident(session, incident.incident_id, IncidentState.triaged, now, note=_triage_note(hypothesis))
            if any(p.requirement.approver == "human" for p in planned):
                advance_incident(session, incident.incident_id, IncidentState.awaiting_approval, now)
        return {
            "actions": [p.model_dump(mode="json") for p in planned],
        }

    def route_to_actions(self, state: TriageState) -> list[Send] | str:
        if not state.get("actions"):
            return "record"
        context = TriageContext.model_validate(state["context"])
        hypothesis = state["hypothesis"]
        cited = [e.model_dump(mode="json") for e in context.evidence if e.review_id in hypothesis["evidence_ids"]]
        return [
            Send(
                "action",
                ActionState(
                    gate_thread_id=state["thread_id"],
                    incident_id=context.incident.incident_id,
                    planned=planned,
                    hypothesis=hypothesis,
                    evidence=cited,
                    facts=facts_text(context),
                ),
            )
            for planned in state["actions"]
        ]

    def record(self, state: TriageState) -> dict[str, Any]:
        incident_id = IncidentFacts.model_validate(state["incident"]).incident_id
        outcomes = [GateOutcome.model_validate(o) for o in state.get("outcomes", {}).values()]
        executed = [ExecutedAction.model_validate(e) for e in state.get("executed", {}).values()]
        now = self.deps.clock()
        with self.deps.db.session() as session:
            if any(e.status == "delivered" for e in executed):
                ran = sum(o.runs for o in outcomes)
                advance_incident(session, incident_id, IncidentState.acting, now, note=f"{ran} action(s) may run")
                advance_incident(session, incident_id, IncidentState.monitoring, now, note="actions delivered")
            elif get_incident(session, incident_id).state == IncidentState.awaiting_approval.value:
                advance_incident(session, incident_id, IncidentState.triaged, now, note="no proposed action ran")
            audit(
                session,
                ACTOR,
                "triage.recorded",
                f"incident:{incident_id}",
                {
                    "thread_id": state["thread_id"],
                    "playbook_id": state.get("playbook_id") or None,
                    "generated_by": state.get("hypothesis", {}).get("generated_by"),
                    "outcomes": {o.action.action_id: o.result for o in outcomes},
                    "executed": {e.key: e.status for e in executed},
                },
                at=now,
            )
        return {"status": "done"}


def _triage_note(hypothesis: Hypothesis) -> str:
    return f"hypothesis by {hypothesis.generated_by}: {hypothesis.root_cause or 'cause unknown'}"


def _placeholders(context: TriageContext, hypothesis: Hypothesis) -> dict[str, str]:
    """The incident context playbook argument templates are filled from; unknown values are empty (left out)."""
    incident, cluster = context.incident, context.cluster
    known = {**cluster.dominant, **incident.scope}
    values = dict.fromkeys(PLACEHOLDERS, "")
    values.update({name: known.get(name, "") for name in ("sku", "category", "region", "warehouse", "supplier")})
    values.update(
        incident_id=incident.incident_id,
        topic=incident.topic,
        topic_name=incident.topic_name,
        topic_leaf=incident.topic.rsplit(".", 1)[-1],
        severity=incident.severity.value,
        carrier=known.get("carrier", ""),
        summary=hypothesis.summary,
        owner_team=incident.owner_team,
        review_count=str(cluster.count),
        negative_share=f"{cluster.negative_share:.2f}",
    )
    return values


def build_triage_graph(deps: TriageDeps) -> StateGraph[TriageState]:
    """The uncompiled triage graph over `deps`."""
    nodes = _Nodes(deps)
    graph: StateGraph[TriageState] = StateGraph(TriageState)
    graph.add_node("gather_context", nodes.gather_context)
    graph.add_node("hypothesize", nodes.hypothesize)
    graph.add_node("choose_playbook", nodes.choose_playbook)
    graph.add_node("plan_actions", nodes.plan_actions)
    graph.add_node("action", build_action_graph(deps))
    graph.add_node("record", nodes.record)
    graph.add_edge(START, "gather_context")
    graph.add_edge("gather_context", "hypothesize")
    graph.add_edge("hypothesize", "choose_playbook")
    graph.add_edge("choose_playbook", "plan_actions")
    graph.add_conditional_edges("plan_actions", nodes.route_to_actions, ["action", "record"])
    graph.add_edge("action", "record")
    graph.add_edge("record", END)
    return graph


def compile_triage_graph(deps: TriageDeps, checkpointer: BaseCheckpointSaver[Any]) -> CompiledStateGraph[Any]:
    """The triage graph compiled with a durable checkpointer (interrupts need one)."""
    return build_triage_graph(deps).compile(checkpointer=checkpointer)
