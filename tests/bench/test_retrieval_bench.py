"""Smoke test of the retrieval benchmark at 2k reviews: it indexes, queries every kind and reports; nothing timed."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.retrieval_bench import KINDS, Catalog, run_size


def test_catalog_popularity_is_a_falling_distribution_over_one_sku_per_hundred_reviews() -> None:
    catalog = Catalog.generate(2_000, zipf=0.8, rng=np.random.default_rng(1))

    assert len(catalog.skus) == 20
    assert np.isclose(catalog.popularity.sum(), 1.0)
    assert np.all(np.diff(catalog.popularity) < 0)


def test_small_run_indexes_every_review_and_reports_each_query_kind_against_chroma(tmp_path: Path) -> None:
    result = run_size(2_000, queries=3, out_dir=tmp_path)

    assert result["indexed"] == 2_000
    assert set(result["kinds"]) == set(KINDS)
    for figures in result["kinds"].values():
        assert figures["review_index"]["n"] == 3
        assert figures["chroma_query"]["p50_ms"] > 0
    assert result["sku_scope_rows"]["share_exact_path"] == 1.0
    assert result["disk_mb"] > 0
    assert not (tmp_path / "index_2000").exists()
