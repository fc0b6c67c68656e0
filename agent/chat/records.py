"""The chat graph's records: what a question was understood as, the queries planned and their facts, the answer.

Checkpoint-free but JSON-native like the triage state: the graph passes `model_dump(mode="json")` dicts between
nodes and reads them back with `model_validate`, so state never holds live objects.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, TypedDict

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "DIMENSIONS",
    "INTENTS",
    "ChatAnswer",
    "ChatState",
    "Citation",
    "Dimension",
    "Fact",
    "Intent",
    "QueryRequest",
    "QueryResult",
    "Scope",
    "TimeWindow",
    "Understanding",
]

_RECORD = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

Intent = Literal[
    "top_topics", "topic_trend", "compare_places", "top_skus", "incidents", "count_reviews", "find_reviews",
    "out_of_scope",
]  # fmt: skip
INTENTS: tuple[str, ...] = Intent.__args__  # type: ignore[attr-defined]
Dimension = Literal["sku", "region", "warehouse", "supplier", "category"]
DIMENSIONS: tuple[str, ...] = Dimension.__args__  # type: ignore[attr-defined]
Sentiment = Literal["any", "negative", "nonpositive", "positive"]


class TimeWindow(BaseModel):
    """A half-open window [since, until) on review creation time, aligned to whole hours (the gold buckets)."""

    model_config = _RECORD

    since: datetime | None
    """Start; None means from the first review in the store."""
    until: datetime
    label: str
    """How answers name it, as an adverbial: `in the last 7 days (2026-11-08 00:00 to 2026-11-15 00:00 UTC)`,
    `this week (...)`, `since Monday (...)`."""
    phrase: str | None = None
    """The words of the question it came from; None when the default window was used."""


class Scope(BaseModel):
    """Which reviews a question is about: every given dimension must match (none given is the whole shop)."""

    model_config = _RECORD

    sku: str | None = None
    region: str | None = None
    warehouse: str | None = None
    supplier: str | None = None
    category: str | None = None

    def filters(self) -> dict[str, str]:
        """The given dimensions as `{dimension: value}`."""
        return {name: value for name, value in self.model_dump().items() if value is not None}

    def describe(self) -> str:
        """`JKT-0125 in region EU-West`, or `the whole shop`."""
        parts = [f"{self.sku}"] if self.sku else []
        parts += [f"{name} {value}" for name, value in self.filters().items() if name != "sku"]
        return " in ".join(parts) if parts else "the whole shop"


class Understanding(BaseModel):
    """What the question asks, parsed by rules (and, when they were unsure, an intent the model picked)."""

    model_config = _RECORD

    question: str
    intent: Intent
    intent_by: str = "rules"
    """`rules`, `default` (rules found no intent word and no model was asked) or the model identity."""
    candidates: list[Intent] = Field(default_factory=list)
    """Intents the rules saw evidence for, best first; empty or tied means the rules were unsure."""
    unsure: bool = False
    scope: Scope = Field(default_factory=Scope)
    topics: list[str] = Field(default_factory=list)
    """Leaf topic or flag ids the question names (a domain name expands to its leaves)."""
    subject: str | None = None
    """The words that named the topic, used to find representative reviews by similarity."""
    dimension: Dimension | None = None
    """What to compare by (`which region ...`)."""
    values: list[str] = Field(default_factory=list)
    """Places named for a comparison (`EU-West vs UK`)."""
    rank_by: Literal["count", "share"] = "count"
    sentiment: Sentiment = "any"
    rating_min: int | None = None
    rating_max: int | None = None
    include_closed: bool = False
    window: TimeWindow
    unknown_ids: list[str] = Field(default_factory=list)
    """SKU-like ids the question names that no review in the store carries."""
    refusal: str | None = None
    """Why the question cannot be answered from the data (None when it can)."""


class QueryRequest(BaseModel):
    """One read-only query to run: a registered query kind and its arguments (validated by the kind)."""

    model_config = _RECORD

    kind: str
    args: dict[str, Any]


class Fact(BaseModel):
    """One number computed by code; `display` is exactly how the answer and the model see it."""

    model_config = _RECORD

    name: str
    """Stable key, e.g. `complaints` or `topic.product_quality.defect.share`."""
    label: str
    """What it counts, e.g. `complaints about Defect for JKT-0125 in the last 7 days`."""
    value: int | float | str | None
    display: str


class Citation(BaseModel):
    """A review an answer may cite: its id, a masked snippet and where it comes from."""

    model_config = _RECORD

    review_id: str
    label: str = ""
    """`R1`, `R2`, ... as the answer text cites it (assigned when the answer is written)."""
    snippet: str
    """The PII-masked silver text, shortened."""
    sku: str | None = None
    created_at: datetime | None = None
    rating: int | None = None
    region: str | None = None
    warehouse: str | None = None
    supplier: str | None = None
    sentiment: str | None = None
    topics: list[str] = Field(default_factory=list)
    similarity: float | None = None
    """Cosine similarity to the subject when the Chroma index ranked it; None when the store ordered it."""


class QueryResult(BaseModel):
    """What one query found: facts, the reviews it offers as evidence, and its answer in plain sentences."""

    model_config = _RECORD

    kind: str
    args: dict[str, Any]
    facts: list[Fact]
    evidence: list[Citation] = Field(default_factory=list)
    sentences: list[str]
    """The rules-written answer; `[[e0]]`, `[[e1]]` mark where evidence item 0, 1 ... is cited."""
    data: dict[str, Any] = Field(default_factory=dict)
    """The rows behind the facts (e.g. every topic's counts), for `--json` and the API."""
    seconds: float = 0.0


class ChatAnswer(BaseModel):
    """The answer to one manager question: prose, the facts behind every number, and the reviews cited."""

    model_config = _RECORD

    question: str
    answer: str
    """At most three sentences; cites reviews as `[R1]`; every number in it is among the facts."""
    out_of_scope: bool
    """True when the data cannot answer the question (the answer then says so)."""
    intent: Intent
    intent_by: str
    facts: list[Fact]
    citations: list[Citation]
    """The reviews the answer cites, in label order."""
    cited_review_ids: list[str]
    query_kinds: list[str]
    queries: list[QueryRequest] = Field(default_factory=list)
    window: TimeWindow | None = None
    as_of: datetime
    """The data clock the windows end at: the end of the newest review's hour, unless given."""
    prompt_version: str | None = None
    """`chat_answer.v1` when a model wrote the prose."""
    model: str | None = None
    """The model asked (for intent or prose), if any."""
    generated_by: str
    """A model identity, or `rules` when code wrote the prose."""
    fallback_reason: str | None = None
    """Why the rules wrote the prose although a model was configured."""
    caveats: list[str] = Field(default_factory=list)
    seconds: float = 0.0
    input_tokens: int | None = None
    output_tokens: int | None = None


class ChatState(TypedDict, total=False):
    """The chat graph's state: JSON-native values only; comments name the record each field holds."""

    question: str
    as_of: str
    understanding: dict[str, Any]  # Understanding
    plan: list[dict[str, Any]]  # QueryRequest
    results: list[dict[str, Any]]  # QueryResult
    caveats: list[str]
    answer: dict[str, Any]  # ChatAnswer
    usage: dict[str, Any]
