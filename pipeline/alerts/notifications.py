"""Notification payloads and the `Notifier` they are handed to (a JSONL file per receiver by default).

Delivery to Slack/Teams/Jira/PagerDuty/email goes through the outbox (tools/outbox.py) once wired: anything
with `notify(receiver, payload, idempotency_key)` is a Notifier. Keys are stable per group and notification
sequence, so a retried evaluation is deduplicated by the receiver (FileNotifier skips keys it already wrote).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from pipeline.alerts.evidence import ReviewRef

__all__ = [
    "AlertSummary",
    "FileNotifier",
    "MemoryNotifier",
    "Notification",
    "Notifier",
    "receiver_filename",
    "summary_line",
]

PAYLOAD_VERSION = "reviewops.alerts/1"


class Notifier(Protocol):
    """Where notifications go; must tolerate the same idempotency key twice (deliver once)."""

    def notify(self, receiver: str, payload: dict[str, Any], idempotency_key: str) -> None: ...


def receiver_filename(receiver: str) -> str:
    """A safe file name for a receiver: `slack:#sizing-team` -> `slack_sizing-team.jsonl`."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", receiver).strip("_") + ".jsonl"


class FileNotifier:
    """Appends each notification as a JSON line to `<directory>/<receiver>.jsonl`; a key already written is skipped."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._written: dict[Path, set[str]] = {}

    def _keys(self, path: Path) -> set[str]:
        if path not in self._written:
            keys: set[str] = set()
            if path.exists():
                with path.open(encoding="utf-8") as lines:
                    keys = {json.loads(line).get("idempotency_key", "") for line in lines if line.strip()}
            self._written[path] = keys
        return self._written[path]

    def notify(self, receiver: str, payload: dict[str, Any], idempotency_key: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / receiver_filename(receiver)
        keys = self._keys(path)
        if idempotency_key in keys:
            return
        line = json.dumps({**payload, "idempotency_key": idempotency_key}, ensure_ascii=False, default=str)
        with path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")
        keys.add(idempotency_key)


class MemoryNotifier:
    """Keeps notifications in a list (tests, benchmarks, the demo's summary); dedups on the key."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any], str]] = []
        self._keys: set[str] = set()

    def notify(self, receiver: str, payload: dict[str, Any], idempotency_key: str) -> None:
        if idempotency_key not in self._keys:
            self._keys.add(idempotency_key)
            self.sent.append((receiver, payload, idempotency_key))


class AlertSummary(BaseModel):
    """One alert inside a notification."""

    alert_id: int
    fingerprint: str
    status: Literal["firing", "resolved"]
    rule: str
    severity: str
    summary: str
    labels: dict[str, str]
    starts_at: datetime
    ends_at: datetime | None
    playbook: str | None = Field(description="Recommended next action (playbook id).")
    incident_id: str | None
    numbers: dict[str, Any] = Field(description="The numbers behind the alert.")
    reviews: list[ReviewRef] = Field(default_factory=list)


class Notification(BaseModel):
    """What a receiver gets for one alert group: firing (new, changed, repeat) or resolved."""

    version: str = PAYLOAD_VERSION
    title: str
    receiver: str
    status: Literal["firing", "resolved"]
    reason: Literal["new", "changed", "repeat", "resolved"]
    group_key: str
    group_labels: dict[str, str]
    common_labels: dict[str, str]
    route: str
    rules_version: str
    routing_version: str
    sent_at: datetime
    alerts: list[AlertSummary]


def summary_line(labels: dict[str, str], numbers: dict[str, Any]) -> str:
    """One line a person reads first: what, where, how many, against what."""
    where = labels.get("scope", "")
    what = labels.get("topic", "")
    days = numbers.get("window_days")
    span = f"{days} day{'s' if days != 1 else ''}" if days else "the window"
    count = numbers.get("observed", numbers.get("reviews", 0))
    line = f"{where}: {count} reports about {what} in {span}"
    if numbers.get("rate") is not None and numbers.get("baseline_rate") is not None:
        line += (
            f" ({numbers['rate']:.1%} of {numbers.get('reviews')} reviews vs baseline {numbers['baseline_rate']:.1%}"
        )
        line += f", p={numbers['p_value']:.2g})" if numbers.get("p_value") is not None else ")"
    if "incident_state" in numbers:
        line = f"{where}: incident about {what} opened by {numbers.get('opened_by')} ({numbers['incident_state']})"
    return line
