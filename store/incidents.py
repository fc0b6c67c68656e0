"""The incident lifecycle: open -> triaged -> awaiting_approval -> acting -> monitoring -> resolved, with
escalated and closed_noise on the side.

One incident per problem cluster: its key is derived from scope + topic and is unique, so the alert engine and the
triage agent calling `open_or_get` for the same cluster always get the same incident (a closed one is reopened).
Every transition is recorded with actor, time and note; closing needs a resolution note; resolving writes a
searchable postmortem. `check_monitoring` keeps remediated incidents in `monitoring` until the playbook metric
is back under its baseline, or escalates them when the deadline passes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.gold_queries import scope_topic_counts
from store.incident_tables import Incident, IncidentReview, IncidentTransition, Postmortem
from store.tables import SilverReview

__all__ = [
    "ACTIVE_STATES",
    "TRANSITIONS",
    "IllegalTransition",
    "IncidentPolicy",
    "IncidentState",
    "MonitoringOutcome",
    "active_incident_skus",
    "attach_reviews",
    "check_monitoring",
    "find_open_for",
    "get_incident",
    "incident_id_for",
    "incident_key",
    "note_alerted",
    "open_or_get",
    "search_postmortems",
    "set_hypothesis",
    "transition",
]


class IncidentState(StrEnum):
    open = "open"
    triaged = "triaged"
    awaiting_approval = "awaiting_approval"
    acting = "acting"
    monitoring = "monitoring"
    resolved = "resolved"
    escalated = "escalated"
    closed_noise = "closed_noise"


S = IncidentState
TRANSITIONS: dict[IncidentState, frozenset[IncidentState]] = {
    S.open: frozenset({S.triaged, S.escalated, S.closed_noise}),
    S.triaged: frozenset({S.awaiting_approval, S.acting, S.escalated, S.closed_noise, S.resolved}),
    S.awaiting_approval: frozenset({S.acting, S.triaged, S.escalated, S.closed_noise}),
    S.acting: frozenset({S.monitoring, S.triaged, S.escalated}),
    S.monitoring: frozenset({S.resolved, S.escalated, S.acting}),
    S.escalated: frozenset({S.triaged, S.awaiting_approval, S.acting, S.monitoring, S.resolved, S.closed_noise}),
    S.resolved: frozenset({S.open}),
    S.closed_noise: frozenset({S.open}),
}
"""Allowed moves; a closed incident can only be reopened (when its cluster alerts again)."""

CLOSED_STATES = frozenset({S.resolved, S.closed_noise})
ACTIVE_STATES: frozenset[str] = frozenset(s.value for s in IncidentState if s not in CLOSED_STATES)
"""States in which an incident is being handled (the router treats its SKU as having an active incident)."""


class IllegalTransition(ValueError):
    """A transition the state machine does not allow, or a close without a resolution note."""


class IncidentPolicy(BaseModel):
    """Deadlines per severity: first action (SLA, never later than the 72-hour promise) and monitoring."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    first_action_hours: dict[str, float] = Field(
        default_factory=lambda: {"critical": 4.0, "high": 24.0, "medium": 48.0, "low": 72.0}
    )
    """Hours from the first review of the problem to the first executed action."""
    promise_hours: float = 72
    """The loop's promise: first action within this many hours of the first review, whatever the severity."""
    monitoring_hours: dict[str, float] = Field(
        default_factory=lambda: {"critical": 48.0, "high": 72.0, "medium": 96.0, "low": 120.0}
    )
    """How long a remediated incident may stay in monitoring before it escalates."""
    monitoring_min_hours: float = 24
    """Watch at least this long before calling the metric back to normal."""
    monitoring_min_reviews: int = 10
    """Reviews of the scope needed after the action before the metric is trusted."""
    monitoring_tolerance: float = 1.25
    """Back to normal means the metric is at most baseline x this."""


DEFAULT_POLICY = IncidentPolicy()


def incident_key(scope: Mapping[str, str], topic: str) -> str:
    """The deterministic key of a cluster, e.g. `sku=JKT-0125|topic=product_quality.defect`."""
    parts = [f"{name}={value}" for name, value in sorted(scope.items())]
    return "|".join([*parts, f"topic={topic}"])


