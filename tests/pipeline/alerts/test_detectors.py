"""Detectors on small counts: minimum count, ratio and tail test against a baseline; warm-up; hysteresis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipeline.alerts.detectors import Detector, alert_fingerprint
from pipeline.alerts.rules import load_alert_rules
from store.gold import GoldRecord, add_records
from store.gold_queries import day_index, load_scope_frame
from tests.pipeline.alerts.conftest import rules_config
from tests.pipeline.alerts.factories import taxonomy

NOW = datetime(2026, 11, 21, 18, 0, tzinfo=UTC)
DEFECT = "product_quality.defect"
RATE_RULES = """
version: "test.rate"
playbooks: {product_quality.defect: defective_product}
rules:
  - id: spike
    kind: rate
    description: SKU defect share above its own history.
    scope: sku
    topics: [product_quality.defect]
    windows_days: [1, 2]
    baseline_days: 28
    min_count: 5
    min_ratio: 3
    max_p_value: 1.0e-4
    prior_reviews: 30
    min_baseline_reviews: 50
    resolve_window_days: 2
    resolve_ratio: 1.5
    resolve_min_count: 2
    severity: taxonomy
  - id: safety
    kind: threshold
    description: One safety report.
    scope: sku
    topics: [safety_hazard]
    metric: reviews
    windows_days: [7]
    min_count: 1
    severity: critical
"""


def record(at: datetime, sku: str, topics: tuple[str, ...] = (), sentiment: str = "negative") -> GoldRecord:
    return GoldRecord(at.replace(minute=0, second=0, microsecond=0), sku, "US-East", "WH-NJ", "SUP-01", "Jackets",
                      topics, sentiment, 2)  # fmt: skip


def history(skus: list[str], days: int = 20, per_day: int = 10, defect_every: int = 50) -> list[GoldRecord]:
    """Quiet past days: each SKU gets `per_day` reviews a day, one in `defect_every` about a defect."""
    out, n = [], 0
    for day in range(days, 0, -1):
        for sku in skus:
            for i in range(per_day):
                n += 1
                topics = (DEFECT,) if n % defect_every == 0 else ()
                out.append(
                    record(NOW - timedelta(days=day, hours=i), sku, topics, "negative" if topics else "positive")
                )
    return out


def today(sku: str, defects: int, others: int, topics: tuple[str, ...] = (DEFECT,)) -> list[GoldRecord]:
    return [record(NOW - timedelta(hours=1 + i % 10), sku, topics) for i in range(defects)] + [
        record(NOW - timedelta(hours=2), sku, (), "positive") for _ in range(others)
    ]


def detect(db, records: list[GoldRecord], firing=None, now: datetime = NOW):
    with db.session() as s:
        add_records(s, records)
    detector = Detector(rules_config(RATE_RULES), taxonomy())
    with db.session() as s:
        frame = load_scope_frame(s, day_index(now) - detector.lookback_days() + 1, day_index(now), {"sku", "category"})
    return detector.detect(frame, now, firing or {})


def fired(candidates) -> set[tuple[str, str, str]]:
    return {(c.rule, c.scope, c.topic) for c in candidates}


def test_four_complaints_stay_below_the_minimum_count(db):
    found = detect(db, history(["A", "B", "C"]) + today("A", defects=4, others=2))
    assert fired(found) == set()


def test_five_complaints_on_a_quiet_sku_fire_with_the_numbers_behind_them(db):
    found = detect(db, history(["A", "B", "C"]) + today("A", defects=5, others=5))
    (alert,) = found
    assert (alert.rule, alert.scope, alert.topic, alert.severity) == ("spike", "A", DEFECT, "medium")
    ev = alert.evidence
    assert (ev["observed"], ev["reviews"], ev["window_days"]) == (5, 10, 1)
    assert ev["baseline_rate"] == pytest.approx(0.02, abs=0.005)
    assert ev["p_value"] < 1e-4 and ev["ratio"] >= 3
    assert alert.fingerprint == alert_fingerprint("spike", "sku", "A", DEFECT)


def test_the_same_count_is_no_surprise_on_a_sku_that_always_draws_it(db):
    noisy = history(["A"], defect_every=3)  # a third of A's reviews have always been about defects
    found = detect(db, noisy + history(["B", "C"]) + today("A", defects=5, others=10))
    assert fired(found) == set()


def test_a_new_sku_without_history_borrows_its_category_rate(db):
    found = detect(db, history(["A", "B", "C"]) + today("NEW", defects=5, others=1))
    assert fired(found) == {("spike", "NEW", DEFECT)}


def test_nothing_is_judged_before_the_category_has_a_baseline(db):
    found = detect(db, history(["A"], days=3, per_day=5) + today("A", defects=6, others=0))
    assert fired(found) == set()


def test_a_sku_of_a_young_category_is_judged_against_the_whole_shop(db):
    dresses = [
        GoldRecord(r.bucket_start, r.sku, r.region, r.warehouse, r.supplier, "Dresses", r.topics, r.sentiment, 2)
        for r in history(["D1", "D2", "D3"])
    ]
    young = history(["A"], days=2, per_day=10)  # Jackets: 20 reviews of history, under min_baseline_reviews
    (alert,) = detect(db, dresses + young + today("A", defects=5, others=5))
    assert (alert.scope, alert.evidence["parent"]) == ("A", "*")
    assert alert.evidence["parent_rate"] == pytest.approx(0.02, abs=0.005)


def test_praise_that_mentions_a_topic_is_not_a_complaint(db):
    praise = [record(NOW - timedelta(hours=1), "A", (DEFECT,), "positive") for _ in range(8)]
    found = detect(db, history(["A", "B", "C"]) + praise)
    assert fired(found) == set()


def test_one_credible_safety_report_fires_the_threshold_rule(db):
    found = detect(db, history(["A", "B"]) + today("A", defects=1, others=0, topics=("safety_hazard",)))
    assert fired(found) == {("safety", "A", "safety_hazard")}
    assert found[0].severity == "critical"


def test_a_firing_alert_holds_while_its_rate_stays_above_the_frozen_baseline(db):
    key = ("spike", "sku", "A", DEFECT)
    found = detect(db, history(["A", "B", "C"]) + today("A", defects=2, others=8), firing={key: 0.02})
    (alert,) = found
    assert alert.held and alert.evidence["held"] and alert.baseline_rate == 0.02


def test_a_firing_alert_resolves_when_its_rate_returns_to_baseline(db):
    key = ("spike", "sku", "A", DEFECT)
    found = detect(db, history(["A", "B", "C"]) + today("A", defects=1, others=9), firing={key: 0.02})
    assert found == []


REGION_RULES = """
version: "test.region"
playbooks: {}
rules:
  - id: region_late
    kind: rate
    description: Late deliveries into a region.
    scope: region
    topics: [shipping_delivery.late]
    windows_days: [1]
    min_count: 6
    min_ratio: 2
    max_p_value: 1.0e-4
