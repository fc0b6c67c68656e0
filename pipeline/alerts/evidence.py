"""The reviews behind an alert: found the way gold counted them, shown as masked snippets, and used to tell
whether a new alert is just another view of a problem an incident already holds (explaining it away).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from functools import lru_cache

from pydantic import BaseModel
from scipy.stats import binom
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.alerts.rules import AlertRule
from pipeline.clean import PiiPatterns, compile_pii_patterns, mask_pii
from store.gold_tables import GoldContribution
from store.incident_tables import Incident, IncidentReview
from store.incidents import ACTIVE_STATES
from store.tables import SilverReview

__all__ = ["ReviewRef", "explaining_incident", "relevant_reviews"]

_SNIPPET_CHARS = 160
_SCOPE_COLUMNS = {
    "sku": GoldContribution.sku,
    "category": GoldContribution.category,
    "region": GoldContribution.region,
    "warehouse": GoldContribution.warehouse,
    "supplier": GoldContribution.supplier,
}


class ReviewRef(BaseModel):
    """A review behind an alert: its id and a masked snippet."""

    review_id: str
    created_at: datetime
    sentiment: str
    snippet: str


@lru_cache(maxsize=1)
def _pii_patterns() -> PiiPatterns:
    return compile_pii_patterns()


def _snippet(title: str, text: str) -> str:
    joined = " ".join((f"{title}. {text}" if title else text).split())
    masked, _ = mask_pii(joined, _pii_patterns())  # silver is masked already; this guards older rows
    return masked if len(masked) <= _SNIPPET_CHARS else masked[: _SNIPPET_CHARS - 1].rstrip() + "…"


def relevant_reviews(
    session: Session,
    scope_kind: str,
    scope: str,
    topic: str,
    metric: str,
    start: datetime,
    end: datetime,
    limit: int = 500,
    snippets: bool = True,
) -> list[ReviewRef]:
    """Reviews counted by an alert (same scope, topic and metric as gold), newest first, at most `limit`."""
    stmt = (
        select(
            GoldContribution.review_id,
            GoldContribution.topics,
            GoldContribution.sentiment,
            SilverReview.created_at,
            SilverReview.title,
            SilverReview.text,
        )
        .join(SilverReview, SilverReview.review_id == GoldContribution.review_id)
        .where(GoldContribution.bucket_start >= start.replace(minute=0, second=0, microsecond=0))
        .where(SilverReview.created_at >= start, SilverReview.created_at < end)
        .order_by(SilverReview.created_at.desc())
    )
    column = _SCOPE_COLUMNS.get(scope_kind)
    if column is not None:
        stmt = stmt.where(column == scope)
    found: list[ReviewRef] = []
    result = session.execute(stmt.execution_options(yield_per=2000))
    try:
        for row in result:
            if topic not in row.topics or (metric == "nonpositive" and row.sentiment == "positive"):
                continue
            if metric == "negative" and row.sentiment != "negative":
                continue
            snippet = _snippet(row.title, row.text) if snippets else ""
            found.append(
                ReviewRef(review_id=row.review_id, created_at=row.created_at, sentiment=row.sentiment, snippet=snippet)
            )
            if len(found) >= limit:
                break
    finally:
        result.close()
    return found


def explaining_incident(
    session: Session,
    rule: AlertRule,
    evidence: dict[str, object],
    baseline_rate: float,
    review_ids: list[str],
    own_incident: str,
) -> str | None:
    """The active incident whose reviews explain this alert away, or None if it stands on its own.

    The alert's reviews already attached to other active incidents are removed from its count (and from the
    scope's reviews); if the rest no longer passes the rule's test, it is the same problem seen from another
    scope or topic (e.g. "still not delivered" labelled both late and lost during a carrier delay).
    """
    holders: Counter[str] = Counter()
    removed: set[str] = set()
    for start in range(0, len(review_ids), 500):
        chunk = review_ids[start : start + 500]
        rows = session.execute(
            select(IncidentReview.review_id, IncidentReview.incident_id)
            .join(Incident, Incident.id == IncidentReview.incident_id)
            .where(
                IncidentReview.review_id.in_(chunk),
                IncidentReview.incident_id != own_incident,
                Incident.state.in_(ACTIVE_STATES),
            )
        )
        for review_id, incident_id in rows:
            holders[incident_id] += review_id not in removed
            removed.add(review_id)
    if not removed:
        return None
    x = int(evidence.get("observed", 0)) - len(removed)  # type: ignore[call-overload]
    n = int(evidence.get("reviews", 0)) - len(removed)  # type: ignore[call-overload]
    p0 = max(baseline_rate, rule.min_rate)
    still = (
        x >= rule.min_count
        and n > 0
        and x >= rule.min_ratio * n * p0
        and float(binom.sf(x - 1, n, p0)) <= rule.max_p_value
    )
    return None if still else holders.most_common(1)[0][0]
