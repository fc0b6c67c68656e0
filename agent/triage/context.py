"""Gather the context a hypothesis is written over: citable evidence and the cluster in numbers, from the store.

Evidence is the run's trigger reviews plus their nearest neighbours in the Chroma index, filtered to the incident's
scope and window (the triggers are usually not indexed yet: indexing is a batched stage). Without an index, or when
it fails, the most recent reviews of the cluster from the store stand in. The cluster summary (count, daily trend
against a 28-day baseline, rating mix, over-represented places) is computed from silver reviews and their scores.
"""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agent.triage.state import ClusterSummary, EvidenceReview, IncidentFacts, OverRepresented, TriageContext
from store.tables import BronzeEvent, ReviewScoreRow, SilverReview
from store.vector_index import INDEX_ERRORS, ReviewIndex

__all__ = ["ClusterRules", "cluster_review_ids", "cluster_summary", "gather_context"]

logger = logging.getLogger(__name__)

BASELINE_DAYS = 28
_SCOPE_COLUMNS = {
    "sku": SilverReview.sku,
    "category": SilverReview.category,
    "region": SilverReview.region,
    "warehouse": SilverReview.warehouse,
    "supplier": SilverReview.supplier,
}
_PLACES = ("region", "warehouse", "supplier")
_DOMINANT = ("sku", "category", "region", "warehouse", "supplier")
_TEXT_CHARS = 240


@dataclass(frozen=True)
class ClusterRules:
    """When a scored review belongs to a topic's cluster (the router's thresholds) and when a place stands out."""

    min_topic_confidence: float = 0.5
    flag_thresholds: Mapping[str, float] = field(default_factory=lambda: {"safety_hazard": 0.5})
    min_share: float = 0.3
    """An over-represented place holds at least this share of the cluster..."""
    min_lift: float = 1.5
    """...at least this multiple of its share of the scope's baseline..."""
    min_count: int = 2
    """...and at least this many of the cluster's reviews."""


@dataclass(frozen=True)
class _Row:
    review_id: str
    created_at: datetime
    text: str
    rating: int | None
    places: dict[str, str | None]
    in_cluster: bool


def _matches(
    topic: str, primary: str | None, topics: Any, flags: Any, sentiment: str | None, rules: ClusterRules
) -> bool:
    if sentiment == "positive":
        return False  # praise that mentions a topic is not a complaint about it
    if topic in rules.flag_thresholds:
        return float((flags or {}).get(topic, 0.0)) >= rules.flag_thresholds[topic]
    if primary == topic:
        return True
    return any(t.get("label") == topic and t.get("confidence", 0.0) >= rules.min_topic_confidence for t in topics or ())


def _scope_rows(
    session: Session, scope: Mapping[str, str], topic: str, since: datetime, until: datetime, rules: ClusterRules
) -> list[_Row]:
    stmt = (
        select(
            SilverReview,
            ReviewScoreRow.primary_topic,
            ReviewScoreRow.topics,
            ReviewScoreRow.flags,
            ReviewScoreRow.sentiment,
        )
        .outerjoin(ReviewScoreRow, ReviewScoreRow.review_id == SilverReview.review_id)
        .where(SilverReview.status == "clean", SilverReview.created_at >= since, SilverReview.created_at < until)
    )
    for dimension, value in scope.items():
        column = _SCOPE_COLUMNS.get(dimension)
        if column is not None:
            stmt = stmt.where(column == value)
    rows = []
    for review, primary, topics, flags, sentiment in session.execute(stmt):
        rows.append(
            _Row(
                review_id=review.review_id,
                created_at=review.created_at,
                text=f"{review.title}. {review.text}" if review.title else review.text,
                rating=review.rating,
                places={name: getattr(review, name) for name in _DOMINANT},
                in_cluster=_matches(topic, primary, topics, flags, sentiment, rules),
            )
        )
    return rows


def cluster_review_ids(
    session: Session,
    scope: Mapping[str, str],
    topic: str,
    until: datetime,
    window_hours: int,
    rules: ClusterRules | None = None,
) -> list[str]:
    """Ids of the scope's reviews about `topic` in the window ending at `until`, newest first."""
    rules = rules or ClusterRules()
    since = until - timedelta(hours=window_hours)
    rows = _scope_rows(session, scope, topic, since, until, rules)
    return [row.review_id for row in sorted(rows, key=lambda r: r.created_at, reverse=True) if row.in_cluster]


