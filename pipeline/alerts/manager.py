"""The alert engine: detect, deduplicate into alert episodes, mute (inhibition, silences), route, group and notify.

One `AlertEngine.run(session, now)` is one evaluation, Alertmanager-style, on the caller's clock:
1. detectors read gold as of `now` and return candidates (rule x scope x topic);
2. a candidate whose fingerprint already fires updates that alert (dedup); a new one starts an episode; a firing
   alert with no candidate resolves;
3. inhibition rules and silences mark alerts muted;
4. the routing tree sends each alert to receivers, grouped by labels; a group notifies after `group_wait`, then
   at most every `group_interval` when its alerts change, again after `repeat_interval`, and once resolved; a
   notification is an outbox row (tools/outbox.py), delivered after the caller commits;
5. the first notification of an alert opens (or finds) its incident and attaches the reviews behind it.
All state lives in the database, so runs may happen in any process and a replay changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.alerts.detectors import AlertCandidate, Detector, IncidentView
from pipeline.alerts.evidence import explaining_incident, relevant_reviews
from pipeline.alerts.grouping import GroupDispatcher, SentNotification
from pipeline.alerts.routing import AlertRoutingConfig, Inhibitor
from pipeline.alerts.rules import AlertRulesConfig
from pipeline.alerts.silences import active_silences, silence_matching
from store.alert_tables import AlertRow
from store.gold_queries import day_index, load_scope_frame
from store.incident_tables import Incident
from store.incidents import (
    ACTIVE_STATES,
    DEFAULT_POLICY,
    IncidentPolicy,
    attach_reviews,
    incident_id_for,
    incident_key,
)
from store.taxonomy import Taxonomy
from tools.senders import Sender

__all__ = ["AlertEngine", "EvaluationReport", "alert_labels"]

_CLASS = {"rate": "trend", "threshold": "report", "incident": "incident"}


class EvaluationReport(BaseModel):
    """What one evaluation did."""

    now: datetime
    seconds: float = Field(description="Wall time of the whole evaluation.")
    detect_seconds: float = Field(description="Wall time reading gold and running the detectors.")
    gold_rows: int = Field(description="gold_scope_daily rows read.")
    candidates: int
    firing: int
    new_alerts: list[int] = Field(default_factory=list)
    resolved_alerts: list[int] = Field(default_factory=list)
    muted: dict[str, int] = Field(default_factory=dict, description="Firing alerts muted now, per reason.")
    notifications: list[SentNotification] = Field(default_factory=list)
    incidents_opened: list[str] = Field(default_factory=list)


def alert_labels(candidate: AlertCandidate, taxonomy: Taxonomy, rules: AlertRulesConfig, key: str) -> dict[str, str]:
    """The labels routing, grouping, inhibition and silences match on."""
    topic = candidate.topic
    owner = taxonomy.owner_for(topic)
    labels = {
        "alertname": candidate.rule,
        "severity": candidate.severity,
        "class": _CLASS[candidate.kind],
        "scope_kind": candidate.scope_kind,
        "scope": f"{candidate.scope_kind}={candidate.scope}",
        "topic": topic,
        "domain": taxonomy.domain_of(topic) if topic in taxonomy.topic_ids() else "flag",
        "team": owner.team,
        "owner_receiver": owner.receiver,
        "playbook": rules.playbook_for(topic) or "",
        "incident_key": key,
    }
    if candidate.scope_kind != "all":
        labels[candidate.scope_kind] = candidate.scope
    if candidate.scope_kind == "sku" and candidate.parent not in ("", "*"):
        labels["category"] = candidate.parent
    return labels


class AlertEngine:
    """Evaluates rules over gold and drives alerts through muting, routing, grouping and notification."""

    def __init__(
        self,
        rules: AlertRulesConfig,
        routing: AlertRoutingConfig,
        taxonomy: Taxonomy,
        *,
        frozen_skus: Callable[[Session], frozenset[str]] | None = None,
        incident_policy: IncidentPolicy = DEFAULT_POLICY,
        senders: Callable[[str], Sender] | None = None,
    ) -> None:
        self.rules = rules
        self.routing = routing
        self.taxonomy = taxonomy
        self.detector = Detector(rules, taxonomy)
        self._rules = {rule.id: rule for rule in rules.rules}
        self.frozen_skus = frozen_skus or (lambda _session: frozenset())
        self.incident_policy = incident_policy
        self.senders = senders
        """Where this engine's notifications are delivered by default (an `AlertScheduler` delivers them)."""

    def run(self, session: Session, now: datetime) -> EvaluationReport:
        """One evaluation as of `now`, in the caller's transaction."""
        started = time.perf_counter()
        today = day_index(now)
        kinds = self.detector.scope_kinds()
        if "sku" in kinds:
            kinds.add("category")  # a SKU's baseline borrows its category's rate
        frame = load_scope_frame(session, today - self.detector.lookback_days() + 1, today, kinds)
        firing_rows = {
            row.fingerprint: row for row in session.scalars(select(AlertRow).where(AlertRow.state == "firing"))
        }
        frozen = {(r.rule, r.scope_kind, r.scope, r.topic): r.baseline_rate for r in firing_rows.values()}
        incidents = session.scalars(select(Incident).where(Incident.state.in_(ACTIVE_STATES))).all()
        candidates = self.detector.detect(frame, now, frozen)
        candidates += self.detector.from_incidents([_view(i) for i in incidents])
        detect_seconds = time.perf_counter() - started

        report = EvaluationReport(
            now=now, seconds=0.0, detect_seconds=detect_seconds, gold_rows=len(frame), candidates=len(candidates),
            firing=0,
        )  # fmt: skip
        keys = {i.id: i.key for i in incidents}
        current = self._reconcile(session, candidates, firing_rows, keys, now, report)
        self._mute(session, current, incidents, now, report)
        self._refresh_incident_reviews(session, current, now)
        self._explain_away(session, current, now, report)
        dispatcher = GroupDispatcher(session, self.rules, self.routing, self.incident_policy)
        report.notifications, report.incidents_opened = dispatcher.dispatch(current, now)
        report.firing = len(current)
        report.seconds = time.perf_counter() - started
        return report

    def _reconcile(
        self,
        session: Session,
        candidates: list[AlertCandidate],
        firing_rows: dict[str, AlertRow],
        incident_keys: dict[str, str],
        now: datetime,
        report: EvaluationReport,
    ) -> list[AlertRow]:
        """Update firing alerts, start new episodes, resolve the ones no rule supports any more."""
        seen: dict[str, AlertRow] = {}
        fresh: list[AlertRow] = []
        for candidate in candidates:
            if candidate.fingerprint in seen:
                continue
            key = incident_keys.get(candidate.incident_id or "") or incident_key(
                {candidate.scope_kind: candidate.scope}, candidate.topic
            )
            labels = alert_labels(candidate, self.taxonomy, self.rules, key)
            row = firing_rows.get(candidate.fingerprint)
            if row is None:
                row = AlertRow(
                    fingerprint=candidate.fingerprint,
                    rule=candidate.rule,
                    topic=candidate.topic,
                    scope_kind=candidate.scope_kind,
                    scope=candidate.scope,
                    severity=candidate.severity,
                    labels=labels,
                    state="firing",
                    starts_at=now,
                    last_evaluated_at=now,
                    evidence=_evidence(candidate),
                    baseline_rate=candidate.baseline_rate,
                    incident_id=candidate.incident_id,
                )
                session.add(row)
                fresh.append(row)
            else:
                row.labels, row.severity, row.last_evaluated_at = labels, candidate.severity, now
                row.evidence = {**_evidence(candidate), "first": row.evidence.get("first", row.evidence)}
                if row.first_notified_at is None and not candidate.held:
                    row.baseline_rate = candidate.baseline_rate  # frozen only once an owner has been told
            seen[candidate.fingerprint] = row
        for fingerprint, row in firing_rows.items():
            if fingerprint not in seen:
                row.state, row.ends_at, row.last_evaluated_at = "resolved", now, now
                report.resolved_alerts.append(row.id)
        session.flush()
        report.new_alerts = [row.id for row in fresh]
        return list(seen.values())

    def _mute(
        self, session: Session, alerts: list[AlertRow], incidents: Any, now: datetime, report: EvaluationReport
    ) -> None:
        """Mark each firing alert muted by an inhibition rule or a silence (or clear the mark)."""
        sources: list[dict[str, str]] = [row.labels for row in alerts]
        sources += [
            {"alertname": "IncidentOpen", "sku": i.sku, "topic": i.topic, "incident_key": i.key, "state": i.state}
            for i in incidents
            if i.sku
        ]
        sources += [{"alertname": "ListingFrozen", "sku": sku} for sku in self.frozen_skus(session)]
        inhibitor = Inhibitor(self.routing.inhibit_rules, sources)
        silences = active_silences(session, now)
        for row in alerts:
            reason = inhibitor.muted_by(row.labels)
            muted = f"inhibited:{reason}" if reason else None
            if muted is None:
                silence = silence_matching(row.labels, silences)
                muted = f"silenced:{silence}" if silence is not None else None
            row.suppressed_by = muted
            if muted:
                kind = muted.split(":")[0]
                report.muted[kind] = report.muted.get(kind, 0) + 1

    def _reviews(self, session: Session, row: AlertRow, start: datetime, now: datetime) -> list[str]:
        metric = self._rules[row.rule].metric if row.rule in self._rules else "reviews"
        refs = relevant_reviews(
            session, row.scope_kind, row.scope, row.topic, metric, start, now + timedelta(days=1), 5000, False
        )
        return [ref.review_id for ref in refs]

    def _refresh_incident_reviews(self, session: Session, alerts: list[AlertRow], now: datetime) -> None:
        """Keep attaching new reviews of notified alerts to their incidents (late arrivals included)."""
        for row in alerts:
            if row.incident_id is None or row.first_notified_at is None or row.labels.get("class") == "incident":
                continue
            start = max(datetime.fromisoformat(row.evidence["window_start"]), now - timedelta(days=2))
            attach_reviews(session, row.incident_id, self._reviews(session, row, start, now), now=now)

    def _explain_away(self, session: Session, alerts: list[AlertRow], now: datetime, report: EvaluationReport) -> None:
        """Mute a not-yet-notified trend alert whose excess consists of reviews another active incident holds."""
        for row in alerts:
            if row.first_notified_at is not None or row.suppressed_by or row.labels.get("class") != "trend":
                continue
            rule = self._rules.get(row.rule)
            if rule is None:
                continue
            start = datetime.fromisoformat(row.evidence["window_start"])
            own = incident_id_for(row.labels["incident_key"])
            baseline = row.baseline_rate if row.baseline_rate is not None else rule.min_rate
            holder = explaining_incident(
                session, rule, row.evidence, baseline, self._reviews(session, row, start, now), own
            )
            if holder is not None:
                row.suppressed_by = f"explained:{holder}"
                report.muted["explained"] = report.muted.get("explained", 0) + 1


def _evidence(candidate: AlertCandidate) -> dict[str, Any]:
    return {**candidate.evidence, "window_start": candidate.window_start.isoformat()}


def _view(incident: Incident) -> IncidentView:
    return IncidentView(
        id=incident.id,
        scope={k: str(v) for k, v in incident.scope.items()},
        topic=incident.topic,
        severity=incident.severity,
        state=incident.state,
        opened_by=incident.opened_by,
        review_count=incident.review_count,
        since=incident.first_review_at or incident.opened_at,
    )
