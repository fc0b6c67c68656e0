from datetime import UTC, datetime, timedelta

import chromadb
import numpy as np
import pytest
from chromadb.api.types import DefaultEmbeddingFunction
from chromadb.utils.embedding_functions.onnx_mini_lm_l6_v2 import ONNXMiniLM_L6_V2

from store.embeddings import HashingEmbedder, ReviewEmbeddingFunction
from store.settings import Settings
from store.vector_index import IndexItem, ReviewIndex

DAY0 = datetime(2025, 3, 1, tzinfo=UTC)
WORDS = [
    "zipper",
    "seam",
    "button",
    "fabric",
    "thin",
    "itchy",
    "small",
    "large",
    "late",
    "lost",
    "box",
    "torn",
    "photo",
    "color",
    "refund",
    "price",
]


def make_item(number: int, sku: str = "SKU-1", day: int = 0) -> IndexItem:
    rng = np.random.default_rng(number)
    text = " ".join(rng.choice(WORDS, size=6)) + f" review{number}"
    return IndexItem(
        review_id=f"storefront:{number}",
        text=text,
        sku=sku,
        category="dresses",
        topics=["product_quality.defect", "sizing_fit.runs_small"],
        rating=int(rng.integers(1, 6)),
        region="eu-west",
        created_at=DAY0 + timedelta(days=day),
        channel="storefront",
        sentiment="negative",
    )


@pytest.fixture
def settings(tmp_path):
    return Settings(home=tmp_path)


@pytest.fixture
def index(settings):
    opened = ReviewIndex.open(settings, HashingEmbedder(dimension=32))
    yield opened
    opened.close()


class PendingReviews:
    """A stand-in for silver's `indexed_at` column: which reviews still need indexing."""

    def __init__(self, items, crash_on_batch=None):
        self.items = {item.review_id: item for item in items}
        self.indexed: set[str] = set()
        self.crash_on_batch = crash_on_batch
        self.batches_marked = 0

    def fetch_batch(self, size):
        return [item for review_id, item in self.items.items() if review_id not in self.indexed][:size]

    def mark_done(self, review_ids):
        self.batches_marked += 1
        if self.batches_marked == self.crash_on_batch:
            raise RuntimeError("process killed between upsert and mark_done")
        self.indexed.update(review_ids)


def test_metadata_is_scalar_with_topics_comma_joined_created_at_in_epoch_seconds_and_none_dropped():
    item = IndexItem(
        review_id="app_store:7", text="ok", sku=None, topics=["a.b", "c.d"], rating=4, created_at=DAY0, region=None
    )

    assert item.metadata() == {"topics": "a.b,c.d", "rating": 4, "created_at": int(DAY0.timestamp())}


def test_naive_created_at_is_read_as_utc():
    naive = IndexItem(review_id="csv:1", text="ok", created_at=datetime(2025, 3, 1))

    assert naive.metadata()["created_at"] == int(DAY0.timestamp())


def test_upserting_the_same_reviews_twice_leaves_the_count_unchanged(index):
    items = [make_item(n) for n in range(20)]

    index.upsert(items)
    index.upsert(items)

    assert index.count() == 20


def test_upserting_a_review_again_replaces_its_text_and_metadata(index):
    index.upsert([make_item(1)])
    edited = make_item(1).model_copy(update={"text": "seam ripped open", "rating": 1})

    index.upsert([edited])

    [hit] = index.similar("seam ripped open", k=1)
    assert (hit.review_id, hit.document, hit.metadata["rating"]) == ("storefront:1", "seam ripped open", 1)


def test_index_pending_after_a_crash_between_upsert_and_mark_done_indexes_every_review_exactly_once(index):
    items = [make_item(n) for n in range(23)]
    pending = PendingReviews(items, crash_on_batch=2)

    with pytest.raises(RuntimeError, match="process killed"):
        index.index_pending(pending.fetch_batch, pending.mark_done, batch_size=5)
    assert len(pending.indexed) == 5
    assert index.count() == 10

    stats = index.index_pending(pending.fetch_batch, pending.mark_done, batch_size=5)

    stored_ids = index._collection.get(include=[])["ids"]
    assert sorted(stored_ids) == sorted(item.review_id for item in items)
    assert pending.indexed == {item.review_id for item in items}
    assert index.count() == 23
    assert stats.count == 18
    assert stats.rate > 0


