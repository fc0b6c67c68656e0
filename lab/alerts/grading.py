"""Grade a replayed stream's alerting against its ground truth: groups per incident, owners, delays, false alerts.

Used by the alerts benchmark (lab/alerts/bench.py) and the `alert_detection` eval stage. An alert group
"matches" an injected incident when one of its scope labels equals the incident's scope (same SKU, region or
warehouse); it is "right" when its topic is the incident's topic (or flag) and it went to the taxonomy owner.
Every group matching no incident is a false alert. Delays are in simulated hours from:
- the first report written, and the first report's arrival;
- the 5th report's arrival (ground truth: what a person reading every review would count), and the 5th report
  the scorer labelled with the topic (what the detector can count);
- the first statistically distinguishable moment (lab/alerts/oracle.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import select

from lab.alerts.oracle import ArrivedReview, distinguishable_moment, rule_watching
from lab.demo.stream import IncidentTruth
from pipeline.alerts.rules import AlertRulesConfig
from store.alert_tables import AlertNotificationRow
from store.db import Database
from store.outbox_tables import OutboxRow
from store.tables import ReviewScoreRow, SilverReview
from store.taxonomy import Taxonomy

__all__ = ["FirstNotification", "IncidentDetection", "first_notifications", "grade_incidents", "hours_between"]


class FirstNotification(BaseModel):
    """An alert group's first firing notification and whether the outbox delivered it."""

    sent_at: datetime
    receiver: str
    labels: dict[str, str]
    delivered: bool

    def describe(self) -> str:
        labels = self.labels
        return (
            f"{labels.get('scope')} {labels.get('topic')} ({labels.get('alertname')}) -> {self.receiver} "
            f"at {self.sent_at:%m-%d %H:%M}"
        )


class IncidentDetection(BaseModel):
    """How one injected incident was alerted, and how long after each reference moment."""

    incident: str
    kind: str
    topic: str
    scope: dict[str, str]
    rule: str | None = Field(description="The rule watching the incident's topic at its scope.")
    expected_receiver: str
    reports: int = Field(description="Distinct reports in silver (clean).")
    labelled: int = Field(description="Reports the scorer labelled with the incident's topic (or flag).")
    groups: int = Field(description="Alert groups notified for this incident's scope (target: exactly 1).")
    receivers: list[str]
    right_owner: bool = Field(description="A group about the incident's topic went to the taxonomy owner, delivered.")
    first_report_at: datetime | None = Field(description="When the first report was written.")
    first_arrival_at: datetime | None
    fifth_report_at: datetime | None = Field(description="When the 5th report was written.")
    fifth_arrival_at: datetime | None = Field(description="When the 5th report arrived (ground truth).")
    fifth_labelled_arrival_at: datetime | None = Field(description="When the 5th scorer-labelled report arrived.")
    distinguishable_at: datetime | None = Field(description="The first statistically distinguishable moment.")
    background_rate: float | None = Field(default=None, description="The oracle's background rate p0.")
    alerted_at: datetime | None
    hours_after_first: float | None
    hours_after_first_arrival: float | None
    hours_after_fifth: float | None
    hours_after_fifth_arrival: float | None
    hours_after_fifth_labelled: float | None
    hours_after_distinguishable: float | None

    @property
    def detected_once(self) -> bool:
        """Exactly one group for the incident, about its topic, delivered to the right owner."""
        return self.groups == 1 and self.right_owner


def hours_between(start: datetime | None, end: datetime | None) -> float | None:
    """(end - start) in hours, rounded to 0.01; None when either is missing."""
    return None if start is None or end is None else round((end - start).total_seconds() / 3600, 2)


def first_notifications(db: Database) -> list[FirstNotification]:
    """Every alert group's first firing notification, oldest first, with its outbox delivery status."""
    with db.session() as session:
        rows = session.execute(
            select(AlertNotificationRow, OutboxRow.status)
            .join(OutboxRow, OutboxRow.idempotency_key == AlertNotificationRow.idempotency_key, isouter=True)
            .where(AlertNotificationRow.reason == "new")
            .order_by(AlertNotificationRow.id)
        ).all()
        return [
            FirstNotification(
                sent_at=row.sent_at,
                receiver=row.receiver,
                labels=row.payload["alerts"][0]["labels"],
                delivered=status == "delivered",
            )
            for row, status in rows
        ]


