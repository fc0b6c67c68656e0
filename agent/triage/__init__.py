"""The triage agent: escalated reviews -> incident -> hypothesis with evidence -> playbook -> approval gates -> actions.

`open_triage_service(settings)` gives a `TriageService`: `run()` processes the agent queue and drives each incident's
LangGraph thread to its approval gates; `pending_approvals()` and `decide()` are the approvals inbox.
"""

from agent.triage.approvals import (
    AlreadyDecided,
    ApprovalNotFound,
    DecisionReport,
    GateNotLive,
    InvalidDecision,
    PendingApproval,
)
from agent.triage.checkpointer import CheckpointSettings, checkpoint_url, open_checkpointer
from agent.triage.context import ClusterRules, cluster_summary, gather_context
from agent.triage.deps import TriageDeps, candidate_playbooks
from agent.triage.factory import LazyChatModel, open_triage_service
from agent.triage.graph import build_triage_graph, compile_triage_graph
from agent.triage.hypothesis import hypothesize, rules_hypothesis
from agent.triage.service import QueueReport, TriageService, TriageSettings, thread_id_for
from agent.triage.state import (
    ClusterSummary,
    EvidenceReview,
    GateOutcome,
    Hypothesis,
    IncidentFacts,
    PlannedAction,
    TriageContext,
    TriageState,
)

__all__ = [
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
