"""Exact scoped retrieval beside Chroma: each indexed review's SKU, category, time and embedding in one SQLite table.

Chroma 1.5's metadata filter costs time in proportion to the whole collection (≈25–50 ms at 100k before the
first row, ≈10× that at 1M) and its Python client hands vectors back at ≈0.1 ms each, so a SKU/category/time
scope is read from here instead: rows are clustered by (SKU, created_at) on 16 KiB pages, so a SKU's reviews are
one range read (<1 ms for a few hundred, ≈25 ms for 6k), and category or time-only scopes use secondary indexes.
Chroma stays the system of record for documents, metadata and the unfiltered HNSW search; this table is derived
from it, written in the same `ReviewIndex.upsert`, and rebuilt from Chroma when the two disagree on open.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, cast

import numpy as np
from chromadb.api.models.Collection import Collection

__all__ = ["FILE_NAME", "Scope", "ScopeEntry", "ScopeRows", "ScopeStore", "sync_from_chroma"]

logger = logging.getLogger(__name__)

FILE_NAME = "reviewops_scopes.sqlite3"
_PAGE_SIZE = 16_384  # a 1.5 KiB vector per row: bigger pages keep a SKU's rows on few pages

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scope_vectors (
    sku_key TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    review_id TEXT NOT NULL,
    sku TEXT,
    category TEXT,
    embedding BLOB NOT NULL,
    PRIMARY KEY (sku_key, created_at, review_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS scope_vectors_review ON scope_vectors (review_id);
CREATE INDEX IF NOT EXISTS scope_vectors_category ON scope_vectors (category, created_at);
CREATE INDEX IF NOT EXISTS scope_vectors_created ON scope_vectors (created_at);
CREATE TABLE IF NOT EXISTS scope_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Scope:
    """The equality part of a retrieval filter (`None` = any); the time window is applied within it."""

    sku: str | None = None
    category: str | None = None

    @property
    def is_whole_index(self) -> bool:
        """True when neither SKU nor category narrows it (only a time window can)."""
        return self.sku is None and self.category is None

    def contains(self, sku: str | None, category: str | None) -> bool:
        """Whether a review with this SKU and category belongs to the scope."""
        return (self.sku is None or self.sku == sku) and (self.category is None or self.category == category)


class ScopeEntry(NamedTuple):
    """One review as this table stores it."""

    review_id: str
    sku: str | None
    category: str | None
    created_at: int
    """Epoch seconds, as in the Chroma metadata."""
    vector: np.ndarray


@dataclass(frozen=True)
class ScopeRows:
    """A scope's reviews in `created_at` order: ids, epoch seconds and unit float32 embeddings (row i each)."""

    ids: list[str]
    created_at: np.ndarray
    vectors: np.ndarray

    @property
    def nbytes(self) -> int:
        """Approximate memory held (vectors, times, and ≈100 bytes per id string)."""
        return int(self.vectors.nbytes + self.created_at.nbytes + 100 * len(self.ids))

    def window(self, since: int | None, until: int | None) -> ScopeRows:
        """The rows with since <= created_at < until (either bound optional): a slice, no copy."""
        start = 0 if since is None else int(np.searchsorted(self.created_at, since, side="left"))
        end = len(self.ids) if until is None else int(np.searchsorted(self.created_at, until, side="left"))
        end = max(start, end)
        return ScopeRows(self.ids[start:end], self.created_at[start:end], self.vectors[start:end])


def _sku_key(sku: str | None) -> str:
    # The clustering key cannot be NULL in a WITHOUT ROWID table: '' = no SKU, 's:<sku>' otherwise.
    return "" if sku is None else f"s:{sku}"


