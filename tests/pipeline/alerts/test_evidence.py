"""The reviews behind an alert, and explaining an alert away by the reviews another incident already holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipeline.alerts.evidence import explaining_incident, relevant_reviews
from store.gold import update_gold
from store.incidents import IncidentState, attach_reviews, incident_key, open_or_get, transition
from tests.pipeline.alerts.conftest import rules_config
from tests.pipeline.alerts.factories import add_review

T0 = datetime(2026, 11, 8, 12, 0, tzinfo=UTC)
LOST = "shipping_delivery.lost_or_wrong"
RULE = rules_config(
    """
version: "t"
playbooks: {}
rules:
  - id: warehouse_spike
    kind: rate
    description: Wrong or lost items from a warehouse.
    scope: warehouse
    topics: [shipping_delivery.lost_or_wrong]
    min_count: 6
    min_ratio: 2
    max_p_value: 1.0e-4
"""
).rules[0]


def seed(db) -> tuple[list[str], str]:
    """12 'still not delivered' reviews labelled late + lost, plus 2 genuinely lost ones, and a region incident."""
    with db.session() as s:
        carrier = [
            add_review(s, f"c{i}", T0 - timedelta(hours=i), topics=("shipping_delivery.late", LOST), text="Not here")
            for i in range(12)
        ]
        lost = [add_review(s, f"l{i}", T0 - timedelta(hours=20 + i), topics=(LOST,)) for i in range(2)]
        add_review(s, "praise", T0 - timedelta(hours=1), sentiment="positive", topics=(LOST,))
        update_gold(s, [*carrier, *lost, "praise"])
        key = incident_key({"region": "US-East"}, "shipping_delivery.late")
        incident, _ = open_or_get(s, key, {"region": "US-East"}, "shipping_delivery.late", "medium", "logistics", T0)
        attach_reviews(s, incident.id, carrier, now=T0)
        return [*carrier, *lost], incident.id


def test_relevant_reviews_are_the_ones_gold_counted_newest_first(db):
    ids, _ = seed(db)
    with db.session() as s:
        start, end = T0 - timedelta(days=2), T0 + timedelta(minutes=1)
        refs = relevant_reviews(s, "warehouse", "WH-NJ", LOST, "nonpositive", start, end, limit=50)
    assert [r.review_id for r in refs] == ids  # newest first; the positive mention is left out
    assert refs[0].snippet == "Not here"


def test_an_alert_made_of_another_incidents_reviews_is_explained_by_it(db):
    ids, incident_id = seed(db)
    evidence = {"observed": 14, "reviews": 15}
    with db.session() as s:
        assert explaining_incident(s, RULE, evidence, 0.02, ids, "INC-own") == incident_id


def test_an_alert_still_surprising_without_those_reviews_stands_on_its_own(db):
    ids, _ = seed(db)
    with db.session() as s:
        assert explaining_incident(s, RULE, {"observed": 30, "reviews": 40}, 0.02, ids, "INC-own") is None


def test_a_closed_incident_explains_nothing(db):
    ids, incident_id = seed(db)
    with db.session() as s:
        transition(s, incident_id, IncidentState.closed_noise, "owner", T0, note="carrier recovered")
        assert explaining_incident(s, RULE, {"observed": 14, "reviews": 15}, 0.02, ids, "INC-own") is None