def test_index_pending_with_nothing_pending_indexes_nothing(index):
    stats = index.index_pending(lambda size: [], lambda ids: None)

    assert (stats.count, index.count()) == (0, 0)


def test_index_pending_stops_when_mark_done_does_not_clear_the_pending_set(index):
    items = [make_item(n) for n in range(3)]

    with pytest.raises(RuntimeError, match="mark_done must remove them"):
        index.index_pending(lambda size: items, lambda ids: None)


def test_similar_within_a_sku_returns_only_its_reviews_ranked_exactly_like_brute_force(index, monkeypatch):
    skus = ["SKU-A", "SKU-B", "SKU-C"]
    items = [make_item(n, sku=skus[n % 3]) for n in range(60)]
    index.upsert(items)
    query = "zipper torn thin fabric"
    monkeypatch.setattr(index._collection, "query", None)  # a small scope is ranked with numpy, not HNSW

    hits = index.similar(query, k=5, sku="SKU-B")

    in_sku = [item for item in items if item.sku == "SKU-B"]
    vectors = index.embedder.embed([item.text for item in in_sku])
    similarities = vectors @ index.embedder.embed([query])[0]
    order = np.argsort(-similarities, kind="stable")[:5]
    assert all(hit.metadata["sku"] == "SKU-B" for hit in hits)
    np.testing.assert_allclose([hit.similarity for hit in hits], similarities[order], atol=1e-5)
    assert [hit.distance for hit in hits] == sorted(hit.distance for hit in hits)
    assert {hit.document for hit in hits} <= {item.text for item in in_sku}


def test_similar_within_a_time_window_includes_since_and_excludes_until(index):
    index.upsert([make_item(n, day=n) for n in range(10)])

    hits = index.similar("zipper", k=10, since=DAY0 + timedelta(days=3), until=DAY0 + timedelta(days=6))

    assert sorted(hit.review_id for hit in hits) == ["storefront:3", "storefront:4", "storefront:5"]


def test_similar_combines_sku_and_window_and_accepts_epoch_seconds(index):
    index.upsert([make_item(n, sku="SKU-A" if n % 2 else "SKU-B", day=n) for n in range(10)])

    hits = index.similar("zipper", k=10, sku="SKU-A", since=int((DAY0 + timedelta(days=4)).timestamp()))

    assert sorted(hit.review_id for hit in hits) == ["storefront:5", "storefront:7", "storefront:9"]


def test_similar_over_a_scope_wider_than_the_exact_limit_uses_chromas_filtered_query_and_stays_in_scope(
    index, monkeypatch
):
    index.upsert([make_item(n, sku="SKU-A" if n % 2 else "SKU-B") for n in range(40)])
    index.exact_scope_limit = 5
    wheres = []
    real_query = index._collection.query

    def spy_query(**kwargs):
        wheres.append(kwargs["where"])
        return real_query(**kwargs)

    monkeypatch.setattr(index._collection, "query", spy_query)

    hits = index.similar("zipper seam", k=4, sku="SKU-A", exclude_ids=["storefront:1"])

    assert wheres == [{"sku": "SKU-A"}]
    assert len(hits) == 4
    assert all(hit.metadata["sku"] == "SKU-A" and hit.review_id != "storefront:1" for hit in hits)


@pytest.mark.parametrize("sku", [None, "SKU-1"])
def test_similar_never_returns_excluded_reviews(index, sku):
    items = [make_item(n) for n in range(8)]
    index.upsert(items)

    hits = index.similar(items[0].text, k=3, sku=sku, exclude_ids=[items[0].review_id])

    assert len(hits) == 3
    assert items[0].review_id not in {hit.review_id for hit in hits}
    assert items[0].review_id not in {
        hit.review_id for hit in index.similar(items[0].text, k=3, sku=sku, exclude_ids=items[0].review_id)
    }


