"""Alert notifications go through the outbox to the owners' receivers: webhooks (httpx.MockTransport), email (a
real local SMTP server), files; firing, repeat and resolve alike; retried; delivered exactly once after a crash."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from pipeline.alerts import AlertScheduler
from store.gold import update_gold
from store.outbox_tables import OutboxRow
from tests.pipeline.alerts.conftest import ROUTING
from tests.pipeline.alerts.factories import add_review
from tests.tools.smtp import smtp_server
from tools.outbox import RetryPolicy
from tools.receivers import AlertReceivers
from tools.senders import NotificationFileSender

T0 = datetime(2026, 11, 5, 8, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
REPO = Path(__file__).resolve().parents[3]
QUICK = RetryPolicy(max_attempts=4, attempts_per_run=3, initial_backoff_seconds=0.01, max_backoff_seconds=0.01)
RECEIVERS = """
  routes:
    - name: page
      matchers: ['severity="critical"']
      group_wait: 0s
    - name: late-by-mail
      matchers: ['topic="shipping_delivery.late"']
      receiver: "email:logistics@shop.example"
receivers:
  smtp: {host_env: TEST_SMTP_HOST, port: PORT, from: reviewops@shop.example}
  targets:
    - {name: "jira:QA", url_env: JIRA_URL, project: QA}
    - {name: "pagerduty:safety-oncall", routing_key_env: PD_KEY}
    - {name: "email:logistics@shop.example"}
"""


def routing_with_receivers(port: int) -> str:
    base = ROUTING.split("  routes:")[0]
    rest = "inhibit_rules:" + ROUTING.split("inhibit_rules:")[1]
    return base + RECEIVERS.replace("PORT", str(port)) + rest


class Hooks:
    """Webhook receivers behind one MockTransport: answers from a script, records every request."""

    def __init__(self, *answers: int) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.answers.pop(0) if self.answers else 200, json={"ok": True})

    def bodies(self, host: str) -> list[dict]:
        return [json.loads(r.content) for r in self.requests if r.url.host == host]


def reviews(db, n: int, at: datetime, prefix: str, **kwargs: object) -> None:
    with db.session() as s:
        ids = [add_review(s, f"{prefix}-{i}", at - timedelta(minutes=30 - i), **kwargs) for i in range(n)]
        update_gold(s, ids)


def outbox(db) -> list[OutboxRow]:
    with db.session() as s:
        return list(s.scalars(select(OutboxRow).order_by(OutboxRow.id)))


@pytest.fixture
def world(db, make_engine, tmp_path):
    hooks = Hooks()
    env = {"JIRA_URL": "https://jira.example/hook", "PD_KEY": "pd-secret", "TEST_SMTP_HOST": "127.0.0.1"}
    with smtp_server() as (mailbox, port):
        engine = make_engine(routing=routing_with_receivers(port))
        receivers = AlertReceivers(
            engine.routing.receivers, tmp_path, client=httpx.Client(transport=httpx.MockTransport(hooks)), environ=env
        )
        scheduler = AlertScheduler(db, engine, receivers, retry=QUICK, sleep=lambda _s: None)
        yield scheduler, hooks, mailbox
        receivers.close()


def test_firing_repeat_and_resolve_reach_jira_pagerduty_and_email_through_the_outbox(db, world, tmp_path):
    scheduler, hooks, mailbox = world
    reviews(db, 3, T0, "defect")  # jira:QA (the defect owner)
    reviews(db, 1, T0, "fire", sku="CHG-0091", flags={"safety_hazard": 0.99}, flag_rules={"safety_hazard": ["x"]})
    reviews(db, 3, T0, "late", sku=None, region="EU-North", topics=("shipping_delivery.late",))
    for at in (T0, T0 + 10 * MIN, T0 + 10 * MIN + 4 * 60 * MIN + 29 * MIN, T0 + 17 * 60 * MIN):
        scheduler.evaluate(at)
    rows = outbox(db)
    assert {row.status for row in rows} == {"delivered"}
    assert all(row.response_status in (200, None) and row.response_body for row in rows)
    reasons = {(row.receiver, row.payload.get("reviewops", {}).get("reason") or row.args["reason"]) for row in rows}
    assert {("jira:QA", "new"), ("jira:QA", "repeat"), ("jira:QA", "resolved")} <= reasons
    assert {("pagerduty:safety-oncall", "new"), ("pagerduty:safety-oncall", "resolved")} <= reasons
    assert ("email:logistics@shop.example", "new") in reasons

    jira = hooks.bodies("jira.example")
    assert jira[0]["fields"]["project"] == {"key": "QA"} and jira[0]["fields"]["summary"].startswith("[FIRING:")
    assert [body["reviewops"]["reason"] for body in jira] == ["new", "repeat", "resolved"]
    paged = hooks.bodies("events.pagerduty.com")
    assert [body["event_action"] for body in paged] == ["trigger", "trigger", "resolve"]  # new, repeat, resolved
    assert len({body["dedup_key"] for body in paged}) == 1 and paged[0]["payload"]["severity"] == "critical"
    assert all(body["routing_key"] == "pd-secret" for body in paged)
    assert all("pd-secret" not in json.dumps(row.payload) for row in rows)  # the secret is never stored
    assert {request.headers["Idempotency-Key"] for request in hooks.requests} <= {row.idempotency_key for row in rows}
    subjects = [m["Subject"] for m in mailbox.messages]
    assert subjects[0].startswith("[FIRING:1] region=EU-North") and "[RESOLVED" in subjects[-1]
    assert not (tmp_path / "alerts").exists()  # every receiver here was a listed one


def test_a_failing_webhook_is_retried_with_backoff_and_its_responses_recorded(db, world):
    scheduler, hooks, _ = world
    hooks.answers = [503, 502]
    reviews(db, 3, T0, "defect")
    scheduler.evaluate(T0)
    done = scheduler.evaluate(T0 + 10 * MIN)
    (row,) = outbox(db)
    assert done.delivered == [row.id] and (row.status, row.attempts, row.response_status) == ("delivered", 3, 200)
    assert len(hooks.requests) == 3 and len({r.headers["Idempotency-Key"] for r in hooks.requests}) == 1


def test_an_undeliverable_notification_goes_dead_and_stays_visible(db, world):
    scheduler, hooks, _ = world
    hooks.answers = [400]
    reviews(db, 3, T0, "defect")
    scheduler.evaluate(T0)
    done = scheduler.evaluate(T0 + 10 * MIN)
    (row,) = outbox(db)
    assert done.undelivered == [row.id] and (row.status, row.response_status) == ("dead", 400)
    assert row.last_error == "jira:QA answered HTTP 400"


CRASH_AFTER_COMMIT = """
import os, sys
from datetime import datetime
from store.db import Database
from pipeline.alerts import AlertEngine, AlertScheduler
from tests.pipeline.alerts.conftest import rules_config, routing_config
from tests.pipeline.alerts.factories import taxonomy

