"""Smoke tests of the retrieval benchmark at 2k reviews: it indexes, queries every kind and reports; nothing timed."""

from __future__ import annotations

from pathlib import Path

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

from lab.bench.bench_vectors import BaseVectors, perturbed
from lab.bench.retrieval_bench import KINDS, Catalog, run_size


def test_catalog_popularity_is_a_falling_distribution_over_one_sku_per_hundred_reviews() -> None:
    catalog = Catalog.generate(2_000, zipf=0.8, rng=np.random.default_rng(1))

    assert len(catalog.skus) == 20
    assert np.isclose(catalog.popularity.sum(), 1.0)
    assert np.all(np.diff(catalog.popularity) < 0)


def test_perturbed_vectors_are_unit_and_stay_near_their_base() -> None:
    rng = np.random.default_rng(3)
    base = rng.standard_normal((5, 384)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    picks = np.array([0, 0, 3, 4])

    vectors = perturbed(base, picks, rng)

    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.sum(vectors * base[picks], axis=1), 0.8, atol=0.05)  # noise is random, not orthogonal
    assert not np.allclose(vectors[0], vectors[1])


def test_small_run_indexes_every_review_and_reports_each_query_kind_against_chroma(tmp_path: Path) -> None:
    result = run_size(2_000, queries=3, out_dir=tmp_path, compare=2)

    assert result["indexed"] == 2_000 and not result["stopped_at_budget"]
    assert set(result["kinds"]) == set(KINDS)
    for kind, figures in result["kinds"].items():
        assert figures["review_index"]["n"] == 3
        assert figures["cold"]["n"] + figures["warm"]["n"] == 3
        assert figures["chroma_query"]["n"] == 2
        if kind != "unfiltered":
            assert figures["exact_share"] == 1.0
            assert 0.0 <= figures["chroma_recall_at_10"] <= 1.0
    assert result["kinds"]["sku"]["cold"]["n"] >= 1  # the reopened index starts with an empty scope cache
    assert 0 < result["scope_table_mb"] < result["disk_mb"]
    assert not (tmp_path / "index_2000").exists()


def test_an_indexing_budget_stops_after_the_first_chunk_and_reports_what_was_reached(tmp_path: Path) -> None:
    result = run_size(12_000, queries=2, out_dir=tmp_path, index_minutes=1e-9, compare=0)

    assert result["stopped_at_budget"]
    assert result["indexed"] == 5_000
    assert result["kinds"]["sku"]["chroma_query"]["n"] == 0


def test_minilm_mode_uses_the_base_texts_as_documents(tmp_path: Path, monkeypatch) -> None:
    rng = np.random.default_rng(5)
    vectors = rng.standard_normal((3, 384)).astype(np.float32)
    base = BaseVectors(["zip broke", "runs small", "late parcel"], vectors / np.linalg.norm(vectors, axis=1)[:, None])
    monkeypatch.setattr("lab.bench.retrieval_bench.load_minilm_base", lambda csv_path, count, cache_dir: base)

    result = run_size(
        300, queries=2, out_dir=tmp_path, vectors="minilm", csv_path=tmp_path / "unused.csv", compare=1, keep=True
    )

    assert result["vectors"] == "minilm" and result["base_vectors"] == 3
    client = chromadb.PersistentClient(
        path=str(tmp_path / "index_300" / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    documents = client.get_collection("reviews").get(limit=20, include=["documents"])["documents"]
    assert set(documents) <= set(base.texts)