def test_unfiltered_similar_finds_the_same_text_first_with_zero_distance(index):
    items = [make_item(n) for n in range(30)]
    index.upsert(items)

    [best] = index.similar(items[7].text, k=1)

    assert best.review_id == "storefront:7"
    assert best.distance == pytest.approx(0.0, abs=1e-5)
    assert best.similarity == pytest.approx(1.0, abs=1e-5)


def test_similar_accepts_a_precomputed_embedding_of_the_index_dimension_only(index):
    index.upsert([make_item(n) for n in range(5)])
    vector = index.embedder.embed([make_item(2).text])[0] * 3.0

    assert index.similar(vector, k=1)[0].review_id == "storefront:2"
    with pytest.raises(ValueError, match="query embedding has 4 dimensions but the index uses 32"):
        index.similar([0.1, 0.2, 0.3, 0.4])


def test_similar_on_an_empty_index_or_an_empty_scope_returns_nothing(index):
    assert index.similar("zipper") == []
    index.upsert([make_item(1)])
    assert index.similar("zipper", sku="no-such-sku") == []


def test_chromas_default_embedding_function_is_never_used(settings, monkeypatch):
    def refuse(self, input):
        raise AssertionError("Chroma's default embedding function was called (it downloads a model)")

    monkeypatch.setattr(DefaultEmbeddingFunction, "__call__", refuse)
    monkeypatch.setattr(ONNXMiniLM_L6_V2, "__call__", refuse)

    with ReviewIndex.open(settings, HashingEmbedder(dimension=32)) as index:
        index.upsert([make_item(n) for n in range(5)])
        assert index.similar("zipper", k=2)
        assert index.similar("zipper", k=2, sku="SKU-1")
        assert isinstance(index._collection._embedding_function, ReviewEmbeddingFunction)
        persisted = index._collection.configuration_json["embedding_function"]

    assert persisted == {"type": "known", "name": "reviewops", "config": {"model_id": "hashing-v1-32", "dimension": 32}}
    assert index._collection.configuration_json["hnsw"]["space"] == "cosine"


def test_index_survives_close_and_reopen(settings):
    with ReviewIndex.open(settings, HashingEmbedder(dimension=32)) as index:
        index.upsert([make_item(n) for n in range(7)])

    with ReviewIndex.open(settings, HashingEmbedder(dimension=32)) as reopened:
        assert reopened.count() == 7


def test_reopening_with_a_different_embedder_is_refused(settings):
    with ReviewIndex.open(settings, HashingEmbedder(dimension=32)) as index:
        index.upsert([make_item(1)])

    with pytest.raises(ValueError, match="was built with embedding function/model/dimension"):
        ReviewIndex.open(settings, HashingEmbedder(dimension=16))


def test_http_mode_opens_an_http_client_with_telemetry_off(tmp_path, monkeypatch):
    calls = []
    real_persistent_client = chromadb.PersistentClient

    def fake_http_client(host, port, settings):
        calls.append((host, port, settings.anonymized_telemetry))
        return real_persistent_client(path=str(tmp_path / "server"), settings=settings)

    def no_persistent_client(*args, **kwargs):
        raise AssertionError("http mode must not open a local persistent directory")

    monkeypatch.setattr(chromadb, "HttpClient", fake_http_client)
    monkeypatch.setattr(chromadb, "PersistentClient", no_persistent_client)
    settings = Settings(home=tmp_path, chroma_mode="http", chroma_host="chroma.internal", chroma_port=8123)

    with ReviewIndex.open(settings, HashingEmbedder(dimension=32)) as index:
        index.upsert([make_item(1)])
        assert index.count() == 1

    assert calls == [("chroma.internal", 8123, False)]
    assert not settings.chroma_dir.exists()


