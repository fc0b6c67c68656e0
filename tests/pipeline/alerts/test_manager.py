"""The alert engine on an injected clock: grouping, dedup, group wait / interval / repeat, resolve notices, muting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from pipeline.alerts import add_silence, expire_silence
from store.alert_tables import AlertGroupRow, AlertNotificationRow, AlertRow
from store.gold import update_gold
from store.incident_tables import Incident
from store.incidents import attach_reviews, incident_key, open_or_get
from tests.pipeline.alerts.factories import add_review

T0 = datetime(2026, 11, 5, 8, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def defects(db, n: int, at: datetime = T0, sku: str = "JKT-0001", prefix: str = "d", **kwargs) -> list[str]:
    with db.session() as s:
        ids = [add_review(s, f"{prefix}{sku}-{at:%d%H%M}-{i}", at - timedelta(minutes=30 - i), sku=sku, **kwargs)
               for i in range(n)]  # fmt: skip
        update_gold(s, ids)
    return ids


def run(db, engine, at: datetime):
    with db.session() as s:
        return engine.run(s, at)


def sent(notifier) -> list[tuple[str, str, str]]:
    return [(receiver, payload["status"], payload["reason"]) for receiver, payload, _ in notifier.sent]


def test_a_new_group_waits_group_wait_then_notifies_the_topic_owner_once(db, make_engine, notifier):
    engine = make_engine()
    defects(db, 3)
    first = run(db, engine, T0)
    assert len(first.new_alerts) == 1 and first.notifications == []
    assert run(db, engine, T0 + 5 * MIN).notifications == []
    run(db, engine, T0 + 10 * MIN)
    assert sent(notifier) == [("jira:QA", "firing", "new")]
    run(db, engine, T0 + 20 * MIN)
    run(db, engine, T0 + 2 * 60 * MIN)
    assert len(notifier.sent) == 1  # same alert, same group: deduplicated until repeat_interval


def test_an_unchanged_group_repeats_at_the_first_flush_after_repeat_interval(db, make_engine, notifier):
    engine = make_engine()
    defects(db, 3)
    run(db, engine, T0)
    run(db, engine, T0 + 10 * MIN)  # first notification; the group is looked at again every 30 minutes
    run(db, engine, T0 + 10 * MIN + 4 * 60 * MIN - MIN)  # a flush 1 minute short of repeat_interval
    run(db, engine, T0 + 10 * MIN + 4 * 60 * MIN)  # not a flush time (Alertmanager checks repeats at flushes)
    assert [reason for _, _, reason in sent(notifier)] == ["new"]
    run(db, engine, T0 + 10 * MIN + 4 * 60 * MIN + 29 * MIN)
    assert [reason for _, _, reason in sent(notifier)] == ["new", "repeat"]
    keys = [key for _, _, key in notifier.sent]
    assert len(set(keys)) == 2


def test_two_rules_on_the_same_sku_and_topic_notify_as_one_group(db, make_engine, notifier):
    engine = make_engine()
    defects(db, 5)
    run(db, engine, T0)
    run(db, engine, T0 + 10 * MIN)
    ((_, payload, _),) = notifier.sent
    assert sorted(alert["rule"] for alert in payload["alerts"]) == ["defect_burst", "defect_reports"]
    assert payload["group_labels"] == {"scope": "sku=JKT-0001", "topic": "product_quality.defect"}


def test_an_alert_joining_a_notified_group_waits_for_group_interval(db, make_engine, notifier):
    engine = make_engine()
    defects(db, 3)
    run(db, engine, T0)
    run(db, engine, T0 + 10 * MIN)
    defects(db, 2, at=T0 + 15 * MIN, prefix="more")
    run(db, engine, T0 + 20 * MIN)
    assert len(notifier.sent) == 1
    run(db, engine, T0 + 40 * MIN)
    assert sent(notifier)[-1] == ("jira:QA", "firing", "changed")
    assert len(notifier.sent[-1][1]["alerts"]) == 2


def test_a_resolve_notice_follows_when_the_reports_stop_and_a_new_episode_starts_a_new_group(db, make_engine, notifier):
    engine = make_engine()
    defects(db, 3)
    run(db, engine, T0)
    run(db, engine, T0 + 10 * MIN)
    next_day = T0.replace(hour=0) + timedelta(days=1, minutes=30)
    report = run(db, engine, next_day)
    assert len(report.resolved_alerts) == 1
    assert sent(notifier)[-1] == ("jira:QA", "resolved", "resolved")
    assert notifier.sent[-1][1]["alerts"][0]["ends_at"] is not None
    with db.session() as s:
        assert s.scalars(select(AlertGroupRow.state)).all() == ["closed"]
    defects(db, 3, at=next_day + 60 * MIN, prefix="again")
    run(db, engine, next_day + 60 * MIN)
    run(db, engine, next_day + 70 * MIN)
    assert sent(notifier)[-1] == ("jira:QA", "firing", "new")
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(AlertGroupRow)) == 2
        assert s.scalar(select(func.count()).select_from(AlertRow)) == 2  # two episodes of one fingerprint


def test_a_silence_mutes_matching_alerts_until_it_expires(db, make_engine, notifier):
    engine = make_engine()
    with db.session() as s:
        silence = add_silence(s, ['sku="JKT-0001"'], "ops", "supplier already told", T0, timedelta(hours=2))
    defects(db, 3)
    report = run(db, engine, T0)
    run(db, engine, T0 + 30 * MIN)
    assert report.muted == {"silenced": 1} and notifier.sent == []
    with db.session() as s:
        expire_silence(s, silence.id, T0 + 40 * MIN)
    run(db, engine, T0 + 45 * MIN)
    run(db, engine, T0 + 55 * MIN)
    assert sent(notifier) == [("jira:QA", "firing", "new")]


def test_a_safety_alert_pages_at_once_and_mutes_lower_alerts_for_the_same_sku(db, make_engine, notifier):
    engine = make_engine()
    defects(db, 3)
    defects(db, 1, prefix="fire", flags={"safety_hazard": 0.99}, flag_rules={"safety_hazard": ["safety.fire"]})
    report = run(db, engine, T0)
    assert sent(notifier) == [("pagerduty:safety-oncall", "firing", "new")]
    assert report.muted == {"inhibited": 1}
    run(db, engine, T0 + 30 * MIN)
    assert len(notifier.sent) == 1
    with db.session() as s:
        muted = s.scalar(select(AlertRow).where(AlertRow.rule == "defect_reports"))
        assert muted.suppressed_by == "inhibited:safety_mutes_lower"


def test_inhibition_needs_the_equal_labels_on_both_alerts(db, make_engine, notifier):
    engine = make_engine()
    defects(db, 1, prefix="fire", flags={"safety_hazard": 0.99}, flag_rules={"safety_hazard": ["safety.fire"]})
    defects(db, 3, sku=None, prefix="late", topics=("shipping_delivery.late",))
    run(db, engine, T0)
    run(db, engine, T0 + 10 * MIN)
    receivers = sorted(receiver for receiver, _, _ in sent(notifier))
    assert receivers == ["pagerduty:safety-oncall", "slack:#logistics-ops"]  # the region alert has no sku label


def test_an_open_incident_on_the_sku_mutes_its_per_review_alerts(db, make_engine, notifier):
    engine = make_engine()
    with db.session() as s:
        key = incident_key({"sku": "JKT-0001"}, "sizing_fit.runs_small")
        open_or_get(s, key, {"sku": "JKT-0001"}, "sizing_fit.runs_small", "low", "sizing-team", T0, opened_by="agent")
    defects(db, 3)
    report = run(db, engine, T0)
    run(db, engine, T0 + 30 * MIN)
    assert report.muted == {"inhibited": 1} and notifier.sent == []


def test_a_frozen_listing_mutes_per_review_alerts_for_its_sku(db, make_engine, notifier):
    engine = make_engine(frozen_skus=lambda _session: frozenset({"JKT-0001"}))
    defects(db, 3)
    defects(db, 3, sku="JKT-0002", prefix="other")
    run(db, engine, T0)
    run(db, engine, T0 + 10 * MIN)
    ((_, payload, _),) = notifier.sent
    assert payload["group_labels"]["scope"] == "sku=JKT-0002"


def test_a_notification_carries_playbook_incident_numbers_and_masked_reviews(db, make_engine, notifier):
    engine = make_engine()
    ids = defects(db, 3, text="Zipper broke. Write me at jane.doe@example.com please")
    run(db, engine, T0)
    report = run(db, engine, T0 + 10 * MIN)
    ((_, payload, key),) = notifier.sent
    (alert,) = payload["alerts"]
    assert alert["playbook"] == "defective_product"
    assert alert["numbers"]["observed"] == 3 and alert["numbers"]["window_days"] == 1
    assert alert["summary"].startswith("sku=JKT-0001: 3 reports about product_quality.defect")
    assert len(alert["reviews"]) == 2 and {r["review_id"] for r in alert["reviews"]} <= set(ids)
    assert all("jane.doe" not in r["snippet"] and "[EMAIL]" in r["snippet"] for r in alert["reviews"])
    assert report.incidents_opened == [alert["incident_id"]]
    with db.session() as s:
        incident = s.get(Incident, alert["incident_id"])
        assert (incident.key, incident.owner, incident.review_count) == (
            "sku=JKT-0001|topic=product_quality.defect", "quality-eng", 3
        )  # fmt: skip
        assert incident.alerted_at == T0 + 10 * MIN
        stored = s.scalar(select(AlertNotificationRow))
        assert stored.idempotency_key == key and stored.alert_ids == [alert["alert_id"]]


def test_replaying_evaluations_raises_no_duplicate_notifications(db, make_engine, notifier):
    defects(db, 3)
    times = [T0 + k * 15 * MIN for k in range(8)]
    for at in times:
        run(db, make_engine(), at)
    before = list(notifier.sent)
    for at in times:  # the same evaluations again, e.g. after a restart
        run(db, make_engine(), at)
    assert notifier.sent == before and len(before) == 1
    with db.session() as s:
        keys = s.scalars(select(AlertNotificationRow.idempotency_key)).all()
        assert len(keys) == len(set(keys)) == 1
        assert s.scalar(select(func.count()).select_from(Incident)) == 1


def test_the_summary_lists_notified_groups_incidents_and_exports_metrics(db, make_engine, notifier):
    from prometheus_client import CollectorRegistry, generate_latest

    from pipeline.alerts import AlertsCollector, summarize_alerts

    engine = make_engine()
    defects(db, 3)
    defects(db, 1, sku="CHG-0091", prefix="fire", flags={"safety_hazard": 0.99}, flag_rules={"safety_hazard": ["x"]})
    run(db, engine, T0)
    run(db, engine, T0 + 10 * MIN)
    with db.session() as s:
        summary = summarize_alerts(s, T0 + 20 * MIN)
    assert [(g.receiver, g.rules, g.playbook) for g in summary.groups] == [
        ("pagerduty:safety-oncall", ["safety_report"], "safety_hazard"),
        ("jira:QA", ["defect_reports"], "defective_product"),
    ]
    assert summary.firing_by_severity == {"critical": 1, "medium": 1}
    assert [i.state for i in summary.incidents] == ["open", "open"]
    assert summary.clock.incidents == 2
    registry = CollectorRegistry()
    registry.register(AlertsCollector(lambda: summary))
    text = generate_latest(registry).decode()
    assert 'reviewops_alerts_firing{severity="critical"} 1.0' in text
    assert 'reviewops_incidents{state="open"} 2.0' in text


INCIDENT_RULE = """
  - id: agent_incident
    kind: incident
    description: An incident the triage agent opened.
    min_count: 3
    severity: taxonomy
