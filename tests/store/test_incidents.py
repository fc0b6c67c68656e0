"""Incidents: one per cluster, a strict lifecycle with timestamps, monitoring after remediation, the loop's clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from store.gold import update_gold
from store.incident_tables import Incident, IncidentTransition
from store.incidents import (
    IllegalTransition,
    IncidentState,
    active_incident_skus,
    attach_reviews,
    check_monitoring,
    find_open_for,
    incident_id_for,
    incident_key,
    note_alerted,
    open_or_get,
    search_postmortems,
    set_hypothesis,
    transition,
)
from store.loop_clock import loop_clock
from tests.pipeline.alerts.factories import add_review, migrated_sqlite

T0 = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)
SCOPE = {"sku": "JKT-0125"}
TOPIC = "product_quality.defect"
KEY = incident_key(SCOPE, TOPIC)
S = IncidentState


@pytest.fixture
def db(tmp_path):
    database = migrated_sqlite(tmp_path)
    yield database
    database.dispose()


def open_incident(session, severity: str = "medium", now: datetime = T0, **kwargs) -> Incident:
    incident, _ = open_or_get(session, KEY, SCOPE, TOPIC, severity, "quality-eng", now, **kwargs)
    return incident


def walk(session, incident_id: str, *states: IncidentState, start: datetime = T0, note: str | None = None) -> None:
    for hours, state in enumerate(states, start=1):
        transition(session, incident_id, state, "lead", start + timedelta(hours=hours), note=note)


def test_incident_key_is_deterministic_and_ignores_scope_order():
    assert incident_key({"region": "US-East", "carrier": "USPS"}, "shipping_delivery.late") == incident_key(
        {"carrier": "USPS", "region": "US-East"}, "shipping_delivery.late"
    )
    assert KEY == "sku=JKT-0125|topic=product_quality.defect"
    assert incident_id_for(KEY) == incident_id_for(KEY) and len(incident_id_for(KEY)) == len("INC-") + 10


def test_the_same_cluster_never_makes_two_incidents(db):
    with db.session() as s:
        first, created = open_or_get(s, KEY, SCOPE, TOPIC, "medium", "quality-eng", T0, opened_by="alerts")
        again, created_again = open_or_get(s, KEY, SCOPE, TOPIC, "high", "someone-else", T0 + timedelta(hours=1))
        assert created and not created_again
        assert again.id == first.id == incident_id_for(KEY)
        assert s.scalars(select(Incident)).all() == [first]


def test_the_key_is_unique_in_the_database(db):
    with db.session() as s:
        open_incident(s)
    with pytest.raises(IntegrityError), db.session() as s:
        s.execute(
            insert(Incident),
            [
                {
                    "id": "INC-other", "key": KEY, "scope": SCOPE, "topic": TOPIC, "severity": "low", "owner": "x",
                    "state": "open", "opened_by": "x", "opened_at": T0, "updated_at": T0, "review_count": 0,
                    "metric": "nonpositive_share",
                }
            ],
        )  # fmt: skip


def test_the_full_lifecycle_stamps_every_transition(db):
    with db.session() as s:
        incident = open_incident(s)
        walk(s, incident.id, S.triaged, S.awaiting_approval, S.acting, S.monitoring)
        transition(s, incident.id, S.resolved, "monitor", T0 + timedelta(hours=30), note="defect share back to 1%")
    with db.session() as s:
        incident = s.get(Incident, incident_id_for(KEY))
        assert incident.state == "resolved"
        assert incident.triaged_at == T0 + timedelta(hours=1)
        assert incident.approved_at == T0 + timedelta(hours=3)
        assert incident.executed_at == incident.monitoring_since == T0 + timedelta(hours=4)
        assert incident.monitoring_deadline == T0 + timedelta(hours=4 + 96)
        assert incident.resolved_at == incident.closed_at == T0 + timedelta(hours=30)
        assert incident.resolution_note == "defect share back to 1%"
        steps = s.scalars(select(IncidentTransition).order_by(IncidentTransition.id)).all()
        assert [(t.from_state, t.to_state) for t in steps] == [
            (None, "open"),
            ("open", "triaged"),
            ("triaged", "awaiting_approval"),
            ("awaiting_approval", "acting"),
            ("acting", "monitoring"),
            ("monitoring", "resolved"),
        ]


def test_an_illegal_transition_raises_and_names_the_allowed_ones(db):
    with db.session() as s:
        incident = open_incident(s)
        with pytest.raises(IllegalTransition, match="open; it can move to closed_noise, escalated, triaged"):
            transition(s, incident.id, S.monitoring, "lead", T0)


def test_closing_needs_a_resolution_note(db):
    with db.session() as s:
        incident = open_incident(s)
        with pytest.raises(IllegalTransition, match="needs a resolution note"):
            transition(s, incident.id, S.closed_noise, "owner", T0, note="  ")
        transition(s, incident.id, S.closed_noise, "owner", T0, note="one angry customer, not a trend")
        assert incident.state == "closed_noise"


def test_a_closed_cluster_is_reopened_not_duplicated(db):
    with db.session() as s:
        incident = open_incident(s)
        transition(s, incident.id, S.closed_noise, "owner", T0, note="noise")
        again, created = open_or_get(s, KEY, SCOPE, TOPIC, "medium", "quality-eng", T0 + timedelta(days=9))
        assert not created and again.id == incident.id and again.state == "open"


def test_resolving_writes_a_searchable_postmortem(db):
    with db.session() as s:
        incident = open_incident(s, baseline_rate=0.02)
        set_hypothesis(s, incident.id, "supplier changed the zipper slider", "defective_product", "rules", T0)
        walk(s, incident.id, S.triaged, S.acting, S.monitoring)
        transition(s, incident.id, S.resolved, "owner", T0 + timedelta(days=3), note="supplier replaced sliders")
    with db.session() as s:
        (found,) = search_postmortems(s, "zipper SLIDER")
        assert found.incident_id == incident_id_for(KEY)
        assert "defective_product" in found.text and "supplier replaced sliders" in found.outcome
        assert found.metric_before == 0.02
        assert search_postmortems(s, "carrier") == []


def test_attaching_reviews_sets_the_first_review_and_the_sla(db):
    with db.session() as s:
        first = add_review(s, "r1", T0 - timedelta(hours=10))
        later = add_review(s, "r2", T0 - timedelta(hours=2))
        incident = open_incident(s, severity="high", now=T0)
        assert attach_reviews(s, incident.id, [later, first], now=T0) == 2
        assert attach_reviews(s, incident.id, [first], now=T0) == 0
        assert incident.review_count == 2
        assert incident.first_review_at == T0 - timedelta(hours=10)
        assert incident.sla_due_at == T0 - timedelta(hours=10) + timedelta(hours=24)


def test_active_skus_and_lookup_by_review_context(db):
    with db.session() as s:
        sku_incident = open_incident(s)
        region_key = incident_key({"region": "US-East"}, "shipping_delivery.late")
        region, _ = open_or_get(
            s, region_key, {"region": "US-East"}, "shipping_delivery.late", "medium", "logistics", T0
        )
        assert active_incident_skus(s) == frozenset({"JKT-0125"})
        assert [i.id for i in find_open_for(s, sku="JKT-0125", region="US-East")] == [sku_incident.id, region.id]
        assert [i.id for i in find_open_for(s, region="US-East", topic="shipping_delivery.late")] == [region.id]
        assert find_open_for(s, sku="OTHER") == []
        transition(s, sku_incident.id, S.closed_noise, "owner", T0, note="noise")
        assert active_incident_skus(s) == frozenset()


def monitored(db, reviews_after: list[tuple[str, str]]) -> str:
    """An incident in monitoring since T0 with a 10% baseline, and reviews (sentiment, topic) after the action."""
    with db.session() as s:
        incident = open_incident(s, baseline_rate=0.10, now=T0 - timedelta(days=1))
        for state in (S.triaged, S.acting):
            transition(s, incident.id, state, "lead", T0 - timedelta(hours=1))
        transition(s, incident.id, S.monitoring, "tool", T0)
        ids = [
            add_review(
                s, f"after{i}", T0 + timedelta(hours=1 + i), sku="JKT-0125", sentiment=sentiment, topics=(topic,)
            )
            for i, (sentiment, topic) in enumerate(reviews_after)
        ]
        update_gold(s, ids)
        return incident.id


def test_monitoring_resolves_once_the_metric_is_back_under_baseline(db):
    incident_id = monitored(db, [("negative", TOPIC)] + [("positive", "sizing_fit.fit_cut")] * 19)
    with db.session() as s:
        assert [o.decision for o in check_monitoring(s, T0 + timedelta(hours=12))] == ["monitoring"]  # too early
        (outcome,) = check_monitoring(s, T0 + timedelta(hours=30))
        assert (outcome.decision, outcome.rate, outcome.reviews) == ("resolved", pytest.approx(0.05), 20)
        incident = s.get(Incident, incident_id)
        assert incident.state == "resolved" and "back to normal" in incident.resolution_note


def test_monitoring_escalates_when_the_deadline_passes_without_recovery(db):
    incident_id = monitored(db, [("negative", TOPIC)] * 10 + [("positive", "sizing_fit.fit_cut")] * 10)
    with db.session() as s:
        assert [o.decision for o in check_monitoring(s, T0 + timedelta(hours=48))] == ["monitoring"]
        (outcome,) = check_monitoring(s, T0 + timedelta(hours=97))
        assert outcome.decision == "escalated"
        assert s.get(Incident, incident_id).state == "escalated"


def test_loop_clock_reports_stage_percentiles_and_promise_breaches(db):
    with db.session() as s:
        quick = open_incident(s, now=T0)
        attach_reviews(s, quick.id, [add_review(s, "q1", T0 - timedelta(hours=5))], now=T0)
        note_alerted(s, quick.id, T0)
        walk(s, quick.id, S.triaged, S.acting, S.monitoring)  # executed 8 h after the first review
        late_key = incident_key({"sku": "DRS-0203"}, "sizing_fit.runs_small")
        late, _ = open_or_get(s, late_key, {"sku": "DRS-0203"}, "sizing_fit.runs_small", "low", "sizing", T0)
        attach_reviews(s, late.id, [add_review(s, "l1", T0 - timedelta(hours=80), sku="DRS-0203")], now=T0)
    with db.session() as s:
        clock = loop_clock(s, T0 + timedelta(hours=10))
    assert clock.incidents == 2
    assert clock.first_action.count == 1 and clock.first_action.p50_hours == pytest.approx(8.0)
    alerted = next(stage for stage in clock.stages if stage.stage == "scored_to_alerted")
    assert (alerted.count, alerted.p50_hours) == (1, pytest.approx(5.0))
    assert clock.promise_breaches == 1 and clock.breached_incidents == [late.id]


def test_opening_and_attaching_work_the_same_on_postgres(postgres_url):
    from store.db import Database

    db = Database(postgres_url)
    db.migrate()
    try:
        with db.session() as s:
            incident = open_incident(s)
            again, created = open_or_get(s, KEY, SCOPE, TOPIC, "medium", "quality-eng", T0)
            ids = [add_review(s, f"pg{i}", T0 - timedelta(hours=i)) for i in range(3)]
            assert attach_reviews(s, incident.id, ids, now=T0) == 3
            assert attach_reviews(s, incident.id, ids, now=T0) == 0
            assert not created and again.id == incident.id and incident.review_count == 3
    finally:
        db.dispose()
