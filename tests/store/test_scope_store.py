import numpy as np
import pytest

from store.scope_cache import ScopeCache
from store.scope_store import Scope, ScopeEntry, ScopeRows, ScopeStore


def entry(review_id, sku="S1", category="tops", created_at=100, dimension=4):
    vector = np.random.default_rng(abs(hash(review_id)) % 2**32).standard_normal(dimension).astype(np.float32)
    return ScopeEntry(review_id, sku, category, created_at, vector / np.linalg.norm(vector))


@pytest.fixture
def store(tmp_path):
    opened = ScopeStore(tmp_path / "scopes.sqlite3", dimension=4)
    yield opened
    opened.close()


def test_fetch_returns_the_scope_in_time_order_and_the_window_is_half_open(store):
    store.upsert([entry("b", created_at=300), entry("a", created_at=100), entry("c", created_at=200, sku="S2")])

    rows = store.fetch(Scope(sku="S1"))

    assert rows.ids == ["a", "b"] and rows.created_at.tolist() == [100, 300]
    assert store.fetch(Scope(sku="S1"), since=100, until=300).ids == ["a"]
    assert rows.window(100, 300).ids == ["a"] and rows.window(101, None).ids == ["b"]
    assert store.count(Scope(category="tops"), since=150) == 2
    assert store.fetch(Scope()).ids == ["a", "c", "b"]


def test_no_sku_and_an_empty_sku_are_different_scopes(store):
    store.upsert([entry("none", sku=None), entry("empty", sku="")])

    assert store.fetch(Scope(sku="")).ids == ["empty"]
    assert store.count(Scope(category="tops")) == 2


def test_upsert_replaces_by_review_id_and_reports_the_old_and_new_scopes(store):
    store.upsert([entry("a", sku="S1", category="tops")])

    touched = store.upsert([entry("a", sku="S2", category="jeans", created_at=500)])

    assert touched == {("S1", "tops"), ("S2", "jeans")}
    assert store.size() == 1 and store.fetch(Scope(sku="S1")).ids == []
    np.testing.assert_array_equal(store.fetch(Scope(sku="S2")).vectors[0], entry("a").vector)


def test_a_vector_of_the_wrong_dimension_is_refused_before_anything_is_written(store):
    with pytest.raises(ValueError, match=r"review 'x': embedding shape \(3,\) does not match .* dimension 4"):
        store.upsert([entry("ok"), entry("x", dimension=3)])
    assert store.size() == 0


def test_another_connections_write_is_noticed_once(tmp_path, store):
    assert not store.changed_elsewhere()
    store.upsert([entry("mine")])
    assert not store.changed_elsewhere()

    other = ScopeStore(tmp_path / "scopes.sqlite3", dimension=4)
    other.upsert([entry("theirs")])
    other.close()

    assert store.changed_elsewhere()
    assert not store.changed_elsewhere()


def test_matches_needs_the_same_collection_dimension_and_count(tmp_path, store):
    store.replace_all("col-1", [[entry("a"), entry("b")]])

    assert store.matches("col-1", 2)
    assert not store.matches("col-2", 2)
    assert not store.matches("col-1", 3)
    assert not ScopeStore(tmp_path / "scopes.sqlite3", dimension=8).matches("col-1", 2)


def rows(n, dimension=4):
    return ScopeRows([f"r{i}" for i in range(n)], np.arange(n, dtype=np.int64), np.zeros((n, dimension), np.float32))


def test_cache_invalidation_drops_exactly_the_scopes_containing_a_touched_review():
    cache = ScopeCache(max_bytes=10**6)
    scopes = [Scope("S1"), Scope("S2"), Scope(None, "tops"), Scope("S2", "jeans"), Scope(None, "jeans")]
    for scope in scopes:
        cache.put(scope, rows(2))

    cache.invalidate([("S2", "tops")])

    assert {scope for scope in scopes if cache.get(scope)} == {Scope("S1"), Scope("S2", "jeans"), Scope(None, "jeans")}


def test_cache_evicts_the_least_recently_used_scope_and_skips_what_cannot_fit():
    one = rows(10).nbytes
    cache = ScopeCache(max_bytes=2 * one)
    cache.put(Scope("A"), rows(10))
    cache.put(Scope("B"), rows(10))
    cache.get(Scope("A"))

    cache.put(Scope("C"), rows(10))
    cache.put(Scope("D"), rows(100))
    cache.put(Scope(), rows(1))

    assert [bool(cache.get(Scope(s))) for s in "ABCD"] == [True, False, True, False]
    assert cache.get(Scope()) is None
    assert cache.stats().megabytes <= cache.stats().limit_megabytes
    assert cache.fits(10, 4) is False and ScopeCache(max_bytes=8 * one).fits(10, 4)
