"""How the scoring cascade spends its semantic stage, and which languages the system can understand.

Validated from config/understanding.yaml; agent/scorer/cascade.py and agent/router.py read it. The language lists
are a decision made by measurement (docs/decisions.md, "Understanding"): a language is listed only where the
system's sentiment, topics and flags were measured to work; any other language goes to the human review queue.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from store.settings import get_settings
from store.yaml_config import ConfigVersion, field_error, load_yaml_model, text_matching

__all__ = ["UnderstandingConfig", "load_understanding_config"]

_Language = Annotated[str, text_matching(r"[a-z]{2,3}", "an ISO 639-1 code such as `de` (or `und`)")]


class UnderstandingConfig(BaseModel):
    """Which reviews take the semantic stage, and what each language gets."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    version: ConfigVersion
    """Version of this policy; bump it on every change."""
    first_pass_languages: list[_Language] = Field(min_length=1)
    """Languages the TF-IDF first pass and the English lexicon were trained on (`und`: too short to tell)."""
    semantic_languages: list[_Language]
    """Languages the semantic stage understands (multilingual encoder + that language's flag lexicon): every
    review in one of them takes the semantic stage."""
    semantic_below_confidence: float = Field(ge=0.0, le=1.0)
    """A first-pass review whose top sentiment probability is below this takes the semantic stage too."""
    semantic_safety_screen: float = Field(ge=0.0, le=1.0)
    """A first-pass review whose safety probability reaches this takes the semantic stage (a recall screen for
    hazards described in words no lexicon lists)."""
    semantic_for_negative: bool
    """Every review the first pass calls negative takes the semantic stage: its hazard check, refund and legal
    heads and taxonomy prototypes see every complaint (costs throughput: lab/bench/understanding_bench.py)."""

    english_flag_confirm: float = Field(default=0.8, ge=0.5, le=1.0)
    """On English text, a flag raised by the semantic stage alone (no lexicon rule, first pass below its threshold)
    makes the review urgent only at this probability; from 0.5 it still reaches the router with medium urgency."""
    complaint_nearest_leaf: bool = True
    """A complaint (called negative) that no view places on a topic takes its nearest taxonomy leaf."""

    @model_validator(mode="after")
    def _languages_are_disjoint(self) -> UnderstandingConfig:
        both = sorted(set(self.first_pass_languages) & set(self.semantic_languages))
        if both:
            raise field_error(
                f"{', '.join(both)} listed in both language lists; keep each in one", "semantic_languages"
            )
        return self

    def understands(self, language: str) -> bool:
        """Whether reviews in `language` are understood by the system (else: the human review queue)."""
        return language in self.first_pass_languages or language in self.semantic_languages


def load_understanding_config(path: Path | None = None) -> UnderstandingConfig:
    """Load and validate the cascade policy (default `<config_dir>/understanding.yaml`)."""
    return load_yaml_model(path or get_settings().config_dir / "understanding.yaml", UnderstandingConfig)
