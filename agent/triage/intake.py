"""From the agent queue to incidents: classify each escalated review, group by incident key, attach or open.

An incident key is scope x topic, built exactly as the alert engine builds it (`store.incidents.incident_key` over one
scope dimension), so the agent and the alerts always land on the same incident for one cluster. The scope dimension
is the first of the playbook's `detection.group_by` dimensions the review carries (carrier is not a review column,
so a shipping delay is keyed by region). A review of a cluster with an active incident is attached to it; otherwise
a new incident is opened when the case is serious on its own (high severity, safety or legal flag) or the cluster has
reached the playbook's `detection.min_reviews` within its window. Every claimed review gets a recorded outcome.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from agent.triage.context import ClusterRules, cluster_review_ids
from agent.triage.deps import DEFAULT_WINDOW_HOURS, candidate_playbooks
from agent.triage.state import IncidentFacts
from store.incident_tables import Incident, IncidentReview
from store.incidents import ACTIVE_STATES, attach_reviews, find_open_for, incident_key, open_or_get
from store.playbooks import PlaybookLibrary
from store.routing_config import RoutingConfig
from store.schemas import FLAG_NAMES, Urgency
from store.tables import ReviewScoreRow, RouteDecisionRow, SilverReview
from store.taxonomy import Taxonomy
from store.triage_tables import TriageReviewRow

__all__ = [
    "Escalation",
    "Placement",
    "claim_queued",
    "classify",
    "incident_facts",
    "incident_flags",
    "place",
    "requeue_unprocessed",
    "with_topic",
]

Outcome = Literal["new_incident", "reopened", "attached", "below_threshold", "no_topic", "no_scope"]
_SCOPE_DIMENSIONS = ("sku", "category", "region", "warehouse", "supplier")
_RANK = {Urgency.low: 0, Urgency.medium: 1, Urgency.high: 2}
_SERIOUS_FLAGS = frozenset({"safety_hazard", "legal_threat"})
_REASON_FLAGS = {"safety_flag": "safety_hazard", "safety_lexicon": "safety_hazard", "legal_threat": "legal_threat",
                 "legal_lexicon": "legal_threat", "refund_intent_expensive_order": "refund_intent"}  # fmt: skip


@dataclass(frozen=True)
class Escalation:
    """One claimed review, classified: the incident it points at (key), or why it points at none."""

    review_id: str
    severity: Urgency
    flags: frozenset[str]
    topic: str | None
    scope: Mapping[str, str] = field(default_factory=dict)
    places: Mapping[str, str] = field(default_factory=dict)
    created_at: datetime | None = None

    @property
    def key(self) -> str | None:
        return incident_key(self.scope, self.topic) if self.topic and self.scope else None


@dataclass(frozen=True)
class Placement:
    """Where a group of escalations went."""

    outcome: Outcome
    review_ids: list[str]
    incident_id: str | None = None
    flags: frozenset[str] = frozenset()


def claim_queued(session: Session, limit: int) -> list[str]:
    """Take up to `limit` queued agent reviews (oldest first); a compare-and-set per row, so workers never share one."""
    candidates = session.scalars(
        select(RouteDecisionRow.review_id)
        .where(RouteDecisionRow.route == "agent", RouteDecisionRow.queue_status == "queued")
        .order_by(RouteDecisionRow.routed_at, RouteDecisionRow.review_id)
        .limit(limit)
    ).all()
    claimed = []
    for review_id in candidates:
        result = session.execute(
            update(RouteDecisionRow)
            .where(RouteDecisionRow.review_id == review_id, RouteDecisionRow.queue_status == "queued")
            .values(queue_status="taken")
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) == 1:
            claimed.append(review_id)
    return claimed


def requeue_unprocessed(session: Session) -> int:
    """Put back reviews taken by a worker that stopped before recording an outcome (run it with no other worker)."""
    done = select(TriageReviewRow.review_id)
    result = session.execute(
        update(RouteDecisionRow)
        .where(RouteDecisionRow.queue_status == "taken", RouteDecisionRow.review_id.not_in(done))
        .values(queue_status="queued")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def classify(
    session: Session, review_ids: Sequence[str], library: PlaybookLibrary, routing: RoutingConfig
) -> list[Escalation]:
    """Topic, flags, severity and scope of each review, from its score and route decision (never from its text)."""
    rows = session.execute(
        select(SilverReview, ReviewScoreRow, RouteDecisionRow)
        .join(ReviewScoreRow, ReviewScoreRow.review_id == SilverReview.review_id)
        .join(RouteDecisionRow, RouteDecisionRow.review_id == SilverReview.review_id)
        .where(SilverReview.review_id.in_(list(review_ids)))
    ).all()
    found = []
    for review, score, route in rows:
        flags = {name for name in FLAG_NAMES if (score.flags or {}).get(name, 0.0) >= routing.flag_thresholds[name]}
        flags |= {
            _REASON_FLAGS[code]
            for reason in route.reasons
            if (code := reason.split(":")[0].split("(")[0]) in _REASON_FLAGS
        }
        confident = {t["label"] for t in score.topics or () if t.get("confidence", 0.0) >= routing.min_topic_confidence}
        topic = (
            "safety_hazard"
            if "safety_hazard" in flags
            else (score.primary_topic if score.primary_topic in confident else None)
        )
        places = {dim: value for dim in _SCOPE_DIMENSIONS if (value := getattr(review, dim))}
        severity = Urgency(route.severity)
        item = Escalation(review.review_id, severity, frozenset(flags), None, {}, places, review.created_at)
        found.append(with_topic(item, topic, library) if topic is not None else item)
    return found


def with_topic(item: Escalation, topic: str, library: PlaybookLibrary) -> Escalation:
    """`item` placed on `topic`, scoped by the first dimension its playbook groups by that the review carries."""
    playbooks = candidate_playbooks(library, topic, item.flags)
    dims = [*(playbooks[0].detection.group_by if playbooks else ()), "sku", "category"]
    dim = next((d for d in dims if d in item.places), None)
    return replace(item, topic=topic, scope={dim: item.places[dim]} if dim else {})


def incident_flags(session: Session, incident_id: str, routing: RoutingConfig, limit: int = 500) -> frozenset[str]:
    """Flags raised (above the router's thresholds) on the reviews attached to an incident."""
    flags = session.scalars(
        select(ReviewScoreRow.flags)
        .join(IncidentReview, IncidentReview.review_id == ReviewScoreRow.review_id)
        .where(IncidentReview.incident_id == incident_id)
        .limit(limit)
    ).all()
    return frozenset(
        name
        for raised in flags
        for name in FLAG_NAMES
        if (raised or {}).get(name, 0.0) >= routing.flag_thresholds[name]
    )


def incident_facts(incident: Incident, flags: Sequence[str], taxonomy: Taxonomy) -> IncidentFacts:
    """The trusted facts the graph works from, for a stored incident."""
    flag_names = {flag.id: flag.name for flag in taxonomy.flags}
    name = flag_names.get(incident.topic) or taxonomy.topic(incident.topic).name
    all_flags = set(flags) | ({incident.topic} if incident.topic in FLAG_NAMES else set())
    return IncidentFacts(
        incident_id=incident.id,
        key=incident.key,
        scope={k: str(v) for k, v in (incident.scope or {}).items()},
        topic=incident.topic,
        topic_name=name,
        flags=sorted(all_flags),
        severity=_urgency(incident.severity),
        owner_team=incident.owner,
    )


def place(
    session: Session,
    group: Sequence[Escalation],
    *,
    library: PlaybookLibrary,
    taxonomy: Taxonomy,
    rules: ClusterRules,
    now: datetime,
    attach_limit: int = 200,
) -> Placement:
    """Attach one key's escalations to its active incident, open one if warranted, and record every outcome."""
    first = group[0]
    ids = [item.review_id for item in group]
    flags = frozenset().union(*(item.flags for item in group))
    placement = _place(session, group, first, ids, flags, library, taxonomy, rules, now, attach_limit)
    for review_id in ids:
        session.merge(
            TriageReviewRow(
                review_id=review_id,
                incident_id=placement.incident_id,
                thread_id=None,
                outcome=placement.outcome,
                processed_at=now,
            )
        )
    session.execute(
        update(RouteDecisionRow)
        .where(RouteDecisionRow.review_id.in_(ids))
        .values(queue_status="done")
        .execution_options(synchronize_session=False)
    )
    return placement


def _place(
    session: Session,
    group: Sequence[Escalation],
    first: Escalation,
    ids: list[str],
    flags: frozenset[str],
    library: PlaybookLibrary,
    taxonomy: Taxonomy,
    rules: ClusterRules,
    now: datetime,
    attach_limit: int,
) -> Placement:
    if first.topic is None:
        return Placement("no_topic", ids)
    key = first.key
    if key is None:
        return Placement("no_scope", ids)
    severity = max((item.severity for item in group), key=_RANK.__getitem__)
    playbooks = candidate_playbooks(library, first.topic, flags)
    incident = session.scalar(select(Incident).where(Incident.key == key))
    active = _active_incident(session, first, [t for p in playbooks[:1] for t in p.applies_to.topics])
    if active is not None:
        attach_reviews(session, active.id, ids, now=now)
        return Placement("attached", ids, active.id, flags)
    window = playbooks[0].detection.window_hours if playbooks else DEFAULT_WINDOW_HOURS
    until = max(item.created_at for item in group if item.created_at is not None)
    members = cluster_review_ids(session, first.scope, first.topic, until, window, rules)
    min_reviews = playbooks[0].detection.min_reviews if playbooks else 5
    serious = bool(flags & _SERIOUS_FLAGS)  # one credible safety or legal report is an incident on its own
    if not serious and len(set(members) | set(ids)) < min_reviews:
        return Placement("below_threshold", ids, None, flags)
    owner = taxonomy.owner_for(first.topic).team
    existed = incident is not None
    incident, _ = open_or_get(session, key, dict(first.scope), first.topic, severity.value, owner, now)
    attach_reviews(session, incident.id, [*ids, *members[:attach_limit]], now=now)
    return Placement("reopened" if existed else "new_incident", ids, incident.id, flags)


def _active_incident(session: Session, item: Escalation, siblings: Sequence[str]) -> Incident | None:
    """The active incident this escalation belongs to: its own key first, then a sibling topic of the same playbook
    in the same scope (a late and a lost parcel in one region are one delivery problem), then one that covers the
    review's SKU, region or warehouse on the same topic."""
    assert item.topic is not None
    keys = [incident_key(item.scope, topic) for topic in dict.fromkeys([item.topic, *siblings])]
    found = session.scalars(select(Incident).where(Incident.key.in_(keys), Incident.state.in_(ACTIVE_STATES))).all()
    if found:
        return min(found, key=lambda incident: keys.index(incident.key))
    places = item.places
    nearby = find_open_for(
        session, sku=places.get("sku"), region=places.get("region"), warehouse=places.get("warehouse"), topic=item.topic
    )
    return nearby[0] if nearby else None


def _urgency(incident_severity: str) -> Urgency:
    """An incident's severity as the triage sees it: alerting's `critical` (a safety page) is the agent's `high`."""
    return Urgency.high if incident_severity == "critical" else Urgency(incident_severity)
