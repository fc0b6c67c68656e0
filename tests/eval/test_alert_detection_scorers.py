"""The alert detection scorers on hand-made stream outputs, numbers worked out by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from eval.cache import CaseContext
from eval.registry import SCORERS
from eval.runlog import CaseRecord
from eval.scorers.base import Scorer


def make(name: str, **args: Any) -> Scorer:
    cls = SCORERS.get(name)
    return cls(name, cls.Args.model_validate(args))


def incident(name: str, groups: int = 1, right: bool = True, fifth: float | None = 0.5, dist: float | None = 3.0,
             rate: bool = True) -> dict[str, Any]:  # fmt: skip
    return {
        "incident": name, "groups": groups, "right_owner": right, "detected_once": groups == 1 and right,
        "rate_rule": rate, "hours_after_fifth_arrival": fifth, "hours_after_distinguishable": dist,
        "hours_after_first_arrival": 20.0,
    }  # fmt: skip


def stream(incidents: list[dict[str, Any]], false: int = 0, sku_days: int = 1000, cycles: float | None = None):
    output = {"incidents": incidents, "false_groups": [f"g{i}" for i in range(false)], "sku_days": sku_days,
              "safety_cycles": cycles}  # fmt: skip
    return CaseRecord(index=0, case_id="s", input={}, target={}, metadata={}, output=output)


def run(scorer: Scorer, records: list[CaseRecord]):
    scores = [scorer.score(r, CaseContext()) for r in records]
    return scores, scorer.metrics(scores)


def test_detection_counts_an_incident_only_when_exactly_one_group_reached_its_owner():
    scores, m = run(make("alert_detection"), [
        stream([incident("a"), incident("b", groups=2), incident("c", groups=0, right=False)]),
        stream([incident("d"), incident("e", right=False)]),
        stream([]),
    ])  # fmt: skip
    assert m["incidents"] == 5 and m["detected_once"] == 2 and m["detected_once_rate"] == pytest.approx(0.4)
    assert (m["missed"], m["duplicated"], m["wrong_owner"]) == (1, 1, 1)
    assert [s.passed for s in scores] == [False, False, None]
    assert "b: 2 groups" in scores[0].explanation and "c: 0 groups" in scores[0].explanation


def test_delays_pool_the_rate_incidents_of_the_resampled_streams():
    scorer = make("alert_delay", max_hours_after_fifth=2.0)
    records = [
        stream([incident("a", fifth=0.5, dist=4.0), incident("b", fifth=1.5, dist=1.0),
                incident("safety", fifth=None, dist=0.1, rate=False)], cycles=0.4),
        stream([incident("c", fifth=3.0, dist=6.0), incident("d", fifth=None, dist=None)], cycles=None),
    ]  # fmt: skip
    scores, m = run(scorer, records)
    assert m["after_fifth_arrival.p50"] == pytest.approx(1.5) and m["after_fifth_arrival.max"] == 3.0
    assert m["after_distinguishable.p50"] == pytest.approx(4.0) and m["after_distinguishable.max"] == 6.0
    assert m["late"] == 2 and m["safety_cycles"] == pytest.approx(0.4)  # c over 2 h, d never alerted
    assert [s.passed for s in scores] == [True, False]
    only_second = scorer.metric_fn(scores)(np.array([1, 1]))
    assert only_second["after_fifth_arrival.p50"] == 3.0 and "safety_cycles" not in only_second


def test_a_slow_safety_page_fails_its_stream():
    (score,), m = run(make("alert_delay", max_safety_cycles=1.0), [stream([incident("a")], cycles=1.6)])
    assert score.passed is False and "1.6 scoring cycles" in score.explanation and m["safety_cycles"] == 1.6


def test_false_alerts_are_pooled_per_1000_sku_days():
    scores, m = run(make("false_alerts"), [stream([], false=1, sku_days=1680), stream([], false=3, sku_days=12000)])
    assert m["false_groups"] == 4 and m["sku_days"] == 13680
    assert m["per_1000_sku_days"] == pytest.approx(4000 / 13680)
    assert [s.passed for s in scores] == [True, True]
    (bad,), _ = run(make("false_alerts"), [stream([], false=3, sku_days=2500)])
    assert bad.passed is False and "3 false alert groups in 2,500 SKU-days (1.20 per 1,000)" in bad.explanation


def test_a_stream_output_without_incidents_names_the_missing_field():
    record = CaseRecord(index=0, case_id="s", input={}, target={}, metadata={}, output={"sku_days": 1})
    with pytest.raises(KeyError, match="has no field 'incidents'"):
        make("alert_detection").score(record, CaseContext())