"""


def test_a_region_is_compared_with_its_own_history_and_the_whole_shop(db):
    late = "shipping_delivery.late"

    def at(region: str, when: datetime, topics: tuple[str, ...]) -> GoldRecord:
        return GoldRecord(when.replace(minute=0), "", region, "", "", "", topics, "negative", None)

    quiet = [
        at(region, NOW - timedelta(days=day, hours=i), (late,) if i == 0 else ())
        for day in range(1, 15)
        for region in ("US-East", "EU-West")
        for i in range(20)
    ]
    burst = [at("US-East", NOW - timedelta(hours=1 + i % 8), (late,)) for i in range(8)]
    burst += [at(region, NOW - timedelta(hours=2), ()) for region in ("US-East", "EU-West") for _ in range(12)]
    with db.session() as s:
        add_records(s, quiet + burst)
    detector = Detector(rules_config(REGION_RULES), taxonomy())
    with db.session() as s:
        frame = load_scope_frame(s, day_index(NOW) - detector.lookback_days() + 1, day_index(NOW), {"region"})
    (alert,) = detector.detect(frame, NOW, {})
    assert (alert.scope_kind, alert.scope, alert.parent, alert.topic) == ("region", "US-East", "*", late)
    assert alert.evidence["parent_rate"] == pytest.approx(0.05)


def detect_with_shipped_rules(db, records: list[GoldRecord]) -> set[tuple[str, str, str]]:
    with db.session() as s:
        add_records(s, records)
    detector = Detector(load_alert_rules(), taxonomy())
    with db.session() as s:
        frame = load_scope_frame(s, day_index(NOW) - detector.lookback_days() + 1, day_index(NOW), {"sku", "category"})
    return fired(detector.detect(frame, NOW, {}))


def test_a_defect_burst_on_a_young_sku_fires_at_five_reports(db):
    # The demo's zipper: 5 broken-product reports in 18 reviews of a SKU with days of history, in a 2% category.
    young = history(["A"], days=3, per_day=3)
    found = detect_with_shipped_rules(db, history(["B", "C", "D"]) + young + today("A", defects=5, others=13))
    assert ("sku_defect_burst", "A", DEFECT) in found
    assert ("sku_topic_spike", "A", DEFECT) not in found  # its wide prior alone would wait for more reports


def test_the_same_five_reports_on_a_busy_sku_are_no_burst(db):
    busy = history(["A"], per_day=12)  # 2% of A's reviews have always been about defects
    found = detect_with_shipped_rules(db, history(["B", "C", "D"]) + busy + today("A", defects=5, others=55))
    assert not {f for f in found if f[1] == "A"}


def test_five_crushed_boxes_from_one_warehouse_in_a_day_fire_the_warehouse_rule(db):
    damaged = "packaging.damaged"

    def at_warehouse(r: GoldRecord, warehouse: str, topics: tuple[str, ...] | None = None) -> GoldRecord:
        return GoldRecord(r.bucket_start, r.sku, r.region, warehouse, r.supplier, r.category,
                          r.topics if topics is None else topics, r.sentiment, 2)  # fmt: skip

    past = [at_warehouse(r, "WH-A" if i % 2 else "WH-B") for i, r in enumerate(history(["A", "B", "C", "D"]))]
    past = [at_warehouse(r, r.warehouse, (damaged,) if r.topics else ()) for r in past]
    crushed = [at_warehouse(r, "WH-A", (damaged,) if r.topics else ()) for r in today("A", defects=5, others=6)]
    with db.session() as s:
        add_records(s, past + crushed)
    detector = Detector(load_alert_rules(), taxonomy())
    with db.session() as s:
        frame = load_scope_frame(s, day_index(NOW) - detector.lookback_days() + 1, day_index(NOW), {"warehouse"})
    assert ("warehouse_handling_spike", "WH-A", damaged) in fired(detector.detect(frame, NOW, {}))
