"""Specification of the sentiment stack: calibrated probabilities, folded base models, CV chosen on train rows only."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from agent.scorer.sentiment import PROXY_STARS, SentimentConfig, fit_sentiment, macro_f1

CONFIG = SentimentConfig(
    c_grid=(2.0,), stars_c=4.0, ridge_alpha=1.0, nb_c=1.0, stack_c=1.0, folds=3, max_iter=2000, seed=13
)
WORDS = {0: "awful broken terrible", 1: "okay fine average", 2: "lovely perfect great"}


def _corpus(n: int = 90) -> tuple[list[str], np.ndarray]:
    labels = np.arange(n) % 3
    return [f"{WORDS[int(k)]} item number {i}" for i, k in enumerate(labels)], labels


@pytest.fixture(scope="module")
def fitted():
    texts, y = _corpus()
    vectorizer = TfidfVectorizer().fit(texts)
    x = vectorizer.transform(texts).tocsr()
    stars = np.array([PROXY_STARS[k] for k in y])
    stack, report = fit_sentiment(x, y, stars, np.zeros(len(y), dtype=bool), CONFIG)
    return vectorizer, stack, report


def test_probabilities_sum_to_one_and_follow_the_text(fitted) -> None:
    vectorizer, stack, _ = fitted
    probs = stack.probabilities(vectorizer.transform(["awful broken", "okay fine", "lovely perfect"]))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    assert probs.argmax(axis=1).tolist() == [0, 1, 2]


def test_base_models_fold_into_one_weight_matrix_of_twelve_columns(fitted) -> None:
    vectorizer, stack, _ = fitted
    assert stack.weights.shape == (len(vectorizer.vocabulary_), 12)
    assert stack.stack_coef.shape == (3, 12)


def test_without_star_rated_rows_the_cv_score_is_measured_on_all_rows(fitted) -> None:
    _, _, report = fitted
    assert report["cv_measured_on"] == "all train rows"
    assert 0.0 <= report["cv_macro_f1"] <= 1.0
    assert len(report["cv_per_class_f1"]) == 3


def test_a_missing_sentiment_class_is_a_clear_error() -> None:
    texts, y = _corpus(30)
    x = TfidfVectorizer().fit_transform(texts).tocsr()
    y = np.where(y == 1, 0, y)
    with pytest.raises(ValueError, match="every sentiment"):
        fit_sentiment(x, y, np.full(len(y), 3.0), np.zeros(len(y), dtype=bool), CONFIG)


def test_macro_f1_is_the_mean_of_per_class_f1() -> None:
    y = np.array([0, 0, 1, 2])
    assert macro_f1(y, y, 3) == 1.0
    assert macro_f1(y, np.array([0, 1, 1, 2]), 3) == pytest.approx((2 / 3 + 2 / 3 + 1.0) / 3)
