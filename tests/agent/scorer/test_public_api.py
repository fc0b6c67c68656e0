"""The scorer's public surface is pinned: changing it is a deliberate, reviewed decision."""

from __future__ import annotations

import agent.scorer


def test_public_api_is_pinned() -> None:
    assert sorted(agent.scorer.__all__) == [
        "CODE_VERSION",
        "FastScorer",
        "LEXICON_VERSION",
        "LabeledDataError",
        "LabeledReview",
        "LexiconRule",
        "RULES",
        "ScorerNotTrainedError",
        "ScorerReport",
        "TOPIC_LABELS",
        "TrainConfig",
        "TrainResult",
        "csv_split",
        "evaluate_heldout",
        "format_report",
        "load_current",
        "load_labeled_reviews",
        "match_rules",
        "seed_split",
        "train_scorer",
    ]
    for name in agent.scorer.__all__:
        assert hasattr(agent.scorer, name)
