"""Per-label precision, recall and F1 with macro/micro averages and confusion matrices (single- or multi-label).

Conventions match scikit-learn with `zero_division=0`: a label never predicted has precision 0, a label with no
true examples has recall 0, and macro averages run over every listed label.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from eval.cache import CaseContext
from eval.registry import scorer
from eval.runlog import CaseRecord, CaseScore
from eval.scorers.base import Scorer, field_value, safe_div
from eval.stats import MetricFn

__all__ = ["LabelsScorer"]

OTHER = "(other)"
"""Confusion-matrix row/column for values outside the listed labels."""


class LabelsArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    field: str | None = None
    """Field with the same name in the stage output and the case target (dotted paths allowed)."""
    output: str | None = None
    """Output field, when it differs from the target's."""
    target: str | None = None
    """Target field, when it differs from the output's."""
    labels: list[str] = Field(min_length=1)
    """Every label, in the order tables and matrices show them."""
    multilabel: bool = False
    """The fields hold lists of labels (topics, flags) instead of one label."""

    @model_validator(mode="after")
    def _fields_given(self) -> LabelsArgs:
        if self.field is None and (self.output is None or self.target is None):
            raise ValueError("give field, or both output and target")
        return self

    @property
    def output_field(self) -> str:
        return self.output or self.field or ""

    @property
    def target_field(self) -> str:
        return self.target or self.field or ""


def _prf(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1), 0.0)
        recall = np.where(tp + fn > 0, tp / np.maximum(tp + fn, 1), 0.0)
        f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), 0.0)
    return precision, recall, f1


def _label_metrics(
    labels: Sequence[str], tp: np.ndarray, fp: np.ndarray, fn: np.ndarray, extra: dict[str, float]
) -> dict[str, float]:
    precision, recall, f1 = _prf(tp, fp, fn)
    metrics = dict(extra)
    metrics["macro_precision"] = float(precision.mean())
    metrics["macro_recall"] = float(recall.mean())
    metrics["macro_f1"] = float(f1.mean())
    metrics["micro_f1"] = safe_div(2 * tp.sum(), 2 * tp.sum() + fp.sum() + fn.sum())
    for j, label in enumerate(labels):
        metrics[f"{label}.precision"] = float(precision[j])
        metrics[f"{label}.recall"] = float(recall[j])
        metrics[f"{label}.f1"] = float(f1[j])
        metrics[f"{label}.support"] = float(tp[j] + fn[j])
    return metrics


@scorer("labels")
class LabelsScorer(Scorer):
    """Precision/recall/F1 per label, macro and micro averages, accuracy or exact match, confusion matrices."""

    Args = LabelsArgs
    args: LabelsArgs

    def score(self, record: CaseRecord, ctx: CaseContext) -> CaseScore:
        pred = field_value(record.output, self.args.output_field, "the stage output")
        true = field_value(record.target, self.args.target_field, f"the target of case {record.case_id!r}")
        if self.args.multilabel:
            pred_set, true_set = set(pred or []), set(true or [])
            listed = set(self.args.labels)
            missing, extra = sorted((true_set - pred_set) & listed), sorted((pred_set - true_set) & listed)
            passed = not missing and not extra
            explanation = "" if passed else f"missing {missing}, extra {extra}"
            return CaseScore(
                value={"true": sorted(true_set), "pred": sorted(pred_set)}, passed=passed, explanation=explanation
            )
        passed = pred == true
        return CaseScore(
            value={"true": true, "pred": pred},
            passed=passed,
            explanation="" if passed else f"expected {true!r}, got {pred!r}",
        )

    def metric_fn(self, scores: Sequence[CaseScore]) -> MetricFn:
        labels = self.args.labels
        if self.args.multilabel:
            truth = np.array([[label in s.value["true"] for label in labels] for s in scores], dtype=bool).reshape(
                -1, len(labels)
            )
            pred = np.array([[label in s.value["pred"] for label in labels] for s in scores], dtype=bool).reshape(
                -1, len(labels)
            )

            def multilabel(idx: np.ndarray) -> dict[str, float]:
                t, p = truth[idx], pred[idx]
                tp, fp, fn = (t & p).sum(0), (~t & p).sum(0), (t & ~p).sum(0)
                exact = float((t == p).all(axis=1).mean()) if len(idx) else 0.0
                return _label_metrics(labels, tp, fp, fn, {"exact_match": exact})

            return multilabel
        k = len(labels)
        index = {label: i for i, label in enumerate(labels)}
        true_idx = np.array([index.get(s.value["true"], k) for s in scores], dtype=int)
        pred_idx = np.array([index.get(s.value["pred"], k) for s in scores], dtype=int)

        def single(idx: np.ndarray) -> dict[str, float]:
            cm = np.bincount(true_idx[idx] * (k + 1) + pred_idx[idx], minlength=(k + 1) ** 2).reshape(k + 1, k + 1)
            tp = np.diag(cm)[:k]
            fp = cm[:, :k].sum(axis=0) - tp
            fn = cm[:k, :].sum(axis=1) - tp
            accuracy = safe_div(np.trace(cm), len(idx))
            return _label_metrics(labels, tp, fp, fn, {"accuracy": accuracy})

        return single

    def details(self, scores: Sequence[CaseScore]) -> dict[str, Any]:
        labels = list(self.args.labels)
        if self.args.multilabel:
            rows = []
            for label in labels:
                t = np.array([label in s.value["true"] for s in scores], dtype=bool)
                p = np.array([label in s.value["pred"] for s in scores], dtype=bool)
                rows.append(
                    {
                        "label": label,
                        "tp": int((t & p).sum()),
                        "fp": int((~t & p).sum()),
                        "fn": int((t & ~p).sum()),
                        "tn": int((~t & ~p).sum()),
                    }
                )
            return {
                "kind": "multilabel_confusion",
                "field": self.args.target_field,
                "labels": labels,
                "per_label": rows,
            }
        shown = labels + (
            [OTHER] if any(s.value["true"] not in labels or s.value["pred"] not in labels for s in scores) else []
        )
        at = {label: i for i, label in enumerate(shown)}
        matrix = [[0] * len(shown) for _ in shown]
        for s in scores:
            matrix[at.get(s.value["true"], len(shown) - 1)][at.get(s.value["pred"], len(shown) - 1)] += 1
        return {"kind": "confusion", "field": self.args.target_field, "labels": shown, "matrix": matrix,
                "rows": "target", "columns": "output"}  # fmt: skip
