"""What the alerting layer did, for the demo's closing report, `reviewops status` and /metrics.

`summarize_alerts` lists every alert group that notified (why, to whom, about which incident) with the
incidents' states and the loop's clock; `AlertsCollector` exposes the same as Prometheus gauges.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.alert_tables import AlertGroupRow, AlertNotificationRow, AlertRow
from store.incident_tables import Incident
from store.loop_clock import LoopClock, loop_clock

__all__ = ["AlertsCollector", "AlertsSummary", "NotifiedGroup", "summarize_alerts"]


class NotifiedGroup(BaseModel):
    """An alert group's first notification: what fired, why, to whom, and the incident it opened."""

    first_sent_at: datetime
    receiver: str
    title: str
    summary: str = Field(description="The first alert's one-line summary (numbers included).")
    rules: list[str]
    severity: str
    playbook: str | None
    incident_id: str | None
    notifications: int = Field(description="Notifications sent for the group so far (first, changes, repeats).")
    resolved: bool


class IncidentLine(BaseModel):
    incident_id: str
    key: str
    state: str
    severity: str
    owner: str
    reviews: int


class AlertsSummary(BaseModel):
    """Alert groups notified, alerts firing now per severity, incidents, and the loop's clock."""

    groups: list[NotifiedGroup]
    firing_by_severity: dict[str, int]
    muted_now: int
    incidents: list[IncidentLine]
    clock: LoopClock


def summarize_alerts(session: Session, now: datetime) -> AlertsSummary:
    """Read the alerting state as of `now`."""
    counts = dict(
        session.execute(select(AlertNotificationRow.group_id, func.count()).group_by(AlertNotificationRow.group_id))
        .tuples()
        .all()
    )
    groups = []
    firsts = session.scalars(
        select(AlertNotificationRow).where(AlertNotificationRow.reason == "new").order_by(AlertNotificationRow.id)
    )
    for first in firsts:
        group = session.get(AlertGroupRow, first.group_id)
        alerts = first.payload["alerts"]
        groups.append(
            NotifiedGroup(
                first_sent_at=first.sent_at,
                receiver=first.receiver,
                title=first.payload["title"],
                summary=alerts[0]["summary"],
                rules=sorted({a["rule"] for a in alerts}),
                severity=alerts[0]["severity"],
                playbook=alerts[0]["playbook"],
                incident_id=alerts[0]["incident_id"],
                notifications=int(counts.get(first.group_id, 1)),
                resolved=group is not None and group.state == "closed",
            )
        )
    firing = (
        session.execute(
            select(AlertRow.severity, func.count())
            .where(AlertRow.state == "firing", AlertRow.suppressed_by.is_(None))
            .group_by(AlertRow.severity)
        )
        .tuples()
        .all()
    )
    muted = session.scalar(
        select(func.count())
        .select_from(AlertRow)
        .where(AlertRow.state == "firing", AlertRow.suppressed_by.is_not(None))
    )
    incidents = [
        IncidentLine(
            incident_id=i.id, key=i.key, state=i.state, severity=i.severity, owner=i.owner, reviews=i.review_count
        )
        for i in session.scalars(select(Incident).order_by(Incident.opened_at))
    ]
    return AlertsSummary(
        groups=groups,
        firing_by_severity=dict(firing),
        muted_now=int(muted or 0),
        incidents=incidents,
        clock=loop_clock(session, now),
    )


class AlertsCollector(Collector):
    """Prometheus gauges read from the store on every scrape: firing alerts, incidents, loop stage timings."""

    def __init__(self, read_summary: Callable[[], AlertsSummary]) -> None:
        self._read_summary = read_summary

    def collect(self) -> Iterator[Metric]:
        summary = self._read_summary()
        firing = GaugeMetricFamily("reviewops_alerts_firing", "Alerts firing and not muted", labels=["severity"])
        for severity, n in sorted(summary.firing_by_severity.items()):
            firing.add_metric([severity], n)
        yield firing
        yield GaugeMetricFamily("reviewops_alerts_muted", "Firing alerts muted now", value=summary.muted_now)
        states = GaugeMetricFamily("reviewops_incidents", "Incidents per state", labels=["state"])
        per_state: dict[str, int] = {}
        for incident in summary.incidents:
            per_state[incident.state] = per_state.get(incident.state, 0) + 1
        for state, n in sorted(per_state.items()):
            states.add_metric([state], n)
        yield states
        clock = summary.clock
        stage = GaugeMetricFamily(
            "reviewops_loop_stage_hours", "Loop stage duration over incidents", labels=["stage", "quantile"]
        )
        for stats in [*clock.stages, clock.first_action, clock.whole_loop]:
            for quantile, value in (("0.5", stats.p50_hours), ("0.95", stats.p95_hours)):
                if value is not None:
                    stage.add_metric([stats.stage, quantile], value)
        yield stage
        yield GaugeMetricFamily(
            "reviewops_loop_promise_breaches",
            "Incidents past the 72 h first-action promise",
            value=clock.promise_breaches,
        )
        yield GaugeMetricFamily(
            "reviewops_loop_sla_breaches", "Incidents past their severity SLA", value=clock.sla_breaches
        )
        yield GaugeMetricFamily("reviewops_loop_sla_at_risk", "Incidents within 24 h of their SLA", value=clock.at_risk)
