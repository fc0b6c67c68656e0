"""A demo stream replayed through the loop with alerts on simulated time: groups alert once, replays add nothing."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from pipeline.alerts import MemoryNotifier, build_alert_engine
from pipeline.alerts.replay import replay_with_alerts
from pipeline.clock import SimulatedClock
from pipeline.demo_stream import generate_stream
from pipeline.factory import build_loop
from store.alert_tables import AlertGroupRow, AlertNotificationRow
from store.incident_tables import Incident


@pytest.fixture(scope="module")
def stream():
    return generate_stream(seed=3, days=6, skus=20, reviews_per_day=80)


def test_a_replayed_stream_raises_each_alert_group_once(settings, stream):
    clock = SimulatedClock(stream.start)
    loop = build_loop(settings, clock=clock)
    notifier = MemoryNotifier()
    engine = build_alert_engine(settings, notifier)
    result = replay_with_alerts(loop, clock, engine, stream.events, batch_minutes=60, every_minutes=60)
    assert result.evaluations and result.report.scored > 300
    with loop.db.session() as s:
        first = s.scalars(select(AlertNotificationRow).where(AlertNotificationRow.reason == "new")).all()
        groups = Counter(s.scalars(select(AlertGroupRow.group_key)))
        safety = [n for n in first if n.receiver == "pagerduty:safety-oncall"]
    assert len(safety) == 1  # the injected overheating charger pages once
    assert all(count == 1 for count in groups.values())
    sent_before = len(notifier.sent)

    again = replay_with_alerts(loop, clock, engine, stream.events, batch_minutes=60, every_minutes=60)
    assert again.report.resent == again.report.received  # bronze already has every payload
    with loop.db.session() as s:
        engine.run(s, clock.now())
        assert Counter(s.scalars(select(AlertGroupRow.group_key))) == groups
        keys = s.scalars(select(AlertNotificationRow.idempotency_key)).all()
        assert len(keys) == len(set(keys))
        assert len(s.scalars(select(Incident.key)).all()) == len({n.group_id for n in first})
    assert all(payload["reason"] == "repeat" for _, payload, _ in notifier.sent[sent_before:])