"""


def test_an_incident_the_agent_opened_alerts_its_owner_once(db, make_engine, notifier):
    from tests.pipeline.alerts.conftest import RULES

    engine = make_engine(rules=RULES + INCIDENT_RULE)
    with db.session() as s:
        key = incident_key({"sku": "DRS-0203"}, "sizing_fit.runs_small")
        small = "sizing_fit.runs_small"
        incident, _ = open_or_get(s, key, {"sku": "DRS-0203"}, small, "low", "sizing-team", T0, opened_by="agent")
        ids = [add_review(s, f"tight{i}", T0 - timedelta(hours=i), sku="DRS-0203", topics=(small,)) for i in range(2)]
        attach_reviews(s, incident.id, ids, now=T0)
    run(db, engine, T0)
    run(db, engine, T0 + 10 * MIN)
    assert notifier.sent == []  # two reviews are not yet a cluster
    with db.session() as s:
        attach_reviews(s, incident.id, [add_review(s, "tight9", T0, sku="DRS-0203", topics=(small,))], now=T0)
    run(db, engine, T0 + 15 * MIN)
    run(db, engine, T0 + 30 * MIN)
    run(db, engine, T0 + 60 * MIN)
    ((receiver, payload, _),) = notifier.sent
    (alert,) = payload["alerts"]
    assert receiver == "slack:#sizing-team"
    with db.session() as s:
        assert alert["incident_id"] == s.scalar(select(Incident.id))
    assert alert["labels"]["class"] == "incident" and alert["summary"].endswith("opened by agent (open)")
