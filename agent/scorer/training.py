"""Train the fast scorer from the seed set (+ star-rated CSV, + human labels) into a versioned artifact folder."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, Field
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import StratifiedKFold

from agent.scorer.dataset import (
    SENTIMENT_LABELS,
    TOPIC_LABELS,
    URGENCY_LABELS,
    LabeledReview,
    StarReview,
    heldout_texts,
    load_food_reviews,
    load_labeled_reviews,
    load_star_reviews,
    normalized_text,
    parse_labeled_rows,
)
from agent.scorer.lexicon import LEXICON_VERSION, RULES, match_rules
from agent.scorer.lexicon_multilingual import MULTILINGUAL_LEXICON_VERSION
from agent.scorer.model import CURRENT_FILE, MANIFEST_FILE, MODEL_FILE, SEMANTIC_FILE, ScorerParams
from agent.scorer.semantic import SemanticHeads
from agent.scorer.semantic_training import SemanticTraining, train_semantic
from agent.scorer.sentiment import PROXY_STARS, SentimentConfig, fit_sentiment, fit_temperature, macro_f1
from store.schemas import FLAG_NAMES

__all__ = ["CODE_VERSION", "TrainConfig", "TrainResult", "train_scorer"]

CODE_VERSION = "fast-scorer-5"
"""Bump when training or scoring logic changes: it is part of the version hash."""


class TrainConfig(BaseModel):
    """Hyperparameters and the search grids; every field enters the artifact version hash."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    word_ngram_max: int = Field(default=2, description="Word n-grams 1..n (char n-grams measured 5x slower).")
    min_df: int = Field(default=2, description="Drop terms seen in fewer training documents.")
    title_weight: float = Field(default=0.5, description="Scale of the separate title field (sentiment only).")
    sentiment_c_grid: tuple[float, ...] = Field(default=(2.0,), description="3-class LR C values tried by CV.")
    sentiment_stars_c: float = Field(default=4.0, description="C of the 5-star LR base model.")
    sentiment_ridge_alpha: float = Field(default=1.0, description="Alpha of the ridge regression on stars.")
    sentiment_nb_c: float = Field(default=1.0, description="C of the NB-weighted one-vs-rest LR base models.")
    sentiment_stack_c: float = Field(default=1.0, description="C of the combiner over the base scores.")
    sentiment_folds: int = 3
    sentiment_tol: float = Field(default=1e-4, description="Newton-CG tolerance of the sentiment base models.")
    sentiment_seed_weight: float = Field(
        default=1.0,
        description="Weight of seed rows next to CSV rows (4.0 measured: CSV CV F1 0.682 -> 0.662, seed rows +0.025).",
    )
    head_c_grid: tuple[float, ...] = Field(default=(4.0, 16.0, 64.0, 256.0), description="C for seed-only heads.")
    head_folds: int = 5
    safety_beta: float = Field(default=2.0, description="F-beta used to pick the safety threshold (recall first).")
    max_iter: int = 3000
    seed: int = 13


class TrainResult(BaseModel):
    """What a training run produced and how it was chosen (cross-validation on the train split only)."""

    version: str
    artifact_dir: Path
    created_at: datetime
    seconds: float
    artifact_bytes: int
    counts: dict[str, int]
    metrics: dict[str, Any]


@dataclass
class _Head:
    coef: np.ndarray
    intercept: np.ndarray
    report: dict[str, Any]
    temperature: float = 1.0
    platt: tuple[float, float] = (1.0, 0.0)
    threshold: float = 0.5


def _folds(y: np.ndarray, wanted: int, seed: int) -> StratifiedKFold | None:
    n_splits = min(wanted, int(np.bincount(y).min()))
    return StratifiedKFold(n_splits, shuffle=True, random_state=seed) if n_splits >= 2 else None


def _oof_path(
    make: Callable[[float], LogisticRegression], x: Any, y: np.ndarray, grid: Sequence[float], folds: StratifiedKFold
) -> tuple[dict[float, np.ndarray], dict[float, LogisticRegression]]:
    """Out-of-fold decision scores for every C in `grid`, and each C's model from the last fold.

    Within a fold the C values are fit in order, each warm-started from the previous solution (a regularization
    path): the same optima up to the solver tolerance, in fewer iterations. Warm starts never cross folds: a model
    that saw this fold's test rows would leak them into its out-of-fold scores.
    """
    scores: dict[float, np.ndarray] = {}
    last: dict[float, LogisticRegression] = {}
    for train_idx, test_idx in folds.split(np.zeros(len(y)), y):
        previous: LogisticRegression | None = None
        for c in grid:
            model = _warm(make(c), previous).fit(x[train_idx], y[train_idx])
            fold = model.decision_function(x[test_idx])
            scores.setdefault(c, np.zeros((len(y), *fold.shape[1:])))[test_idx] = fold
            previous = last[c] = model
    return scores, last


