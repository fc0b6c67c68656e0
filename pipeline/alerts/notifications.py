"""Notification payloads: what an alert group's owner is told (firing, changed, repeat, resolved).

A notification is stored twice in the evaluation's transaction: as an `alert_notifications` row (the alerting
record) and as an outbox row (tools/outbox.py) holding the body rendered for the receiver's kind
(pipeline/alerts/render.py), under the idempotency key `alerts:<group digest>:<reason>:<sequence>`. Delivery
happens after the commit (`pipeline.alerts.schedule.AlertScheduler`, or any `deliver_pending` worker), so a crash
between the two never loses or doubles a notification.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from pipeline.alerts.evidence import ReviewRef

__all__ = ["OUTBOX_TOOL", "PAYLOAD_VERSION", "AlertSummary", "Notification", "summary_line"]

PAYLOAD_VERSION = "reviewops.alerts/1"
OUTBOX_TOOL = "alert_notification"
"""The `tool` of every outbox row holding an alert notification."""


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
