"""The sentiment head: four linear views of the shared TF-IDF features, stacked by a small calibrated combiner.

Each base model is linear in the features, so scoring costs one extra sparse product; only the combiner is fit on
out-of-fold base scores, which is what lets it learn how the 3-class, 5-star, ordinal and NB views disagree.
Training time is dominated by the base-model fits on ~100k features: they use Newton-CG in float64 (see `_fit_lr`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import StratifiedKFold

__all__ = ["SentimentConfig", "SentimentStack", "fit_sentiment", "fit_temperature", "macro_f1"]

PROXY_STARS: tuple[float, float, float] = (1.5, 3.0, 4.5)
"""Star targets for examples labeled with text sentiment only (seed, human labels): the middle of each star band."""


@dataclass(frozen=True)
class SentimentConfig:
    """Hyperparameters of the sentiment stack; TrainConfig defaults were chosen by train-split cross-validation."""

    c_grid: Sequence[float]
    stars_c: float
    ridge_alpha: float
    nb_c: float
    stack_c: float
    folds: int
    max_iter: int
    seed: int
    tol: float = 1e-4
    """Newton-CG tolerance of the base models."""
    seed_weight: float = 1.0
    """Sample weight of text-labeled rows (seed, human labels) next to star-rated rows, whose weight is 1."""


@dataclass(frozen=True)
class SentimentStack:
    """Base-model columns (already folded into feature weights) and the combiner that maps them to 3 logits."""

    weights: np.ndarray
    """(n_features, n_base): 3 class logits, 5 star logits, 1 expected-star score, 3 NB one-vs-rest scores."""
    bias: np.ndarray
    stack_coef: np.ndarray
    """(3, n_base) combiner weights; the combiner's logits are divided by `temperature`."""
    stack_intercept: np.ndarray
    temperature: float
    offsets: np.ndarray
    """Log-space class offsets applied to the decision only (macro-F1 on out-of-fold predictions)."""

    def probabilities(self, features: Any) -> np.ndarray:
        """Calibrated (n, 3) class probabilities for a sparse feature matrix (document columns, then title columns)."""
        base = np.asarray(features @ self.weights) + self.bias
        logits = (base @ self.stack_coef.T + self.stack_intercept) / self.temperature
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        result: np.ndarray = shifted / shifted.sum(axis=1, keepdims=True)
        return result


def macro_f1(y: np.ndarray, pred: np.ndarray, k: int) -> float:
    """Unweighted mean F1 over `k` classes from integer labels and predictions."""
    confusion = np.bincount(y * k + pred, minlength=k * k).reshape(k, k)
    tp = np.diag(confusion).astype(float)
    denom = confusion.sum(axis=0) + confusion.sum(axis=1)
    return float(np.mean(np.divide(2 * tp, denom, out=np.zeros(k), where=denom > 0)))


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The softmax temperature that minimizes the log loss of `logits` on labels `y`."""

    def nll(t: float) -> float:
        return float(-np.mean(log_softmax(logits / t, axis=1)[np.arange(len(y)), y]))

    return float(minimize_scalar(nll, bounds=(0.05, 20.0), method="bounded").x)


def _best_offsets(log_probs: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Class offsets (last class fixed at 0) that maximize macro-F1 of argmax(log p + offset)."""
    grid = np.round(np.arange(-3.0, 3.01, 0.1), 2)
    best, best_f1 = np.zeros(3), macro_f1(y, log_probs.argmax(axis=1), 3)
    for a in grid:
        # All offsets b for this a at once: (len(grid), n) decisions, scored in the same order as a double loop.
        shifted = log_probs[None, :, :] + np.stack([np.full_like(grid, a), grid, np.zeros_like(grid)], axis=1)[:, None]
        for b, pred in zip(grid, shifted.argmax(axis=2), strict=True):
            f1 = macro_f1(y, pred, 3)
            if f1 > best_f1 + 1e-9:
                best, best_f1 = np.array([a, b, 0.0]), f1
    return best, best_f1


