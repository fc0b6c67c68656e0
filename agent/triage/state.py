"""The triage graph's typed state, and the records its nodes pass along.

Checkpointed values are JSON-native (dicts, lists, strings, numbers): every record below is stored as its
`model_dump(mode="json")` and read back with `model_validate`, so a checkpoint round-trips identically under
LangGraph's strict msgpack settings (where unregistered pydantic classes would come back as plain dicts).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypedDict

from pydantic import BaseModel, ConfigDict, Field

from store.approval_policy import ApprovalRequirement, Decision
from store.playbook_templates import ProposedAction
from store.schemas import Urgency

__all__ = [
    "ActionReport",
    "ActionState",
    "ClusterSummary",
    "EvidenceReview",
    "ExecutedAction",
    "GateOutcome",
    "GenerationStats",
    "Hypothesis",
    "IncidentFacts",
    "OverRepresented",
    "PlannedAction",
    "TriageContext",
    "TriageState",
    "merge_by_key",
]

_RECORD = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)
GateResult = Literal["auto", "approved", "edited", "rejected", "policy_rejected", "blocked"]


class IncidentFacts(BaseModel):
    """The trusted facts about the incident a thread handles: computed by code, never taken from review text."""

    model_config = _RECORD

    incident_id: str
    key: str
    """The incident key, e.g. `sku=JKT-0125|topic=product_quality.defect`."""
    scope: dict[str, str]
    topic: str
    """A taxonomy leaf id, or a flag id (`safety_hazard`) for flag-driven incidents."""
    topic_name: str
    flags: list[str] = Field(default_factory=list)
    severity: Urgency
    owner_team: str


class EvidenceReview(BaseModel):
    """A review the hypothesis may cite: a trigger of this run or a similar review from the index or store."""

    model_config = _RECORD

    review_id: str
    text: str
    """PII-masked silver text, shortened for the prompt."""
    rating: int | None = None
    created_at: str | None = None
    sku: str | None = None
    region: str | None = None
    warehouse: str | None = None
    supplier: str | None = None
    similarity: float | None = None
    """Cosine similarity to the trigger text; None for the triggers themselves."""
    trigger: bool = False


class OverRepresented(BaseModel):
    """A region/warehouse/supplier whose share of the cluster is well above its share of the baseline."""

    model_config = _RECORD

    dimension: Literal["region", "warehouse", "supplier", "carrier"]
    value: str
    count: int
    share: float
    baseline_share: float


class ClusterSummary(BaseModel):
    """The cluster in numbers, from the store: size, trend, rating mix and over-represented places."""

    model_config = _RECORD

    window_hours: int
    since: str
    until: str
    count: int
    """Reviews in the scope about the topic within the window."""
    scope_reviews: int
    """All reviews in the scope within the window."""
    negative_share: float
    """`count / scope_reviews`: how much of the scope's traffic is this problem."""
    daily_counts: list[int]
    """Reviews about the topic per day of the window, oldest first."""
    baseline_per_day: float
    """Reviews about the topic per day in the 28 days before the window."""
    trend_ratio: float | None
    """Per-day rate in the window over the baseline rate (None without a baseline)."""
    rating_mix: dict[str, int]
    over_represented: list[OverRepresented] = Field(default_factory=list)
    dominant: dict[str, str] = Field(default_factory=dict)
    """Dimension -> value that at least half of the cluster shares (used to fill playbook arguments)."""


class TriageContext(BaseModel):
    """Everything the hypothesis is written over: incident facts, citable evidence and the cluster numbers."""

    model_config = _RECORD

    incident: IncidentFacts
    evidence: list[EvidenceReview]
    cluster: ClusterSummary
    retrieval: Literal["index", "store"]
    """Where the similar reviews came from: the Chroma index, or the store when no index was available."""

    def evidence_ids(self) -> list[str]:
        """Ids the hypothesis may cite, in evidence order."""
        return [item.review_id for item in self.evidence]