def _warm(model: LogisticRegression, start: LogisticRegression | None) -> LogisticRegression:
    """`model` set to start its fit from `start`'s solution (same classes assumed; folds are stratified)."""
    if start is not None:
        model.set_params(warm_start=True)
        model.coef_, model.intercept_ = start.coef_.copy(), start.intercept_.copy()
    return model


def _fit_multiclass(x: Any, y: np.ndarray, grid: Sequence[float], n_folds: int, cfg: TrainConfig) -> _Head:
    folds = _folds(y, n_folds, cfg.seed)
    if folds is None:
        raise ValueError(f"need at least 2 training examples of every class, got counts {np.bincount(y).tolist()}")

    def make(c: float) -> LogisticRegression:
        return LogisticRegression(C=c, max_iter=cfg.max_iter, solver="newton-cg")

    path, last = _oof_path(make, x, y, grid, folds)
    best: tuple[float, float, float] | None = None
    trials = []
    for c, logits in path.items():
        f1 = macro_f1(y, logits.argmax(axis=1), 3)
        trials.append({"C": c, "cv_macro_f1": round(f1, 4)})
        if best is None or f1 > best[1] + 1e-9:
            best = (c, f1, fit_temperature(logits, y))
    assert best is not None
    c, f1, temperature = best
    model = _warm(make(c), last[c]).fit(x, y)
    report = {"C": c, "cv_macro_f1": round(f1, 4), "temperature": round(temperature, 4), "trials": trials}
    return _Head(model.coef_, model.intercept_, report, temperature=temperature)


def _fit_binary(x: Any, y: np.ndarray, cfg: TrainConfig, beta: float, ruled: np.ndarray) -> _Head:
    """One calibrated one-vs-rest head; its threshold maximizes F-beta of the deployed decision `ruled OR p >= t`."""
    positives = int(y.sum())
    folds = _folds(y, cfg.head_folds, cfg.seed)
    if folds is None:
        # Too few examples to learn or calibrate: never raise from this head (lexicon rules still can).
        return _Head(
            np.zeros((1, x.shape[1])), np.array([-10.0]), {"positives": positives, "skipped": True}, threshold=2.0
        )

    def make(c: float) -> LogisticRegression:
        return LogisticRegression(C=c, class_weight="balanced", max_iter=cfg.max_iter, solver="newton-cg")

    path, last = _oof_path(make, x, y, cfg.head_c_grid, folds)
    best: tuple[float, float, np.ndarray] | None = None
    for c, scores in path.items():
        ap = float(average_precision_score(y, scores))
        if best is None or ap > best[1] + 1e-9:
            best = (c, ap, scores)
    assert best is not None
    c, ap, scores = best
    platt = LogisticRegression(C=1e4, max_iter=cfg.max_iter).fit(scores.reshape(-1, 1), y)
    slope, shift = float(platt.coef_[0, 0]), float(platt.intercept_[0])
    probs = 1.0 / (1.0 + np.exp(-(scores * slope + shift)))
    threshold, f_best = 0.5, -1.0
    for t in np.round(np.arange(0.05, 0.91, 0.01), 2):
        pred = ruled | (probs >= t)
        tp, fp, fn = int((pred & (y == 1)).sum()), int((pred & (y == 0)).sum()), int((~pred & (y == 1)).sum())
        f = (1 + beta**2) * tp / max(1, (1 + beta**2) * tp + beta**2 * fn + fp)
        if f > f_best + 1e-9:
            threshold, f_best = float(t), f
    model = _warm(make(c), last[c]).fit(x, y)
    report = {"positives": positives, "C": c, "cv_average_precision": round(ap, 4), "threshold": threshold}
    report[f"cv_f{beta:g}"] = round(f_best, 4)
    return _Head(model.coef_, model.intercept_, report, platt=(slope, shift), threshold=threshold)


def _vectorizer(ngram_max: int, min_df: int) -> TfidfVectorizer:
    return TfidfVectorizer(ngram_range=(1, ngram_max), min_df=min_df, sublinear_tf=True, dtype=np.float32)


def _drop_stop_words(vectorizer: TfidfVectorizer) -> None:
    if hasattr(vectorizer, "stop_words_"):
        vectorizer.stop_words_ = None  # only for introspection; it would dominate the artifact size


