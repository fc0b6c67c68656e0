"""Similar-review retrieval as a stage: index the dataset's corpus in a private Chroma index, query each case.

The corpus is the `reviews` resource of the dataset (the demo stream loader provides every clean review). The
embedder is the HashingEmbedder by default (fast, deterministic, for CI) or the real all-MiniLM-L6-v2 with
`--model retrieval=minilm`.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from eval.cache import CaseContext
from eval.dataset import Case, Dataset
from eval.registry import stage
from eval.runlog import StageIdentity
from eval.stages.base import Stage
from store.embeddings import HashingEmbedder, ReviewEmbedder, TextEmbedder
from store.schemas import CleanedReview
from store.vector_index import IndexItem, ReviewIndex

__all__ = ["RetrievalStage", "build_embedder"]


def build_embedder(spec: str, threads: int = 1) -> TextEmbedder:
    """`hashing` / `hashing-<dim>` (test stand-in) or `minilm` (the real model, loaded offline)."""
    if spec == "minilm":
        return ReviewEmbedder(threads=threads)
    if spec == "hashing" or spec.startswith("hashing-"):
        dimension = int(spec.removeprefix("hashing-")) if spec != "hashing" else 256
        return HashingEmbedder(dimension)
    raise ValueError(f"unknown embedder {spec!r}; use hashing, hashing-<dimension> or minilm")


def _document(title: str, text: str) -> str:
    return f"{title}. {text}" if title else text


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    embedder: str = "hashing"
    """hashing, hashing-<dimension> or minilm; `--model retrieval=<embedder>` overrides it."""
    k: int = Field(default=10, ge=1)
    """How many similar reviews to retrieve per query."""
    scope: Literal["none", "sku"] = "none"
    """none: search the whole index; sku: only reviews of the query's SKU (as the agent's SKU-scoped search)."""


@stage("retrieval")
class RetrievalStage(Stage):
    """Output: `retrieved`, the ids of the k most similar reviews (the query itself excluded), best first."""

    Args = _Args
    args: _Args
    batch_size = 64

    def prepare(self, dataset: Dataset) -> StageIdentity:
        corpus: list[CleanedReview] | None = dataset.resources.get("reviews")
        if corpus is None:
            raise ValueError("the retrieval stage needs a corpus: use a dataset loader that provides `reviews`")
        spec = self.ctx.model or self.args.embedder
        self.embedder = build_embedder(spec, threads=self.ctx.settings.embedding_threads)
        settings = self.ctx.settings.model_copy(update={"home": self.ctx.work_dir, "chroma_mode": "persistent"})
        self.index = ReviewIndex.open(settings, self.embedder)
        self._lock = threading.Lock()
        items = [
            IndexItem(
                review_id=r.review_id,
                text=_document(r.title, r.text),
                sku=r.sku,
                category=r.category,
                rating=r.rating,
                region=r.region,
                warehouse=r.warehouse,
                supplier=r.supplier,
                created_at=r.created_at,
                channel=r.channel.value,
            )
            for r in corpus
        ]
        for start in range(0, len(items), 512):
            self.index.upsert(items[start : start + 512])
        import chromadb

        return StageIdentity(
            stage="retrieval",
            model=self.embedder.model_id,
            versions={"chromadb": chromadb.__version__},
            details={"corpus": len(items), "k": self.args.k, "scope": self.args.scope, "embedder": spec},
        )

    def solve(self, cases: Sequence[Case], calls: CaseContext) -> list[dict[str, Any]]:
        texts = [_document(str(c.input.get("title") or ""), str(c.input["text"])) for c in cases]
        vectors = self.embedder.embed(texts)
        outputs = []
        with self._lock:  # one Chroma client, queried from worker threads
            for case, vector in zip(cases, vectors, strict=True):
                sku = case.input.get("sku") if self.args.scope == "sku" else None
                hits = self.index.similar(vector, k=self.args.k, sku=sku, exclude_ids=[case.id])
                outputs.append({"retrieved": [h.review_id for h in hits]})
        return outputs

    def close(self) -> None:
        index = getattr(self, "index", None)
        if index is not None:
            index.close()
