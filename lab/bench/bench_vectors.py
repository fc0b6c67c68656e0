"""Synthetic review embeddings for the retrieval benchmark: random unit vectors, or perturbed real MiniLM vectors.

Embedding runs at ≈100-160 reviews/s here and is measured on its own (`reviewops bench`), so a benchmark of 1M
indexed reviews embeds only a few thousand real reviews from the shared CSV with all-MiniLM-L6-v2 and derives every
synthetic review from one of them: `normalize(base + noise)` with cosine ≈0.8 to its base. Neighbourhoods then
look like real review embeddings (clustered, not uniform on the sphere), which is what HNSW recall depends on.
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import numpy as np

from store.embeddings import ReviewEmbedder

__all__ = ["BaseVectors", "load_minilm_base", "perturbed", "random_unit"]

logger = logging.getLogger(__name__)

PERTURBATION = 0.75
"""Norm of the random offset added to a unit base vector: cosine to the base = 1 / sqrt(1 + 0.75**2) = 0.8."""


class BaseVectors:
    """Real review texts and their unit MiniLM embeddings (row i each)."""

    def __init__(self, texts: list[str], vectors: np.ndarray) -> None:
        if len(texts) != vectors.shape[0]:
            raise ValueError(f"{len(texts)} texts but {vectors.shape[0]} vectors")
        self.texts = texts
        self.vectors = vectors.astype(np.float32)


def load_minilm_base(csv_path: Path, count: int, cache_dir: Path) -> BaseVectors:
    """The first `count` non-empty reviews of the women's clothing CSV, embedded with MiniLM (cached as .npz)."""
    cache = cache_dir / f"minilm_base_{count}.npz"
    if cache.exists():
        saved = np.load(cache, allow_pickle=False)
        return BaseVectors([str(text) for text in saved["texts"]], saved["vectors"])
    texts: list[str] = []
    with csv_path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            text = " ".join(part for part in (row.get("Title") or "", row.get("Review Text") or "") if part).strip()
            if text:
                texts.append(text[:1000])
            if len(texts) == count:
                break
    if not texts:
        raise ValueError(f"no review texts in {csv_path}; pass the women's clothing reviews CSV")
    logger.info("embedding %d real reviews with MiniLM for the base vectors", len(texts))
    # fp32: on CPUs without native bf16 (AVX2-only here) the bf16 weights run ≈6x slower, not 2x faster.
    vectors = ReviewEmbedder(threads=1, precision="fp32").embed(texts)
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.savez(cache, texts=np.asarray(texts), vectors=vectors)
    return BaseVectors(texts, vectors)


def perturbed(base: np.ndarray, picks: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Unit vectors `normalize(base[pick] + 0.75 * random unit vector)`, one per pick."""
    noise = rng.standard_normal((picks.shape[0], base.shape[1]), dtype=np.float32)
    noise *= PERTURBATION / np.linalg.norm(noise, axis=1, keepdims=True)
    vectors = base[picks] + noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def random_unit(count: int, dimension: int, rng: np.random.Generator) -> np.ndarray:
    """Unit vectors uniform on the sphere (the worst case for HNSW: no clusters)."""
    vectors = rng.standard_normal((count, dimension), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors
