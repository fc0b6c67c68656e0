"""The transactional outbox: a side effect is first a keyed row, then delivered by a sender, at least once.

Semantics, for anyone writing a receiver:
- `enqueue` is idempotent on `idempotency_key`: the same key always returns the same row (a unique constraint
  makes it race-safe), so a replayed, resumed or retried action is stored once.
- `deliver_pending` claims a row (bumping `attempts`, with a lease so no other worker takes it meanwhile), sends
  it, then records the outcome. A crash between sending and recording leaves the row due again once the lease
  expires, so it may be sent twice: delivery is at-least-once. Every HTTP request therefore carries the row's
  `Idempotency-Key` header (FileSender/ConsoleSender write it into each line); receivers must dedupe on it.
- Transport errors, timeouts and 5xx/408/429 are retried with exponential backoff (tenacity, bounded per run, and
  across runs via `next_attempt_at`); other 4xx answers and exhausted attempts make the row `dead`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from tenacity import Retrying, retry_if_result, stop_after_attempt, wait_exponential

from store.outbox_tables import OutboxRow, OutboxStatus, audit
from tools.senders import MAX_BODY_CHARS, DeliveryResult, Sender

__all__ = [
    "DeliveryReport",
    "IdempotencyConflict",
    "RetryPolicy",
    "deliver_pending",
    "enqueue",
    "requeue",
]

log = logging.getLogger(__name__)

SessionFactory = Callable[[], AbstractContextManager[Session]]
"""Opens a session that commits on success, e.g. `store.db.Database.session`."""
_DUE = (OutboxStatus.pending.value, OutboxStatus.failed.value)


class IdempotencyConflict(ValueError):
    """An idempotency key was reused for a different call; keys must identify one call exactly."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _normalized(value: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(dict(value), sort_keys=True, default=str))
    return result


def enqueue(
    session: Session,
    key: str,
    tool: str,
    args: Mapping[str, Any],
    payload: Mapping[str, Any],
    receiver: str,
    *,
    incident_id: str | None = None,
    approved_by: str | None = None,
    now: datetime | None = None,
) -> OutboxRow:
    """Store a call for delivery under `key`, or return the row already stored under it (never a second row).

    Raises IdempotencyConflict when the key already holds a different tool, arguments or receiver.
    """
    if not key or len(key) > 255:
        raise ValueError(f"idempotency key must be 1-255 characters, got {len(key)}")
    if not receiver or len(receiver) > 64:
        raise ValueError(f"receiver must be 1-64 characters (the outbox column), got {receiver!r}")
    values = {
        "idempotency_key": key,
        "tool": tool,
        "args": _normalized(args),
        "payload": _normalized(payload),
        "receiver": receiver,
        "status": OutboxStatus.pending.value,
        "attempts": 0,
        "created_at": now or _utcnow(),
        "incident_id": incident_id,
        "approved_by": approved_by,
    }
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
        session.execute(insert(OutboxRow).values(**values).on_conflict_do_nothing(index_elements=["idempotency_key"]))
    else:
        try:
            with session.begin_nested():
                session.add(OutboxRow(**values))
        except IntegrityError:
            pass  # another transaction stored this key first; read its row below
    row = session.scalars(select(OutboxRow).where(OutboxRow.idempotency_key == key)).one()
    if (row.tool, row.args, row.receiver) != (tool, values["args"], receiver):
        raise IdempotencyConflict(
            f"idempotency key {key!r} already holds outbox row {row.id} ({row.tool} to {row.receiver}) with other "
            "arguments; derive keys from the incident, action and arguments"
        )
    return row


def requeue(session: Session, row_id: int, actor: str, reason: str) -> OutboxRow:
    """Give a dead (or failed) row a fresh set of attempts, audited; a delivered row cannot be requeued."""
    row = session.get(OutboxRow, row_id)
    if row is None:
        raise KeyError(f"no outbox row {row_id}")
    if row.status == OutboxStatus.delivered.value:
        raise ValueError(f"outbox row {row_id} was delivered at {row.delivered_at}; enqueue a new call instead")
    previous = {"status": row.status, "attempts": row.attempts, "last_error": row.last_error}
    row.status, row.attempts, row.next_attempt_at = OutboxStatus.pending.value, 0, None
    audit(session, actor, "outbox.requeue", f"outbox:{row_id}", {"reason": reason, "previous": previous})
    return row


@dataclass(frozen=True)
class RetryPolicy:
    """How hard the outbox tries: attempts per run (tenacity), in total, and the backoff between them."""

    max_attempts: int = 6
    """Attempts in total, across runs; then the row is dead."""
    attempts_per_run: int = 3
    """Attempts within one `deliver_pending` call before leaving the row for a later run."""
    initial_backoff_seconds: float = 0.5
    max_backoff_seconds: float = 30.0
    lease_seconds: float = 300.0
    """How long a claimed row is hidden from other workers while one sends it."""

    def backoff(self, attempts: int) -> timedelta:
        """Wait before the next run may retry a row that has failed `attempts` times."""
        seconds = self.initial_backoff_seconds * 2 ** max(attempts - 1, 0)
        return timedelta(seconds=min(seconds, self.max_backoff_seconds))


@dataclass
class DeliveryReport:
    """What one `deliver_pending` call did, by outbox row id."""

    delivered: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    dead: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    """Rows another worker claimed first."""


@dataclass(frozen=True)
class _Claim:
    row_id: int
    attempts: int
    key: str
    receiver: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class _Outcome:
    status: str | None  # None: lost the claim to another worker
    retry_now: bool = False
    attempts: int = 0


def deliver_pending(
    session_factory: SessionFactory,
    senders: Callable[[str], Sender],
    clock: Callable[[], datetime] = _utcnow,
    *,
    retry: RetryPolicy | None = None,
    limit: int = 100,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryReport:
    """Deliver due outbox rows (pending, or failed and past their backoff), oldest first, at most `limit`."""
    policy = retry or RetryPolicy()
    with session_factory() as session:
        due = session.scalars(
            select(OutboxRow.id)
            .where(OutboxRow.status.in_(_DUE))
            .where((OutboxRow.next_attempt_at.is_(None)) | (OutboxRow.next_attempt_at <= clock()))
            .order_by(OutboxRow.id)
            .limit(limit)
        ).all()
    report = DeliveryReport()
    for row_id in due:
        outcome = _deliver_one(session_factory, senders, clock, policy, sleep, row_id)
        {
            None: report.skipped,
            OutboxStatus.delivered.value: report.delivered,
            OutboxStatus.failed.value: report.failed,
            OutboxStatus.dead.value: report.dead,
        }[outcome.status].append(row_id)
    return report


def _deliver_one(
    session_factory: SessionFactory,
    senders: Callable[[str], Sender],
    clock: Callable[[], datetime],
    policy: RetryPolicy,
    sleep: Callable[[float], None],
    row_id: int,
) -> _Outcome:
    last_attempts: int | None = None  # after our own failed attempt, retry without waiting out our backoff

    def attempt() -> _Outcome:
        nonlocal last_attempts
        claim = _claim(session_factory, row_id, clock(), policy, last_attempts)
        if claim is None:
            return _Outcome(status=None)
        result = _send(senders, claim)
        outcome = _record(session_factory, claim, result, clock(), policy)
        last_attempts = outcome.attempts
        return outcome

    retrying = Retrying(
        stop=stop_after_attempt(policy.attempts_per_run),
        wait=wait_exponential(multiplier=policy.initial_backoff_seconds, max=policy.max_backoff_seconds),
        retry=retry_if_result(lambda outcome: outcome.retry_now),
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else _Outcome(status=None),
        sleep=sleep,
    )
    result: _Outcome = retrying(attempt)
    return result


def _claim(
    session_factory: SessionFactory, row_id: int, now: datetime, policy: RetryPolicy, expected: int | None
) -> _Claim | None:
    with session_factory() as session:
        row = session.get(OutboxRow, row_id)
        if row is None or row.status not in _DUE:
            return None
        if expected is None and row.next_attempt_at is not None and row.next_attempt_at > now:
            return None  # leased by another worker, or backing off
        if expected is not None and row.attempts != expected:
            return None
        # Compare-and-set on `attempts`: of two workers that read the same row, exactly one wins the claim.
        claimed = session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == row_id, OutboxRow.attempts == row.attempts, OutboxRow.status.in_(_DUE))
            .values(attempts=row.attempts + 1, next_attempt_at=now + timedelta(seconds=policy.lease_seconds))
            .execution_options(synchronize_session=False)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            return None
        return _Claim(row_id, row.attempts + 1, row.idempotency_key, row.receiver, dict(row.payload))


def _send(senders: Callable[[str], Sender], claim: _Claim) -> DeliveryResult:
    try:
        return senders(claim.receiver).send(claim.payload, claim.receiver, idempotency_key=claim.key)
    except Exception as exc:  # a sender bug or a receiver without a sender must not stop the other rows
        log.exception("sender for %s raised on outbox row %s", claim.receiver, claim.row_id)
        return DeliveryResult(ok=False, retryable=False, error=f"sender raised {exc!r}")


def _record(
    session_factory: SessionFactory, claim: _Claim, result: DeliveryResult, now: datetime, policy: RetryPolicy
) -> _Outcome:
    if result.ok:
        status = OutboxStatus.delivered
    elif result.retryable and claim.attempts < policy.max_attempts:
        status = OutboxStatus.failed
    else:
        status = OutboxStatus.dead
    with session_factory() as session:
        row = session.get(OutboxRow, claim.row_id)
        assert row is not None, f"outbox row {claim.row_id} vanished while being delivered"
        row.status = status.value
        row.response_status = result.status_code
        row.response_body = result.body[:MAX_BODY_CHARS] if result.body else None
        row.last_error = result.error
        row.delivered_at = now if result.ok else None
        row.next_attempt_at = now + policy.backoff(claim.attempts) if status is OutboxStatus.failed else None
        audit(
            session,
            "outbox",
            f"outbox.{status.value}",
            f"outbox:{claim.row_id}",
            {
                "receiver": claim.receiver,
                "attempt": claim.attempts,
                "http_status": result.status_code,
                "error": result.error,
            },
            at=now,
        )
    return _Outcome(status=status.value, retry_now=status is OutboxStatus.failed, attempts=claim.attempts)
