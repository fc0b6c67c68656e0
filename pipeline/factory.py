"""Builds a ready `ReviewLoop` from `Settings`: database, configs, cleaner and the current scorer."""

from __future__ import annotations

import logging
from pathlib import Path

from agent.scorer import FastScorer, TrainResult, load_current, train_scorer
from agent.scorer.encoder import E5Encoder, EmbeddingCache, warm_embedding_cache
from agent.scorer.semantic_training import SemanticTraining, default_cache_path
from pipeline.adapters import IngestLimits
from pipeline.clean import Cleaner, load_cleaning_config
from pipeline.clock import Clock
from pipeline.loop import ReviewLoop
from store.db import Database
from store.review_store import iter_human_labels
from store.routing_config import load_routing_config
from store.settings import PROJECT_ROOT, Settings
from store.taxonomy import load_taxonomy
from store.understanding_config import load_understanding_config

__all__ = ["build_loop", "ensure_scorer", "retrain", "semantic_training", "shared_csv_path", "shared_food_csv_path"]

log = logging.getLogger(__name__)


def shared_csv_path(settings: Settings) -> Path | None:
    """The real women's clothing CSV: `Settings.shared_csv`, else ../shared/data beside the checkout."""
    if settings.shared_csv is not None:
        return settings.shared_csv if settings.shared_csv.exists() else None
    candidate = PROJECT_ROOT.parent / "shared" / "data" / "womens_clothing_reviews.csv"
    return candidate if candidate.exists() else None


def shared_food_csv_path(settings: Settings) -> Path | None:
    """The real Amazon food reviews CSV: `Settings.shared_food_csv`, else ../shared/data beside the checkout."""
    if settings.shared_food_csv is not None:
        return settings.shared_food_csv if settings.shared_food_csv.exists() else None
    candidate = PROJECT_ROOT.parent / "shared" / "data" / "amazon_fine_food_6k.csv"
    return candidate if candidate.exists() else None


def semantic_training(settings: Settings) -> SemanticTraining | None:
    """How `reviewops train` trains the semantic stage (None when it is switched off)."""
    if not settings.semantic_stage:
        return None
    cache = EmbeddingCache(default_cache_path(settings.models_dir))
    warm_embedding_cache(cache)
    return SemanticTraining(
        encoder=E5Encoder(threads=settings.semantic_threads),
        taxonomy=load_taxonomy(settings.config_dir / "taxonomy.yaml"),
        cache=cache,
    )


def retrain(settings: Settings, db: Database) -> TrainResult:
    """Rebuild the scorer from the seed set, the real CSVs' train splits and the human labels in the store."""
    with db.session() as session:
        human = list(iter_human_labels(session))
    log.info("training the scorer (%d human labels from the store)", len(human))
    return train_scorer(
        settings.seed_dir / "labeled_reviews.jsonl",
        settings.models_dir,
        shared_csv_path(settings),
        extra_labels=human,
        food_path=shared_food_csv_path(settings) if settings.semantic_stage else None,
        semantic=semantic_training(settings),
    )


def ensure_scorer(settings: Settings, db: Database) -> FastScorer:
    """Load the current scorer artifact, training one first if there is none."""
    try:
        return load_current(settings.models_dir)
    except FileNotFoundError:
        retrain(settings, db)
        return load_current(settings.models_dir)


def build_loop(settings: Settings, clock: Clock | None = None, db: Database | None = None) -> ReviewLoop:
    """Everything the fast path needs, loaded and validated from `settings`."""
    db = db or Database.from_settings(settings)
    config_dir = settings.config_dir
    return ReviewLoop(
        db=db,
        scorer=ensure_scorer(settings, db),
        cleaner=Cleaner(load_cleaning_config(config_dir / "cleaning.yaml")),
        taxonomy=load_taxonomy(config_dir / "taxonomy.yaml"),
        routing=load_routing_config(config_dir / "routing.yaml"),
        understanding=load_understanding_config(config_dir / "understanding.yaml"),
        encoder=E5Encoder(threads=settings.semantic_threads) if settings.semantic_stage else None,
        limits=IngestLimits(
            max_text_chars=settings.max_text_chars, max_clock_skew_seconds=settings.max_clock_skew_seconds
        ),
        clock=clock,
    )
