"""The Chroma index of silver reviews: batched, resumable indexing and similar-review retrieval.

Unfiltered queries use Chroma's HNSW index. A SKU, category or time-window filter is ranked exactly with numpy
over the scope's embeddings when it matches at most `exact_scope_limit` reviews: Chroma's own filtered query costs
time in proportion to the whole collection (p50 ≈170 ms for a SKU at 100k on the shared 2-core box) and is
approximate. In the embedded (persistent) mode the scope is read from the SQLite scope table beside the Chroma
directory (`store.scope_store`; <1 ms for a few hundred reviews) and hot scopes stay in a bounded in-process cache
(`store.scope_cache`). In `chroma_mode="http"` other processes may write the collection, so the scope is read from
Chroma itself, as before. Wider scopes fall back to Chroma's filtered query. One process writes a persistent
directory at a time.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, cast

import chromadb
import httpx
import numpy as np
from chromadb.api.client import Client
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import ChromaError

from store.embeddings import ReviewEmbeddingFunction, TextEmbedder
from store.index_models import IndexItem, IndexStats, RetrievalStats, SimilarReview, epoch_seconds
from store.scope_cache import ScopeCache
from store.scope_store import FILE_NAME as SCOPE_FILE_NAME
from store.scope_store import Scope, ScopeEntry, ScopeStore, sync_from_chroma
from store.settings import Settings

__all__ = [
    "COLLECTION_NAME",
    "INDEX_ERRORS",
    "INDEX_OPEN_ERRORS",
    "IndexItem",
    "IndexStats",
    "RetrievalStats",
    "ReviewIndex",
    "SimilarReview",
]

COLLECTION_NAME = "reviews"
EXACT_SCOPE_LIMIT = 50_000
"""Scopes up to this many reviews are ranked exactly (≈10 ms of numpy at the limit once its rows are in memory)."""
SCOPE_CACHE_MB = 256.0
"""Default bound of the in-process scope cache (≈160k 384-d vectors)."""
INDEX_ERRORS: tuple[type[Exception], ...] = (ChromaError, sqlite3.Error, OSError, httpx.HTTPError)
"""What a query of an open index raises when the index, not the caller, is at fault: Chroma's own errors (a locked
or corrupt directory surfaces as `InternalError`), the scope table's SQLite, the files, a `chroma run` server's
transport. Callers for whom the index is only an aid catch these and nothing broader."""
INDEX_OPEN_ERRORS: tuple[type[Exception], ...] = (*INDEX_ERRORS, ValueError)
"""What `ReviewIndex.open` raises when the index cannot be used: the above, and ValueError (Chroma's when a `chroma
run` server does not answer, ours when the collection was built with another embedder)."""
logger = logging.getLogger(__name__)


class ReviewIndex:
    """The `reviews` collection with our embedder; embeddings are always computed here and passed to Chroma."""

    def __init__(
        self,
        client: Client,
        collection: Collection,
        embedder: TextEmbedder,
        exact_scope_limit: int = EXACT_SCOPE_LIMIT,
        scopes: ScopeStore | None = None,
        cache: ScopeCache | None = None,
    ) -> None:
        self._client = client
        self._collection = collection
        self.embedder = embedder
        self.exact_scope_limit = exact_scope_limit
        self._scopes = scopes
        self._cache = cache if scopes is not None else None
        self._paths: Counter[str] = Counter()

    @classmethod
    def open(
        cls,
        settings: Settings,
        embedder: TextEmbedder,
        exact_scope_limit: int = EXACT_SCOPE_LIMIT,
        scope_cache_mb: float = SCOPE_CACHE_MB,
    ) -> ReviewIndex:
        """Open (creating if needed) the index: embedded under `settings.chroma_dir` with its scope table (rebuilt
        from Chroma if the two disagree), or a `chroma run` server. `scope_cache_mb` bounds the in-process cache."""
        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        client: Client
        if settings.chroma_mode == "http":
            client = cast(
                Client,
                chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings),
            )
            where = f"the Chroma server at {settings.chroma_host}:{settings.chroma_port}"
        else:
            settings.chroma_dir.mkdir(parents=True, exist_ok=True)
            client = cast(Client, chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings))
            where = str(settings.chroma_dir)
        # Any: chromadb types the parameter as EmbeddingFunction[Documents | Images], invariant in its input.
        embedding_function: Any = ReviewEmbeddingFunction(embedder)
        scopes: ScopeStore | None = None
        try:
            collection = client.get_or_create_collection(
                COLLECTION_NAME,
                configuration={"hnsw": {"space": "cosine"}, "embedding_function": embedding_function},
                embedding_function=embedding_function,
            )
            _check_same_embedder(collection, embedder, where)
            if settings.chroma_mode != "http":
                scopes = ScopeStore(settings.chroma_dir / SCOPE_FILE_NAME, embedder.dimension)
                sync_from_chroma(scopes, collection)
        except Exception:
            if scopes is not None:
                scopes.close()
            client.close()
            raise
        cache = ScopeCache(int(scope_cache_mb * 1e6)) if scopes is not None else None
        return cls(client, collection, embedder, exact_scope_limit, scopes, cache)

    def upsert(self, items: Sequence[IndexItem], embeddings: np.ndarray | None = None) -> None:
        """Embed and write `items`; idempotent by `review_id` (a later item with the same id wins).

        `embeddings` (one row per item, any norm: rows are normalized here) skip the embedder, e.g. for vectors computed
        by a separate stage. The scope table is written after Chroma, so it never holds a review Chroma lacks.
        """
        positions = list({item.review_id: i for i, item in enumerate(items)}.values())
        if not positions:
            return
        latest = [items[i] for i in positions]
        if embeddings is None:
            vectors = self.embedder.embed([item.text for item in latest])
        else:
            vectors = self._given_embeddings(embeddings, len(items))[positions]
        step = self._client.get_max_batch_size()
        for start in range(0, len(latest), step):
            chunk = latest[start : start + step]
            self._collection.upsert(
                ids=[item.review_id for item in chunk],
                embeddings=vectors[start : start + step],
                documents=[item.text for item in chunk],
                metadatas=cast(Any, [item.metadata() for item in chunk]),
            )
        if self._scopes is not None:
            touched = self._scopes.upsert(
                [
                    ScopeEntry(item.review_id, item.sku, item.category, epoch_seconds(item.created_at), vector)
                    for item, vector in zip(latest, vectors, strict=True)
                ]
            )
            if self._cache is not None:
                self._cache.invalidate(touched)

    def index_pending(
        self,
        fetch_batch: Callable[[int], Sequence[IndexItem]],
        mark_done: Callable[[Sequence[str]], None],
        batch_size: int = 256,
    ) -> IndexStats:
        """Index every review `fetch_batch` still reports pending, `batch_size` at a time, until it returns none.

        Upsert happens before `mark_done`, so a crash between them re-upserts the same ids on the next run:
        nothing is missed and nothing is duplicated.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        started = time.perf_counter()
        done_this_run: set[str] = set()
        count = 0
        while batch := fetch_batch(batch_size):
            review_ids = [item.review_id for item in batch]
            if done_this_run.issuperset(review_ids):
                raise RuntimeError(
                    f"fetch_batch returned only reviews already indexed and marked done in this run "
                    f"(e.g. {review_ids[0]!r}); mark_done must remove them from the pending set"
                )
            self.upsert(batch)
            mark_done(review_ids)
            done_this_run.update(review_ids)
            count += len(batch)
            logger.debug("indexed %d reviews (%d this run)", len(batch), count)
        seconds = time.perf_counter() - started
        stats = IndexStats(count=count, seconds=seconds, rate=count / seconds if seconds > 0 else 0.0)
        logger.info("indexed %d reviews in %.1f s (%.0f/s)", stats.count, stats.seconds, stats.rate)
        return stats

    def similar(
        self,
        text_or_embedding: str | Sequence[float] | np.ndarray,
        k: int = 10,
        sku: str | None = None,
        category: str | None = None,
        since: datetime | int | None = None,
        until: datetime | int | None = None,
        exclude_ids: Sequence[str] = (),
    ) -> list[SimilarReview]:
        """The `k` reviews nearest to a text or embedding, optionally within a SKU, category and [since, until).

        Exact when the filter matches at most `exact_scope_limit` reviews (ties broken by review id); otherwise
        approximate (HNSW). A bare string in `exclude_ids` is one id.
        """
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        exclude = frozenset([exclude_ids] if isinstance(exclude_ids, str) else exclude_ids)
        query = self._query_vector(text_or_embedding)
        where = _where(sku=sku, category=category, since=since, until=until)
        if where is None:
            self._paths["unfiltered"] += 1
            return self._similar_approximate(query, k, None, exclude)
        start = None if since is None else epoch_seconds(since)
        end = None if until is None else epoch_seconds(until)
        if self._scopes is not None:
            return self._similar_from_table(self._scopes, query, k, Scope(sku, category), start, end, where, exclude)
        return self._similar_in_scope(query, k, where, exclude)

    def count(self) -> int:
        """How many reviews the index holds."""
        return self._collection.count()

    def stats(self) -> RetrievalStats:
        """Queries per path so far and the scope cache's figures."""
        return RetrievalStats(
            unfiltered=self._paths["unfiltered"],
            exact=self._paths["exact"],
            approximate=self._paths["approximate"],
            scope_source="scope_table" if self._scopes is not None else "chroma",
            cache=self._cache.stats() if self._cache is not None else None,
        )

    def close(self) -> None:
        """Release the Chroma client (and, for the last client on a directory, its files) and the scope table."""
        if self._scopes is not None:
            self._scopes.close()
        self._client.close()

    def __enter__(self) -> ReviewIndex:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _query_vector(self, text_or_embedding: str | Sequence[float] | np.ndarray) -> np.ndarray:
        if isinstance(text_or_embedding, str):
            return cast(np.ndarray, self.embedder.embed([text_or_embedding])[0])
        vector = np.asarray(text_or_embedding, dtype=np.float32).reshape(-1)
        if vector.shape[0] != self.embedder.dimension:
            raise ValueError(
                f"query embedding has {vector.shape[0]} dimensions but the index uses {self.embedder.dimension} "
                f"({self.embedder.model_id}); embed the query with the same embedder"
            )
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm > 0 else vector

    def _given_embeddings(self, embeddings: np.ndarray, items: int) -> np.ndarray:
        vectors = np.asarray(embeddings, dtype=np.float32)
        if vectors.shape != (items, self.embedder.dimension):
            raise ValueError(
                f"embeddings have shape {vectors.shape} but {items} item(s) of dimension {self.embedder.dimension} "
                f"({self.embedder.model_id}) were given; pass one row per item from the same embedder"
            )
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return cast(np.ndarray, vectors / np.where(norms > 0, norms, 1.0))

    def _similar_approximate(
        self, query: np.ndarray, k: int, where: dict[str, Any] | None, exclude: frozenset[str]
    ) -> list[SimilarReview]:
        result = self._collection.query(
            query_embeddings=[query],
            n_results=k + len(exclude),
            where=cast(Any, where),
            include=["metadatas", "documents", "distances"],
        )
        # Included columns are always present; the casts only narrow chromadb's Optional result types.
        ids = result["ids"][0]
        distances = cast(list[list[float]], result["distances"])[0]
        metadatas = cast(list[list[Any]], result["metadatas"])[0]
        documents = cast(list[list[str]], result["documents"])[0]
        hits = [
            _similar_review(review_id, float(distance), metadata, document)
            for review_id, distance, metadata, document in zip(ids, distances, metadatas, documents, strict=True)
            if review_id not in exclude
        ]
        return hits[:k]

    def _similar_from_table(
        self,
        scopes: ScopeStore,
        query: np.ndarray,
        k: int,
        scope: Scope,
        since: int | None,
        until: int | None,
        where: dict[str, Any],
        exclude: frozenset[str],
    ) -> list[SimilarReview]:
        # A cached scope is sliced to the window; an uncached one is read whole (and cached) when it fits the
        # cache, else only its window is read; a window wider than the exact limit goes to HNSW.
        cache = self._cache
        if cache is not None and scopes.changed_elsewhere():
            cache.clear()
        rows = None
        if cache is not None and not scope.is_whole_index:
            rows = cache.get(scope)
            if rows is None and cache.fits(scopes.count(scope), self.embedder.dimension):
                rows = scopes.fetch(scope)
                cache.put(scope, rows)
        if rows is not None:
            rows = rows.window(since, until)
        elif scopes.count(scope, since, until) <= self.exact_scope_limit:
            rows = scopes.fetch(scope, since, until)
        if rows is None or len(rows.ids) > self.exact_scope_limit:
            self._paths["approximate"] += 1
            return self._similar_approximate(query, k, where, exclude)
        self._paths["exact"] += 1
        return self._ranked(rows.ids, rows.vectors, query, k, exclude)

    def _similar_in_scope(
        self, query: np.ndarray, k: int, where: dict[str, Any], exclude: frozenset[str]
    ) -> list[SimilarReview]:
        # http mode: size the scope with ids alone; fetch vectors only for a small scope, text only for the winners.
        scope_ids = self._collection.get(where=cast(Any, where), include=[], limit=self.exact_scope_limit + 1)["ids"]
        if len(scope_ids) > self.exact_scope_limit:
            self._paths["approximate"] += 1
            return self._similar_approximate(query, k, where, exclude)
        self._paths["exact"] += 1
        if not scope_ids:
            return []
        scope = self._collection.get(ids=scope_ids, include=["embeddings"])
        return self._ranked(scope["ids"], np.asarray(scope["embeddings"], dtype=np.float32), query, k, exclude)

    def _ranked(
        self, ids: Sequence[str], vectors: np.ndarray, query: np.ndarray, k: int, exclude: frozenset[str]
    ) -> list[SimilarReview]:
        if not ids:
            return []
        similarities = vectors @ query
        if exclude:
            similarities[[review_id in exclude for review_id in ids]] = -np.inf
        top = _top_k(similarities, ids, k)
        if not top:
            return []
        top_ids = [ids[i] for i in top]
        details = self._collection.get(ids=top_ids, include=["metadatas", "documents"])
        metadata_by_id = dict(zip(details["ids"], cast(list[Any], details["metadatas"]), strict=True))
        document_by_id = dict(zip(details["ids"], cast(list[str], details["documents"]), strict=True))
        return [
            _similar_review(
                review_id, 1.0 - float(similarities[i]), metadata_by_id.get(review_id), document_by_id.get(review_id)
            )
            for review_id, i in zip(top_ids, top, strict=True)
        ]


def _check_same_embedder(collection: Collection, embedder: TextEmbedder, where: str) -> None:
    # Chroma only compares embedding-function names on reopen; vectors from another model would silently mix.
    persisted = (collection.configuration_json or {}).get("embedding_function") or {}
    config = persisted.get("config") or {}
    built_with = (persisted.get("name"), config.get("model_id"), config.get("dimension"))
    expected = (ReviewEmbeddingFunction.name(), embedder.model_id, embedder.dimension)
    if built_with != expected:
        raise ValueError(
            f"Chroma collection {COLLECTION_NAME!r} at {where} was built with embedding function/model/dimension "
            f"{built_with}, but this run embeds with {expected}; open it with the same embedder, or delete the "
            f"collection (e.g. the chroma directory under REVIEWOPS_HOME) and reindex"
        )


def _where(
    sku: str | None, category: str | None, since: datetime | int | None, until: datetime | int | None
) -> dict[str, Any] | None:
    conditions: list[dict[str, Any]] = []
    if sku is not None:
        conditions.append({"sku": sku})
    if category is not None:
        conditions.append({"category": category})
    if since is not None:
        conditions.append({"created_at": {"$gte": epoch_seconds(since)}})
    if until is not None:
        conditions.append({"created_at": {"$lt": epoch_seconds(until)}})
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else {"$and": conditions}


def _top_k(similarities: np.ndarray, ids: Sequence[str], k: int) -> list[int]:
    """Positions of the `k` highest finite similarities, best first, equal ones in review-id order."""
    finite = np.flatnonzero(np.isfinite(similarities))
    if finite.size > k:
        kth = np.partition(similarities[finite], finite.size - k)[finite.size - k]
        finite = finite[similarities[finite] >= kth]
    return sorted(finite.tolist(), key=lambda i: (-float(similarities[i]), ids[i]))[:k]


def _similar_review(review_id: str, distance: float, metadata: Any, document: str | None) -> SimilarReview:
    return SimilarReview(
        review_id=review_id,
        distance=distance,
        similarity=1.0 - distance,
        metadata=dict(metadata or {}),
        document=document,
    )