def incident_id_for(key: str) -> str:
    """The incident id of a key: stable across replays and databases."""
    return "INC-" + hashlib.sha256(key.encode()).hexdigest()[:10]


def get_incident(session: Session, incident_id: str) -> Incident:
    """The incident with this id; KeyError says which id was missing."""
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise KeyError(f"no incident {incident_id!r}; list incidents to find the id")
    return incident


def _insert_ignoring_conflicts(session: Session, table: type[Incident] | type[IncidentReview]) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING for SQLite and PostgreSQL."""
    dialect = session.get_bind().dialect.name
    module: Any = {"sqlite": sqlite, "postgresql": postgresql}.get(dialect)
    if module is None:
        raise RuntimeError(f"incidents support sqlite and postgresql, not {dialect!r}; use one of those databases")
    return module.insert(table).on_conflict_do_nothing()


def _due(incident: Incident, policy: IncidentPolicy) -> datetime:
    start = incident.first_review_at or incident.opened_at
    hours = min(policy.first_action_hours.get(incident.severity, policy.promise_hours), policy.promise_hours)
    return start + timedelta(hours=hours)


def open_or_get(
    session: Session,
    key: str,
    scope: Mapping[str, str],
    topic: str,
    severity: str,
    owner: str,
    now: datetime,
    *,
    opened_by: str = "agent",
    baseline_rate: float | None = None,
    policy: IncidentPolicy = DEFAULT_POLICY,
) -> tuple[Incident, bool]:
    """The incident for `key`, opened if there is none (a closed one is reopened); returns (incident, created)."""
    incident = session.scalar(select(Incident).where(Incident.key == key))
    if incident is not None:
        if incident.state in CLOSED_STATES:
            transition(session, incident.id, S.open, opened_by, now, note="reopened: the cluster is active again")
        return incident, False
    values: dict[str, Any] = {
        "id": incident_id_for(key),
        "key": key,
        "scope": dict(scope),
        "sku": scope.get("sku"),
        "region": scope.get("region"),
        "warehouse": scope.get("warehouse"),
        "topic": topic,
        "severity": severity,
        "owner": owner,
        "state": S.open.value,
        "opened_by": opened_by,
        "opened_at": now,
        "updated_at": now,
        "review_count": 0,
        "metric": "nonpositive_share",
        "baseline_rate": baseline_rate,
    }
    # ON CONFLICT DO NOTHING, not a savepoint: a concurrent writer's row wins and pysqlite's SAVEPOINT would
    # commit early when it opens the transaction.
    stmt = _insert_ignoring_conflicts(session, Incident).values(values).returning(Incident.id)
    inserted = session.execute(stmt).scalar()
    incident = session.scalar(select(Incident).where(Incident.key == key))
    if incident is None:
        raise RuntimeError(f"incident {key!r} was neither inserted nor found; check the incidents table")
    if inserted is None:
        return incident, False  # another writer opened it first: the unique key makes that the one incident
    incident.sla_due_at = _due(incident, policy)
    session.add(IncidentTransition(incident_id=incident.id, from_state=None, to_state=S.open, actor=opened_by, at=now))
    return incident, True


def attach_reviews(
    session: Session,
    incident_id: str,
    review_ids: Iterable[str],
    now: datetime | None = None,
    policy: IncidentPolicy = DEFAULT_POLICY,
) -> int:
    """Link reviews to an incident as evidence (already linked ones are skipped); returns how many were new."""
    incident = get_incident(session, incident_id)
    attached_at = now or datetime.now(UTC)
    ids = list(dict.fromkeys(review_ids))
    known = set(
        session.scalars(
            select(IncidentReview.review_id).where(
                IncidentReview.incident_id == incident_id, IncidentReview.review_id.in_(ids)
            )
        )
    )
    fresh = [rid for rid in ids if rid not in known]
    if not fresh:
        return 0
    created = session.scalars(select(SilverReview.created_at).where(SilverReview.review_id.in_(fresh))).all()
    session.execute(
        _insert_ignoring_conflicts(session, IncidentReview),
        [{"incident_id": incident_id, "review_id": rid, "attached_at": attached_at} for rid in fresh],
    )
    incident.review_count = int(
        session.scalar(select(func.count()).where(IncidentReview.incident_id == incident_id)) or 0
    )
    if created:
        first = min(created)
        if incident.first_review_at is None or first < incident.first_review_at:
            incident.first_review_at = first
            incident.sla_due_at = _due(incident, policy)
    return len(fresh)


def transition(
    session: Session,
    incident_id: str,
    to_state: IncidentState | str,
    actor: str,
    now: datetime,
    note: str | None = None,
    policy: IncidentPolicy = DEFAULT_POLICY,
) -> Incident:
    """Move an incident to `to_state`; IllegalTransition if the machine forbids it or a close lacks a note."""
    incident = get_incident(session, incident_id)
    target = IncidentState(to_state)
    current = IncidentState(incident.state)
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current]))
        raise IllegalTransition(f"incident {incident_id} is {current}; it can move to {allowed}, not {target}")
    if target in CLOSED_STATES and not (note and note.strip()):
        raise IllegalTransition(f"closing incident {incident_id} as {target} needs a resolution note; pass note=...")
    session.add(
        IncidentTransition(incident_id=incident_id, from_state=current, to_state=target, actor=actor, at=now, note=note)
    )
    incident.state = target.value
    incident.updated_at = now
    if target is S.triaged and incident.triaged_at is None:
        incident.triaged_at = now
    elif target is S.acting and incident.approved_at is None:
        incident.approved_at = now
    elif target is S.monitoring:
        incident.executed_at = incident.executed_at or now
        incident.monitoring_since = now
        hours = policy.monitoring_hours.get(incident.severity, max(policy.monitoring_hours.values()))
        incident.monitoring_deadline = now + timedelta(hours=hours)
    elif target is S.escalated:
        incident.escalated_at = incident.escalated_at or now
    if target in CLOSED_STATES:
        incident.closed_at = now
        incident.resolution_note = note
        if target is S.resolved:
            incident.resolved_at = now
            _write_postmortem(session, incident, now)
    return incident


def note_alerted(session: Session, incident_id: str, at: datetime) -> None:
    """Record the first alert notification about an incident (the loop clock's `alerted` stamp)."""
    incident = get_incident(session, incident_id)
    if incident.alerted_at is None:
        incident.alerted_at = at


def set_hypothesis(
    session: Session, incident_id: str, hypothesis: str, playbook_id: str | None, generated_by: str, now: datetime
) -> Incident:
    """Store the triage agent's root-cause hypothesis and chosen playbook (`generated_by`: model name or `rules`)."""
    incident = get_incident(session, incident_id)
    incident.hypothesis, incident.playbook_id = hypothesis, playbook_id
    incident.hypothesis_generated_by, incident.updated_at = generated_by, now
    return incident


def active_incident_skus(session: Session) -> frozenset[str]:
    """SKUs with an incident being handled; the router sends their new reviews to the triage agent."""
    stmt = select(Incident.sku).where(Incident.state.in_(ACTIVE_STATES), Incident.sku.is_not(None))
    return frozenset(sku for sku in session.scalars(stmt) if sku)


def find_open_for(
    session: Session,
    sku: str | None = None,
    region: str | None = None,
    warehouse: str | None = None,
    topic: str | None = None,
) -> list[Incident]:
    """Active incidents a review with this SKU / region / warehouse falls under (any one), about `topic` if given."""
    stmt = select(Incident).where(Incident.state.in_(ACTIVE_STATES))
    places = [
        column == value
        for column, value in ((Incident.sku, sku), (Incident.region, region), (Incident.warehouse, warehouse))
        if value is not None
    ]
    if places:
        stmt = stmt.where(or_(*places))
    if topic is not None:
        stmt = stmt.where(Incident.topic == topic)
    return list(session.scalars(stmt.order_by(Incident.opened_at)))


class MonitoringOutcome(BaseModel):
    """What `check_monitoring` decided for one incident, with the numbers."""

    incident_id: str
    decision: str = Field(description="resolved | escalated | monitoring")
    rate: float
    baseline_rate: float
    reviews: int


def _baseline(session: Session, incident: Incident) -> float:
    if incident.baseline_rate is not None:
        return incident.baseline_rate
    end = incident.first_review_at or incident.opened_at
    counts = scope_topic_counts(session, incident.scope, incident.topic, end - timedelta(days=28), end)
    return counts.nonpositive_share


def check_monitoring(
    session: Session, now: datetime, policy: IncidentPolicy = DEFAULT_POLICY, actor: str = "monitor"
) -> list[MonitoringOutcome]:
    """Resolve monitored incidents whose metric is back under baseline; escalate those past their deadline."""
    outcomes = []
    for incident in session.scalars(select(Incident).where(Incident.state == S.monitoring.value)).all():
        since = incident.monitoring_since or now
        counts = scope_topic_counts(session, incident.scope, incident.topic, since, now)
        baseline = _baseline(session, incident)
        rate = counts.nonpositive_share
        numbers = f"{incident.metric} {rate:.3f} over {counts.reviews} reviews since {since:%Y-%m-%d %H:%M}Z"
        recovered = (
            counts.reviews >= policy.monitoring_min_reviews
            and now - since >= timedelta(hours=policy.monitoring_min_hours)
            and rate <= baseline * policy.monitoring_tolerance
        )
        decision = "monitoring"
        if recovered:
            decision = "resolved"
            note = f"metric back to normal: {numbers} <= baseline {baseline:.3f} x {policy.monitoring_tolerance}"
            transition(session, incident.id, S.resolved, actor, now, note=note, policy=policy)
        elif incident.monitoring_deadline is not None and now >= incident.monitoring_deadline:
            decision = "escalated"
            note = f"monitoring deadline passed: {numbers}, baseline {baseline:.3f}"
            transition(session, incident.id, S.escalated, actor, now, note=note, policy=policy)
        outcomes.append(
            MonitoringOutcome(
                incident_id=incident.id, decision=decision, rate=rate, baseline_rate=baseline, reviews=counts.reviews
            )
        )
    return outcomes


def _write_postmortem(session: Session, incident: Incident, now: datetime) -> None:
    steps = session.scalars(
        select(IncidentTransition)
        .where(IncidentTransition.incident_id == incident.id)
        .order_by(IncidentTransition.at, IncidentTransition.id)
    ).all()
    scope = ", ".join(f"{k}={v}" for k, v in sorted(incident.scope.items()))
    trigger = (
        f"{incident.topic} at {scope} ({incident.severity}); opened by {incident.opened_by} at "
        f"{incident.opened_at:%Y-%m-%d %H:%M}Z; {incident.review_count} reviews attached"
    )
    actions = "; ".join(
        f"{s.at:%Y-%m-%d %H:%M}Z {s.from_state or '-'}->{s.to_state} by {s.actor}" + (f": {s.note}" if s.note else "")
        for s in steps
    )
    after = None
    if incident.monitoring_since is not None:
        after = scope_topic_counts(session, incident.scope, incident.topic, incident.monitoring_since, now)
    outcome = incident.resolution_note or ""
    if after is not None:
        outcome += f" | after the action: {after.nonpositive_share:.3f} over {after.reviews} reviews"
    text = "\n".join(
        filter(None, [trigger, incident.hypothesis, f"playbook: {incident.playbook_id}", actions, outcome])
    )
    values = {
        "created_at": now,
        "trigger": trigger,
        "actions": actions,
        "outcome": outcome,
        "metric_before": incident.baseline_rate,
        "metric_after": after.nonpositive_share if after is not None else None,
        "text": text,
    }
    existing = session.get(Postmortem, incident.id)
    if existing is None:
        session.add(Postmortem(incident_id=incident.id, **values))
    else:
        for name, value in values.items():
            setattr(existing, name, value)


def search_postmortems(session: Session, query: str, limit: int = 20) -> list[Postmortem]:
    """Postmortems whose text contains every word of `query` (case-insensitive), newest first."""
    stmt = select(Postmortem)
    for word in query.lower().split():
        stmt = stmt.where(Postmortem.text.ilike(f"%{word}%"))
    return list(session.scalars(stmt.order_by(Postmortem.created_at.desc()).limit(limit)))
