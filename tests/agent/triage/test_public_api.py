"""The triage package's public surface is pinned: changing it is a deliberate, reviewed decision."""

from __future__ import annotations

import agent.triage


def test_public_api_is_pinned() -> None:
    assert sorted(agent.triage.__all__) == [
        "AlreadyDecided",
        "ApprovalNotFound",
        "CheckpointSettings",
        "ClusterRules",
        "ClusterSummary",
        "DecisionReport",
        "EvidenceReview",
        "GateNotLive",
        "GateOutcome",
        "Hypothesis",
        "IncidentFacts",
        "InvalidDecision",
        "LazyChatModel",
        "PendingApproval",
        "PlannedAction",
        "QueueReport",
        "TriageContext",
        "TriageDeps",
        "TriageService",
        "TriageSettings",
        "TriageState",
        "build_triage_graph",
        "candidate_playbooks",
        "checkpoint_url",
        "cluster_summary",
        "compile_triage_graph",
        "gather_context",
        "hypothesize",
        "open_checkpointer",
        "open_triage_service",
        "rules_hypothesis",
        "thread_id_for",
    ]
    for name in agent.triage.__all__:
        assert getattr(agent.triage, name) is not None


def test_the_graph_has_the_documented_nodes_and_edges() -> None:
    from agent.triage.action_graph import build_action_graph
    from agent.triage.graph import build_triage_graph

    class Deps:  # the builders only close over deps; nodes are not called here
        pass

    graph = build_triage_graph(Deps()).compile()  # type: ignore[arg-type]
    edges = {(e.source, e.target) for e in graph.get_graph().edges}
    assert {
        ("__start__", "gather_context"),
        ("gather_context", "hypothesize"),
        ("hypothesize", "choose_playbook"),
        ("choose_playbook", "plan_actions"),
        ("plan_actions", "action"),
        ("plan_actions", "record"),
        ("action", "record"),
        ("record", "__end__"),
    } <= edges
    action_edges = {(e.source, e.target) for e in build_action_graph(Deps()).get_graph().edges}  # type: ignore[arg-type]
    assert {("__start__", "approval_gate"), ("approval_gate", "execute"), ("approval_gate", "__end__"),
            ("execute", "__end__")} <= action_edges  # fmt: skip
