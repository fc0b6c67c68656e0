"""Alert detection over replayed streams: incidents detected once by the right owner, detection delays, false alerts.

They read the `alert_detection` stage's output (one case = one stream): `incidents` (one entry per injected
incident: `detected_once`, `groups`, `right_owner`, `rate_rule` and the delays `hours_after_*`), `false_groups`,
`sku_days`, `safety_cycles`. Metrics pool the incidents (and SKU-days) of the resampled streams.
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

__all__ = ["DelayScorer", "DetectionScorer", "FalseAlertsScorer"]


def _incidents(record: CaseRecord) -> list[dict[str, Any]]:
    return list(field_value(record.output, "incidents", "the stage output"))


class _NoArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")


@scorer("alert_detection")
class DetectionScorer(Scorer):
    """detected_once_rate (each injected incident raised exactly one group, to the taxonomy owner, delivered),
    incidents, missed, duplicated, wrong_owner. A stream passes when every incident in it was detected once."""

    Args = _NoArgs

    def score(self, record: CaseRecord, ctx: CaseContext) -> CaseScore:
        incidents = _incidents(record)
        value = {
            "incidents": len(incidents),
            "detected_once": sum(bool(i["detected_once"]) for i in incidents),
            "missed": sum(i["groups"] == 0 for i in incidents),
            "duplicated": sum(i["groups"] > 1 for i in incidents),
            "wrong_owner": sum(i["groups"] > 0 and not i["right_owner"] for i in incidents),
        }
        if not incidents:
            return CaseScore(value=value, explanation="no injected incident in this stream")
        bad = [
            f"{i['incident']}: {i['groups']} groups, owner {'ok' if i['right_owner'] else 'wrong'}"
            for i in incidents
            if not i["detected_once"]
        ]
        explanation = "; ".join(bad) or f"all {len(incidents)} incidents raised exactly one group to their owner"
        return CaseScore(value=value, passed=not bad, explanation=explanation)

    def metric_fn(self, scores: Sequence[CaseScore]) -> MetricFn:
        names = ("incidents", "detected_once", "missed", "duplicated", "wrong_owner")
        columns = {name: np.array([s.value[name] for s in scores], dtype=float) for name in names}

        def metrics(idx: np.ndarray) -> dict[str, float]:
            sums = {name: float(column[idx].sum()) for name, column in columns.items()}
            return {**sums, "detected_once_rate": safe_div(sums["detected_once"], sums["incidents"])}

        return metrics


class DelayArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    delays: list[str] = Field(
        default_factory=lambda: ["after_fifth_arrival", "after_distinguishable", "after_first_arrival"]
    )
    """Which delays to report: `hours_<name>` fields of each incident watched by a rate rule."""
    max_hours_after_fifth: float = 2.0
    """A stream fails when a rate incident is alerted later than this after its 5th report arrived (or never)."""
    max_safety_cycles: float = 1.0
    """A stream fails when the safety incident pages later than this many scoring cycles after its first report."""


@scorer("alert_delay")
class DelayScorer(Scorer):
    """`<delay>.p50` and `<delay>.max` in simulated hours over the rate-rule incidents alerted, `safety_cycles` (worst
    stream), and `late` (rate incidents over `max_hours_after_fifth`, never-alerted ones included)."""

    Args = DelayArgs
    args: DelayArgs

    def score(self, record: CaseRecord, ctx: CaseContext) -> CaseScore:
        rated = [i for i in _incidents(record) if i.get("rate_rule")]
        delays = {name: [i[f"hours_{name}"] for i in rated if i.get(f"hours_{name}") is not None]
                  for name in self.args.delays}  # fmt: skip
        limit = self.args.max_hours_after_fifth
        late = [
            i["incident"]
            for i in rated
            if i.get("hours_after_fifth_arrival") is None or i["hours_after_fifth_arrival"] > limit
        ]
        cycles = field_value(record.output, "safety_cycles", "the stage output")
        value = {"delays": delays, "late": len(late), "safety_cycles": cycles}
        if not rated and cycles is None:
            return CaseScore(value=value, explanation="no injected incident in this stream")
        problems = [f"{name} > {limit} h after its 5th report (or never alerted)" for name in late]
        if cycles is not None and cycles > self.args.max_safety_cycles:
            problems.append(f"safety paged after {cycles} scoring cycles (max {self.args.max_safety_cycles})")
        shown = {name: values for name, values in delays.items() if values}
        explanation = "; ".join(problems) or f"delays (h): {shown}, safety cycles {cycles}"
        return CaseScore(value=value, passed=not problems, explanation=explanation)

    def metric_fn(self, scores: Sequence[CaseScore]) -> MetricFn:
        late = np.array([s.value["late"] for s in scores], dtype=float)
        cycles = np.array(
            [np.nan if s.value["safety_cycles"] is None else s.value["safety_cycles"] for s in scores], dtype=float
        )

        def metrics(idx: np.ndarray) -> dict[str, float]:
            values: dict[str, float] = {"late": float(late[idx].sum())}
            for name in self.args.delays:
                pooled = [d for i in idx for d in scores[int(i)].value["delays"][name]]
                if pooled:
                    values[f"{name}.p50"] = float(np.median(pooled))
                    values[f"{name}.max"] = float(np.max(pooled))
            chosen = cycles[idx]
            if np.isfinite(chosen).any():
                values["safety_cycles"] = float(np.nanmax(chosen))
            return values

        return metrics


@scorer("false_alerts")
class FalseAlertsScorer(Scorer):
    """per_1000_sku_days: alert groups matching no injected incident per 1,000 SKU-days, pooled over the streams;
    false_groups and sku_days."""

    Args = _NoArgs

    def score(self, record: CaseRecord, ctx: CaseContext) -> CaseScore:
        groups = list(field_value(record.output, "false_groups", "the stage output"))
        sku_days = float(field_value(record.output, "sku_days", "the stage output"))
        rate = safe_div(1000 * len(groups), sku_days)
        value = {"false_groups": len(groups), "sku_days": sku_days}
        explanation = f"{len(groups)} false alert groups in {sku_days:,.0f} SKU-days ({rate:.2f} per 1,000)"
        if groups:
            explanation += ": " + "; ".join(groups[:5]) + (" ..." if len(groups) > 5 else "")
        return CaseScore(value=value, passed=rate < 1.0, explanation=explanation)

    def metric_fn(self, scores: Sequence[CaseScore]) -> MetricFn:
        groups = np.array([s.value["false_groups"] for s in scores], dtype=float)
        sku_days = np.array([s.value["sku_days"] for s in scores], dtype=float)

        def metrics(idx: np.ndarray) -> dict[str, float]:
            found, days = float(groups[idx].sum()), float(sku_days[idx].sum())
            return {"false_groups": found, "sku_days": days, "per_1000_sku_days": safe_div(1000 * found, days)}

        return metrics