class ScopeStore:
    """The SQLite table above, one connection per instance (thread-safe); see the module docstring."""

    def __init__(self, path: Path, dimension: int) -> None:
        self.path = path
        self.dimension = dimension
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute(f"PRAGMA page_size={_PAGE_SIZE}")  # only takes effect on a new file
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._data_version = self._read_data_version()

    # --- consistency with Chroma -----------------------------------------------------------------------------

    def matches(self, collection_id: str, count: int) -> bool:
        """True when this table was built for that Chroma collection, with this dimension, and holds `count` rows."""
        meta = self._meta()
        return (
            meta.get("collection_id") == collection_id
            and meta.get("dimension") == str(self.dimension)
            and self.size() == count
        )

    def replace_all(self, collection_id: str, pages: Iterable[Sequence[ScopeEntry]]) -> int:
        """Empty the table and refill it from `pages` (Chroma's content), then stamp it with the collection id."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM scope_vectors")
                self._db.execute("DELETE FROM scope_meta")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        total = 0
        for page in pages:
            self.upsert(page)
            total += len(page)
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO scope_meta (key, value) VALUES (?, ?)",
                [("collection_id", collection_id), ("dimension", str(self.dimension))],
            )
        return total

    # --- writes ----------------------------------------------------------------------------------------------

    def upsert(self, entries: Sequence[ScopeEntry]) -> set[tuple[str | None, str | None]]:
        """Write `entries` (replacing rows with the same review id); returns every (sku, category) they had
        before or have now, which is what a scope cache must drop."""
        if not entries:
            return set()
        for entry in entries:
            if entry.vector.shape != (self.dimension,):
                raise ValueError(
                    f"review {entry.review_id!r}: embedding shape {entry.vector.shape} does not match the scope "
                    f"table's dimension {self.dimension}"
                )
        ids = [entry.review_id for entry in entries]
        touched: set[tuple[str | None, str | None]] = {(entry.sku, entry.category) for entry in entries}
        rows = [
            (
                _sku_key(e.sku),
                int(e.created_at),
                e.review_id,
                e.sku,
                e.category,
                np.ascontiguousarray(e.vector, dtype=np.float32).tobytes(),
            )
            for e in entries
        ]
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for start in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
                    chunk = ids[start : start + 500]
                    marks = ",".join("?" * len(chunk))
                    touched.update(
                        self._db.execute(
                            f"SELECT sku, category FROM scope_vectors WHERE review_id IN ({marks})", chunk
                        ).fetchall()
                    )
                    self._db.execute(f"DELETE FROM scope_vectors WHERE review_id IN ({marks})", chunk)
                self._db.executemany("INSERT INTO scope_vectors VALUES (?, ?, ?, ?, ?, ?)", rows)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return touched

    # --- reads -----------------------------------------------------------------------------------------------

    def size(self) -> int:
        """How many reviews the table holds."""
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM scope_vectors").fetchone()[0])

    def count(self, scope: Scope, since: int | None = None, until: int | None = None) -> int:
        """How many reviews are in the scope and window (an index range count, no vectors read)."""
        sql, params = _select("count(*)", scope, since, until, ordered=False)
        with self._lock:
            return int(self._db.execute(sql, params).fetchone()[0])

    def fetch(self, scope: Scope, since: int | None = None, until: int | None = None) -> ScopeRows:
        """The scope's reviews within the window, in created_at order."""
        sql, params = _select("review_id, created_at, embedding", scope, since, until, ordered=True)
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        vectors = np.frombuffer(b"".join(row[2] for row in rows), dtype=np.float32).reshape(len(rows), self.dimension)
        created = np.fromiter((row[1] for row in rows), dtype=np.int64, count=len(rows))
        return ScopeRows([row[0] for row in rows], created, vectors)

    def changed_elsewhere(self) -> bool:
        """True (once per change) when another connection, in this process or another, wrote since the last call."""
        version = self._read_data_version()
        changed, self._data_version = version != self._data_version, version
        return changed

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()

    def _read_data_version(self) -> int:
        with self._lock:
            return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def _meta(self) -> dict[str, str]:
        with self._lock:
            return dict(self._db.execute("SELECT key, value FROM scope_meta").fetchall())


def _select(
    columns: str, scope: Scope, since: int | None, until: int | None, ordered: bool
) -> tuple[str, list[object]]:
    conditions: list[str] = []
    params: list[object] = []
    if scope.sku is not None:
        conditions.append("sku_key = ?")
        params.append(_sku_key(scope.sku))
    if scope.category is not None:
        conditions.append("category = ?")
        params.append(scope.category)
    if since is not None:
        conditions.append("created_at >= ?")
        params.append(int(since))
    if until is not None:
        conditions.append("created_at < ?")
        params.append(int(until))
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    order = " ORDER BY created_at, review_id" if ordered else ""
    return f"SELECT {columns} FROM scope_vectors{where}{order}", params


def sync_from_chroma(scopes: ScopeStore, collection: Collection, page: int = 2_000) -> None:
    """Rebuild the scope table from Chroma unless it was built for this collection and holds as many reviews."""
    count = collection.count()
    if scopes.matches(str(collection.id), count):
        return
    if count == 0:  # a new collection (or one emptied): start the table empty, stamped with its id
        scopes.replace_all(str(collection.id), [])
        return
    logger.warning(
        "the scope table %s does not match the Chroma collection (%d reviews); rebuilding it from Chroma",
        scopes.path,
        count,
    )
    started = time.perf_counter()

    def pages() -> Iterator[list[ScopeEntry]]:
        for offset in range(0, count, page):
            got = collection.get(include=["embeddings", "metadatas"], limit=page, offset=offset)
            metadatas = cast(list[Any], got["metadatas"])
            embeddings = np.asarray(got["embeddings"], dtype=np.float32)
            yield [
                _scope_entry(review_id, metadata or {}, vector)
                for review_id, metadata, vector in zip(got["ids"], metadatas, embeddings, strict=True)
            ]

    rebuilt = scopes.replace_all(str(collection.id), pages())
    logger.info("scope table rebuilt: %d reviews in %.1f s", rebuilt, time.perf_counter() - started)


def _scope_entry(review_id: str, metadata: dict[str, Any], vector: np.ndarray) -> ScopeEntry:
    created_at = metadata.get("created_at")
    if not isinstance(created_at, int):
        raise ValueError(
            f"review {review_id!r} in Chroma has no integer created_at ({created_at!r}); the collection was not "
            f"written by ReviewIndex: delete it and reindex"
        )
    sku, category = metadata.get("sku"), metadata.get("category")
    return ScopeEntry(
        review_id,
        sku if isinstance(sku, str) else None,
        category if isinstance(category, str) else None,
        created_at,
        vector,
    )
