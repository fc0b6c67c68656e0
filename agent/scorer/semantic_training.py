"""Train the semantic stage: embed the seed set, a fixed sample of star-rated rows and the taxonomy's prototypes."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agent.scorer.dataset import SENTIMENT_LABELS, LabeledReview, StarReview
from agent.scorer.encoder import EmbeddingCache, SentenceEncoder, encode_cached
from agent.scorer.semantic import SEMANTIC_FLAGS, SemanticHeads, fit_semantic_heads, prototype_texts
from store.taxonomy import Taxonomy

__all__ = ["SemanticTraining", "sample_star_rows", "train_semantic"]


@dataclass(frozen=True)
class SemanticTraining:
    """What training the semantic stage needs besides the labeled data: the encoder, a cache, the taxonomy."""

    encoder: SentenceEncoder
    taxonomy: Taxonomy
    cache: EmbeddingCache | None = None
    star_rows_per_corpus: int = 2000
    """Star-rated rows per corpus the sentiment head sees (each costs one embedding, ~0.1 s on one core)."""

    def identity(self) -> dict[str, Any]:
        return {
            "encoder": self.encoder.model_id,
            "taxonomy": self.taxonomy.version,
            "star_rows_per_corpus": self.star_rows_per_corpus,
        }


def sample_star_rows(rows: Sequence[StarReview], per_corpus: int) -> list[StarReview]:
    """A fixed sample of train-split rows: per corpus, the `per_corpus` rows with the smallest hash of their text."""

    def rank(row: StarReview) -> str:
        return hashlib.sha256(f"{row.corpus}:{row.document}".encode()).hexdigest()

    chosen: list[StarReview] = []
    for corpus in sorted({r.corpus for r in rows}):
        candidates = sorted((r for r in rows if r.corpus == corpus and r.split == "train"), key=rank)
        chosen.extend(candidates[:per_corpus])
    return chosen


def train_semantic(
    seed: Sequence[LabeledReview], stars: Sequence[StarReview], setup: SemanticTraining, random_seed: int
) -> tuple[SemanticHeads, dict[str, Any]]:
    """Fit the semantic heads on the seed rows (topics, flags, sentiment) and a sample of star rows (sentiment)."""
    sample = sample_star_rows(stars, setup.star_rows_per_corpus)
    seed_x = encode_cached(setup.encoder, [e.document for e in seed], setup.cache)
    star_x = encode_cached(setup.encoder, [r.document for r in sample], setup.cache)
    labels = (*setup.taxonomy.topic_ids(), *SEMANTIC_FLAGS)
    prototypes = {
        label: encode_cached(setup.encoder, prototype_texts(setup.taxonomy, label), setup.cache) for label in labels
    }
    truth = np.array([[label in e.topics or label in e.flags for label in labels] for e in seed], dtype=float)
    index = {label: i for i, label in enumerate(SENTIMENT_LABELS)}
    sentiment_y = np.array([index[e.sentiment.value] for e in seed] + [index[r.sentiment.value] for r in sample])
    heads, report = fit_semantic_heads(
        setup.encoder.model_id,
        setup.taxonomy,
        prototypes,
        seed_x,
        truth,
        np.vstack([seed_x, star_x]),
        sentiment_y,
        seed=random_seed,
    )
    report["star_rows"] = {c: sum(r.corpus == c for r in sample) for c in sorted({r.corpus for r in sample})}
    return heads, report


def default_cache_path(models_dir: Path) -> Path:
    """The embedding cache beside the models folder: `<home>/cache/embeddings.sqlite`."""
    return models_dir.parent / "cache" / "embeddings.sqlite"