def crash(self):  # the evaluation has committed its outbox rows: the process dies before delivering any
    os._exit(3)

AlertScheduler.deliver = crash
db = Database(sys.argv[1])
engine = AlertEngine(rules_config(), routing_config(), taxonomy())
AlertScheduler(db, engine, lambda receiver: None).evaluate(datetime.fromisoformat(sys.argv[2]))
"""


def test_a_crash_after_the_outbox_commit_delivers_exactly_once_on_restart(db, make_engine, tmp_path):
    reviews(db, 1, T0, "fire", sku="CHG-0091", flags={"safety_hazard": 0.99}, flag_rules={"safety_hazard": ["x"]})
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    crashed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(CRASH_AFTER_COMMIT), db.url, T0.isoformat()],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert crashed.returncode == 3, crashed.stderr
    (pending,) = outbox(db)
    assert (pending.status, pending.attempts) == ("pending", 0)

    files = NotificationFileSender(tmp_path / "alerts")
    restarted = AlertScheduler(db, make_engine(), lambda receiver: files, sleep=lambda _s: None)
    assert restarted.deliver().delivered == [pending.id]
    restarted.evaluate(T0 + 5 * MIN)
    assert restarted.deliver().delivered == []
    (line,) = (tmp_path / "alerts" / "pagerduty_safety-oncall.jsonl").read_text().splitlines()
    assert json.loads(line)["idempotency_key"] == pending.idempotency_key
    (row,) = outbox(db)
    assert (row.status, row.attempts) == ("delivered", 1)


class _DiesAfterWriting:
    """Writes the notification, then the process 'dies' before the outbox records the delivery."""

    def __init__(self, files: NotificationFileSender) -> None:
        self.files = files

    def send(self, payload, receiver, *, idempotency_key):
        self.files.send(payload, receiver, idempotency_key=idempotency_key)
        raise SystemExit("killed between sending and recording")


def test_a_crash_between_sending_and_recording_still_leaves_one_notification(db, make_engine, tmp_path):
    reviews(db, 1, T0, "fire", sku="CHG-0091", flags={"safety_hazard": 0.99}, flag_rules={"safety_hazard": ["x"]})
    files = NotificationFileSender(tmp_path / "alerts")
    clock = [T0]
    scheduler = AlertScheduler(db, make_engine(), lambda r: _DiesAfterWriting(files), clock=lambda: clock[0])
    with pytest.raises(SystemExit):
        scheduler.evaluate(T0)
    restarted = AlertScheduler(db, make_engine(), lambda r: NotificationFileSender(tmp_path / "alerts"),
                               clock=lambda: clock[0])  # fmt: skip
    assert restarted.deliver().delivered == []  # the dead worker's lease still hides the row
    clock[0] = T0 + 10 * MIN  # the lease (5 minutes) has expired
    (row_id,) = restarted.deliver().delivered
    lines = (tmp_path / "alerts" / "pagerduty_safety-oncall.jsonl").read_text().splitlines()
    assert len(lines) == 1  # the file receiver dedupes on the key: exactly one notification
    (row,) = outbox(db)
    assert (row.id, row.status, row.attempts) == (row_id, "delivered", 2)
