"""Specification of the seed set and the splits: every label is covered and the held-out split is fixed by hashes."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from agent.scorer.dataset import (
    TOPIC_LABELS,
    LabeledDataError,
    csv_split,
    load_labeled_reviews,
    load_star_reviews,
    parse_labeled_rows,
    seed_split,
    stars_to_sentiment,
)
from store.schemas import FLAG_NAMES, Sentiment

SEED = Path(__file__).resolve().parents[3] / "data" / "seed" / "labeled_reviews.jsonl"


@pytest.fixture(scope="module")
def seed() -> list:
    return load_labeled_reviews(SEED)


def test_seed_set_covers_every_topic_flag_and_class(seed: list) -> None:
    topics = Counter(t for e in seed for t in e.topics)
    flags = Counter(f for e in seed for f in e.flags)
    assert all(topics[t] >= 40 for t in TOPIC_LABELS), topics
    assert flags["safety_hazard"] >= 60
    assert all(flags[f] >= 40 for f in FLAG_NAMES), flags
    assert {e.sentiment for e in seed} == set(Sentiment)
    assert {e.urgency.value for e in seed} == {"low", "medium", "high"}
    assert 1300 <= len(seed) <= 1600


def test_heldout_split_is_about_a_quarter_and_follows_the_id_hash(seed: list) -> None:
    heldout = [e for e in seed if e.split == "heldout"]
    assert 0.2 <= len(heldout) / len(seed) <= 0.3
    assert all(e.split == seed_split(e.id) for e in seed)
    assert any(e.note and "safety_hazard" not in e.flags for e in heldout), "hard negatives are held out too"


def test_csv_split_is_deterministic_and_holds_out_about_a_fifth() -> None:
    assert [csv_split(i) for i in range(50)] == [csv_split(i) for i in range(50)]
    share = sum(csv_split(i) == "heldout" for i in range(10_000)) / 10_000
    assert 0.17 <= share <= 0.23


@pytest.mark.parametrize(("stars", "sentiment"), [(1, "negative"), (2, "negative"), (3, "neutral"), (5, "positive")])
def test_stars_map_to_the_sentiment_proxy(stars: int, sentiment: str) -> None:
    assert stars_to_sentiment(stars).value == sentiment


def test_a_hand_edited_split_is_rejected_with_file_and_line(tmp_path: Path) -> None:
    row = {"id": "x-1", "text": "ok", "sentiment": "neutral", "urgency": "low", "topics": [], "flags": []}
    row["split"] = "train" if seed_split("x-1") == "heldout" else "heldout"
    path = tmp_path / "seed.jsonl"
    path.write_text(json.dumps(row) + "\n")
    with pytest.raises(LabeledDataError, match=r"seed\.jsonl:1: field split"):
        load_labeled_reviews(path)


def test_an_unknown_topic_is_rejected_naming_the_field_and_value() -> None:
    row = {"id": "db-1", "text": "meh", "sentiment": "neutral", "urgency": "low", "topics": ["sizing.too_small"]}
    with pytest.raises(LabeledDataError, match=r"human-labels row 1: field topics.*sizing\.too_small"):
        parse_labeled_rows([row], "human-labels")


def test_star_reviews_skip_rows_without_text(shared_csv: Path) -> None:
    reviews = load_star_reviews(shared_csv)
    assert len(reviews) == 23_486 - 845
    assert all(r.text for r in reviews)


def test_seed_set_covers_app_support_nps_and_social_channels_beyond_complaints(seed: list) -> None:
    channel = [e for e in seed if e.id.startswith("chan-")]
    assert len(channel) >= 250
    neutral_without_topic = [e for e in channel if e.sentiment == Sentiment.neutral and not e.topics]
    positive = [e for e in channel if e.sentiment == Sentiment.positive]
    assert len(neutral_without_topic) >= 80 and len(positive) >= 60
    assert all(e.rating is None for e in channel)
    assert Counter(e.split for e in channel)["heldout"] >= 50
