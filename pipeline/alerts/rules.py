"""Alert rules (config/alert_rules.yaml): what is detected, at which scope, how sure it must be, and how bad it is.

Three kinds of rule:
- `rate`: the share of a scope's reviews that are non-positive about a topic, in day-aligned windows ending today,
  against the scope's own history (shrunk towards its parent: a SKU's category, else the whole shop) or against
  its peers right now; a binomial tail test with a minimum count and a minimum ratio, so small counts stay quiet.
- `threshold`: an absolute count in the window, for reports that matter one at a time (a credible safety report).
- `incident`: an incident the triage agent opened itself (an emerging cluster no rate rule caught).
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from store.settings import get_settings
from store.taxonomy import Taxonomy
from store.yaml_config import (
    ConfigError,
    ConfigIssue,
    ConfigVersion,
    ensure_unique_ids,
    field_error,
    load_yaml_model,
    text_matching,
)

__all__ = [
    "PLAYBOOK_IDS",
    "SEVERITIES",
    "AlertRule",
    "AlertRulesConfig",
    "PlaybookId",
    "Severity",
    "load_alert_rules",
]

PLAYBOOK_IDS = (
    "defective_product",
    "size_guidance",
    "shipping_delay",
    "packaging_damage",
    "listing_correction",
    "safety_hazard",
    "support_failure",
)
PlaybookId = Literal[
    "defective_product",
    "size_guidance",
    "shipping_delay",
    "packaging_damage",
    "listing_correction",
    "safety_hazard",
    "support_failure",
]
SEVERITIES = ("critical", "high", "medium", "low")
"""Severity tiers, most severe first."""
Severity = Literal["critical", "high", "medium", "low"]
ScopeKind = Literal["sku", "category", "region", "warehouse", "supplier", "all"]
"""The same list as store.gold.SCOPE_KINDS."""

_CONFIG = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)
_RuleId = Annotated[str, text_matching(r"[a-z][a-z0-9_]*", "a snake_case rule id such as `sku_topic_spike`")]


class AlertRule(BaseModel):
    """One detector: kind, scope, topics, the test's thresholds and the severity of what it finds."""

    model_config = _CONFIG

    id: _RuleId
    """Stable id; part of every alert's fingerprint, so renaming a rule starts new alerts."""
    kind: Literal["rate", "threshold", "incident"]
    """`rate` (share vs baseline), `threshold` (absolute count) or `incident` (opened by the triage agent)."""
    description: str = Field(min_length=1)
    """What the rule catches, shown with every alert it raises."""
    scope: ScopeKind = "sku"
    """The dimension a series is keyed by: sku, category, region, warehouse, supplier, or all (the whole shop)."""
    topics: list[str] = Field(default_factory=lambda: ["*"])
    """Leaf ids, `domain.*` globs, flag ids (e.g. `safety_hazard`), or `*` for every leaf topic."""
    compare_to: Literal["own_history", "peers"] = "own_history"
    """`rate` rules: the scope's own baseline days, or its peers (same parent) in the same window."""
    metric: Literal["nonpositive", "negative", "reviews"] = "nonpositive"
    """Which reviews about the topic count: not positive (default), negative only, or all of them."""
    windows_days: list[int] = Field(default_factory=lambda: [1, 2, 4, 7], min_length=1)
    """Windows in whole UTC days ending with today (1 = today so far); the most significant one is reported."""
    baseline_days: int = Field(default=28, ge=1, le=365)
    """Days before a window that form its baseline."""
    min_count: int = Field(default=5, ge=1)
    """At least this many reviews about the topic in the window (`incident` rules: reviews attached)."""
    min_ratio: float = Field(default=3.0, ge=1.0)
    """Observed count at least this multiple of the expected count (`rate` rules)."""
    max_p_value: float = Field(default=1e-4, gt=0.0, le=1.0)
    """Tail probability of a count this high under the baseline at most this (`rate` rules)."""
    test: Literal["beta_binomial", "binomial"] = "beta_binomial"
    """`beta_binomial` counts the baseline's own uncertainty (a short history is weak evidence of a low rate);
    `binomial` treats the baseline rate as known (more sensitive, more false alarms on thin histories)."""
    prior_reviews: float = Field(default=30.0, ge=0.0)
    """Weight (in reviews) of the parent's rate in the scope's own baseline, so a new SKU borrows its category's."""
    min_rate: float = Field(default=0.002, ge=0.0, le=1.0)
    """Floor under the baseline rate: a topic never seen before is not infinitely surprising."""
    min_baseline_reviews: int = Field(default=50, ge=0)
    """The parent needs this many reviews in the baseline days, else the whole shop stands in for it (a young
    category); when the shop has fewer too, the rule judges nothing yet (warm-up)."""
    resolve_window_days: int = Field(default=4, ge=1)
    """A firing alert is re-judged over this window against the baseline frozen when it fired."""
    resolve_ratio: float = Field(default=1.5, ge=1.0)
    """Resolved once the window's rate is at most baseline x this (or the count is below `resolve_min_count`)."""
    resolve_min_count: int = Field(default=2, ge=1)
    """Fewer reviews about the topic than this in the resolve window also resolves it."""
    severity: Severity | Literal["taxonomy"] = "taxonomy"
    """Severity tier, or `taxonomy` for the topic's severity there (low/medium/high)."""

    @model_validator(mode="after")
    def _fits_its_kind(self) -> AlertRule:
        if self.resolve_window_days > max(self.windows_days) + self.baseline_days:
            raise field_error("resolve_window_days must not exceed the windows plus baseline", "resolve_window_days")
        for index, days in enumerate(self.windows_days):
            if days < 1 or days > 60:
                raise field_error(f"window of {days} days; use 1..60", "windows_days", index)
        return self

    def lookback_days(self) -> int:
        """How many days of gold this rule reads, today included."""
        return max(*self.windows_days, self.resolve_window_days) + self.baseline_days


