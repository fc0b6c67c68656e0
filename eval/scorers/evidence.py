"""Required evidence: a hypothesis must cite only reviews it was shown, and enough true reports of the incident.

Per case the cited ids (`evidence`) are compared with the ids the model was shown (`retrieved`) and with the
incident's true reports (target `relevant`). A case passes when nothing cited lies outside the shown set and at least
`min_true` cited ids are true reports.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from eval.cache import CaseContext
from eval.registry import scorer
from eval.runlog import CaseRecord, CaseScore
from eval.scorers.base import Scorer, field_value, safe_div
from eval.stats import MetricFn

__all__ = ["EvidenceScorer"]


class EvidenceArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    cited: str = "evidence"
    """Output field: the ids the hypothesis cites."""
    shown: str = "retrieved"
    """Output field: the ids the model was given to cite from."""
    relevant: str = "relevant"
    """Target field: the incident's true report ids."""
    min_true: int = Field(default=2, ge=1)
    """True reports a passing hypothesis cites at least."""


@scorer("evidence")
class EvidenceScorer(Scorer):
    """required_evidence_rate, outside_ids (max 0), true_cited_per_case, cited_precision, shown_precision."""

    Args = EvidenceArgs
    args: EvidenceArgs

    def score(self, record: CaseRecord, ctx: CaseContext) -> CaseScore:
        cited = list(dict.fromkeys(field_value(record.output, self.args.cited, "the stage output") or []))
        shown = set(field_value(record.output, self.args.shown, "the stage output") or [])
        relevant = set(field_value(record.target, self.args.relevant, f"the target of case {record.case_id!r}"))
        outside = [rid for rid in cited if rid not in shown]
        true = [rid for rid in cited if rid in relevant]
        problems = [f"cited ids it was not shown: {outside}"] if outside else []
        if len(true) < self.args.min_true:
            problems.append(f"cites {len(true)} true report(s) of the incident, needs {self.args.min_true}")
        value = {
            "cited": len(cited),
            "outside": len(outside),
            "true": len(true),
            "shown": len(shown),
            "shown_true": len(shown & relevant),
        }
        return CaseScore(value=value, passed=not problems, explanation="; ".join(problems))

    def metric_fn(self, scores: Sequence[CaseScore]) -> MetricFn:
        columns = {k: np.array([s.value[k] for s in scores], dtype=float) for k in scores[0].value} if scores else {}
        passed = np.array([bool(s.passed) for s in scores], dtype=float)

        def metrics(idx: np.ndarray) -> dict[str, float]:
            if not len(idx) or not columns:
                return {"required_evidence_rate": 0.0, "outside_ids": 0.0, "true_cited_per_case": 0.0,
                        "cited_precision": 0.0, "shown_precision": 0.0}  # fmt: skip
            return {
                "required_evidence_rate": safe_div(passed[idx].sum(), len(idx)),
                "outside_ids": float(columns["outside"][idx].sum()),
                "true_cited_per_case": safe_div(columns["true"][idx].sum(), len(idx)),
                "cited_precision": safe_div(columns["true"][idx].sum(), columns["cited"][idx].sum()),
                "shown_precision": safe_div(columns["shown_true"][idx].sum(), columns["shown"][idx].sum()),
            }

        return metrics
