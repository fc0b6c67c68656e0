"""The index's data shapes: what is stored per review, what a query returns, what indexing and retrieval report."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from store.scope_cache import CacheStats

__all__ = ["IndexItem", "IndexStats", "MetadataValue", "RetrievalStats", "SimilarReview", "epoch_seconds"]

MetadataValue = str | int | float | bool


class IndexItem(BaseModel):
    """One silver review as the index stores it: masked text plus the scalar metadata retrieval filters on."""

    model_config = ConfigDict(frozen=True)

    review_id: str = Field(min_length=1)
    text: str = Field(min_length=1, description="PII-masked silver text (title and body as the caller joins them).")
    sku: str | None = None
    category: str | None = None
    topics: list[str] = Field(default_factory=list, description="Taxonomy topic ids; stored comma-joined.")
    rating: int | None = None
    region: str | None = None
    warehouse: str | None = None
    supplier: str | None = None
    created_at: datetime = Field(description="When the customer wrote it; naive means UTC. Stored as epoch seconds.")
    channel: str | None = None
    sentiment: str | None = None

    def metadata(self) -> dict[str, MetadataValue]:
        """Chroma metadata: scalars only, `None` dropped (Chroma rejects it)."""
        values: dict[str, MetadataValue | None] = {
            "sku": self.sku,
            "category": self.category,
            "topics": ",".join(self.topics) or None,
            "rating": self.rating,
            "region": self.region,
            "warehouse": self.warehouse,
            "supplier": self.supplier,
            "created_at": epoch_seconds(self.created_at),
            "channel": self.channel,
            "sentiment": self.sentiment,
        }
        return {key: value for key, value in values.items() if value is not None}


class IndexStats(BaseModel):
    """What one indexing run did."""

    count: int
    seconds: float
    rate: float = Field(description="Reviews indexed per second.")


class SimilarReview(BaseModel):
    """A retrieved review, nearest first; `distance` is cosine distance (1 - similarity)."""

    review_id: str
    distance: float
    similarity: float
    metadata: dict[str, MetadataValue]
    document: str | None


def epoch_seconds(moment: datetime | int) -> int:
    """Epoch seconds of a datetime (naive means UTC); an int passes through."""
    if isinstance(moment, int):
        return moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


class RetrievalStats(BaseModel):
    """How this index answered `similar` so far: which path, and how the scope cache did."""

    unfiltered: int = 0
    exact: int = Field(default=0, description="Scoped queries ranked exactly with numpy.")
    approximate: int = Field(default=0, description="Scoped queries wider than the exact limit (Chroma's HNSW).")
    scope_source: str = Field(description="`scope_table` (embedded mode) or `chroma` (http mode).")
    cache: CacheStats | None = None
