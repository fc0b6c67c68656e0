"""The incident query kind: incidents being handled (or all of them), their state and the loop's clock.

The clock is `store.loop_clock`'s, read at the chat's data clock: hours since the first review of the problem,
the 72-hour promise and the per-severity deadline for the first action, and whether an action ran.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import case, select

from agent.chat.facts import count_fact, fmt_count, fmt_hours, fmt_time
from agent.chat.queries.registry import query_kind
from agent.chat.reader import ChatReader, ReviewRow
from agent.chat.records import Citation, Fact, QueryResult
from store.gold_tables import GoldContribution
from store.incident_tables import Incident, IncidentReview
from store.incidents import ACTIVE_STATES
from store.loop_clock import IncidentTimeline, loop_clock
from store.tables import SilverReview

__all__ = ["IncidentRow", "IncidentsArgs", "open_incidents"]

_SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}
_DETAILED = 2


class IncidentsArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    sku: str | None = Field(default=None, max_length=128)
    region: str | None = Field(default=None, max_length=64)
    warehouse: str | None = Field(default=None, max_length=64)
    topic: str | None = Field(default=None, max_length=64)
    include_closed: bool = False
    """Also resolved and closed-as-noise incidents (the history), not just those being handled."""
    limit: int = Field(default=5, ge=1, le=50)
    examples: int = Field(default=2, ge=0, le=5)


def _hours(start: datetime | None, end: datetime | None) -> float | None:
    return None if start is None or end is None else (end - start).total_seconds() / 3600


@query_kind("open_incidents", IncidentsArgs, tool="incident_history")
def open_incidents(reader: ChatReader, args: IncidentsArgs) -> QueryResult:
    """Incidents being handled (optionally for a SKU, place or topic): state, severity, owner and loop clock."""
    session, now = reader.session, reader.as_of
    severity_rank = case(_SEVERITY_ORDER, value=Incident.severity, else_=9)
    stmt = select(Incident).order_by(severity_rank, Incident.opened_at, Incident.id)
    if not args.include_closed:
        stmt = stmt.where(Incident.state.in_(sorted(ACTIVE_STATES)))
    filters = ((Incident.sku, args.sku), (Incident.region, args.region), (Incident.warehouse, args.warehouse),
               (Incident.topic, args.topic))  # fmt: skip
    for column, value in filters:
        if value is not None:
            stmt = stmt.where(column == value)
    incidents = list(session.scalars(stmt))
    clock = {t.incident_id: t for t in loop_clock(session, now).timelines} if incidents else {}
    which = "incidents" if args.include_closed else "open incidents"
    named = [v for v in (args.sku, args.region, args.warehouse) if v] + (
        [reader.topic_name(args.topic)] if args.topic else []
    )
    suffix = f" for {', '.join(named)}" if named else ""
    facts: list[Fact] = [count_fact("incidents", f"{which}{suffix}", len(incidents))]
    noun = which if len(incidents) != 1 else which.removesuffix("s")
    sentences = [f"There {'is' if len(incidents) == 1 else 'are'} {fmt_count(len(incidents))} {noun}{suffix}."]
    rows: list[IncidentRow] = []
    evidence: list[Citation] = []
    for position, incident in enumerate(incidents[: args.limit]):
        timeline = clock.get(incident.id)
        row = _row(reader, incident, timeline, now)
        rows.append(row)
        if position >= _DETAILED:
            continue
        facts += _facts(row)
        cited = _attached(reader, incident.id, args.examples) if position == 0 else []
        markers = "".join(f" [[e{len(evidence) + i}]]" for i in range(len(cited)))
        evidence += cited
        sentences.append(_sentence(row) + markers + ".")
    return QueryResult(
        kind="open_incidents", args=args.model_dump(mode="json"), facts=facts, evidence=evidence,
        sentences=sentences, data={"incidents": [row.model_dump() for row in rows]},
    )  # fmt: skip


class IncidentRow(BaseModel):
    """One incident as the answer reports it: what, where, who, state and the loop clock in hours."""

    model_config = ConfigDict(frozen=True)

    incident_id: str
    topic: str
    topic_name: str
    scope: str
    state: str
    severity: str
    owner: str
    reviews: int
    opened_at: str
    hours_since_first_review: float | None
    first_action_after_hours: float | None
    promise_hours_left: float | None
    """Hours until the 72 h promise for a first action (negative: broken); None once an action ran."""
    sla_due_at: str
    breached: bool
    hypothesis: str | None


def _row(reader: ChatReader, incident: Incident, timeline: IncidentTimeline | None, now: datetime) -> IncidentRow:
    first = timeline.stamps.get("submitted") if timeline else incident.first_review_at
    promise_due = timeline.promise_due_at if timeline else None
    return IncidentRow(
        incident_id=incident.id,
        topic=incident.topic,
        topic_name=reader.topic_name(incident.topic),
        scope=", ".join(f"{k} {v}" for k, v in sorted((incident.scope or {}).items())),
        state=incident.state,
        severity=incident.severity,
        owner=incident.owner,
        reviews=incident.review_count,
        opened_at=fmt_time(incident.opened_at),
        hours_since_first_review=_hours(first, now),
        first_action_after_hours=_hours(first, incident.executed_at),
        promise_hours_left=_hours(now, promise_due) if incident.executed_at is None else None,
        sla_due_at=fmt_time(incident.sla_due_at),
        breached=bool(timeline and (timeline.sla_breached or timeline.promise_breached)),
        hypothesis=incident.hypothesis,
    )


def _facts(row: IncidentRow) -> list[Fact]:
    name = row.incident_id
    facts = [count_fact(f"{name}.reviews", f"{name} reviews attached", row.reviews)]
    for key, value, label in (
        ("hours_since_first_review", row.hours_since_first_review, "hours since its first review"),
        ("first_action_after_hours", row.first_action_after_hours, "hours from first review to first action"),
        ("promise_hours_left", row.promise_hours_left, "hours left of the 72 h promise"),
    ):
        if value is not None:
            facts.append(
                Fact(name=f"{name}.{key}", label=f"{name} {label}", value=round(value, 1), display=fmt_hours(value))
            )
    return facts


def _sentence(row: IncidentRow) -> str:
    reviews = f"{row.reviews} review{'' if row.reviews == 1 else 's'}"
    text = (
        f"{row.incident_id}: {row.topic_name} for {row.scope or 'the whole shop'}, {row.state}, "
        f"severity {row.severity}, owner {row.owner}, {reviews}"
    )
    if row.hours_since_first_review is not None:
        text += f", first review {fmt_hours(row.hours_since_first_review)} ago"
    if row.first_action_after_hours is not None:
        text += f"; first action after {fmt_hours(row.first_action_after_hours)}"
    elif row.promise_hours_left is not None:
        left = row.promise_hours_left
        text += f"; {fmt_hours(left)} left of the 72 h promise" if left >= 0 else "; the 72 h promise is broken"
    return text


def _attached(reader: ChatReader, incident_id: str, k: int) -> list[Citation]:
    """Up to `k` reviews attached to the incident as evidence, lowest-rated and newest first."""
    if k < 1:
        return []
    stmt = (
        select(SilverReview, GoldContribution.sentiment, GoldContribution.topics)
        .join(IncidentReview, IncidentReview.review_id == SilverReview.review_id)
        .outerjoin(GoldContribution, GoldContribution.review_id == SilverReview.review_id)
        .where(IncidentReview.incident_id == incident_id)
        .order_by(SilverReview.created_at.desc())
        .limit(50)
    )
    rows = [
        ReviewRow(
            review_id=review.review_id,
            created_at=review.created_at,
            text=f"{review.title}. {review.text}" if review.title else review.text,
            rating=review.rating,
            sentiment=sentiment or "",
            topics=tuple(topics or ()),
            sku=review.sku,
            region=review.region,
            warehouse=review.warehouse,
            supplier=review.supplier,
        )
        for review, sentiment, topics in reader.session.execute(stmt)
    ]
    return reader.representative(rows, "", k)
