"""Clocks: the loop stamps every stage with `clock.now()`, so a replayed stream can run on simulated time."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "SimulatedClock", "SystemClock"]


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class SimulatedClock:
    """Simulated time that the caller moves forward; real processing time since the last move is added on top.

    Replaying a stream of past days this way keeps the measured lags honest: a review waits for its
    micro-batch in simulated time and then for the real processing time of that batch.
    """

    def __init__(self, start: datetime) -> None:
        self._at = start
        self._set_monotonic = time.monotonic()

    def advance_to(self, at: datetime) -> None:
        if at > self._at:
            self._at = at
        self._set_monotonic = time.monotonic()

    def now(self) -> datetime:
        return self._at + timedelta(seconds=time.monotonic() - self._set_monotonic)
