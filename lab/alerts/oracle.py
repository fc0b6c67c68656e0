"""The first statistically distinguishable moment of an injected incident: when an oracle could first tell.

Detection delay measured from the first report flatters no one (one report proves nothing) and from the 5th report
depends on the report rate; this is the moment the evidence itself becomes significant. Definition, for an
incident about topic T confined to scope S (its SKU, region or warehouse) and the rule R watching T at S's kind:

- The oracle knows the ground truth: which reviews are the incident's reports, what every review was written
  about (`DemoTruth.review_topics`), and the background, which is stationary (the generator's chatter is the same
  stream with and without incidents).
- Background rate of T in S: p0 = (b_T + k * r) / (b + k), where b is the number of S's clean reviews over the whole
  stream that are not incident reports, b_T of them written about T, r the same rate over S's parent (the SKU's
  category; the whole shop for a region or warehouse) and k = R.prior_reviews; at least R.min_rate. This is the
  rule's own shrinkage, fed with the true background instead of a noisy history.
- From the incident's start, at each arrival t of a review of S: x(t) = reviews of S about T (true labels) that
  arrived in [start, t], n(t) = reviews of S that arrived in [start, t]. The moment is the first t at which the
  one-sided exact binomial test P(X >= x(t) | n(t), p0) <= R.max_p_value (the rule's significance).
- A `threshold` rule (one credible safety report pages) has nothing to estimate: its moment is the arrival of the
  R.min_count-th report.

The detector differs from the oracle by what it cannot know: scorer labels instead of true ones, day-aligned
windows instead of the true onset, a finite history instead of the true background, and its minimum count and
ratio. The gap between the two delays is the price of those.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from scipy.stats import binom

from pipeline.alerts.rules import AlertRule, AlertRulesConfig
from store.taxonomy import Taxonomy

__all__ = ["ArrivedReview", "DistinguishableMoment", "distinguishable_moment", "rule_watching"]


@dataclass(frozen=True)
class ArrivedReview:
    """A clean review as the oracle sees it: dimensions, arrival time and the topic it was written about."""

    review_id: str
    received_at: datetime
    dims: Mapping[str, str]
    """sku, category, region, warehouse, supplier ("" when unknown)."""
    topic: str | None


@dataclass(frozen=True)
class DistinguishableMoment:
    """When the oracle's test first rejects the background, and the numbers at that moment."""

    at: datetime | None
    rule: str
    background_rate: float
    observed: int
    reviews: int
    p_value: float | None


def rule_watching(
    rules: AlertRulesConfig, taxonomy: Taxonomy, topic: str, scope: Mapping[str, str]
) -> AlertRule | None:
    """The first rate or threshold rule whose scope kind the incident has and whose topics include `topic`."""
    for rule in rules.rules:
        if rule.kind != "incident" and rule.scope in scope and topic in rules.topics_of(rule, taxonomy):
            return rule
    return None


def _parent_kind(kind: str) -> str:
    return "category" if kind == "sku" else "all"


def distinguishable_moment(
    rule: AlertRule,
    topic: str,
    scope_value: str,
    start: datetime,
    reports: Sequence[str],
    reviews: Sequence[ArrivedReview],
) -> DistinguishableMoment:
    """The first statistically distinguishable moment of an incident (see the module docstring).

    `reports` are the incident's report ids; `reviews` every clean review of the stream, in arrival order.
    """
    report_ids = set(reports)
    kind = rule.scope
    in_scope = [r for r in reviews if kind == "all" or r.dims.get(kind) == scope_value]
    if rule.kind == "threshold":
        arrived = sorted(r.received_at for r in in_scope if r.review_id in report_ids)
        at = arrived[rule.min_count - 1] if len(arrived) >= rule.min_count else None
        return DistinguishableMoment(at, rule.id, 0.0, min(len(arrived), rule.min_count), 0, None)
    parents = {r.dims.get(_parent_kind(kind), "") for r in in_scope} if kind == "sku" else {"*"}
    in_parent = [r for r in reviews if kind != "sku" or r.dims.get("category", "") in parents]
    parent_bg = [r for r in in_parent if r.review_id not in report_ids]
    parent_rate = sum(r.topic == topic for r in parent_bg) / max(len(parent_bg), 1)
    own_bg = [r for r in in_scope if r.review_id not in report_ids]
    k = rule.prior_reviews
    p0 = (sum(r.topic == topic for r in own_bg) + k * parent_rate) / (len(own_bg) + k) if own_bg or k else 0.0
    p0 = min(max(p0, rule.min_rate), 0.999)
    x = n = 0
    for review in in_scope:
        if review.received_at < start:
            continue
        n += 1
        if review.topic == topic or review.review_id in report_ids:
            x += 1
            p = float(binom.sf(x - 1, n, p0))
            if p <= rule.max_p_value:
                return DistinguishableMoment(review.received_at, rule.id, round(p0, 5), x, n, p)
    return DistinguishableMoment(None, rule.id, round(p0, 5), x, n, None)