def cluster_summary(
    session: Session,
    scope: Mapping[str, str],
    topic: str,
    until: datetime,
    window_hours: int,
    rules: ClusterRules | None = None,
) -> ClusterSummary:
    """The cluster of `topic` in `scope` over the window ending at `until`, against the 28 days before it."""
    rules = rules or ClusterRules()
    return _summarize(_load(session, scope, topic, until, window_hours, rules), rules)


@dataclass(frozen=True)
class _Loaded:
    since: datetime
    until: datetime
    window_hours: int
    window: list[_Row]
    baseline: list[_Row]
    carrier: str | None


def _load(
    session: Session, scope: Mapping[str, str], topic: str, until: datetime, window_hours: int, rules: ClusterRules
) -> _Loaded:
    since = until - timedelta(hours=window_hours)
    rows = _scope_rows(session, scope, topic, since - timedelta(days=BASELINE_DAYS), until, rules)
    window = [row for row in rows if row.created_at >= since]
    baseline = [row for row in rows if row.created_at < since]
    cluster_ids = [row.review_id for row in window if row.in_cluster]
    return _Loaded(
        since, until, window_hours, window, baseline, scope.get("carrier") or _dominant_carrier(session, cluster_ids)
    )


def _summarize(data: _Loaded, rules: ClusterRules) -> ClusterSummary:
    cluster = [row for row in data.window if row.in_cluster]
    days = max(1, math.ceil(data.window_hours / 24))
    daily = [0] * days
    for row in cluster:
        daily[min(days - 1, int((row.created_at - data.since).total_seconds() // 86_400))] += 1
    baseline_per_day = sum(row.in_cluster for row in data.baseline) / BASELINE_DAYS
    rate = len(cluster) / (data.window_hours / 24)
    ratings = Counter(str(row.rating) if row.rating is not None else "none" for row in cluster)
    dominant = {}
    for dimension in _DOMINANT:
        value, count = _most_common(row.places[dimension] for row in cluster)
        if value is not None and count * 2 >= len(cluster):
            dominant[dimension] = value
    if data.carrier:
        dominant["carrier"] = data.carrier
    return ClusterSummary(
        window_hours=data.window_hours,
        since=data.since.isoformat(),
        until=data.until.isoformat(),
        count=len(cluster),
        scope_reviews=len(data.window),
        negative_share=round(len(cluster) / len(data.window), 4) if data.window else 0.0,
        daily_counts=daily,
        baseline_per_day=round(baseline_per_day, 4),
        trend_ratio=round(rate / baseline_per_day, 2) if baseline_per_day > 0 else None,
        rating_mix=dict(sorted(ratings.items())),
        over_represented=_over_represented(cluster, data.window + data.baseline, rules),
        dominant=dominant,
    )


def _most_common(values: Any) -> tuple[str | None, int]:
    counts = Counter(value for value in values if value)
    return counts.most_common(1)[0] if counts else (None, 0)


def _over_represented(cluster: Sequence[_Row], baseline: Sequence[_Row], rules: ClusterRules) -> list[OverRepresented]:
    found = []
    for dimension in _PLACES:
        in_cluster = Counter(row.places[dimension] for row in cluster if row.places[dimension])
        in_baseline = Counter(row.places[dimension] for row in baseline if row.places[dimension])
        base_total = sum(in_baseline.values())
        for value, count in in_cluster.items():
            share = count / len(cluster)
            base_share = in_baseline[value] / base_total if base_total else 0.0
            if count >= rules.min_count and share >= rules.min_share and share >= rules.min_lift * base_share:
                found.append(
                    OverRepresented(
                        dimension=dimension,
                        value=value,
                        count=count,
                        share=round(share, 3),
                        baseline_share=round(base_share, 3),
                    )
                )
    return sorted(found, key=lambda item: item.share - item.baseline_share, reverse=True)


def _dominant_carrier(session: Session, review_ids: Sequence[str], limit: int = 200) -> str | None:
    """The carrier most of the cluster's orders shipped with, read from the raw payloads (silver has no column)."""
    if not review_ids:
        return None
    payloads = session.scalars(
        select(BronzeEvent.payload).where(BronzeEvent.review_id.in_(list(review_ids)[:limit]))
    ).all()
    carriers = [carrier for payload in payloads if (carrier := _find_key(_parse(payload), "carrier"))]
    value, count = _most_common(carriers)
    return value if value is not None and count * 2 >= len(payloads) else None


def _parse(payload: bytes) -> Any:
    try:
        return json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return None


def _find_key(node: Any, key: str, depth: int = 0) -> str | None:
    if depth > 4:
        return None
    if isinstance(node, dict):
        value = node.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:64]
        for child in node.values():
            if (found := _find_key(child, key, depth + 1)) is not None:
                return found
    return None


def gather_context(
    session: Session,
    incident: IncidentFacts,
    trigger_ids: Sequence[str],
    *,
    index: ReviewIndex | None,
    window_hours: int,
    max_evidence: int = 8,
    rules: ClusterRules | None = None,
) -> TriageContext:
    """The triggers, their similar reviews within the incident's scope and window, and the cluster summary."""
    rules = rules or ClusterRules()
    triggers = list(session.scalars(select(SilverReview).where(SilverReview.review_id.in_(list(trigger_ids)))).all())
    triggers.sort(key=lambda review: review.created_at, reverse=True)
    if not triggers:
        raise ValueError(f"none of the trigger reviews {list(trigger_ids)[:3]} is in the store; cannot triage")
    until = triggers[0].created_at + timedelta(seconds=1)
    data = _load(session, incident.scope, incident.topic, until, window_hours, rules)
    evidence = [_evidence(review, trigger=True) for review in triggers[: max(1, max_evidence // 2)]]
    query = " ".join(item.text for item in evidence)[:1000]
    similar, retrieval = _similar(index, query, incident.scope, data.since, until, evidence, max_evidence)
    if len(evidence) + len(similar) < max_evidence:  # top up with the cluster's newest reviews from the store
        seen = {item.review_id for item in [*evidence, *similar]}
        members = sorted(
            (r for r in data.window if r.in_cluster and r.review_id not in seen), key=lambda r: r.created_at
        )
        similar += [_evidence_row(row) for row in reversed(members)][: max_evidence - len(evidence) - len(similar)]
    return TriageContext(
        incident=incident, evidence=evidence + similar, cluster=_summarize(data, rules), retrieval=retrieval
    )


def _similar(
    index: ReviewIndex | None,
    query: str,
    scope: Mapping[str, str],
    since: datetime,
    until: datetime,
    triggers: Sequence[EvidenceReview],
    max_evidence: int,
) -> tuple[list[EvidenceReview], Any]:
    if index is None or not query.strip():
        return [], "store"
    wanted = max_evidence - len(triggers)
    places = {dim: value for dim, value in scope.items() if dim in _PLACES}
    try:
        hits = index.similar(
            query,
            k=wanted * 4 if places else wanted,
            sku=scope.get("sku"),
            category=scope.get("category"),
            since=since,
            until=until,
            exclude_ids=[item.review_id for item in triggers],
        )
    except INDEX_ERRORS:  # the index is an aid: a locked or missing Chroma directory must not stop triage
        logger.warning("similar-review search failed; using the store's cluster instead", exc_info=True)
        return [], "store"
    kept = [
        hit
        for hit in hits
        if all(hit.metadata.get(dim) == value for dim, value in places.items())
        and hit.metadata.get("sentiment") != "positive"  # praise is not evidence of a complaint
    ]
    return [
        EvidenceReview(
            review_id=hit.review_id,
            text=(hit.document or "")[:_TEXT_CHARS],
            rating=_int_or_none(hit.metadata.get("rating")),
            created_at=_iso(hit.metadata.get("created_at")),
            sku=_str_or_none(hit.metadata.get("sku")),
            region=_str_or_none(hit.metadata.get("region")),
            warehouse=_str_or_none(hit.metadata.get("warehouse")),
            supplier=_str_or_none(hit.metadata.get("supplier")),
            similarity=round(hit.similarity, 4),
        )
        for hit in kept[:wanted]
    ], "index"


def _evidence(review: SilverReview, trigger: bool = False) -> EvidenceReview:
    text = f"{review.title}. {review.text}" if review.title else review.text
    return EvidenceReview(
        review_id=review.review_id,
        text=text[:_TEXT_CHARS],
        rating=review.rating,
        created_at=review.created_at.isoformat(),
        sku=review.sku,
        region=review.region,
        warehouse=review.warehouse,
        supplier=review.supplier,
        trigger=trigger,
    )


def _evidence_row(row: _Row) -> EvidenceReview:
    return EvidenceReview(
        review_id=row.review_id,
        text=row.text[:_TEXT_CHARS],
        rating=row.rating,
        created_at=row.created_at.isoformat(),
        sku=row.places["sku"],
        region=row.places["region"],
        warehouse=row.places["warehouse"],
        supplier=row.places["supplier"],
    )


def _int_or_none(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) else None


def _str_or_none(value: Any) -> str | None:
    return str(value) if value is not None else None


def _iso(epoch: Any) -> str | None:
    if not isinstance(epoch, int | float):
        return None
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat()
