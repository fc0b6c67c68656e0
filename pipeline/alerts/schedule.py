"""Alert evaluation on a schedule: evaluate in one transaction, commit, then deliver the outbox.

One `AlertScheduler.evaluate(now)` is what `reviewops alerts run` does once and what the service does every
`REVIEWOPS_ALERTS_INTERVAL_SECONDS` (a background thread, `start()`): run the alert engine over gold (the loop keeps
gold current per batch) and check monitored incidents, commit (the notifications are outbox rows from then on),
then deliver every due outbox row through the senders. A crash after the commit loses nothing: the next
evaluation, in this process or a restarted one, delivers the rows still pending, each exactly once per receiver
that dedupes on the idempotency key.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipeline.alerts.manager import AlertEngine, EvaluationReport
from store.db import Database
from store.incidents import MonitoringOutcome, check_monitoring
from tools.outbox import DeliveryReport, RetryPolicy, deliver_pending
from tools.senders import Sender

__all__ = ["AlertScheduleSettings", "AlertScheduler", "ScheduledEvaluation"]

log = logging.getLogger(__name__)


class AlertScheduleSettings(BaseSettings):
    """How the service evaluates alerts (`REVIEWOPS_ALERTS_*`)."""

    model_config = SettingsConfigDict(env_prefix="REVIEWOPS_ALERTS_", env_file=".env", extra="ignore")

    interval_seconds: float = Field(default=60.0, gt=0, le=86_400)
    """Seconds between evaluations inside the service (alerts are also evaluated on demand)."""
    in_service: bool = True
    """Run the evaluator thread inside the API service."""


class ScheduledEvaluation(BaseModel):
    """One scheduled evaluation: what the engine did, monitored incidents decided, and what was delivered."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    report: EvaluationReport
    monitoring: list[MonitoringOutcome] = Field(default_factory=list)
    delivered: list[int] = Field(default_factory=list, description="Outbox rows delivered after the commit.")
    undelivered: list[int] = Field(default_factory=list, description="Outbox rows that failed (retried later) or died.")


def _utcnow() -> datetime:
    return datetime.now(UTC)


class AlertScheduler:
    """Evaluates alerts and delivers their notifications; safe to call from a timer thread and on demand."""

    def __init__(
        self,
        db: Database,
        engine: AlertEngine,
        senders: Callable[[str], Sender] | None = None,
        *,
        clock: Callable[[], datetime] = _utcnow,
        interval: timedelta = timedelta(seconds=60),
        lock: AbstractContextManager[object] | None = None,
        retry: RetryPolicy | None = None,
        monitor: bool = True,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.db = db
        self.engine = engine
        self.senders = senders or engine.senders
        self.clock = clock
        self.interval = interval
        self.lock: AbstractContextManager[object] = lock or contextlib.nullcontext()
        self.retry = retry
        self.monitor = monitor
        self.sleep = sleep
        self.last_evaluated_at: datetime | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def evaluate(self, now: datetime | None = None) -> ScheduledEvaluation:
        """Evaluate as of `now` (default: the clock), commit, then deliver what is due."""
        at = now or self.clock()
        with self.lock:
            with self.db.session() as session:
                report = self.engine.run(session, at)
                outcomes = check_monitoring(session, at) if self.monitor else []
            self.last_evaluated_at = at
            delivery = self.deliver()
        return ScheduledEvaluation(
            report=report,
            monitoring=outcomes,
            delivered=delivery.delivered,
            undelivered=[*delivery.failed, *delivery.dead],
        )

    def deliver(self) -> DeliveryReport:
        """Deliver every due outbox row (alert notifications and playbook actions alike); nothing without senders."""
        if self.senders is None:
            return DeliveryReport()
        return deliver_pending(self.db.session, self.senders, self.clock, retry=self.retry, sleep=self.sleep)

    def due(self, now: datetime | None = None) -> bool:
        """True when `interval` has passed since the last evaluation (or there was none)."""
        at = now or self.clock()
        return self.last_evaluated_at is None or at - self.last_evaluated_at >= self.interval

    def maybe_evaluate(self, now: datetime | None = None) -> ScheduledEvaluation | None:
        """Evaluate if due; for callers with their own cadence (after every ingest batch, say)."""
        return self.evaluate(now) if self.due(now) else None

    def start(self) -> None:
        """Evaluate every `interval` (the first one interval from now) in a daemon thread until `stop()`; a failed
        evaluation is logged, not fatal."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="reviewops-alerts", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the thread after its current evaluation."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval.total_seconds()):
            try:
                self.evaluate()
            except Exception:  # the next tick retries; a bad tick must not stop alerting for good
                log.exception("scheduled alert evaluation failed")
