"""The fast scorer: sentiment, taxonomy topics, urgency and flags for every review, each with a calibrated confidence.

Train with `train_scorer(seed_path, out_dir, csv_path, extra_labels)`; load with `load_current(out_dir)`; score with
`FastScorer.score_batch(items, now)`. `ReviewScore.topics` lists the topics above their per-label threshold (chosen
on train-split cross-validation), best first. `ReviewScore.flags` holds every flag in `FLAG_NAMES` with its
calibrated probability, lifted to at least the rule's precision prior when a lexicon rule fired (`flag_rules` names
those rules); `FastScorer.raised_flags(score)` applies the scorer's own thresholds, a router may apply its own.
"""

from agent.scorer.dataset import (
    TOPIC_LABELS,
    LabeledDataError,
    LabeledReview,
    csv_split,
    load_labeled_reviews,
    seed_split,
)
from agent.scorer.lexicon import LEXICON_VERSION, RULES, LexiconRule, match_rules
from agent.scorer.model import FastScorer, ScorerNotTrainedError, load_current
from agent.scorer.report import ScorerReport, evaluate_heldout, format_report
from agent.scorer.training import CODE_VERSION, TrainConfig, TrainResult, train_scorer

__all__ = [
    "CODE_VERSION",
    "LEXICON_VERSION",
    "RULES",
    "TOPIC_LABELS",
    "FastScorer",
    "LabeledDataError",
    "LabeledReview",
    "LexiconRule",
    "ScorerNotTrainedError",
    "ScorerReport",
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
