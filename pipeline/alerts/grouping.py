"""Aggregation groups: route firing alerts to receivers, group them, and decide when each group notifies.

Alertmanager's timing, on the evaluation clock: a new group waits `group_wait`, then notifies; afterwards it is
looked at every `group_interval` and notifies when an alert joined or resolved, or when `repeat_interval` passed
since the last notification. Muted alerts stay in their group silently. A group whose alerts have all resolved
sends one resolve notice (if `send_resolved`) and closes; the next firing starts a new group.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.alerts.evidence import relevant_reviews
from pipeline.alerts.notifications import OUTBOX_TOOL, AlertSummary, Notification, summary_line
from pipeline.alerts.render import render_notification
from pipeline.alerts.routing import AlertRoutingConfig, ResolvedRoute
from pipeline.alerts.rules import AlertRulesConfig
from store.alert_tables import AlertGroupRow, AlertNotificationRow, AlertRow
from store.incidents import IncidentPolicy, attach_reviews, note_alerted, open_or_get
from tools.outbox import enqueue

__all__ = ["GroupDispatcher", "SentNotification", "group_key"]

_ATTACH_LIMIT = 500


class SentNotification(BaseModel):
    """A notification stored for delivery (an outbox row) during an evaluation."""

    receiver: str
    status: str
    reason: str
    group_key: str
    alert_ids: list[int]
    incident_ids: list[str]
    idempotency_key: str


def group_key(route: ResolvedRoute, labels: dict[str, str]) -> str:
    """`<route>/<receiver>/<group_by label=value,...>`, hashed when it would not fit the column."""
    values = ",".join(f"{name}={labels.get(name, '')}" for name in route.group_by)
    key = f"{route.path}/{route.receiver}/{values}"
    return key if len(key) <= 400 else key[:360] + "#" + hashlib.sha256(key.encode()).hexdigest()[:32]


class GroupDispatcher:
    """One evaluation's grouping and notification, in the caller's transaction."""

    def __init__(
        self,
        session: Session,
        rules: AlertRulesConfig,
        routing: AlertRoutingConfig,
        policy: IncidentPolicy,
    ) -> None:
        self.session, self.rules, self.routing, self.policy = session, rules, routing, policy
        self.metric = {rule.id: rule.metric for rule in rules.rules}
        self.opened: list[str] = []

    def dispatch(self, firing: list[AlertRow], now: datetime) -> tuple[list[SentNotification], list[str]]:
        """Group the firing alerts, flush the groups that are due; returns what was sent and incidents opened."""
        session = self.session
        groups = {g.group_key: g for g in session.scalars(select(AlertGroupRow).where(AlertGroupRow.state == "active"))}
        members: dict[str, list[AlertRow]] = defaultdict(list)
        settings: dict[str, ResolvedRoute] = {}
        for row in firing:
            for index, route in enumerate(self.routing.routes_for(row.labels)):
                key = group_key(route, row.labels)
                members[key].append(row)
                settings[key] = route
                if key not in groups and row.suppressed_by is None:
                    groups[key] = self._open_group(key, route, row.labels, now)
                if index == 0 and key in groups:
                    row.group_id = groups[key].id
        resolved = self._resolved_members(groups, members)
        for key, rows in resolved.items():
            for route in self.routing.routes_for(rows[0].labels):
                if group_key(route, rows[0].labels) == key:
                    settings[key] = route
        sent: list[SentNotification] = []
        for key, group in sorted(groups.items()):
            matched = settings.get(key)
            if matched is None:  # nothing left that routes here (rules or routing changed): close quietly
                group.state, group.closed_at = "closed", now
                continue
            if now >= group.next_flush_at:
                notification = self._flush(group, matched, members.get(key, []), resolved.get(key, []), now)
                if notification is not None:
                    sent.append(notification)
        return sent, self.opened

    def _open_group(self, key: str, route: ResolvedRoute, labels: dict[str, str], now: datetime) -> AlertGroupRow:
        group = AlertGroupRow(
            group_key=key,
            route=route.path,
            receiver=route.receiver,
            group_labels={name: labels.get(name, "") for name in route.group_by},
            state="active",
            created_at=now,
            next_flush_at=now + route.group_wait,
            notified_firing=[],
            sequence=0,
        )
        self.session.add(group)
        self.session.flush()
        return group

    def _resolved_members(
        self, groups: dict[str, AlertGroupRow], members: dict[str, list[AlertRow]]
    ) -> dict[str, list[AlertRow]]:
        """Per group, the latest episode of every notified alert that no longer fires."""
        wanted: dict[str, list[str]] = {}
        for key, group in groups.items():
            still = {row.fingerprint for row in members.get(key, [])}
            gone = [fp for fp in group.notified_firing if fp not in still]
            if gone:
                wanted[key] = gone
        fingerprints = {fp for gone in wanted.values() for fp in gone}
        if not fingerprints:
            return {}
        latest: dict[str, AlertRow] = {}
        stmt = select(AlertRow).where(AlertRow.fingerprint.in_(fingerprints)).order_by(AlertRow.id)
        for row in self.session.scalars(stmt):
            latest[row.fingerprint] = row
        return {
            key: [latest[fp] for fp in gone if fp in latest and latest[fp].state == "resolved"]
            for key, gone in wanted.items()
        }

    def _flush(
        self,
        group: AlertGroupRow,
        route: ResolvedRoute,
        firing: list[AlertRow],
        resolved: list[AlertRow],
        now: datetime,
    ) -> SentNotification | None:
        loud = [row for row in firing if row.suppressed_by is None]
        notified = set(group.notified_firing)
        joined = {row.fingerprint for row in loud} - notified
        reason: str | None = None
        if group.last_notified_at is None:
            reason = "new" if loud else None
        elif joined or resolved:
            reason = "changed" if loud else ("resolved" if route.send_resolved and resolved else None)
        elif loud and now - group.last_notified_at >= route.repeat_interval:
            reason = "repeat"
        result = None
        if reason is not None:
            result = self._send(group, route, loud, resolved if route.send_resolved else [], reason, now)
            muted_but_known = {row.fingerprint for row in firing if row.suppressed_by is not None} & notified
            group.notified_firing = sorted({row.fingerprint for row in loud} | muted_but_known)
            group.last_notified_at = now
        elif resolved:  # resolved without a notice (send_resolved off): forget them
            group.notified_firing = sorted(notified - {row.fingerprint for row in resolved})
        group.next_flush_at = now + max(route.group_interval, timedelta(seconds=1))
        if not firing:
            group.state, group.closed_at = "closed", now
        return result

    def _send(
        self,
        group: AlertGroupRow,
        route: ResolvedRoute,
        loud: list[AlertRow],
        resolved: list[AlertRow],
        reason: str,
        now: datetime,
    ) -> SentNotification:
        summaries = [self._summary(row, "firing", now) for row in loud]
        summaries += [self._summary(row, "resolved", now) for row in resolved]
        status = "firing" if loud else "resolved"
        group.sequence += 1
        digest = hashlib.sha256(f"{group.group_key}|{group.created_at.isoformat()}".encode()).hexdigest()[:16]
        key = f"alerts:{digest}:{reason}:{group.sequence}"
        all_labels = [s.labels for s in summaries]
        common = {k: v for k, v in all_labels[0].items() if all(labels.get(k) == v for labels in all_labels[1:])}
        group_text = " ".join(v for v in group.group_labels.values() if v)
        notification = Notification(
            title=f"[{status.upper()}:{len(loud) or len(resolved)}] {group_text}".strip(),
            receiver=route.receiver,
            status=status,
            reason=reason,
            group_key=group.group_key,
            group_labels=dict(group.group_labels),
            common_labels=common,
            route=route.path,
            rules_version=self.rules.version,
            routing_version=self.routing.version,
            sent_at=now,
            alerts=summaries,
        )
        payload = notification.model_dump(mode="json")
        alert_ids = [s.alert_id for s in summaries]
        incident_ids = sorted({s.incident_id for s in summaries if s.incident_id})
        receivers = self.routing.receivers
        kind = receivers.kind_of(route.receiver)
        enqueue(
            self.session,
            key,
            OUTBOX_TOOL,
            {"group_key": group.group_key, "reason": reason, "sequence": group.sequence, "kind": kind},
            render_notification(notification, kind, receivers.target(route.receiver)),
            route.receiver,
            incident_id=incident_ids[0] if incident_ids else None,
            now=now,
        )
        self.session.add(
            AlertNotificationRow(
                group_id=group.id,
                idempotency_key=key,
                receiver=route.receiver,
                status=status,
                reason=reason,
                sent_at=now,
                alert_ids=alert_ids,
                payload=payload,
            )
        )
        for row in loud:
            row.first_notified_at = row.first_notified_at or now
        return SentNotification(
            receiver=route.receiver,
            status=status,
            reason=reason,
            group_key=group.group_key,
            alert_ids=alert_ids,
            incident_ids=incident_ids,
            idempotency_key=key,
        )

    def _summary(self, row: AlertRow, status: str, now: datetime) -> AlertSummary:
        numbers = {k: v for k, v in row.evidence.items() if k != "first"}
        reviews = []
        if status == "firing":
            start = datetime.fromisoformat(str(numbers.get("window_start") or row.starts_at.isoformat()))
            refs = relevant_reviews(
                self.session,
                row.scope_kind,
                row.scope,
                row.topic,
                self.metric.get(row.rule, "reviews"),
                start,
                now + timedelta(days=1),
                limit=_ATTACH_LIMIT,
            )
            self._link_incident(row, [ref.review_id for ref in refs], now)
            # the clearest complaints first (negative before neutral), newest first within each
            shown = sorted(refs, key=lambda ref: ref.sentiment != "negative")
            reviews = shown[: self.rules.representative_reviews]
        return AlertSummary(
            alert_id=row.id,
            fingerprint=row.fingerprint,
            status=status,
            rule=row.rule,
            severity=row.severity,
            summary=summary_line(row.labels, numbers),
            labels=dict(row.labels),
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            playbook=row.labels.get("playbook") or None,
            incident_id=row.incident_id,
            numbers=numbers,
            reviews=reviews,
        )

    def _link_incident(self, row: AlertRow, review_ids: list[str], now: datetime) -> None:
        """Open (or find) the alert's incident on its first notification; attach the reviews behind it."""
        labels = row.labels
        if row.incident_id is None:
            incident, created = open_or_get(
                self.session,
                labels["incident_key"],
                {row.scope_kind: row.scope},
                row.topic,
                row.severity,
                labels["team"],
                now,
                opened_by="alerts",
                baseline_rate=row.baseline_rate,
                policy=self.policy,
            )
            row.incident_id = incident.id
            if created:
                self.opened.append(incident.id)
        if labels.get("class") != "incident":
            attach_reviews(self.session, row.incident_id, review_ids, now=now, policy=self.policy)
        note_alerted(self.session, row.incident_id, now)
