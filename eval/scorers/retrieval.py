"""Retrieval against known same-incident groups: capped recall@k, hit rate@k, precision@k and MRR.

recall@k is capped (BEIR's R_cap@k): relevant ids in the top k divided by min(k, number relevant), so a query
whose group is larger than k can still reach 1.0. MRR is the mean of 1/rank of the first relevant id (0 if none
was retrieved). Queries with no relevant ids are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from eval.cache import CaseContext
from eval.registry import scorer
from eval.runlog import CaseRecord, CaseScore
from eval.scorers.base import Scorer, field_value, safe_div
from eval.stats import MetricFn

__all__ = ["RetrievalScorer"]


class RetrievalArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    k: int = Field(default=10, ge=1)
    retrieved: str = "retrieved"
    """Output field: retrieved ids, best first."""
    relevant: str = "relevant"
    """Target field: ids that belong to the same group as the query."""
    group_by: str | None = "kind"
    """Case metadata field to break recall@k and MRR down by (e.g. incident kind); null for none."""


@scorer("retrieval")
class RetrievalScorer(Scorer):
    """recall_at_<k>, hit_rate_at_<k>, precision_at_<k> and mrr, optionally per group."""

    Args = RetrievalArgs
    args: RetrievalArgs

    def score(self, record: CaseRecord, ctx: CaseContext) -> CaseScore:
        retrieved = list(field_value(record.output, self.args.retrieved, "the stage output"))
        relevant = set(field_value(record.target, self.args.relevant, f"the target of case {record.case_id!r}"))
        group = str(record.metadata.get(self.args.group_by, "")) if self.args.group_by else ""
        if not relevant:
            return CaseScore(value={"skip": True, "group": group})
        k = self.args.k
        top = retrieved[:k]
        hits = sum(rid in relevant for rid in top)
        rank = next((i + 1 for i, rid in enumerate(retrieved) if rid in relevant), None)
        value = {
            "skip": False,
            "group": group,
            "hits": hits,
            "denominator": min(k, len(relevant)),
            "retrieved_k": len(top),
            "reciprocal_rank": 1.0 / rank if rank else 0.0,
        }
        passed = rank is not None and rank <= k
        explanation = f"{hits}/{min(k, len(relevant))} relevant in the top {k}; first relevant at rank {rank}"
        return CaseScore(value=value, passed=passed, explanation=explanation)

    def metric_fn(self, scores: Sequence[CaseScore]) -> MetricFn:
        k = self.args.k
        use = np.array([not s.value["skip"] for s in scores], dtype=bool)
        hits = np.array([s.value.get("hits", 0) for s in scores], dtype=float)
        denominator = np.array([s.value.get("denominator", 1) for s in scores], dtype=float)
        rr = np.array([s.value.get("reciprocal_rank", 0.0) for s in scores], dtype=float)
        groups = np.array([s.value.get("group", "") for s in scores], dtype=object)
        names = sorted({g for g, u in zip(groups, use, strict=True) if u and g}) if self.args.group_by else []

        def metrics(idx: np.ndarray) -> dict[str, float]:
            mask = np.zeros(len(scores), dtype=float)
            np.add.at(mask, idx, 1.0)
            values: dict[str, float] = {"queries": float((mask * use).sum())}

            def weighted(select: np.ndarray) -> tuple[float, float, float, float]:
                w = mask * select
                n = w.sum()
                return (
                    safe_div((w * hits / denominator).sum(), n),
                    safe_div((w * (hits > 0)).sum(), n),
                    safe_div((w * hits / k).sum(), n),
                    safe_div((w * rr).sum(), n),
                )

            recall, hit_rate, precision, mrr = weighted(use)
            values.update(
                {f"recall_at_{k}": recall, f"hit_rate_at_{k}": hit_rate, f"precision_at_{k}": precision, "mrr": mrr}
            )
            for name in names:
                g_recall, _, _, g_mrr = weighted(use & (groups == name))
                values[f"recall_at_{k}.{name}"] = g_recall
                values[f"mrr.{name}"] = g_mrr
            return values

        return metrics

    def details(self, scores: Sequence[CaseScore]) -> dict[str, Any]:
        k = self.args.k
        groups: dict[str, list[CaseScore]] = {}
        for s in scores:
            if not s.value["skip"]:
                groups.setdefault(s.value["group"] or "all", []).append(s)
        rows = []
        for name, members in sorted(groups.items()):
            n = len(members)
            rows.append(
                [
                    name,
                    n,
                    round(sum(m.value["hits"] / m.value["denominator"] for m in members) / n, 3),
                    round(sum(m.value["reciprocal_rank"] for m in members) / n, 3),
                ]
            )
        return {
            "kind": "table",
            "title": "Retrieval by group",
            "columns": ["group", "queries", f"recall@{k}", "MRR"],
            "rows": rows,
        }
