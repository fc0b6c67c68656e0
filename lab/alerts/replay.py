"""Replay a stream through the real loop on simulated time, evaluating alerts on a schedule as the service does.

The loop keeps gold current inside each batch's transaction; after every micro-batch the alert scheduler evaluates
(and delivers the notifications it stored), and quiet stretches without batches still get an evaluation every
`every_minutes`, so group waits, repeats and resolves run on the clock, not on traffic.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from lab.demo.stream import StreamEvent, micro_batches
from pipeline.alerts.manager import AlertEngine, EvaluationReport
from pipeline.alerts.schedule import AlertScheduler
from pipeline.clock import SimulatedClock
from pipeline.loop import BatchReport, ReviewLoop

__all__ = ["ReplayResult", "replay_with_alerts"]


@dataclass
class ReplayResult:
    """Loop counts, every evaluation report, and where the time went."""

    batches: int = 0
    report: BatchReport = field(default_factory=BatchReport)
    evaluations: list[EvaluationReport] = field(default_factory=list)
    loop_seconds: float = 0.0
    alert_seconds: float = 0.0
    delivered: int = 0
    undelivered: int = 0


def replay_with_alerts(
    loop: ReviewLoop,
    clock: SimulatedClock,
    alerts: AlertEngine | AlertScheduler,
    events: Sequence[StreamEvent],
    batch_minutes: int = 15,
    every_minutes: int = 15,
    on_batch: Callable[[int, int], None] | None = None,
) -> ReplayResult:
    """Process `events` in micro-batches of received time; evaluate alerts after each batch and at least every
    `every_minutes` simulated minutes. An engine is wrapped in a scheduler delivering to its default senders."""
    scheduler = alerts if isinstance(alerts, AlertScheduler) else AlertScheduler(loop.db, alerts, clock=clock.now)
    result = ReplayResult()
    batches = micro_batches(events, batch_minutes)
    step = timedelta(minutes=every_minutes)
    last_evaluation: datetime | None = None

    def evaluate(at: datetime) -> None:
        started = time.perf_counter()
        done = scheduler.evaluate(at)
        result.evaluations.append(done.report)
        result.delivered += len(done.delivered)
        result.undelivered += len(done.undelivered)
        result.alert_seconds += time.perf_counter() - started

    for number, batch in enumerate(batches, 1):
        # quiet stretches still get evaluations: group waits and repeats run on the clock, not on traffic
        while last_evaluation is not None and last_evaluation + step < batch[-1].received_at:
            last_evaluation += step
            clock.advance_to(last_evaluation)
            evaluate(clock.now())
        clock.advance_to(batch[-1].received_at)
        started = time.perf_counter()
        result.report += loop.process(batch)
        result.loop_seconds += time.perf_counter() - started
        last_evaluation = clock.now()
        evaluate(last_evaluation)  # every micro-batch is followed by an evaluation, as in the service
        result.batches = number
        if on_batch is not None:
            on_batch(number, len(batches))
    return result
