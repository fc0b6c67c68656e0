"""A bounded in-process LRU of scopes' embeddings, so a hot SKU is ranked without reading its rows again.

Entries are whole scopes (a SKU, a category, or both) in created_at order; a query's time window is a slice of
one. Writes drop exactly the scopes that held or now hold a written review (`invalidate`), and a write by any other
connection to the scope table drops everything (`clear`), so a cached answer always equals an uncached one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable

from pydantic import BaseModel, Field

from store.scope_store import Scope, ScopeRows

__all__ = ["CacheStats", "ScopeCache"]


class CacheStats(BaseModel):
    """What the scope cache holds and how it has done."""

    hits: int = 0
    misses: int = Field(default=0, description="Lookups of a cacheable scope that had to read the scope table.")
    entries: int = 0
    megabytes: float = 0.0
    limit_megabytes: float = 0.0


class ScopeCache:
    """Scope -> `ScopeRows`, least recently used evicted first once the total passes `max_bytes`."""

    def __init__(self, max_bytes: int) -> None:
        if max_bytes < 0:
            raise ValueError(f"max_bytes must be >= 0, got {max_bytes}")
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Scope, ScopeRows] = OrderedDict()
        self._by_sku: defaultdict[str, set[Scope]] = defaultdict(set)
        self._by_category: defaultdict[str, set[Scope]] = defaultdict(set)
        self._bytes = 0
        self._hits = 0
        self._misses = 0
        self._lock = threading.Lock()

    def fits(self, rows: int, dimension: int) -> bool:
        """Whether a scope of `rows` vectors may be cached at all (at most a quarter of the budget)."""
        return rows * (4 * dimension + 108) <= self.max_bytes // 4

    def get(self, scope: Scope) -> ScopeRows | None:
        """The cached rows of `scope` (marking it recently used), or None; counts a hit or a miss."""
        with self._lock:
            rows = self._entries.get(scope)
            if rows is None:
                self._misses += 1
                return None
            self._entries.move_to_end(scope)
            self._hits += 1
            return rows

    def put(self, scope: Scope, rows: ScopeRows) -> None:
        """Cache `rows` for `scope`, evicting the least recently used scopes to stay within the budget."""
        if scope.is_whole_index or rows.nbytes > self.max_bytes:
            return
        with self._lock:
            self._drop(scope)
            while self._entries and self._bytes + rows.nbytes > self.max_bytes:
                self._drop(next(iter(self._entries)))
            self._entries[scope] = rows
            self._bytes += rows.nbytes
            if scope.sku is not None:
                self._by_sku[scope.sku].add(scope)
            if scope.category is not None:
                self._by_category[scope.category].add(scope)

    def invalidate(self, touched: Iterable[tuple[str | None, str | None]]) -> None:
        """Drop every cached scope that contains a review with one of these (sku, category) pairs."""
        with self._lock:
            for sku, category in touched:
                candidates = set(self._by_sku.get(sku, ())) if sku is not None else set()
                if category is not None:
                    candidates |= self._by_category.get(category, set())
                for scope in candidates:
                    if scope.contains(sku, category):
                        self._drop(scope)

    def clear(self) -> None:
        """Drop everything (another writer changed the scope table)."""
        with self._lock:
            self._entries.clear()
            self._by_sku.clear()
            self._by_category.clear()
            self._bytes = 0

    def stats(self) -> CacheStats:
        """Counts and size so far."""
        with self._lock:
            return CacheStats(
                hits=self._hits,
                misses=self._misses,
                entries=len(self._entries),
                megabytes=round(self._bytes / 1e6, 3),
                limit_megabytes=round(self.max_bytes / 1e6, 3),
            )

    def _drop(self, scope: Scope) -> None:
        rows = self._entries.pop(scope, None)
        if rows is None:
            return
        self._bytes -= rows.nbytes
        if scope.sku is not None:
            self._by_sku[scope.sku].discard(scope)
            if not self._by_sku[scope.sku]:
                del self._by_sku[scope.sku]
        if scope.category is not None:
            self._by_category[scope.category].discard(scope)
            if not self._by_category[scope.category]:
                del self._by_category[scope.category]
