"""Routing: recall on the cases policy says must escalate, and the share of ordinary reviews escalated.

A case must escalate when its target says so (`must_escalate: true`), or, without that field, when its labelled
flags include a must-escalate flag (safety, legal threat) or refund intent on an order worth at least the
expensive-order value. Missing one of these is the failure that matters; the share escalated is the cost.
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

__all__ = ["RoutingScorer", "must_escalate"]


class RoutingArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    route: str = "route"
    """Output field holding the route."""
    escalated_value: str = "agent"
    """Route value that means escalated."""
    must_escalate_flags: list[str] = Field(default_factory=lambda: ["safety_hazard", "legal_threat"])
    """Labelled flags (target `flags`) that must always escalate."""
    refund_flag: str = "refund_intent"
    expensive_order_value: float | None = 100.0
    """Refund intent on an order (input `order_value`) worth at least this must escalate; null turns it off."""
    share_on: str | None = None
    """Dataset tag whose cases measure the share escalated (e.g. a normal stream); default: every case that
    need not escalate."""


def must_escalate(target: dict[str, Any], inputs: dict[str, Any], args: RoutingArgs) -> tuple[str | None, str]:
    """Why policy requires escalating this case (a category: a flag, `refund_expensive` or `target`), or None."""
    explicit = target.get("must_escalate")
    if isinstance(explicit, bool):
        return ("target", "the target says so") if explicit else (None, "")
    flags = set(target.get("flags") or [])
    hit = [flag for flag in args.must_escalate_flags if flag in flags]
    if hit:
        return hit[0], f"labelled {', '.join(hit)}"
    value = inputs.get("order_value")
    limit = args.expensive_order_value
    if limit is not None and args.refund_flag in flags and value is not None and float(value) >= limit:
        return "refund_expensive", f"{args.refund_flag} on an order of {float(value):.2f}"
    return None, ""


@scorer("routing")
class RoutingScorer(Scorer):
    """must_escalate_recall (gate it at 1.0), missed count, and share_escalated on ordinary reviews."""

    Args = RoutingArgs
    args: RoutingArgs

    def score(self, record: CaseRecord, ctx: CaseContext) -> CaseScore:
        route = field_value(record.output, self.args.route, "the stage output")
        escalated = route == self.args.escalated_value
        category, why = must_escalate(record.target, record.input, self.args)
        required = category is not None
        tag = record.metadata.get("dataset")
        in_share = not required and (self.args.share_on is None or tag == self.args.share_on)
        reasons = (record.output or {}).get("reasons") or []
        value = {"must_escalate": required, "category": category, "escalated": escalated, "in_share": in_share}
        if required:
            explanation = f"must escalate ({why})" + ("" if escalated else f"; routed {route!r}, reasons {reasons}")
            return CaseScore(value=value, passed=escalated, explanation=explanation)
        return CaseScore(value=value, passed=None, explanation=f"routed {route!r} {reasons}" if escalated else "")

    def metric_fn(self, scores: Sequence[CaseScore]) -> MetricFn:
        required = np.array([s.value["must_escalate"] for s in scores], dtype=bool)
        escalated = np.array([s.value["escalated"] for s in scores], dtype=bool)
        in_share = np.array([s.value["in_share"] for s in scores], dtype=bool)
        category = np.array([s.value.get("category") or "" for s in scores], dtype=object)
        categories = sorted({c for c in category if c})

        def metrics(idx: np.ndarray) -> dict[str, float]:
            r, e, s, c = required[idx], escalated[idx], in_share[idx], category[idx]
            values = {
                "must_escalate_cases": float(r.sum()),
                "missed": float((r & ~e).sum()),
                "share_escalated": safe_div((s & e).sum(), s.sum()),
                "share_cases": float(s.sum()),
            }
            if r.any():
                values["must_escalate_recall"] = safe_div((r & e).sum(), r.sum())
            for name in categories:
                members = c == name
                if members.any():
                    values[f"must_escalate_recall.{name}"] = safe_div((members & e).sum(), members.sum())
            return values

        return metrics

    def details(self, scores: Sequence[CaseScore]) -> dict[str, Any]:
        share = [s for s in scores if s.value["in_share"]]
        by_category: dict[str, list[CaseScore]] = {}
        for s in scores:
            if s.value["must_escalate"]:
                by_category.setdefault(f"must escalate: {s.value.get('category')}", []).append(s)
        rows = [
            [name, len(group), sum(s.value["escalated"] for s in group)] for name, group in sorted(by_category.items())
        ]
        rows.append(["ordinary (share)", len(share), sum(s.value["escalated"] for s in share)])
        return {"kind": "table", "title": "Routing", "columns": ["population", "cases", "escalated"], "rows": rows}
