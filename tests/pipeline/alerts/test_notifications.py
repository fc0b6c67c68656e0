"""Notifications are outbox rows first: keyed per group, reason and sequence, rendered for the receiver's kind."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from pipeline.alerts import OUTBOX_TOOL
from store.alert_tables import AlertNotificationRow
from store.gold import update_gold
from store.outbox_tables import OutboxRow
from tests.pipeline.alerts.factories import add_review
from tools.senders import NotificationFileSender, receiver_filename

T0 = datetime(2026, 11, 5, 8, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def test_receiver_names_become_safe_file_names():
    assert receiver_filename("slack:#sizing-team") == "slack_sizing-team.jsonl"
    assert receiver_filename("email:returns@shop.example") == "email_returns_shop.example.jsonl"


def test_the_file_receiver_appends_one_line_per_key_even_across_restarts(tmp_path):
    assert NotificationFileSender(tmp_path).send({"title": "first"}, "jira:QA", idempotency_key="k1").ok
    again = NotificationFileSender(tmp_path)  # a new process: it reads the keys already written
    assert again.send({"title": "first, retried"}, "jira:QA", idempotency_key="k1").ok
    assert again.send({"title": "second"}, "jira:QA", idempotency_key="k2").ok
    lines = [json.loads(line) for line in (tmp_path / "jira_QA.jsonl").read_text().splitlines()]
    assert [(line["title"], line["idempotency_key"]) for line in lines] == [("first", "k1"), ("second", "k2")]


def test_each_notification_is_an_outbox_row_keyed_by_group_reason_and_sequence(db, make_engine):
    engine = make_engine()
    with db.session() as s:
        update_gold(s, [add_review(s, f"d{i}", T0 - 20 * MIN + i * MIN) for i in range(3)])
    for minutes in (0, 10):
        with db.session() as s:
            engine.run(s, T0 + minutes * MIN)
    with db.session() as s:
        (notification,) = s.scalars(select(AlertNotificationRow)).all()
        (row,) = s.scalars(select(OutboxRow)).all()
        assert row.idempotency_key == notification.idempotency_key
        assert row.idempotency_key.startswith("alerts:") and row.idempotency_key.endswith(":new:1")
        assert (row.tool, row.receiver, row.status) == (OUTBOX_TOOL, "jira:QA", "pending")
        assert row.args == {"group_key": notification.payload["group_key"], "kind": "file", "reason": "new",
                            "sequence": 1}  # fmt: skip
        assert row.payload == notification.payload  # the default (file) receiver gets the notification as it is
        assert row.incident_id == notification.payload["alerts"][0]["incident_id"] is not None