def _arrivals(db: Database, topics: dict[str, str]) -> list[ArrivedReview]:
    with db.session() as session:
        rows = session.execute(
            select(
                SilverReview.review_id,
                SilverReview.received_at,
                SilverReview.sku,
                SilverReview.category,
                SilverReview.region,
                SilverReview.warehouse,
                SilverReview.supplier,
            )
            .where(SilverReview.status == "clean")
            .order_by(SilverReview.received_at, SilverReview.review_id)
        ).all()
    return [
        ArrivedReview(
            review_id=r.review_id,
            received_at=r.received_at,
            dims={
                "sku": r.sku or "",
                "category": r.category or "",
                "region": r.region or "",
                "warehouse": r.warehouse or "",
                "supplier": r.supplier or "",
            },
            topic=topics.get(r.review_id),
        )
        for r in rows
    ]


def _matches(scope: dict[str, str], labels: dict[str, str]) -> bool:
    return any(labels.get(dim) == value for dim, value in scope.items())


def grade_incidents(
    db: Database,
    incidents: Sequence[IncidentTruth],
    review_topics: dict[str, str],
    rules: AlertRulesConfig,
    taxonomy: Taxonomy,
) -> tuple[list[IncidentDetection], list[FirstNotification]]:
    """Per injected incident, how it was alerted; and the groups that match no incident (false alerts)."""
    firsts = first_notifications(db)
    arrivals = _arrivals(db, review_topics)
    claimed: set[int] = set()
    found: list[IncidentDetection] = []
    with db.session() as session:
        for truth in incidents:
            topic = truth.flags[0] if truth.flags else truth.topic
            rows = session.execute(
                select(
                    SilverReview.created_at, SilverReview.received_at, ReviewScoreRow.topics, ReviewScoreRow.flag_rules
                )
                .join(ReviewScoreRow, ReviewScoreRow.review_id == SilverReview.review_id)
                .where(SilverReview.review_id.in_(truth.review_ids), SilverReview.status == "clean")
                .order_by(SilverReview.created_at)
            ).all()
            labelled = sorted(
                r.received_at
                for r in rows
                if topic in (r.flag_rules or {}) or any(t["label"] == topic for t in r.topics or [])
            )
            arrived = sorted(r.received_at for r in rows)
            mine = [i for i, first in enumerate(firsts) if _matches(truth.scope, first.labels)]
            claimed.update(mine)
            expected = taxonomy.owner_for(topic).receiver
            right = [i for i in mine if firsts[i].labels.get("topic") == topic]
            alerted = firsts[right[0]].sent_at if right else None
            rule = rule_watching(rules, taxonomy, topic, truth.scope)
            moment = None
            if rule is not None:
                moment = distinguishable_moment(
                    rule, topic, truth.scope[rule.scope] if rule.scope != "all" else "*", truth.starts_at,
                    truth.review_ids, arrivals,
                )  # fmt: skip
            first = rows[0].created_at if rows else None
            fifth = rows[4].created_at if len(rows) >= 5 else None
            at = {
                "first_report_at": first,
                "first_arrival_at": arrived[0] if arrived else None,
                "fifth_report_at": fifth,
                "fifth_arrival_at": arrived[4] if len(arrived) >= 5 else None,
                "fifth_labelled_arrival_at": labelled[4] if len(labelled) >= 5 else None,
                "distinguishable_at": moment.at if moment else None,
            }
            found.append(
                IncidentDetection(
                    incident=truth.id,
                    kind=truth.kind,
                    topic=topic,
                    scope=truth.scope,
                    rule=rule.id if rule else None,
                    expected_receiver=expected,
                    reports=len(rows),
                    labelled=len(labelled),
                    groups=len(mine),
                    receivers=sorted({firsts[i].receiver for i in mine}),
                    right_owner=bool(right)
                    and all(firsts[i].receiver == expected and firsts[i].delivered for i in right),
                    background_rate=moment.background_rate if moment and rule and rule.kind == "rate" else None,
                    alerted_at=alerted,
                    hours_after_first=hours_between(at["first_report_at"], alerted),
                    hours_after_first_arrival=hours_between(at["first_arrival_at"], alerted),
                    hours_after_fifth=hours_between(at["fifth_report_at"], alerted),
                    hours_after_fifth_arrival=hours_between(at["fifth_arrival_at"], alerted),
                    hours_after_fifth_labelled=hours_between(at["fifth_labelled_arrival_at"], alerted),
                    hours_after_distinguishable=hours_between(at["distinguishable_at"], alerted),
                    **at,
                )
            )
    others = [first for i, first in enumerate(firsts) if i not in claimed]
    return found, others
