"""Read models of incidents for people: a list row, the full record (transitions, evidence, postmortem) and searches.

The CLI (`reviewops incidents`) and the HTTP API render these; nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.incident_tables import Incident, IncidentReview, IncidentTransition, Postmortem
from store.incidents import ACTIVE_STATES, get_incident, search_postmortems
from store.tables import SilverReview

__all__ = [
    "EvidenceReview",
    "IncidentDetail",
    "IncidentSummary",
    "PostmortemView",
    "StateFilter",
    "TransitionView",
    "incident_detail",
    "list_incidents",
    "postmortem_search",
]

StateFilter = Literal["active", "closed", "all"]
_SNIPPET_CHARS = 160


class IncidentSummary(BaseModel):
    """One incident as a list row: what, where, who owns it, where it is and whether its first action is late."""

    incident_id: str
    state: str
    severity: str
    topic: str
    scope: dict[str, Any]
    owner: str
    review_count: int
    playbook_id: str | None
    opened_at: datetime
    first_review_at: datetime | None
    sla_due_at: datetime | None
    """First action due; `sla_breached` compares it with the first executed action (or `now` while none ran)."""
    sla_breached: bool
    updated_at: datetime


class TransitionView(BaseModel):
    """One recorded state change."""

    from_state: str | None
    to_state: str
    actor: str
    at: datetime
    note: str | None


class EvidenceReview(BaseModel):
    """A review attached to the incident, with its masked text cut to a snippet."""

    review_id: str
    created_at: datetime
    rating: int | None
    region: str | None
    warehouse: str | None
    snippet: str


class PostmortemView(BaseModel):
    """What triggered the incident, what was done and what changed after."""

    incident_id: str
    created_at: datetime
    trigger: str
    actions: str
    outcome: str
    metric_before: float | None
    metric_after: float | None


class IncidentDetail(IncidentSummary):
    """The whole incident: its clock stamps, hypothesis, transitions, evidence and postmortem."""

    key: str
    opened_by: str
    hypothesis: str | None
    hypothesis_generated_by: str | None
    alerted_at: datetime | None
    triaged_at: datetime | None
    approved_at: datetime | None
    executed_at: datetime | None
    monitoring_deadline: datetime | None
    escalated_at: datetime | None
    resolved_at: datetime | None
    resolution_note: str | None
    metric: str
    baseline_rate: float | None
    transitions: list[TransitionView]
    evidence: list[EvidenceReview]
    postmortem: PostmortemView | None


def _snippet(title: str, text: str) -> str:
    joined = " ".join((f"{title}. {text}" if title else text).split())
    return joined if len(joined) <= _SNIPPET_CHARS else joined[: _SNIPPET_CHARS - 1].rstrip() + "…"


def _breached(incident: Incident, now: datetime) -> bool:
    if incident.sla_due_at is None:
        return False
    return (incident.executed_at or now) > incident.sla_due_at


def _summary_fields(incident: Incident, now: datetime) -> dict[str, Any]:
    return {
        "incident_id": incident.id,
        "state": incident.state,
        "severity": incident.severity,
        "topic": incident.topic,
        "scope": dict(incident.scope),
        "owner": incident.owner,
        "review_count": incident.review_count,
        "playbook_id": incident.playbook_id,
        "opened_at": incident.opened_at,
        "first_review_at": incident.first_review_at,
        "sla_due_at": incident.sla_due_at,
        "sla_breached": _breached(incident, now),
        "updated_at": incident.updated_at,
    }


def _states(which: StateFilter) -> Iterable[str] | None:
    if which == "active":
        return ACTIVE_STATES
    if which == "closed":
        return ("resolved", "closed_noise")
    return None


def list_incidents(
    session: Session,
    now: datetime,
    states: StateFilter = "active",
    sku: str | None = None,
    topic: str | None = None,
    limit: int = 100,
) -> list[IncidentSummary]:
    """Incidents most recently changed first, filtered by lifecycle (`active`, `closed`, `all`), SKU and topic.

    `topic` matches the topic or any subtopic beneath it (`sizing_fit` matches `sizing_fit.runs_small`).
    """
    stmt = select(Incident)
    wanted = _states(states)
    if wanted is not None:
        stmt = stmt.where(Incident.state.in_(list(wanted)))
    if sku:
        stmt = stmt.where(Incident.sku == sku)
    if topic:
        stmt = stmt.where((Incident.topic == topic) | Incident.topic.startswith(f"{topic}."))
    rows = session.scalars(stmt.order_by(Incident.updated_at.desc(), Incident.id).limit(limit))
    return [IncidentSummary(**_summary_fields(row, now)) for row in rows]


def _postmortem_view(row: Postmortem) -> PostmortemView:
    return PostmortemView(
        incident_id=row.incident_id,
        created_at=row.created_at,
        trigger=row.trigger,
        actions=row.actions,
        outcome=row.outcome,
        metric_before=row.metric_before,
        metric_after=row.metric_after,
    )


def incident_detail(session: Session, incident_id: str, now: datetime, evidence_limit: int = 20) -> IncidentDetail:
    """The full record of one incident; KeyError names the id that does not exist."""
    incident = get_incident(session, incident_id)
    transitions = session.scalars(
        select(IncidentTransition)
        .where(IncidentTransition.incident_id == incident_id)
        .order_by(IncidentTransition.at, IncidentTransition.id)
    )
    evidence = session.scalars(
        select(SilverReview)
        .join(IncidentReview, IncidentReview.review_id == SilverReview.review_id)
        .where(IncidentReview.incident_id == incident_id)
        .order_by(SilverReview.created_at, SilverReview.review_id)
        .limit(evidence_limit)
    )
    postmortem = session.get(Postmortem, incident_id)
    return IncidentDetail(
        **_summary_fields(incident, now),
        key=incident.key,
        opened_by=incident.opened_by,
        hypothesis=incident.hypothesis,
        hypothesis_generated_by=incident.hypothesis_generated_by,
        alerted_at=incident.alerted_at,
        triaged_at=incident.triaged_at,
        approved_at=incident.approved_at,
        executed_at=incident.executed_at,
        monitoring_deadline=incident.monitoring_deadline,
        escalated_at=incident.escalated_at,
        resolved_at=incident.resolved_at,
        resolution_note=incident.resolution_note,
        metric=incident.metric,
        baseline_rate=incident.baseline_rate,
        transitions=[
            TransitionView(from_state=t.from_state, to_state=t.to_state, actor=t.actor, at=t.at, note=t.note)
            for t in transitions
        ],
        evidence=[
            EvidenceReview(
                review_id=r.review_id,
                created_at=r.created_at,
                rating=r.rating,
                region=r.region,
                warehouse=r.warehouse,
                snippet=_snippet(r.title, r.text),
            )
            for r in evidence
        ],
        postmortem=_postmortem_view(postmortem) if postmortem is not None else None,
    )


def postmortem_search(session: Session, query: str, limit: int = 20) -> list[PostmortemView]:
    """Postmortems containing every word of `query`, newest first."""
    return [_postmortem_view(row) for row in search_postmortems(session, query, limit)]
