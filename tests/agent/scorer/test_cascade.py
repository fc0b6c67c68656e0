"""The understanding cascade: which reviews take the semantic stage, what they get, and that nothing is lost."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from agent.scorer import load_current, train_scorer
from agent.scorer.cascade import CascadeItem, ScoringCascade
from agent.scorer.semantic_training import SemanticTraining
from store.embeddings import HashingEmbedder
from store.taxonomy import load_taxonomy
from store.understanding_config import load_understanding_config

SEED = Path(__file__).resolve().parents[3] / "data" / "seed" / "labeled_reviews.jsonl"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


class HashingEncoder:
    """A torch-free stand-in for the e5 encoder: deterministic hashed bag-of-words vectors."""

    def __init__(self) -> None:
        self._inner = HashingEmbedder(dimension=128)
        self.calls = 0

    @property
    def model_id(self) -> str:
        return self._inner.model_id

    @property
    def dimension(self) -> int:
        return 128

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += len(texts)
        return self._inner.embed(list(texts))


@pytest.fixture(scope="module")
def cascade(tmp_path_factory: pytest.TempPathFactory) -> tuple[ScoringCascade, HashingEncoder]:
    encoder = HashingEncoder()
    out = tmp_path_factory.mktemp("cascade-models")
    train_scorer(SEED, out, csv_path=None, semantic=SemanticTraining(encoder=encoder, taxonomy=load_taxonomy()))
    scorer = load_current(out)
    assert scorer.semantic is not None
    return ScoringCascade(scorer, load_understanding_config(), encoder), encoder


def test_every_review_is_scored_once_in_input_order(cascade) -> None:
    model, _ = cascade
    items = [CascadeItem(f"r{i}", "", text, None, lang) for i, (text, lang) in enumerate(
        [("Love it, fits perfectly.", "en"), ("Der Reißverschluss ist kaputt.", "de"), ("とても良い", "ja")]
    )]  # fmt: skip
    scores = model.score_batch(items, NOW)
    assert [s.review_id for s in scores] == ["r0", "r1", "r2"]


def test_other_languages_take_the_semantic_stage_and_a_confident_english_review_does_not(cascade) -> None:
    model, encoder = cascade
    before = encoder.calls
    items = [
        CascadeItem("en", "", "Absolutely love this dress, it fits perfectly and the colour is gorgeous.", None, "en"),
        CascadeItem("de", "", "Das Kleid ist wunderschön und passt perfekt.", None, "de"),
        CascadeItem("ja", "", "とても良い商品です", None, "ja"),
    ]
    scores = {s.review_id: s for s in model.score_batch(items, NOW)}
    assert scores["de"].stage == "semantic" and scores["ja"].stage == "semantic"
    assert scores["en"].stage == "first_pass"
    assert encoder.calls - before == 2


def test_a_german_safety_report_gets_the_flag_from_its_own_lexicon(cascade) -> None:
    model, _ = cascade
    item = CascadeItem("de1", "", "Das Ladegerät hat Feuer gefangen, während mein Sohn schlief.", None, "de")
    score = model.score_batch([item], NOW)[0]
    assert "safety_hazard" in score.flag_rules
    assert score.flags["safety_hazard"] >= 0.8
    assert score.urgency.value == "high"


def test_a_scorer_without_semantic_heads_scores_with_the_first_pass_alone(trained_models_dir) -> None:
    encoder = HashingEncoder()
    model = ScoringCascade(load_current(trained_models_dir), load_understanding_config(), encoder)
    scores = model.score_batch([CascadeItem("x", "", "Das ist gut.", None, "de")], NOW)
    assert scores[0].stage == "first_pass" and encoder.calls == 0