def _nb_ratios(x: Any, positive: np.ndarray) -> np.ndarray:
    """Smoothed log-count ratio of each feature's presence in positive versus other documents (NB-SVM)."""
    present = (x > 0).astype(np.float32)
    p = np.asarray(present[positive].sum(axis=0)).ravel() + 1.0
    q = np.asarray(present[~positive].sum(axis=0)).ravel() + 1.0
    return np.log((p / p.sum()) / (q / q.sum())).astype(np.float32)


def _fit_lr(x: Any, y: np.ndarray, w: np.ndarray, c: float, cfg: SentimentConfig) -> LogisticRegression:
    # Newton-CG, not L-BFGS: with ~100k weights per class, L-BFGS-B's own bookkeeping took 60% of a fit and it needed
    # ~140 iterations; Newton-CG reaches a slightly lower objective in ~7 iterations, 8x less CPU (5-star LR, CSV).
    return LogisticRegression(C=c, max_iter=cfg.max_iter, tol=cfg.tol, solver="newton-cg").fit(x, y, sample_weight=w)


def _fit_base(
    x: Any, y: np.ndarray, stars: np.ndarray, w: np.ndarray, c3: float, cfg: SentimentConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Fit the four base views on (x, y, stars) and return their columns as (feature weights, bias)."""
    columns: list[np.ndarray] = []
    biases: list[np.ndarray] = []
    three = _fit_lr(x, y, w, c3, cfg)
    columns.append(three.coef_.T)
    biases.append(three.intercept_)
    five = _fit_lr(x, np.round(stars).astype(int), w, cfg.stars_c, cfg)
    # Seed-only training may lack some star classes; pad them so the column layout never changes.
    coef5, bias5 = np.zeros((x.shape[1], 5)), np.full(5, -10.0)
    star_columns = five.classes_ - 1
    if len(five.classes_) == 2:
        coef5[:, star_columns[1]], bias5[star_columns] = five.coef_[0], (0.0, five.intercept_[0])
    else:
        coef5[:, star_columns], bias5[star_columns] = five.coef_.T, five.intercept_
    columns.append(coef5)
    biases.append(bias5)
    ordinal = Ridge(alpha=cfg.ridge_alpha).fit(x, stars, sample_weight=w)
    columns.append(ordinal.coef_.reshape(-1, 1))
    biases.append(np.array([ordinal.intercept_]))
    for k in range(3):
        ratios = _nb_ratios(x, y == k)
        nb = _fit_lr(sp.csr_matrix(x.multiply(ratios)), y == k, w, cfg.nb_c, cfg)
        columns.append((nb.coef_[0] * ratios).reshape(-1, 1))  # NB scaling folded into the weights
        biases.append(nb.intercept_)
    return np.hstack(columns).astype(np.float32), np.concatenate(biases).astype(np.float32)


def _out_of_fold(
    x: Any, y: np.ndarray, stars: np.ndarray, w: np.ndarray, c3: float, cfg: SentimentConfig, folds: list[Any]
) -> np.ndarray:
    scores: np.ndarray | None = None
    for train_idx, test_idx in folds:
        weights, bias = _fit_base(x[train_idx], y[train_idx], stars[train_idx], w[train_idx], c3, cfg)
        fold = np.asarray(x[test_idx] @ weights) + bias
        if scores is None:
            scores = np.zeros((len(y), fold.shape[1]))
        scores[test_idx] = fold
    assert scores is not None
    return scores


def _stack_out_of_fold(base: np.ndarray, y: np.ndarray, w: np.ndarray, cfg: SentimentConfig) -> np.ndarray:
    logits = np.zeros((len(y), 3))
    folds = StratifiedKFold(cfg.folds, shuffle=True, random_state=cfg.seed + 1)
    for train_idx, test_idx in folds.split(base, y):
        combiner = LogisticRegression(C=cfg.stack_c, max_iter=cfg.max_iter)
        combiner.fit(base[train_idx], y[train_idx], sample_weight=w[train_idx])
        logits[test_idx] = combiner.decision_function(base[test_idx])
    return logits


def fit_sentiment(
    x: Any, y: np.ndarray, stars: np.ndarray, star_rated: np.ndarray, cfg: SentimentConfig
) -> tuple[SentimentStack, dict[str, Any]]:
    """Fit the stack on train rows; `stars` are the ratings (or proxy stars) and `star_rated` marks CSV rows.

    The combiner, its temperature and the decision offsets are all fit on out-of-fold scores; the report gives the
    cross-validated macro-F1 on star-rated rows (the stars proxy), or on all rows when none are star-rated.
    """
    counts = np.bincount(y, minlength=3)
    n_splits = min(cfg.folds, int(counts.min()))
    if n_splits < 2:
        raise ValueError(f"need at least 2 training examples of every sentiment, got counts {counts.tolist()}")
    strata = np.round(stars).astype(int) * 3 + y
    strata = np.where(np.bincount(strata)[strata] >= n_splits, strata, y)
    folds = list(StratifiedKFold(n_splits, shuffle=True, random_state=cfg.seed).split(np.zeros(len(y)), strata))
    measured = star_rated if star_rated.any() else np.ones(len(y), dtype=bool)
    x = sp.csr_matrix(x, dtype=np.float64)
    # Scaling every row alike would only rescale C, so the seed weight applies only next to star-rated rows.
    w = np.where(star_rated, 1.0, cfg.seed_weight) if star_rated.any() else np.ones(len(y))

    trials = []
    best: tuple[float, float, np.ndarray, np.ndarray, float, np.ndarray] | None = None
    for c3 in cfg.c_grid:
        base = _out_of_fold(x, y, stars, w, c3, cfg, folds)
        oof_logits = _stack_out_of_fold(base, y, w, cfg)
        temperature = fit_temperature(oof_logits, y)
        log_probs = log_softmax(oof_logits / temperature, axis=1)
        offsets, f1 = _best_offsets(log_probs[measured], y[measured])
        trials.append({"C": c3, "cv_macro_f1": round(f1, 4)})
        if best is None or f1 > best[1] + 1e-9:
            best = (c3, f1, base, log_probs, temperature, offsets)
    assert best is not None
    c3, f1, base, log_probs, temperature, offsets = best
    combiner = LogisticRegression(C=cfg.stack_c, max_iter=cfg.max_iter).fit(base, y, sample_weight=w)
    weights, bias = _fit_base(x, y, stars, w, c3, cfg)
    stack = SentimentStack(
        weights=weights,
        bias=bias,
        stack_coef=combiner.coef_.astype(np.float32),
        stack_intercept=combiner.intercept_.astype(np.float32),
        temperature=temperature,
        offsets=offsets,
    )
    decided = (log_probs + offsets).argmax(axis=1)
    per_class = [round(_class_f1(y[measured] == k, decided[measured] == k), 4) for k in range(3)]
    text_labeled = ~star_rated
    report = {
        "model": "stack of LR-3class, LR-5star, ridge-stars, NB-LR one-vs-rest on shared TF-IDF",
        "C": c3,
        "cv_macro_f1": round(f1, 4),
        "cv_measured_on": "star-rated CSV train rows" if star_rated.any() else "all train rows",
        "cv_per_class_f1": per_class,
        "cv_macro_f1_text_labeled_rows": (
            round(macro_f1(y[text_labeled], decided[text_labeled], 3), 4) if text_labeled.any() else None
        ),
        "temperature": round(temperature, 4),
        "offsets": offsets.round(2).tolist(),
        "trials": trials,
    }
    return stack, report


def _class_f1(truth: np.ndarray, pred: np.ndarray) -> float:
    tp = float((truth & pred).sum())
    denom = float(truth.sum() + pred.sum())
    return 2 * tp / denom if denom else 0.0
