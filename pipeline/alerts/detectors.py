"""Detectors: turn gold scope series into alert candidates, as of a given time, vectorized over every series.

A `rate` rule asks, per scope x topic and per window (whole UTC days ending today): is the count of reviews about
the topic surprising under the baseline rate? The baseline is the scope's own history shrunk towards its parent's
rate (`prior_reviews`; the shop's when the parent's own baseline is thinner than `min_baseline_reviews`), or its
peers' rate in the same window; surprise is the binomial tail P(X >= x | n, p0),
which stays honest for small counts, plus a minimum count and a minimum ratio. A firing alert keeps firing until
its rate falls back to (a multiple of) the baseline frozen when it fired, so alerts do not flap.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from scipy.stats import betabinom, binom

from pipeline.alerts.rules import AlertRule, AlertRulesConfig
from store.gold_queries import EPOCH, ScopeFrame, day_index
from store.gold_tables import ALL_TOPICS
from store.taxonomy import Taxonomy

__all__ = ["AlertCandidate", "Detector", "FiringKey", "IncidentView", "alert_fingerprint"]

FiringKey = tuple[str, str, str, str]
"""(rule id, scope kind, scope, topic) of a firing alert."""


def alert_fingerprint(rule: str, scope_kind: str, scope: str, topic: str) -> str:
    """The identity of an alert across evaluations: rule + scope + topic."""
    return hashlib.sha256(f"{rule}|{scope_kind}={scope}|{topic}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class AlertCandidate:
    """A rule's finding for one scope x topic at one evaluation, with the numbers behind it."""

    rule: str
    kind: str
    scope_kind: str
    scope: str
    parent: str
    topic: str
    severity: str
    evidence: dict[str, Any]
    baseline_rate: float | None
    window_start: datetime
    held: bool = False
    incident_id: str | None = None
    fingerprint: str = field(default="")

    def __post_init__(self) -> None:
        if not self.fingerprint:
            fp = alert_fingerprint(self.rule, self.scope_kind, self.scope, self.topic)
            object.__setattr__(self, "fingerprint", fp)


@dataclass(frozen=True)
class IncidentView:
    """What the `incident` rule needs to know about an active incident."""

    id: str
    scope: dict[str, str]
    topic: str
    severity: str
    state: str
    opened_by: str
    review_count: int
    since: datetime


class _FrameIndex:
    """Sums of a frame's columns per (kind, scope, topic) over day ranges, memoized per evaluation."""

    def __init__(self, frame: ScopeFrame) -> None:
        self.frame = frame
        self.n_scopes, self.n_topics = max(len(frame.scope_names), 1), max(len(frame.topic_names), 1)
        keys = (frame.kind * self.n_scopes + frame.scope) * self.n_topics + frame.topic
        self.keys, self.inverse = np.unique(keys, return_inverse=True)
        self.kind_code = {name: i for i, name in enumerate(frame.kind_names)}
        self.scope_code = {name: i for i, name in enumerate(frame.scope_names)}
        self.topic_code = {name: i for i, name in enumerate(frame.topic_names)}
        self._sums: dict[tuple[int, int, str], np.ndarray] = {}

    def key(self, kind: np.ndarray | int, scope: np.ndarray | int, topic: np.ndarray | int) -> np.ndarray:
        return (np.asarray(kind) * self.n_scopes + scope) * self.n_topics + topic

    def sums(self, first_day: int, last_day: int, column: str) -> np.ndarray:
        memo = (first_day, last_day, column)
        if memo not in self._sums:
            mask = (self.frame.day >= first_day) & (self.frame.day <= last_day)
            values = getattr(self.frame, column)[mask]
            self._sums[memo] = np.bincount(self.inverse[mask], weights=values, minlength=len(self.keys))
        return self._sums[memo]

    def lookup(self, sums: np.ndarray, keys: np.ndarray) -> np.ndarray:
        if len(self.keys) == 0:
            return np.zeros(len(keys))
        pos = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return np.where(self.keys[pos] == keys, sums[pos], 0.0)


