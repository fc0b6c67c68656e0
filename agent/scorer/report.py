"""Held-out evaluation of a scorer: seed held-out labels, and sentiment versus stars on the CSV held-out split."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from agent.scorer.dataset import (
    SENTIMENT_LABELS,
    TOPIC_LABELS,
    URGENCY_LABELS,
    load_labeled_reviews,
    load_star_reviews,
)
from agent.scorer.lexicon import RULES, match_rules
from agent.scorer.model import FastScorer
from store.schemas import FLAG_NAMES, ReviewScore

__all__ = [
    "LabelMetrics",
    "RuleMetrics",
    "ScorerReport",
    "SentimentVsStars",
    "evaluate_heldout",
    "expected_calibration_error",
    "format_report",
]


class LabelMetrics(BaseModel):
    """Precision, recall and F1 of one label on a held-out split; `support` counts its true examples."""

    label: str
    precision: float
    recall: float
    f1: float
    support: int


class RuleMetrics(BaseModel):
    """How often a lexicon rule fired on the seed held-out split, and how often its flag was truly there."""

    rule: str
    flag: str
    fired: int
    correct: int


class SentimentVsStars(BaseModel):
    """Text sentiment against the star proxy (1-2 negative, 3 neutral, 4-5 positive) on the CSV held-out split."""

    rows: int
    macro_f1: float
    accuracy: float
    per_class: list[LabelMetrics]
    confusion: list[list[int]] = Field(description="Rows: star-derived class; columns: predicted; SENTIMENT_LABELS.")
    ece: float = Field(description="Top-label expected calibration error of sentiment_confidence (15 bins).")


class ScorerReport(BaseModel):
    """Held-out quality of one scorer version; nothing in it was used to train or tune that version."""

    scorer_version: str
    seed_heldout_examples: int
    sentiment: list[LabelMetrics]
    sentiment_macro_f1: float
    sentiment_ece: float
    urgency: list[LabelMetrics]
    urgency_macro_f1: float
    topics: list[LabelMetrics]
    topics_micro_f1: float
    flags: list[LabelMetrics]
    safety_recall: float
    safety_recall_rules_only: float
    rules: list[RuleMetrics]
    stars: SentimentVsStars | None = Field(default=None, description="None when the CSV was not available.")


def expected_calibration_error(confidence: Sequence[float], correct: Sequence[bool], bins: int = 15) -> float:
    """Weighted mean |accuracy - confidence| over equal-width confidence bins."""
    conf, hit = np.asarray(confidence, dtype=float), np.asarray(correct, dtype=float)
    if conf.size == 0:
        return 0.0
    which = np.minimum((conf * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.sum() * abs(hit[mask].mean() - conf[mask].mean())
    return float(total / conf.size)


def _per_label(truth: list[list[bool]], predicted: list[list[bool]], labels: Sequence[str]) -> list[LabelMetrics]:
    y, p = np.asarray(truth, dtype=int), np.asarray(predicted, dtype=int)
    precision, recall, f1, support = precision_recall_fscore_support(y, p, average=None, zero_division=0)
    return [
        LabelMetrics(label=label, precision=float(pr), recall=float(rc), f1=float(f), support=int(s))
        for label, pr, rc, f, s in zip(labels, precision, recall, f1, support, strict=True)
    ]


def _per_class(truth: list[str], predicted: list[str], labels: Sequence[str]) -> list[LabelMetrics]:
    return _per_label(
        [[t == label for label in labels] for t in truth], [[p == label for label in labels] for p in predicted], labels
    )


def _stars_report(scorer: FastScorer, csv_path: Path, now: datetime) -> SentimentVsStars:
    rows = [r for r in load_star_reviews(csv_path) if r.split == "heldout"]
    scores = scorer.score_batch([(f"csv:{r.row_index}", r.title, r.text, None) for r in rows], now)
    truth = [r.sentiment.value for r in rows]
    predicted = [s.sentiment.value for s in scores]
    return SentimentVsStars(
        rows=len(rows),
        macro_f1=float(f1_score(truth, predicted, labels=list(SENTIMENT_LABELS), average="macro")),
        accuracy=float(np.mean([t == p for t, p in zip(truth, predicted, strict=True)])),
        per_class=_per_class(truth, predicted, SENTIMENT_LABELS),
        confusion=confusion_matrix(truth, predicted, labels=list(SENTIMENT_LABELS)).tolist(),
        ece=expected_calibration_error(
            [s.sentiment_confidence for s in scores], [t == p for t, p in zip(truth, predicted, strict=True)]
        ),
    )


def evaluate_heldout(scorer: FastScorer, seed_path: Path, csv_path: Path | None) -> ScorerReport:
    """Score the seed held-out split (and the CSV held-out split when `csv_path` exists) and measure every head."""
    now = datetime.now(UTC)
    examples = [e for e in load_labeled_reviews(seed_path) if e.split == "heldout"]
    scores: list[ReviewScore] = scorer.score_batch([(e.id, e.title, e.text, e.rating) for e in examples], now)
    sentiment_truth = [e.sentiment.value for e in examples]
    sentiment_pred = [s.sentiment.value for s in scores]
    urgency_truth = [e.urgency.value for e in examples]
    urgency_pred = [s.urgency.value for s in scores]
    topic_truth = [[label in e.topics for label in TOPIC_LABELS] for e in examples]
    topic_pred = [[label in {t.label for t in s.topics} for label in TOPIC_LABELS] for s in scores]
    flag_truth = [[f in e.flags for f in FLAG_NAMES] for e in examples]
    flag_pred = [[f in scorer.raised_flags(s) for f in FLAG_NAMES] for s in scores]
    flags = _per_label(flag_truth, flag_pred, FLAG_NAMES)
    unsafe = [e for e in examples if "safety_hazard" in e.flags]
    rule_hits = [match_rules(e.document) for e in examples]
    rules = [
        RuleMetrics(
            rule=rule.name,
            flag=rule.flag,
            fired=sum(rule.name in hits.get(rule.flag, []) for hits in rule_hits),
            correct=sum(
                rule.name in hits.get(rule.flag, []) and rule.flag in e.flags
                for hits, e in zip(rule_hits, examples, strict=True)
            ),
        )
        for rule in RULES
    ]
    return ScorerReport(
        scorer_version=scorer.version,
        seed_heldout_examples=len(examples),
        sentiment=_per_class(sentiment_truth, sentiment_pred, SENTIMENT_LABELS),
        sentiment_macro_f1=float(
            f1_score(sentiment_truth, sentiment_pred, labels=list(SENTIMENT_LABELS), average="macro")
        ),
        sentiment_ece=expected_calibration_error(
            [s.sentiment_confidence for s in scores],
            [t == p for t, p in zip(sentiment_truth, sentiment_pred, strict=True)],
        ),
        urgency=_per_class(urgency_truth, urgency_pred, URGENCY_LABELS),
        urgency_macro_f1=float(f1_score(urgency_truth, urgency_pred, labels=list(URGENCY_LABELS), average="macro")),
        topics=_per_label(topic_truth, topic_pred, TOPIC_LABELS),
        topics_micro_f1=float(
            f1_score(np.asarray(topic_truth), np.asarray(topic_pred), average="micro", zero_division=0)
        ),
        flags=flags,
        safety_recall=next(m.recall for m in flags if m.label == "safety_hazard"),
        safety_recall_rules_only=(
            sum("safety_hazard" in match_rules(e.document) for e in unsafe) / len(unsafe) if unsafe else 0.0
        ),
        rules=rules,
        stars=_stars_report(scorer, csv_path, now) if csv_path is not None and csv_path.is_file() else None,
    )


def _table(title: str, rows: Sequence[LabelMetrics]) -> list[str]:
    width = max([len(title), *(len(r.label) for r in rows)])
    lines = [f"{title:<{width}}  precision  recall     f1  support"]
    lines += [f"{r.label:<{width}}  {r.precision:9.3f}  {r.recall:6.3f}  {r.f1:5.3f}  {r.support:7d}" for r in rows]
    return [*lines, ""]


def format_report(report: ScorerReport) -> str:
    """Plain-text tables of a held-out report, for the CLI and the docs."""
    lines = [
        f"Fast scorer {report.scorer_version}: held-out report",
        f"seed held-out examples: {report.seed_heldout_examples}",
        "",
        f"sentiment macro-F1 {report.sentiment_macro_f1:.3f}, ECE {report.sentiment_ece:.3f} (seed held-out)",
        *_table("sentiment", report.sentiment),
        f"urgency macro-F1 {report.urgency_macro_f1:.3f}",
        *_table("urgency", report.urgency),
        f"topics micro-F1 {report.topics_micro_f1:.3f}",
        *_table("topic", report.topics),
        f"safety recall {report.safety_recall:.3f} (lexicon rules alone {report.safety_recall_rules_only:.3f})",
        *_table("flag", report.flags),
        "lexicon rule                 fired  correct",
        *(f"{r.rule:<27}  {r.fired:5d}  {r.correct:7d}" for r in report.rules if r.fired),
        "",
    ]
    if report.stars is None:
        lines.append("sentiment vs stars: CSV not available, skipped")
    else:
        s = report.stars
        lines += [
            f"sentiment vs stars on the CSV held-out split ({s.rows} rows): macro-F1 {s.macro_f1:.3f}, "
            f"accuracy {s.accuracy:.3f}, ECE {s.ece:.3f}",
            *_table("class", s.per_class),
            "confusion (rows = stars, columns = predicted): " + " ".join(SENTIMENT_LABELS),
            *(f"  {label:<9} {row}" for label, row in zip(SENTIMENT_LABELS, s.confusion, strict=True)),
        ]
    return "\n".join(lines) + "\n"
