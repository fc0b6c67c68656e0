"""Specification of the outbox: idempotent enqueue, delivery with retries, dead rows, crashes and concurrent workers."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from store.db import Database
from store.outbox_tables import AuditEntry, OutboxRow
from store.tables import Base
from tools.outbox import IdempotencyConflict, RetryPolicy, deliver_pending, enqueue, requeue
from tools.senders import DeliveryResult, WebhookSender

START = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
NO_WAIT = RetryPolicy(max_attempts=4, attempts_per_run=2, initial_backoff_seconds=1, lease_seconds=60)


class Clock:
    def __init__(self) -> None:
        self.at = START

    def __call__(self) -> datetime:
        return self.at


class Receiver:
    """A webhook receiver behind httpx.MockTransport that answers from a script and dedupes on Idempotency-Key."""

    def __init__(self, *answers: int | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if self.answers else 200
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer, text=f"answer {answer}")

    @property
    def keys(self) -> list[str]:
        return [request.headers["Idempotency-Key"] for request in self.requests]

    def senders(self) -> Any:
        sender = WebhookSender(
            {"jira": "https://jira.example/hook"}, client=httpx.Client(transport=httpx.MockTransport(self))
        )
        return lambda receiver: sender


def open_db(url: str) -> Iterator[Database]:
    database = Database(url)
    database.migrate()
    yield database
    database.dispose()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    yield from open_db(f"sqlite:///{tmp_path / 'r.db'}")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """For behaviour that depends on the database: constraints, concurrency, migrations."""
    url = f"sqlite:///{tmp_path / 'r.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    yield from open_db(url)


def put(db: Database, key: str = "k1", **overrides: Any) -> int:
    with db.session() as session:
        fields: dict[str, Any] = {"args": {"summary": "s"}, "payload": {"fields": {"summary": "s"}}, **overrides}
        return enqueue(session, key, "open_ticket", fields["args"], fields["payload"], "jira", now=START).id


def row(db: Database, row_id: int) -> OutboxRow:
    with db.session() as session:
        found = session.get(OutboxRow, row_id)
        assert found is not None
        return found


def test_migration_creates_the_tables_and_matches_the_models(any_db: Database) -> None:
    assert {"outbox", "audit_log"} <= set(inspect(any_db.engine).get_table_names())
    with any_db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    mine = [d for d in diff if "outbox" in str(d) or "audit_log" in str(d)]
    assert mine == []


def test_same_key_returns_the_same_row_and_never_a_second_one(any_db: Database) -> None:
    first = put(any_db)
    again = put(any_db)
    with any_db.session() as session:
        assert first == again
        assert session.scalars(select(OutboxRow)).all()[0].status == "pending"
        assert len(session.scalars(select(OutboxRow)).all()) == 1


def test_reusing_a_key_for_a_different_call_is_refused(db: Database) -> None:
    put(db)
    with pytest.raises(IdempotencyConflict, match="idempotency key 'k1' already holds outbox row"):
        put(db, args={"summary": "other"})


def test_concurrent_enqueues_of_one_key_store_one_row(any_db: Database) -> None:
    ids: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            ids.append(put(any_db, key="race"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(ids)) == 1
    with any_db.session() as session:
        assert len(session.scalars(select(OutboxRow)).all()) == 1


def test_pending_row_is_delivered_once_with_response_recorded_and_audited(db: Database) -> None:
    row_id = put(db)
    receiver = Receiver(201)
    report = deliver_pending(db.session, receiver.senders(), Clock(), retry=NO_WAIT, sleep=lambda s: None)
    again = deliver_pending(db.session, receiver.senders(), Clock(), retry=NO_WAIT, sleep=lambda s: None)
    assert report.delivered == [row_id] and again.delivered == []
    assert receiver.keys == ["k1"]
    delivered = row(db, row_id)
    assert (delivered.status, delivered.attempts, delivered.response_status) == ("delivered", 1, 201)
    assert delivered.response_body == "answer 201" and delivered.delivered_at == START
    with db.session() as session:
        entry = session.scalars(select(AuditEntry)).one()
    assert (entry.actor, entry.action, entry.subject) == ("outbox", "outbox.delivered", f"outbox:{row_id}")


def test_500_then_success_is_retried_with_backoff_in_one_run(db: Database) -> None:
    row_id = put(db)
    receiver = Receiver(500, 200)
    waits: list[float] = []
    report = deliver_pending(db.session, receiver.senders(), Clock(), retry=NO_WAIT, sleep=waits.append)
    assert report.delivered == [row_id]
    assert receiver.keys == ["k1", "k1"]
    assert len(waits) == 1 and waits[0] > 0
    assert row(db, row_id).attempts == 2


def test_timeout_is_retried(db: Database) -> None:
    row_id = put(db)
    receiver = Receiver(httpx.ReadTimeout("slow"), 200)
    report = deliver_pending(db.session, receiver.senders(), Clock(), retry=NO_WAIT, sleep=lambda s: None)
    assert report.delivered == [row_id] and len(receiver.requests) == 2


def test_4xx_is_not_retried_and_the_row_is_dead(db: Database) -> None:
    row_id = put(db)
    receiver = Receiver(422)
    report = deliver_pending(db.session, receiver.senders(), Clock(), retry=NO_WAIT, sleep=lambda s: None)
    assert report.dead == [row_id] and len(receiver.requests) == 1
    dead = row(db, row_id)
    assert (dead.status, dead.response_status, dead.last_error) == ("dead", 422, "jira answered HTTP 422")


def test_failing_row_backs_off_between_runs_and_dies_after_max_attempts(db: Database) -> None:
    row_id = put(db)
    receiver = Receiver(*[503] * 10)
    clock = Clock()
    first = deliver_pending(db.session, receiver.senders(), clock, retry=NO_WAIT, sleep=lambda s: None)
    assert first.failed == [row_id] and len(receiver.requests) == 2
    failed = row(db, row_id)
    assert failed.status == "failed" and failed.next_attempt_at is not None and failed.next_attempt_at > START
    assert deliver_pending(db.session, receiver.senders(), clock, retry=NO_WAIT).failed == []  # still backing off
    clock.at = START + timedelta(minutes=5)
    last = deliver_pending(db.session, receiver.senders(), clock, retry=NO_WAIT, sleep=lambda s: None)
    assert last.dead == [row_id] and len(receiver.requests) == 4
    assert row(db, row_id).status == "dead"


def test_requeue_gives_a_dead_row_fresh_attempts_and_is_audited(db: Database) -> None:
    row_id = put(db)
    deliver_pending(db.session, Receiver(400).senders(), Clock(), retry=NO_WAIT)
    with db.session() as session:
        requeue(session, row_id, actor="ann", reason="receiver fixed")
    assert deliver_pending(db.session, Receiver(200).senders(), Clock(), retry=NO_WAIT).delivered == [row_id]
    with db.session() as session:
        actions = [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["outbox.dead", "outbox.requeue", "outbox.delivered"]


def test_a_crash_after_sending_re_sends_with_the_same_key_after_the_lease(any_db: Database) -> None:
    row_id = put(any_db)
    receiver = Receiver()
    webhook = receiver.senders()("jira")

    class CrashAfterSend:
        def send(self, payload: Mapping[str, Any], receiver: str, *, idempotency_key: str) -> DeliveryResult:
            webhook.send(payload, receiver, idempotency_key=idempotency_key)
            raise KeyboardInterrupt("process killed between sending and recording")

    clock = Clock()
    with pytest.raises(KeyboardInterrupt):
        deliver_pending(any_db.session, lambda r: CrashAfterSend(), clock, retry=NO_WAIT)
    assert row(any_db, row_id).status == "pending"
    assert deliver_pending(any_db.session, receiver.senders(), clock, retry=NO_WAIT).delivered == []  # leased
    clock.at = START + timedelta(seconds=61)
    assert deliver_pending(any_db.session, receiver.senders(), clock, retry=NO_WAIT).delivered == [row_id]
    assert receiver.keys == ["k1", "k1"]  # at-least-once: the receiver dedupes on the key
    assert len(set(receiver.keys)) == 1


def test_a_sender_that_raises_marks_its_row_dead_and_the_others_still_go(db: Database) -> None:
    broken = put(db, key="a")
    fine = put(db, key="b")

    class BrokenForA:
        def send(self, payload: Mapping[str, Any], receiver: str, *, idempotency_key: str) -> DeliveryResult:
            if idempotency_key == "a":
                raise RuntimeError("bug")
            return DeliveryResult(ok=True, status_code=200)

    report = deliver_pending(db.session, lambda name: BrokenForA(), Clock(), retry=NO_WAIT)
    assert report.dead == [broken] and report.delivered == [fine]
    assert "sender raised RuntimeError('bug')" in (row(db, broken).last_error or "")


def test_two_workers_deliver_each_row_exactly_once(any_db: Database) -> None:
    ids = [put(any_db, key=f"k{i}") for i in range(8)]
    sent: Counter[str] = Counter()
    lock = threading.Lock()

    class Slow:
        def send(self, payload: Mapping[str, Any], receiver: str, *, idempotency_key: str) -> DeliveryResult:
            with lock:
                sent[idempotency_key] += 1
            time.sleep(0.01)
            return DeliveryResult(ok=True, status_code=200)

    delivered: list[int] = []

    def worker() -> None:
        report = deliver_pending(any_db.session, lambda r: Slow(), Clock(), retry=NO_WAIT)
        delivered.extend(report.delivered)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(delivered) == ids
    assert set(sent.values()) == {1} and len(sent) == 8
