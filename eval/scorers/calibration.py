"""Calibration of a confidence: expected calibration error (ECE) and the reliability diagram's bins.

ECE is the case-weighted mean |accuracy - mean confidence| over equal-width confidence bins, the same
definition as agent.scorer.report.expected_calibration_error (bin = min(floor(confidence * bins), bins - 1)).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from eval.cache import CaseContext
from eval.registry import scorer
from eval.runlog import CaseRecord, CaseScore
from eval.scorers.base import Scorer, field_value
from eval.stats import MetricFn

__all__ = ["CalibrationScorer", "reliability_bins"]


class CalibrationArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    confidence: str
    """Output field holding the probability of the predicted answer (e.g. sentiment_confidence)."""
    prediction: str
    """Output field holding the predicted answer."""
    target: str
    """Target field the prediction is correct against."""
    bins: int = Field(default=15, ge=2, le=100)


def _bin_index(confidence: np.ndarray, bins: int) -> np.ndarray:
    return np.minimum((confidence * bins).astype(int), bins - 1)


def reliability_bins(confidence: Sequence[float], correct: Sequence[bool], bins: int) -> list[dict[str, float]]:
    """Per equal-width bin: its bounds, how many cases, their accuracy and mean confidence (empty bins kept)."""
    conf, hit = np.asarray(confidence, dtype=float), np.asarray(correct, dtype=float)
    which = _bin_index(conf, bins)
    rows = []
    for b in range(bins):
        mask = which == b
        count = int(mask.sum())
        rows.append(
            {
                "lower": b / bins,
                "upper": (b + 1) / bins,
                "count": count,
                "accuracy": float(hit[mask].mean()) if count else 0.0,
                "confidence": float(conf[mask].mean()) if count else 0.0,
            }
        )
    return rows


@scorer("calibration")
class CalibrationScorer(Scorer):
    """ECE, accuracy and mean confidence of one predicted field; the report draws its reliability diagram."""

    Args = CalibrationArgs
    args: CalibrationArgs

    def score(self, record: CaseRecord, ctx: CaseContext) -> CaseScore:
        confidence = float(field_value(record.output, self.args.confidence, "the stage output"))
        pred = field_value(record.output, self.args.prediction, "the stage output")
        true = field_value(record.target, self.args.target, f"the target of case {record.case_id!r}")
        return CaseScore(value={"confidence": confidence, "correct": pred == true})

    def metric_fn(self, scores: Sequence[CaseScore]) -> MetricFn:
        conf = np.array([s.value["confidence"] for s in scores], dtype=float)
        hit = np.array([s.value["correct"] for s in scores], dtype=float)
        bins = self.args.bins
        which = _bin_index(conf, bins)

        def metrics(idx: np.ndarray) -> dict[str, float]:
            if len(idx) == 0:
                return {"ece": 0.0, "accuracy": 0.0, "mean_confidence": 0.0}
            c, h, w = conf[idx], hit[idx], which[idx]
            counts = np.bincount(w, minlength=bins)
            conf_sum = np.bincount(w, weights=c, minlength=bins)
            hit_sum = np.bincount(w, weights=h, minlength=bins)
            ece = float(np.abs(hit_sum - conf_sum)[counts > 0].sum() / len(idx))
            return {"ece": ece, "accuracy": float(h.mean()), "mean_confidence": float(c.mean())}

        return metrics

    def details(self, scores: Sequence[CaseScore]) -> dict[str, Any]:
        return {
            "kind": "reliability",
            "field": self.args.prediction,
            "bins": reliability_bins(
                [s.value["confidence"] for s in scores], [bool(s.value["correct"]) for s in scores], self.args.bins
            ),
        }