# --- the scope table and its cache (embedded mode) against Chroma's own scoped path -------------------------------


def chroma_path(index):
    """The same collection answered the way http mode does: scopes read from Chroma, no scope table, no cache."""
    return ReviewIndex(index._client, index._collection, index.embedder, index.exact_scope_limit)


def answers(index, query, **scope):
    hits = index.similar(query, **scope)
    return [(hit.review_id, round(hit.similarity, 5), hit.document, hit.metadata) for hit in hits]


SCOPES = [
    {"sku": "SKU-B"},
    {"sku": "SKU-B", "since": DAY0 + timedelta(days=3), "until": DAY0 + timedelta(days=9)},
    {"category": "tops"},
    {"sku": "SKU-A", "category": "tops"},
    {"since": DAY0 + timedelta(days=5)},
    {"sku": "SKU-C", "exclude_ids": ["storefront:2", "storefront:5"]},
    {"sku": "no-such-sku"},
]


def mixed_items(count=90):
    skus = ["SKU-A", "SKU-B", "SKU-C"]
    return [
        make_item(n, sku=skus[n % 3], day=n % 12).model_copy(update={"category": "tops" if n % 5 < 2 else "dresses"})
        for n in range(count)
    ]


@pytest.mark.parametrize("scope", SCOPES, ids=lambda scope: "+".join(scope))
def test_scoped_answers_from_the_scope_table_equal_chromas_exact_path_and_brute_force(index, scope):
    items = mixed_items()
    index.upsert(items)
    query = "zipper torn thin fabric"

    first = answers(index, query, k=7, **scope)
    cached = answers(index, query, k=7, **scope)

    assert first == cached == answers(chroma_path(index), query, k=7, **scope)
    exclude = set(scope.get("exclude_ids", ()))
    since = scope.get("since", DAY0 - timedelta(days=1))
    until = scope.get("until", DAY0 + timedelta(days=99))
    members = [
        item
        for item in items
        if scope.get("sku", item.sku) == item.sku
        and scope.get("category", item.category) == item.category
        and since <= item.created_at < until
        and item.review_id not in exclude
    ]
    similarities = index.embedder.embed([m.text for m in members]) @ index.embedder.embed([query])[0]
    expected = sorted(zip(-similarities, [m.review_id for m in members], strict=True))[:7]
    assert [review_id for review_id, *_ in first] == [review_id for _, review_id in expected]
    assert index.stats().exact == 2 and index.stats().approximate == 0


def test_a_hot_scope_is_served_from_the_cache_and_a_write_to_it_is_seen_at_once(index):
    index.upsert(mixed_items(30))
    index.similar("zipper", k=3, sku="SKU-A")
    assert index.similar("zipper", k=3, sku="SKU-A", since=DAY0 + timedelta(days=2))
    assert (index.stats().cache.hits, index.stats().cache.misses) == (1, 1)

    moved = make_item(4, sku="SKU-A").model_copy(update={"text": "zipper zipper zipper", "category": "tops"})
    index.upsert([moved])  # storefront:4 moves from SKU-B to SKU-A

    assert index.similar("zipper zipper zipper", k=1, sku="SKU-A")[0].review_id == "storefront:4"
    assert "storefront:4" not in {hit.review_id for hit in index.similar("zipper", k=30, sku="SKU-B")}
    assert answers(index, "zipper", k=30, sku="SKU-A") == answers(chroma_path(index), "zipper", k=30, sku="SKU-A")


def test_a_write_through_another_index_on_the_same_directory_clears_the_cache(settings, index):
    index.upsert(mixed_items(30))
    index.similar("zipper", k=3, sku="SKU-C")

    with ReviewIndex.open(settings, HashingEmbedder(dimension=32)) as writer:
        writer.upsert([make_item(500, sku="SKU-C").model_copy(update={"text": "brand new seam story"})])

    assert index.similar("brand new seam story", k=1, sku="SKU-C")[0].review_id == "storefront:500"


