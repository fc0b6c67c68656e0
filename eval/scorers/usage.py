"""Latency and LLM tokens/cost per case.

Wall latency is this run's (it differs between runs); token counts and the models' own latency come from the
LLM cache too, so they describe the system even when a re-run made no calls. `spent` is what this run paid.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from eval.cache import CaseContext
from eval.registry import scorer
from eval.runlog import CaseRecord, CaseScore
from eval.scorers.base import Scorer, safe_div
from eval.stats import MetricFn

__all__ = ["UsageScorer"]


class UsageArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    input_cost_per_1k: float = Field(default=0.0, ge=0.0)
    """Price of 1,000 prompt tokens (0 for the local model)."""
    output_cost_per_1k: float = Field(default=0.0, ge=0.0)


@scorer("usage")
class UsageScorer(Scorer):
    """latency p50/p95/mean (ms), tokens in/out per case, cost per case, calls made and answered from cache."""

    Args = UsageArgs
    args: UsageArgs

    def score(self, record: CaseRecord, ctx: CaseContext) -> CaseScore:
        usage = record.usage
        cost = (
            usage.input_tokens * self.args.input_cost_per_1k + usage.output_tokens * self.args.output_cost_per_1k
        ) / 1000
        share_paid = safe_div(usage.llm_calls, usage.llm_calls + usage.cached_calls)
        value = {
            "latency_ms": record.latency_ms,
            "llm_latency_ms": usage.llm_latency_ms,
            "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
            "cost": cost,
            "spent": cost * share_paid,
            "llm_calls": usage.llm_calls,
            "cached_calls": usage.cached_calls,
        }
        return CaseScore(value=value)

    def metric_fn(self, scores: Sequence[CaseScore]) -> MetricFn:
        columns = {
            name: np.array([s.value[name] for s in scores], dtype=float)
            for name in ("latency_ms", "llm_latency_ms", "input_tokens", "output_tokens", "cost", "spent",
                         "llm_calls", "cached_calls")
        }  # fmt: skip

        def metrics(idx: np.ndarray) -> dict[str, float]:
            if len(idx) == 0:
                return {}
            latency = columns["latency_ms"][idx]
            return {
                "latency_p50_ms": float(np.percentile(latency, 50)),
                "latency_p95_ms": float(np.percentile(latency, 95)),
                "latency_mean_ms": float(latency.mean()),
                "llm_latency_mean_ms": float(columns["llm_latency_ms"][idx].mean()),
                "input_tokens_per_case": float(columns["input_tokens"][idx].mean()),
                "output_tokens_per_case": float(columns["output_tokens"][idx].mean()),
                "cost_per_case": float(columns["cost"][idx].mean()),
                "spent": float(columns["spent"][idx].sum()),
                "llm_calls": float(columns["llm_calls"][idx].sum()),
                "cached_calls": float(columns["cached_calls"][idx].sum()),
            }

        return metrics