class Hypothesis(BaseModel):
    """A root-cause hypothesis with its evidence; `generated_by` is a model identity or `rules`."""

    model_config = _RECORD

    topic: str
    root_cause: str | None
    """A `likely_root_causes` id of the candidate playbooks (None when no playbook lists any)."""
    severity: Urgency
    """The writer's view of severity; the approval policy uses the incident's severity, never this one."""
    confidence: float = Field(ge=0.0, le=1.0)
    evidence_ids: list[str]
    summary: str = Field(max_length=400)
    summary_by: str = "rules"
    """Who wrote the summary: the model, or `rules` when the model's prose was empty, looping or ungrounded."""
    generated_by: str
    prompt_ref: str | None = None


class GenerationStats(BaseModel):
    """What producing the hypothesis cost, and why rules were used if they were."""

    model_config = _RECORD

    model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    latency_seconds: float = 0.0
    attempts: int = 0
    repaired: bool = False
    prompt_digest: str | None = None
    fallback_reason: str | None = None
    examples_used: int = 0


class PlannedAction(BaseModel):
    """A rendered playbook action with the requirement the policy set for it."""

    model_config = _RECORD

    action: ProposedAction
    key: str
    """`action.idempotency_key()`: the outbox key if it runs unedited."""
    requirement: ApprovalRequirement
    args_error: str | None = None
    """Why the rendered arguments do not validate for the tool (the action cannot run unless edited)."""


class GateOutcome(BaseModel):
    """How a gate ended: the action as it will run (edits applied), the decisions taken, and the result."""

    model_config = _RECORD

    planned_key: str
    result: GateResult
    action: ProposedAction
    key: str
    """The idempotency key of `action` (differs from `planned_key` after an edit)."""
    decisions: list[Decision] = Field(default_factory=list)
    approval_ids: list[str] = Field(default_factory=list)

    @property
    def runs(self) -> bool:
        """Whether the action is executed."""
        return self.result in ("auto", "approved", "edited")


class ExecutedAction(BaseModel):
    """An action stored in the outbox (and, if delivery ran, its delivery status)."""

    model_config = _RECORD

    key: str
    tool: str
    outbox_id: int
    status: str


def merge_by_key(left: dict[str, Any] | None, right: dict[str, Any] | None) -> dict[str, Any]:
    """Reducer for channels that parallel gate tasks write: union of dicts, the later write winning per key."""
    return {**(left or {}), **(right or {})}


class TriageState(TypedDict, total=False):
    """The graph state: JSON-native values only; the comments name the record each field holds."""

    thread_id: str
    incident: dict[str, Any]  # IncidentFacts
    trigger_review_ids: list[str]
    context: dict[str, Any]  # TriageContext
    hypothesis: dict[str, Any]  # Hypothesis
    generation: dict[str, Any]  # GenerationStats
    playbook_id: str
    playbook_version: str
    playbook_chosen_by: str
    actions: list[dict[str, Any]]  # PlannedAction
    outcomes: Annotated[dict[str, dict[str, Any]], merge_by_key]  # planned key -> GateOutcome
    executed: Annotated[dict[str, dict[str, Any]], merge_by_key]  # outbox key -> ExecutedAction
    status: str


class ActionState(TypedDict, total=False):
    """One action's subgraph (gate, then execution): its input from `Send`, and what it reports back."""

    gate_thread_id: str
    incident_id: str
    planned: dict[str, Any]  # PlannedAction
    hypothesis: dict[str, Any]  # Hypothesis
    evidence: list[dict[str, Any]]  # EvidenceReview, the cited ones
    facts: str  # the cluster in numbers, as the hypothesis prompt showed them
    outcome: dict[str, Any]  # GateOutcome, between the gate and execution
    outcomes: Annotated[dict[str, dict[str, Any]], merge_by_key]
    executed: Annotated[dict[str, dict[str, Any]], merge_by_key]


class ActionReport(TypedDict, total=False):
    """What an action subgraph hands back to the triage graph."""

    outcomes: Annotated[dict[str, dict[str, Any]], merge_by_key]
    executed: Annotated[dict[str, dict[str, Any]], merge_by_key]