def test_the_cache_never_holds_more_than_its_budget(settings):
    with ReviewIndex.open(settings, HashingEmbedder(dimension=32), scope_cache_mb=0.01) as index:
        index.upsert([make_item(n, sku=f"SKU-{n % 6}") for n in range(60)])
        for sku in range(6):
            index.similar("zipper", k=2, sku=f"SKU-{sku}")
        stats = index.stats().cache

    assert 0 < stats.entries < 6
    assert stats.megabytes <= stats.limit_megabytes


def test_a_missing_or_stale_scope_table_is_rebuilt_from_chroma_on_open(settings):
    items = mixed_items(40)
    with ReviewIndex.open(settings, HashingEmbedder(dimension=32)) as index:
        index.upsert(items)
        before = answers(index, "seam fabric", k=5, sku="SKU-B", since=DAY0 + timedelta(days=2))
        extra = make_item(999, sku="SKU-B").model_copy(update={"text": "seam fabric"})
        index._collection.upsert(  # a write that reached Chroma only (a crash before the scope table)
            ids=[extra.review_id],
            embeddings=index.embedder.embed([extra.text]),
            documents=[extra.text],
            metadatas=[extra.metadata()],
        )
    with ReviewIndex.open(settings, HashingEmbedder(dimension=32)) as reopened:
        assert reopened._scopes.size() == 41
        assert reopened.similar("seam fabric", k=1, sku="SKU-B")[0].review_id == "storefront:999"
    for path in settings.chroma_dir.glob("reviewops_scopes.sqlite3*"):
        path.unlink()

    with ReviewIndex.open(settings, HashingEmbedder(dimension=32)) as rebuilt:
        assert rebuilt._scopes.size() == 41
        after = answers(rebuilt, "seam fabric", k=5, sku="SKU-B", since=DAY0 + timedelta(days=2))
        whole_sku = answers(rebuilt, "seam fabric", k=5, sku="SKU-B")
        assert whole_sku == answers(chroma_path(rebuilt), "seam fabric", k=5, sku="SKU-B")
    assert after == before  # the Chroma-only review is from day 0, outside this window
    assert whole_sku[0][0] == "storefront:999"


def test_upsert_takes_precomputed_embeddings_normalizes_them_and_checks_their_shape(index):
    items = [make_item(n) for n in range(3)]
    vectors = index.embedder.embed([item.text for item in items]) * 5.0

    index.upsert(items, embeddings=vectors)

    [hit] = index.similar(vectors[1], k=1, sku="SKU-1")
    assert hit.review_id == "storefront:1" and hit.similarity == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(ValueError, match=r"embeddings have shape \(2, 32\) but 3 item\(s\) of dimension 32"):
        index.upsert(items, embeddings=vectors[:2])


def test_equal_similarities_are_ordered_by_review_id(index):
    twins = [make_item(n).model_copy(update={"text": "same words exactly"}) for n in (7, 3, 5)]
    index.upsert(twins)

    assert [hit.review_id for hit in index.similar("same words exactly", k=3, sku="SKU-1")] == [
        "storefront:3",
        "storefront:5",
        "storefront:7",
    ]


def test_http_mode_reads_scopes_from_chroma_without_a_scope_table(tmp_path, monkeypatch):
    real_persistent_client = chromadb.PersistentClient
    monkeypatch.setattr(
        chromadb, "HttpClient", lambda host, port, settings: real_persistent_client(str(tmp_path / "srv"), settings)
    )
    settings = Settings(home=tmp_path, chroma_mode="http")

    with ReviewIndex.open(settings, HashingEmbedder(dimension=32)) as index:
        index.upsert(mixed_items(12))
        hits = index.similar("zipper", k=2, sku="SKU-A")
        stats = index.stats()

    assert len(hits) == 2 and stats.scope_source == "chroma" and stats.cache is None
    assert not list(tmp_path.rglob("reviewops_scopes.sqlite3"))
