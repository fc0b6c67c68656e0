"""A demo stream replayed through the loop with alerts on simulated time: groups alert once, replays add nothing,
every notification is delivered once through the outbox."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from lab.alerts.replay import replay_with_alerts
from lab.demo.stream import generate_stream
from pipeline.alerts import OUTBOX_TOOL, build_alert_engine
from pipeline.clock import SimulatedClock
from pipeline.factory import build_loop
from store.alert_tables import AlertGroupRow, AlertNotificationRow
from store.incident_tables import Incident
from store.outbox_tables import OutboxRow


def delivered_lines(home) -> list[str]:
    return [line for path in sorted((home / "alerts").glob("*.jsonl")) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def stream():
    return generate_stream(seed=3, days=6, skus=20, reviews_per_day=80)


def test_a_replayed_stream_raises_each_alert_group_once(settings, stream):
    clock = SimulatedClock(stream.start)
    loop = build_loop(settings, clock=clock)
    engine = build_alert_engine(settings)
    result = replay_with_alerts(loop, clock, engine, stream.events, batch_minutes=60, every_minutes=60)
    assert result.evaluations and result.report.scored > 300
    assert result.report.gold == result.report.scored  # the loop keeps gold current by itself
    with loop.db.session() as s:
        first = s.scalars(select(AlertNotificationRow).where(AlertNotificationRow.reason == "new")).all()
        groups = Counter(s.scalars(select(AlertGroupRow.group_key)))
        safety = [n for n in first if n.receiver == "pagerduty:safety-oncall"]
        outbox = s.scalars(select(OutboxRow).where(OutboxRow.tool == OUTBOX_TOOL)).all()
    assert len(safety) == 1  # the injected overheating charger pages once
    assert all(count == 1 for count in groups.values())
    assert {row.status for row in outbox} == {"delivered"} and result.delivered == len(outbox)
    assert len(delivered_lines(settings.home)) == len(outbox)
    sent_before = len(outbox)

    again = replay_with_alerts(loop, clock, engine, stream.events, batch_minutes=60, every_minutes=60)
    assert again.report.resent == again.report.received  # bronze already has every payload
    with loop.db.session() as s:
        engine.run(s, clock.now())
        assert Counter(s.scalars(select(AlertGroupRow.group_key))) == groups
        keys = s.scalars(select(AlertNotificationRow.idempotency_key)).all()
        assert len(keys) == len(set(keys))
        assert len(s.scalars(select(Incident.key)).all()) == len({n.group_id for n in first})
        later = s.scalars(select(OutboxRow).where(OutboxRow.tool == OUTBOX_TOOL).order_by(OutboxRow.id)).all()
    assert all(row.payload["reason"] == "repeat" for row in later[sent_before:])
