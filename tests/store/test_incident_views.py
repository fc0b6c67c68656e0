"""Incident read models: list filters, the full record with evidence and transitions, postmortem search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from store.incident_views import incident_detail, list_incidents, postmortem_search
from store.incidents import IncidentState, attach_reviews, incident_key, open_or_get, set_hypothesis, transition
from tests.pipeline.alerts.factories import add_review, migrated_sqlite

T0 = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)
S = IncidentState


@pytest.fixture
def db(tmp_path):
    database = migrated_sqlite(tmp_path)
    yield database
    database.dispose()


def _open(session, sku: str, topic: str, severity: str = "medium", hours: int = 0) -> str:
    incident, _ = open_or_get(
        session,
        incident_key({"sku": sku}, topic),
        {"sku": sku},
        topic,
        severity,
        "quality-eng",
        T0 + timedelta(hours=hours),
    )
    return incident.id


def test_list_filters_by_lifecycle_sku_and_topic_prefix(db):
    with db.session() as s:
        zipper = _open(s, "JKT-0125", "product_quality.defect")
        sizing = _open(s, "DRS-0007", "sizing_fit.runs_small", hours=1)
        noise = _open(s, "DRS-0008", "sizing_fit.runs_large", hours=2)
        transition(s, noise, S.closed_noise, "lead", T0 + timedelta(hours=3), note="one customer, twice")
    with db.session() as s:
        now = T0 + timedelta(hours=4)
        assert {r.incident_id for r in list_incidents(s, now)} == {zipper, sizing}
        assert [r.incident_id for r in list_incidents(s, now, "closed")] == [noise]
        assert {r.incident_id for r in list_incidents(s, now, "all", topic="sizing_fit")} == {sizing, noise}
        assert [r.incident_id for r in list_incidents(s, now, "all", sku="JKT-0125")] == [zipper]
        assert list_incidents(s, now, "all", topic="sizing") == []


def test_sla_breach_is_reported_while_no_action_ran_past_the_due_time(db):
    with db.session() as s:
        incident_id = _open(s, "CHG-0091", "safety", severity="critical")
        add_review(s, "storefront:R-1", T0, sku="CHG-0091", topics=("safety",))
        attach_reviews(s, incident_id, ["storefront:R-1"], now=T0)
    with db.session() as s:
        (row,) = list_incidents(s, T0 + timedelta(hours=1))
        assert row.sla_due_at == T0 + timedelta(hours=4) and not row.sla_breached
        (late,) = list_incidents(s, T0 + timedelta(hours=5))
        assert late.sla_breached


def test_detail_carries_evidence_snippets_transitions_and_the_postmortem(db):
    with db.session() as s:
        incident_id = _open(s, "JKT-0125", "product_quality.defect")
        for i in range(3):
            add_review(s, f"storefront:R-{i}", T0 + timedelta(minutes=i), sku="JKT-0125", text="Zipper broke " * 30)
        attach_reviews(s, incident_id, [f"storefront:R-{i}" for i in range(3)], now=T0)
        set_hypothesis(s, incident_id, "A bad zipper batch from SUP-01.", "broken_product", "rules", T0)
        for hours, state in enumerate((S.triaged, S.acting, S.monitoring), start=1):
            transition(s, incident_id, state, "lead", T0 + timedelta(hours=hours))
        transition(s, incident_id, S.resolved, "lead", T0 + timedelta(hours=30), note="supplier replaced the zippers")
    with db.session() as s:
        detail = incident_detail(s, incident_id, T0 + timedelta(hours=31))
    assert [t.to_state for t in detail.transitions] == ["open", "triaged", "acting", "monitoring", "resolved"]
    assert detail.transitions[-1].note == "supplier replaced the zippers"
    assert [e.review_id for e in detail.evidence] == ["storefront:R-0", "storefront:R-1", "storefront:R-2"]
    assert all(len(e.snippet) <= 160 and e.snippet.endswith("…") for e in detail.evidence)
    assert detail.hypothesis == "A bad zipper batch from SUP-01." and detail.playbook_id == "broken_product"
    assert detail.postmortem is not None and "supplier replaced the zippers" in detail.postmortem.outcome
    assert detail.executed_at == T0 + timedelta(hours=3) and not detail.sla_breached


def test_detail_of_an_unknown_incident_names_it(db):
    with db.session() as s, pytest.raises(KeyError, match="INC-nope"):
        incident_detail(s, "INC-nope", T0)


def test_postmortem_search_needs_every_word(db):
    with db.session() as s:
        incident_id = _open(s, "JKT-0125", "product_quality.defect")
        transition(s, incident_id, S.triaged, "lead", T0 + timedelta(hours=1))
        transition(s, incident_id, S.resolved, "lead", T0 + timedelta(hours=2), note="zipper supplier fixed the batch")
    with db.session() as s:
        assert [p.incident_id for p in postmortem_search(s, "ZIPPER supplier")] == [incident_id]
        assert postmortem_search(s, "zipper carrier") == []