class Detector:
    """Evaluates the configured rules over a gold frame as of `now`."""

    def __init__(self, config: AlertRulesConfig, taxonomy: Taxonomy) -> None:
        self.config = config
        self.taxonomy = taxonomy
        self.topics = {rule.id: config.topics_of(rule, taxonomy) for rule in config.rules}

    def lookback_days(self) -> int:
        """Days of gold (today included) the rules read."""
        return max(rule.lookback_days() for rule in self.config.rules if rule.kind != "incident")

    def scope_kinds(self) -> set[str]:
        return {rule.scope for rule in self.config.rules if rule.kind != "incident"}

    def severity(self, rule: AlertRule, topic: str) -> str:
        if rule.severity != "taxonomy":
            return rule.severity
        return str(self.taxonomy.severity_of(topic).value)

    def detect(
        self, frame: ScopeFrame, now: datetime, firing: Mapping[FiringKey, float | None]
    ) -> list[AlertCandidate]:
        """Candidates of every `rate` and `threshold` rule; `firing` maps alerts already firing to frozen baselines."""
        index = _FrameIndex(frame)
        today = day_index(now)
        found: list[AlertCandidate] = []
        for rule in self.config.rules:
            if rule.kind in ("rate", "threshold"):
                found.extend(self._evaluate(rule, index, today, firing))
        return found

    def _series(
        self, rule: AlertRule, index: _FrameIndex
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """(scope, topic, parent scope, parent kind) codes of the rule's series that have data in the frame."""
        frame = index.frame
        kind = index.kind_code.get(rule.scope)
        topic_codes = [index.topic_code[t] for t in self.topics[rule.id] if t in index.topic_code]
        if kind is None or not topic_codes:
            return None
        rows = np.flatnonzero((frame.kind == kind) & np.isin(frame.topic, topic_codes))
        if len(rows) == 0:
            return None
        pairs = np.unique(frame.scope[rows] * index.n_topics + frame.topic[rows])
        scopes, topics = pairs // index.n_topics, pairs % index.n_topics
        shop_kind, shop = index.kind_code.get("all", -1), index.scope_code.get(ALL_TOPICS, -1)
        if rule.scope == "sku":
            parent_of = np.full(index.n_scopes, shop, dtype=np.int64)
            own = np.flatnonzero((frame.kind == kind) & (frame.parent != shop))  # a day without categories: keep it
            parent_of[frame.scope[own]] = frame.parent[own]
            parents = parent_of[scopes]
            # a SKU without a category is compared with the whole shop
            parent_kinds = np.where(parents == shop, shop_kind, index.kind_code.get("category", -1))
            return scopes, topics, parents, parent_kinds
        if rule.scope == "all":
            return scopes, topics, scopes, np.full(len(scopes), kind)
        return scopes, topics, np.full(len(scopes), shop), np.full(len(scopes), shop_kind)

    def _evaluate(
        self, rule: AlertRule, index: _FrameIndex, today: int, firing: Mapping[FiringKey, float | None]
    ) -> list[AlertCandidate]:
        series = self._series(rule, index)
        if series is None:
            return []
        scopes, topics, parents, parent_kind = series
        kind = index.kind_code[rule.scope]
        star = index.topic_code.get(ALL_TOPICS, -1)
        own_keys, own_totals = index.key(kind, scopes, topics), index.key(kind, scopes, star)
        parent_keys, parent_totals = index.key(parent_kind, parents, topics), index.key(parent_kind, parents, star)
        shop_kind, shop = index.kind_code.get("all", -1), index.scope_code.get(ALL_TOPICS, -1)
        shop_keys, shop_totals = index.key(shop_kind, shop, topics), index.key(shop_kind, shop, star)
        metric = {"nonpositive": "nonpositive", "negative": "negative", "reviews": "reviews"}[rule.metric]

        def window(first: int, last: int) -> dict[str, np.ndarray]:
            return {
                "x": index.lookup(index.sums(first, last, metric), own_keys),
                "n": index.lookup(index.sums(first, last, "reviews"), own_totals),
                "px": index.lookup(index.sums(first, last, metric), parent_keys),
                "pn": index.lookup(index.sums(first, last, "reviews"), parent_totals),
                "sx": index.lookup(index.sums(first, last, metric), shop_keys),
                "sn": index.lookup(index.sums(first, last, "reviews"), shop_totals),
            }

        best_p = np.full(len(scopes), np.inf)
        best: dict[str, np.ndarray] = {}
        for days in sorted(rule.windows_days):
            first = today - days + 1
            now_w, base = window(first, today), window(first - rule.baseline_days, first - 1)
            stats = self._test(rule, now_w, base)
            better = stats["ok"] & (stats["p"] < best_p)
            best_p = np.where(better, stats["p"], best_p)
            for name, values in {**stats, "days": np.full(len(scopes), days)}.items():
                best[name] = np.where(better, values, best.get(name, values))
        fired = np.isfinite(best_p)
        candidates = [
            self._candidate(rule, index, scopes[i], topics[i], parents[i], today, best, int(i), held=False)
            for i in np.flatnonzero(fired)
        ]
        fired_keys = {(c.scope, c.topic) for c in candidates}
        held = self._held(rule, index, today, firing, fired_keys, scopes, topics, window)
        for i, frozen in held:
            stats = {name: np.asarray(values) for name, values in frozen.items()}
            candidates.append(self._candidate(rule, index, scopes[i], topics[i], parents[i], today, stats, 0, True))
        return candidates

    def _test(
        self, rule: AlertRule, now_w: dict[str, np.ndarray], base: dict[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        x, n = now_w["x"], now_w["n"]
        if rule.kind == "threshold":
            zeros = np.zeros(len(x))
            return {"ok": x >= rule.min_count, "p": zeros, "x": x, "n": n, "p0": zeros, "xb": zeros, "nb": zeros,
                    "pr": zeros, "thin": zeros > 0}  # fmt: skip
        # A parent (category) with too thin a baseline borrows the next level up, the whole shop: hierarchical
        # shrinkage, so a young category neither blocks its SKUs' alerts nor lends them a noisy rate.
        thin = base["pn"] < rule.min_baseline_reviews
        px, pn = np.where(thin, base["sx"], base["px"]), np.where(thin, base["sn"], base["pn"])
        with np.errstate(divide="ignore", invalid="ignore"):
            parent_rate = np.where(pn > 0, px / pn, 0.0)
            prior = np.maximum(parent_rate, rule.min_rate)
            if rule.compare_to == "own_history":
                seen_x, seen_n = base["x"], base["n"]
            else:  # the scope's peers (same parent) in the same window
                seen_x, seen_n = now_w["px"] - x, now_w["pn"] - n
            # Beta posterior of the baseline rate: what was seen, plus `prior_reviews` reviews at the parent's rate.
            alpha = np.maximum(seen_x + rule.prior_reviews * prior, 0.01)
            beta = np.maximum(seen_n - seen_x + rule.prior_reviews * (1 - prior), 0.01)
            p0 = np.clip(alpha / (alpha + beta), rule.min_rate, 0.999)
            expected = n * p0
            # beta-binomial: a thin baseline is an uncertain one, so its tails are fatter (fewer false alarms)
            p = betabinom.sf(x - 1, n, alpha, beta) if rule.test == "beta_binomial" else binom.sf(x - 1, n, p0)
        ok = (
            (x >= rule.min_count)
            & (n > 0)
            & (pn >= rule.min_baseline_reviews)
            & (x >= rule.min_ratio * expected)
            & (p <= rule.max_p_value)
        )
        return {"ok": ok, "p": p, "x": x, "n": n, "p0": p0, "xb": base["x"], "nb": base["n"], "pr": parent_rate,
                "thin": thin}  # fmt: skip

    def _held(
        self,
        rule: AlertRule,
        index: _FrameIndex,
        today: int,
        firing: Mapping[FiringKey, float | None],
        fired: set[tuple[str, str]],
        scopes: np.ndarray,
        topics: np.ndarray,
        window: Any,
    ) -> list[tuple[int, dict[str, Any]]]:
        """Firing alerts of this rule that no window fires now but whose rate has not come back down."""
        wanted = {
            (scope, topic): frozen
            for (rule_id, kind, scope, topic), frozen in firing.items()
            if rule_id == rule.id and kind == rule.scope and (scope, topic) not in fired
        }
        if not wanted:
            return []
        names = index.frame.scope_names, index.frame.topic_names
        first = today - rule.resolve_window_days + 1
        recent = window(first, today)
        held = []
        for i, (s, t) in enumerate(zip(scopes, topics, strict=True)):
            key = (names[0][s], names[1][t])
            if key not in wanted:
                continue
            x, n = float(recent["x"][i]), float(recent["n"][i])
            frozen = wanted[key]
            if rule.kind == "threshold":
                keep = x >= 1
            else:
                keep = x >= rule.resolve_min_count and n > 0 and x / n > rule.resolve_ratio * (frozen or rule.min_rate)
            if keep:
                stats = {"x": [x], "n": [n], "p0": [frozen or 0.0], "p": [np.nan], "xb": [0.0], "nb": [0.0],
                         "pr": [0.0], "thin": [False], "days": [rule.resolve_window_days]}  # fmt: skip
                held.append((i, stats))
        return held

    def _candidate(
        self,
        rule: AlertRule,
        index: _FrameIndex,
        scope: int,
        topic: int,
        parent: int,
        today: int,
        stats: dict[str, np.ndarray],
        i: int,
        held: bool,
    ) -> AlertCandidate:
        names = index.frame
        x, n, p0 = float(stats["x"][i]), float(stats["n"][i]), float(stats["p0"][i])
        days = int(stats["days"][i])
        window_start = EPOCH + timedelta(days=today - days + 1)
        evidence: dict[str, Any] = {
            "metric": rule.metric,
            "window_days": days,
            "window_start": window_start.isoformat(),
            "observed": int(x),
            "reviews": int(n),
            "rate": round(x / n, 5) if n else None,
        }
        if rule.kind == "rate":
            expected = n * p0
            evidence |= {
                "compare_to": rule.compare_to,
                "baseline_rate": round(p0, 5),
                "expected": round(expected, 3),
                "ratio": round(x / expected, 2) if expected else None,
                "p_value": None if held else float(f"{float(stats['p'][i]):.3g}"),
                "baseline_days": rule.baseline_days,
                "baseline_observed": int(stats["xb"][i]),
                "baseline_reviews": int(stats["nb"][i]),
                "parent": ALL_TOPICS if bool(stats["thin"][i]) else names.scope_names[parent],
                "parent_rate": round(float(stats["pr"][i]), 5),
            }
        if held:
            evidence["held"] = "still above baseline x resolve_ratio"
        return AlertCandidate(
            rule=rule.id,
            kind=rule.kind,
            scope_kind=rule.scope,
            scope=names.scope_names[scope],
            parent=names.scope_names[parent],
            topic=names.topic_names[topic],
            severity=self.severity(rule, names.topic_names[topic]),
            evidence=evidence,
            baseline_rate=p0 if rule.kind == "rate" else None,
            window_start=window_start,
            held=held,
        )

    def from_incidents(self, incidents: Sequence[IncidentView]) -> list[AlertCandidate]:
        """Candidates of `incident` rules: active incidents the triage agent opened (not the alert engine) that hold
        at least the rule's `min_count` reviews."""
        found = []
        known = {*self.taxonomy.topic_ids(), *self.taxonomy.flag_ids()}
        for rule in self.config.rules:
            if rule.kind != "incident":
                continue
            for incident in incidents:
                if incident.opened_by == "alerts" or incident.topic not in known:
                    continue
                if incident.review_count < rule.min_count:  # a cluster, not one escalated review
                    continue
                scope_kind, scope = next(iter(sorted(incident.scope.items(), key=_scope_order)), ("all", ALL_TOPICS))
                found.append(
                    AlertCandidate(
                        rule=rule.id,
                        kind="incident",
                        scope_kind=scope_kind,
                        scope=scope,
                        parent="",
                        topic=incident.topic,
                        severity=incident.severity if rule.severity == "taxonomy" else rule.severity,
                        evidence={
                            "incident_state": incident.state,
                            "opened_by": incident.opened_by,
                            "reviews": incident.review_count,
                        },
                        baseline_rate=None,
                        window_start=incident.since,
                        incident_id=incident.id,
                    )
                )
        return found


_SCOPE_ORDER = {"sku": 0, "warehouse": 1, "region": 2, "supplier": 3, "category": 4, "all": 5}


def _scope_order(item: tuple[str, str]) -> int:
    return _SCOPE_ORDER.get(item[0], 9)
