"""Read-only tools the agents may call without approval: their argument models and the query request each builds.

A read-only tool is registered with `side_effect=False`; like a side-effecting tool it is a pure function of its
validated arguments, but what it builds is a query request that the agent's query layer answers (over the
review store, the Chroma index and the incident tables), never an outbox payload.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, model_validator

from tools.actions import TOOL_ARGS_CONFIG, IncidentId, Sku, TopicId, playbook_tool

__all__ = ["IncidentHistoryArgs", "SearchReviewsArgs", "SkuStatsArgs"]

ReviewId = Annotated[str, Field(min_length=1, max_length=200)]


class SearchReviewsArgs(BaseModel):
    model_config = TOOL_ARGS_CONFIG
    review_id: ReviewId
    """Find reviews similar to this one (its stored embedding; never free text from a prompt)."""
    sku: Sku | None = None
    category: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    since: datetime | None = None
    until: datetime | None = None
    k: int = Field(default=10, ge=1, le=50)

    @model_validator(mode="after")
    def _window_is_ordered(self) -> SearchReviewsArgs:
        if self.since and self.until and self.since >= self.until:
            raise ValueError(f"`since` ({self.since.isoformat()}) must be before `until` ({self.until.isoformat()})")
        return self


@playbook_tool("search_reviews", SearchReviewsArgs, side_effect=False)
def search_reviews(args: SearchReviewsArgs) -> dict[str, Any]:
    """Top-k reviews similar to a review, filtered by SKU, category and time window."""
    return {"query": "search_reviews", **args.model_dump(mode="json")}


class SkuStatsArgs(BaseModel):
    model_config = TOOL_ARGS_CONFIG
    sku: Sku
    window_hours: int = Field(default=24 * 7, ge=1, le=24 * 90)
    topic: TopicId | None = None


@playbook_tool("sku_stats", SkuStatsArgs, side_effect=False)
def sku_stats(args: SkuStatsArgs) -> dict[str, Any]:
    """Review count, rating mix and negative share by topic for a SKU over a window, against its baseline."""
    return {"query": "sku_stats", **args.model_dump(mode="json")}


class IncidentHistoryArgs(BaseModel):
    model_config = TOOL_ARGS_CONFIG
    sku: Sku | None = None
    topic: TopicId | None = None
    exclude_incident_id: IncidentId | None = None
    limit: int = Field(default=10, ge=1, le=100)

    @model_validator(mode="after")
    def _scoped(self) -> IncidentHistoryArgs:
        if self.sku is None and self.topic is None:
            raise ValueError("incident_history needs a `sku` or a `topic` to look up")
        return self


@playbook_tool("incident_history", IncidentHistoryArgs, side_effect=False)
def incident_history(args: IncidentHistoryArgs) -> dict[str, Any]:
    """Past incidents for a SKU or topic, with their playbook, decisions and validation outcome."""
    return {"query": "incident_history", **args.model_dump(mode="json")}
