"""Router thresholds: when a scored review is confident and low-severity enough to skip the triage agent.

Every field is required so config/routing.yaml is the single source of truth; which topics are high
severity comes from the taxonomy (`Topic.severity`), not from here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from store.schemas import FLAG_NAMES, Urgency
from store.settings import get_settings
from store.yaml_config import ConfigVersion, field_error, load_yaml_model

__all__ = ["RoutingConfig", "load_routing_config"]

_Probability = Annotated[float, Field(ge=0.0, le=1.0)]


class RoutingConfig(BaseModel):
    """Thresholds the router applies to every scored review; `version` is stamped on each RouteDecision."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    version: ConfigVersion
    """Version of these thresholds, recorded as `routing_version` on every decision."""

    min_sentiment_confidence: _Probability
    """Top sentiment probability below this is ambiguous: agent, medium."""
    min_sentiment_margin: _Probability
    """Top-1 minus top-2 sentiment probability below this is ambiguous: agent, medium."""
    ambiguity_min_negative_probability: _Probability
    """Low confidence or margin escalates only when P(negative) is at least this: doubt between neutral and
    positive changes no action, doubt about a complaint does."""
    escalate_negative_without_topic: bool
    """Whether a negative review with no confident topic goes to the agent. The agent has no playbook without a
    topic, so by default these finish here and count in gold as unmapped (a taxonomy gap to review)."""
    min_topic_confidence: _Probability
    """A topic counts as confident at or above this probability (for severity and the no-topic rule)."""
    high_urgency_min_confidence: _Probability
    """Scorer urgency `high` at or above this confidence escalates; below it counts as medium."""

    flag_thresholds: dict[str, _Probability]
    """Flag name -> probability at or above which the flag fires; every flag in FLAG_NAMES is required."""
    lexicon_flags: list[str]
    """Flags for which a lexicon rule that fired counts as the flag firing, whatever the probability.

    `safety_hazard` always honours its lexicon (safety favours recall), listed here or not.
    """

    expensive_order_value: float = Field(ge=0.0)
    """Refund intent on an order worth at least this (store currency) escalates: agent, high."""

    conflict_high_rating: int = Field(ge=1, le=5)
    """Ratings at or above this with confidently negative text conflict: agent, medium."""
    conflict_negative_confidence: _Probability
    """Negative-sentiment confidence at or above which a high rating conflicts with the text."""
    conflict_low_rating: int = Field(ge=1, le=5)
    """Ratings at or below this with confidently positive text conflict: agent, medium."""
    conflict_positive_confidence: _Probability
    """Positive-sentiment confidence at or above which a low rating conflicts with the text."""

    active_incident_severity: Urgency
    """Severity floor for a review of a SKU with an active incident (it always goes to the agent)."""

    @field_validator("flag_thresholds")
    @classmethod
    def _thresholds_cover_every_flag(cls, value: dict[str, float]) -> dict[str, float]:
        for flag in value:
            if flag not in FLAG_NAMES:
                raise field_error(f"unknown flag {flag!r}; expected one of {', '.join(FLAG_NAMES)}", flag)
        missing = [flag for flag in FLAG_NAMES if flag not in value]
        if missing:
            raise ValueError(f"missing threshold for {', '.join(missing)}; every flag needs one")
        return value

    @field_validator("lexicon_flags")
    @classmethod
    def _lexicon_flags_are_known(cls, value: list[str]) -> list[str]:
        for index, flag in enumerate(value):
            if flag not in FLAG_NAMES:
                raise field_error(f"unknown flag {flag!r}; expected one of {', '.join(FLAG_NAMES)}", index)
        return value

    @model_validator(mode="after")
    def _conflict_ratings_do_not_overlap(self) -> RoutingConfig:
        if self.conflict_low_rating >= self.conflict_high_rating:
            raise field_error(
                f"conflict_low_rating ({self.conflict_low_rating}) must be below "
                f"conflict_high_rating ({self.conflict_high_rating})",
                "conflict_low_rating",
            )
        return self


def load_routing_config(path: Path | None = None) -> RoutingConfig:
    """Load and validate router thresholds (default `<config_dir>/routing.yaml`)."""
    return load_yaml_model(path or get_settings().config_dir / "routing.yaml", RoutingConfig)