def _sentiment_config(cfg: TrainConfig) -> SentimentConfig:
    return SentimentConfig(
        c_grid=cfg.sentiment_c_grid,
        stars_c=cfg.sentiment_stars_c,
        ridge_alpha=cfg.sentiment_ridge_alpha,
        nb_c=cfg.sentiment_nb_c,
        stack_c=cfg.sentiment_stack_c,
        folds=cfg.sentiment_folds,
        max_iter=cfg.max_iter,
        tol=cfg.sentiment_tol,
        seed_weight=cfg.sentiment_seed_weight,
        seed=cfg.seed,
    )


def _digest(seed: Sequence[LabeledReview], extras: Sequence[LabeledReview], stars: Sequence[StarReview]) -> str:
    h = hashlib.sha256()
    for example in (*seed, *extras):
        h.update(json.dumps(example.model_dump(mode="json"), sort_keys=True).encode("utf-8") + b"\n")
    for row in stars:
        h.update(f"{row.row_index}\t{row.rating}\t{row.title}\t{row.text}\n".encode())
    return h.hexdigest()


def _write_artifact(
    out_dir: Path, version: str, params: ScorerParams, manifest: dict[str, Any], semantic: SemanticHeads | None
) -> Path:
    """Write `<out_dir>/<version>/` atomically, then point CURRENT at it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = out_dir / f".staging-{version}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    joblib.dump(params.to_payload(), staging / MODEL_FILE, compress=3)
    if semantic is not None:
        joblib.dump(semantic, staging / SEMANTIC_FILE, compress=3)
    (staging / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    final = out_dir / version
    if final.exists():
        shutil.rmtree(final)
    os.replace(staging, final)
    pointer = out_dir / f".{CURRENT_FILE}.tmp"
    pointer.write_text(version + "\n", encoding="utf-8")
    os.replace(pointer, out_dir / CURRENT_FILE)
    return final


def train_scorer(
    seed_path: Path,
    out_dir: Path,
    csv_path: Path | None,
    extra_labels: Sequence[Mapping[str, Any]] = (),
    config: TrainConfig | None = None,
    food_path: Path | None = None,
    semantic: SemanticTraining | None = None,
) -> TrainResult:
    """Train every head on the train splits only (held-out rows are never read into training) and save a version.

    `csv_path` is the clothing CSV and `food_path` the food CSV (both star-rated, either may be None); `extra_labels`
    are human labels from the db in the seed JSONL schema; any whose id or text is held out is dropped. With
    `semantic`, the semantic stage's heads are trained too and saved beside the first pass (the cascade uses both).
    """
    cfg = config or TrainConfig()
    started = time.perf_counter()
    seed_all = load_labeled_reviews(seed_path)
    stars_all = load_star_reviews(csv_path) if csv_path is not None else []
    if food_path is not None:
        stars_all += load_food_reviews(food_path)
    blocked_texts = heldout_texts(seed_all, stars_all)
    blocked_ids = {e.id for e in seed_all if e.split == "heldout"}
    extras_all = parse_labeled_rows(extra_labels, "extra_labels")
    extras = [
        e for e in extras_all if e.id not in blocked_ids and normalized_text(e.title, e.text) not in blocked_texts
    ]
    seed = [e for e in seed_all if e.split == "train"] + extras
    stars = [r for r in stars_all if r.split == "train"]

    documents = [e.document for e in seed] + [r.document for r in stars]
    vectorizer = _vectorizer(cfg.word_ngram_max, cfg.min_df)
    x_all = vectorizer.fit_transform(documents).tocsr()
    # Seed-only heads are fit on the columns the seed rows use: identical L2 solutions (unused weights stay 0),
    # but the solver then works in ~10k instead of ~80k dimensions. Newton-CG in float64 converged to the same or a
    # lower objective than L-BFGS in float32, at 1/6 of the CPU (see agent/scorer/sentiment.py `_fit_lr`).
    seed_columns = np.unique(x_all[: len(seed)].indices)
    x_seed = x_all[: len(seed)][:, seed_columns].astype(np.float64)

    sentiment_index = {label: i for i, label in enumerate(SENTIMENT_LABELS)}
    y_sentiment = np.array(
        [sentiment_index[e.sentiment.value] for e in seed] + [sentiment_index[r.sentiment.value] for r in stars]
    )
    stars_target = np.array([PROXY_STARS[y] for y in y_sentiment[: len(seed)]] + [float(r.rating) for r in stars])
    star_rated = np.arange(len(y_sentiment)) >= len(seed)
    title_vectorizer = _vectorizer(cfg.word_ngram_max, cfg.min_df)
    x_titles = title_vectorizer.fit_transform([e.title for e in seed] + [r.title for r in stars])
    x_sentiment = sp.hstack([x_all, x_titles * cfg.title_weight], format="csr", dtype=np.float32)
    sentiment, sentiment_report = fit_sentiment(
        x_sentiment, y_sentiment, stars_target, star_rated, _sentiment_config(cfg)
    )
    # The title scale is folded into the weights, so scoring stacks the raw title TF-IDF next to the document's.
    sentiment.weights[x_all.shape[1] :] *= cfg.title_weight
    urgency_index = {label: i for i, label in enumerate(URGENCY_LABELS)}
    y_urgency = np.array([urgency_index[e.urgency.value] for e in seed])
    urgency = _fit_multiclass(x_seed, y_urgency, cfg.head_c_grid, cfg.head_folds, cfg)
    rule_hits = [match_rules(e.document) for e in seed]
    binary: dict[str, _Head] = {}
    for label in (*TOPIC_LABELS, *FLAG_NAMES):
        y = np.array([int(label in e.topics or label in e.flags) for e in seed])
        ruled = np.array([label in hits for hits in rule_hits], dtype=bool)
        binary[label] = _fit_binary(x_seed, y, cfg, cfg.safety_beta if label == "safety_hazard" else 1.0, ruled)

    weights = np.zeros((x_all.shape[1], 3 + len(binary)), dtype=np.float32)
    weights[seed_columns, 0:3] = urgency.coef.T
    for j, head in enumerate(binary.values()):
        weights[seed_columns, 3 + j] = head.coef[0]
    heads = [urgency, *binary.values()]
    _drop_stop_words(vectorizer)
    _drop_stop_words(title_vectorizer)
    params = ScorerParams(
        vectorizer=vectorizer,
        title_vectorizer=title_vectorizer,
        sentiment=sentiment,
        weights=weights,
        bias=np.concatenate([h.intercept for h in heads]),
        binary_labels=tuple(binary),
        urgency_temperature=urgency.temperature,
        platt_slope=np.array([h.platt[0] for h in binary.values()]),
        platt_intercept=np.array([h.platt[1] for h in binary.values()]),
        thresholds=np.array([h.threshold for h in binary.values()]),
    )
    semantic_heads, semantic_report = train_semantic(seed, stars, semantic, cfg.seed) if semantic else (None, None)
    identity = {
        "code": CODE_VERSION,
        "lexicon": LEXICON_VERSION,
        "lexicon_multilingual": MULTILINGUAL_LEXICON_VERSION,
        "config": cfg.model_dump(mode="json"),
        "data": _digest(seed, extras, stars),
        "semantic": semantic.identity() if semantic else None,
    }
    version = "fs-" + hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:12]
    counts = {
        "seed_train": len(seed) - len(extras),
        "seed_heldout_excluded": len(seed_all) - (len(seed) - len(extras)),
        "csv_train": len(stars),
        "csv_heldout_excluded": len(stars_all) - len(stars),
        "extra_labels_received": len(extras_all),
        "extra_labels_used": len(extras),
        "features": int(weights.shape[0]),
    }
    metrics = {
        "note": "cross-validated on the train split only; held-out numbers come from agent.scorer.report",
        "sentiment": sentiment_report,
        "urgency": urgency.report,
        "binary_heads": {label: head.report for label, head in binary.items()},
        "semantic": semantic_report,
    }
    created_at = datetime.now(UTC)
    manifest = {
        "version": version,
        "created_at": created_at.isoformat(),
        "code_version": CODE_VERSION,
        "lexicon_version": LEXICON_VERSION,
        "multilingual_lexicon_version": MULTILINGUAL_LEXICON_VERSION,
        "config": cfg.model_dump(mode="json"),
        "inputs": {
            "seed_path": str(seed_path),
            "csv_path": str(csv_path) if csv_path else None,
            "food_path": str(food_path) if food_path else None,
            "data": identity["data"],
        },
        "counts": counts,
        "metrics": metrics,
        "lexicon_rules": [{"name": r.name, "flag": r.flag, "precision_prior": r.precision_prior} for r in RULES],
        "semantic": semantic.identity() if semantic else None,
    }
    final = _write_artifact(out_dir, version, params, manifest, semantic_heads)
    size = sum(p.stat().st_size for p in final.iterdir())
    return TrainResult(
        version=version,
        artifact_dir=final,
        created_at=created_at,
        seconds=round(time.perf_counter() - started, 2),
        artifact_bytes=size,
        counts=counts,
        metrics=metrics,
    )