class AlertRulesConfig(BaseModel):
    """config/alert_rules.yaml: the rules, the topic -> playbook map and how many reviews each alert shows."""

    model_config = _CONFIG

    version: ConfigVersion
    """Version of the rules; recorded in every notification."""
    playbooks: dict[str, PlaybookId]
    """Topic or flag id -> playbook id: the recommended next action carried by every alert."""
    representative_reviews: int = Field(default=3, ge=1, le=20)
    """Reviews (ids + masked snippets) attached to each alert in a notification."""
    rules: list[AlertRule] = Field(min_length=1)
    """The detectors, evaluated in order."""

    @model_validator(mode="after")
    def _rule_ids_are_unique(self) -> AlertRulesConfig:
        ensure_unique_ids((rule.id for rule in self.rules), "rules", "rule id")
        return self

    def topics_of(self, rule: AlertRule, taxonomy: Taxonomy) -> list[str]:
        """The concrete topic and flag ids a rule watches."""
        leaves, flags = taxonomy.topic_ids(), taxonomy.flag_ids()
        found: list[str] = []
        for pattern in rule.topics:
            if pattern in flags:
                found.append(pattern)
            else:
                found.extend(t for t in leaves if fnmatchcase(t, pattern))
        return list(dict.fromkeys(found))

    def check_against(self, taxonomy: Taxonomy, source: str) -> None:
        """Raise ConfigError (file + field) if a topic pattern or playbook key names nothing in the taxonomy."""
        issues = []
        known = {*taxonomy.topic_ids(), *taxonomy.flag_ids()}
        for r_index, rule in enumerate(self.rules):
            for t_index, pattern in enumerate(rule.topics):
                if rule.kind != "incident" and not self.topics_of(
                    rule.model_copy(update={"topics": [pattern]}), taxonomy
                ):
                    issues.append(
                        ConfigIssue(
                            source, None, f"rules[{r_index}].topics[{t_index}]",
                            f"{pattern!r} matches no topic or flag of taxonomy {taxonomy.version}",
                        )
                    )  # fmt: skip
        for key in self.playbooks:
            if key not in known:
                issues.append(ConfigIssue(source, None, f"playbooks.{key}", "not a topic or flag id of the taxonomy"))
        missing = sorted(known - set(self.playbooks) - {"refund_intent", "legal_threat", "profanity"})
        if missing:
            issues.append(ConfigIssue(source, None, "playbooks", f"no playbook for {', '.join(missing)}; add them"))
        if issues:
            raise ConfigError(issues)

    def playbook_for(self, topic: str) -> str | None:
        """The playbook id for a topic or flag, if configured."""
        return self.playbooks.get(topic)


def load_alert_rules(path: Path | None = None, taxonomy: Taxonomy | None = None) -> AlertRulesConfig:
    """Load config/alert_rules.yaml; with a taxonomy, also check its topics and playbooks against it."""
    path = path or get_settings().config_dir / "alert_rules.yaml"
    config = load_yaml_model(path, AlertRulesConfig)
    if taxonomy is not None:
        config.check_against(taxonomy, str(path))
    return config
