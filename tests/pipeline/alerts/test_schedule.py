"""The alert scheduler: evaluates on its interval (or on demand), delivers after the commit, survives a bad tick."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from pipeline.alerts import AlertScheduler, AlertScheduleSettings
from store.gold import update_gold
from store.outbox_tables import OutboxRow
from tests.pipeline.alerts.factories import add_review
from tools.senders import NotificationFileSender

T0 = datetime(2026, 11, 5, 8, 0, tzinfo=UTC)


def test_maybe_evaluate_runs_only_when_the_interval_has_passed(db, make_engine):
    scheduler = AlertScheduler(db, make_engine(), interval=timedelta(minutes=5))
    assert scheduler.maybe_evaluate(T0) is not None
    assert scheduler.maybe_evaluate(T0 + timedelta(minutes=4)) is None
    assert scheduler.maybe_evaluate(T0 + timedelta(minutes=5)) is not None
    assert scheduler.last_evaluated_at == T0 + timedelta(minutes=5)


def test_without_senders_notifications_wait_in_the_outbox(db, make_engine):
    with db.session() as s:
        update_gold(s, [add_review(s, "fire", T0, flags={"safety_hazard": 0.99}, flag_rules={"safety_hazard": ["x"]})])
    done = AlertScheduler(db, make_engine()).evaluate(T0)
    assert len(done.report.notifications) == 1 and done.delivered == []
    with db.session() as s:
        assert s.scalars(select(OutboxRow.status)).all() == ["pending"]


def test_the_background_thread_evaluates_every_interval_and_delivers(db, make_engine, tmp_path):
    with db.session() as s:
        update_gold(s, [add_review(s, "fire", T0, flags={"safety_hazard": 0.99}, flag_rules={"safety_hazard": ["x"]})])
    files = NotificationFileSender(tmp_path)
    lock = threading.Lock()
    scheduler = AlertScheduler(
        db, make_engine(), lambda r: files, clock=lambda: T0, interval=timedelta(seconds=0.05), lock=lock
    )
    scheduler.start()
    deadline = time.monotonic() + 20
    while not (tmp_path / "pagerduty_safety-oncall.jsonl").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    scheduler.stop()
    assert len((tmp_path / "pagerduty_safety-oncall.jsonl").read_text().splitlines()) == 1
    assert not lock.locked()


def test_a_failing_evaluation_is_logged_and_the_next_tick_runs(db, make_engine, caplog):
    engine = make_engine()
    calls = []
    real_run = engine.run

    def flaky(session, now):
        calls.append(now)
        if len(calls) == 1:
            raise RuntimeError("database briefly locked")
        return real_run(session, now)

    engine.run = flaky  # type: ignore[method-assign]
    scheduler = AlertScheduler(db, engine, clock=lambda: T0, interval=timedelta(seconds=0.05))
    scheduler.start()
    deadline = time.monotonic() + 20
    while len(calls) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    scheduler.stop()
    assert len(calls) >= 2 and "scheduled alert evaluation failed" in caplog.text


def test_the_interval_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("REVIEWOPS_ALERTS_INTERVAL_SECONDS", "15")
    monkeypatch.setenv("REVIEWOPS_ALERTS_IN_SERVICE", "false")
    settings = AlertScheduleSettings()
    assert (settings.interval_seconds, settings.in_service) == (15.0, False)
