"""The versioned canonical taxonomy: domains, leaf topics, cross-cutting flags, owners, and remaps from old versions.

Leaf topic ids are what the scorer predicts, the router reads and the gold aggregates group by. A taxonomy is
edited as a `draft` and then `published`; `remap` rules keep labels from older versions comparable.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from store.schemas import FLAG_NAMES, Urgency
from store.settings import get_settings
from store.yaml_config import ConfigVersion, field_error, load_yaml_model, text_matching

__all__ = [
    "Domain",
    "FlagDef",
    "Owner",
    "RemapRule",
    "Taxonomy",
    "TaxonomyLookupError",
    "Topic",
    "check_remap_coverage",
    "load_taxonomy",
]

_CONFIG = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)
_DomainId = Annotated[str, text_matching(r"[a-z][a-z0-9_]*", "a lowercase snake_case id such as `sizing_fit`")]
_LeafId = Annotated[
    str,
    text_matching(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*", "a leaf id `<domain>.<topic>` like `sizing_fit.runs_small`"),
]
_Team = Annotated[str, text_matching(r"[a-z][a-z0-9_-]*", "a lowercase team slug such as `sizing-team`")]
_Receiver = Annotated[
    str,
    text_matching(
        r"(slack|teams|jira|pagerduty|email|webhook):\S+",
        "`<kind>:<target>` with kind slack, teams, jira, pagerduty, email or webhook, e.g. `slack:#sizing-team`",
    ),
]
_Version = Annotated[ConfigVersion, text_matching(r"\d{4}\.\d{2}", 'a "YYYY.MM" version such as "2026.11"')]


class TaxonomyLookupError(KeyError):
    """An id or version the taxonomy does not know; the message says which and what to do."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class Owner(BaseModel):
    """Who acts on a topic or flag: the owning team and the receiver its alerts go to."""

    model_config = _CONFIG

    team: _Team
    """Owning team slug, e.g. `sizing-team`."""
    receiver: _Receiver
    """Alert destination `<kind>:<target>`, e.g. `slack:#sizing-team`, `jira:QA`, `email:returns@shop.example`."""


class Topic(BaseModel):
    """A leaf topic the scorer can assign to a review."""

    model_config = _CONFIG

    id: _LeafId
    """Leaf id `<domain id>.<topic>`, e.g. `sizing_fit.runs_small`; stable across versions unless remapped."""
    name: str = Field(min_length=1)
    """Human-readable name for dashboards."""
    description: str = Field(min_length=1)
    """What belongs under this topic (and what does not); the labelling guideline."""
    keywords: list[str] = Field(default_factory=list)
    """Short phrases of the topic across product categories; the semantic stage scores reviews against them."""
    examples: list[str] = Field(default_factory=list)
    """A few short example complaints (any language); with the description and keywords they form the topic's
    prototype, so a review is placed in a category nobody trained on (agent/scorer/semantic.py)."""
    severity: Urgency
    """How bad a confident, non-positive review about this topic is: `low`, `medium` or `high`."""
    owner: Owner | None = None
    """Overrides the domain owner for this topic."""


class Domain(BaseModel):
    """A top-level area of the taxonomy, grouping leaf topics under one default owner."""

    model_config = _CONFIG

    id: _DomainId
    """Domain id; every leaf id in it starts with `<id>.`."""
    name: str = Field(min_length=1)
    """Human-readable name for dashboards."""
    description: str = Field(min_length=1)
    """What the domain covers."""
    owner: Owner
    """Default owner of the domain's topics."""
    topics: list[Topic] = Field(min_length=1)
    """The domain's leaf topics."""

    @model_validator(mode="after")
    def _leaf_ids_start_with_domain_id(self) -> Domain:
        for index, topic in enumerate(self.topics):
            if not topic.id.startswith(self.id + "."):
                raise field_error(
                    f"leaf id {topic.id!r} must start with its domain id {self.id + '.'!r}; "
                    "rename it or move it to the right domain",
                    "topics",
                    index,
                    "id",
                )
        return self


class FlagDef(BaseModel):
    """A cross-cutting flag (e.g. `safety_hazard`) that can fire on a review of any topic."""

    model_config = _CONFIG

    id: str
    """One of store.schemas.FLAG_NAMES, the flags the scorer emits."""
    name: str = Field(min_length=1)
    """Human-readable name for dashboards."""
    description: str = Field(min_length=1)
    """What fires the flag."""
    keywords: list[str] = Field(default_factory=list)
    """Short phrases of the flag; part of its semantic prototype with `examples`."""
    examples: list[str] = Field(default_factory=list)
    """Example reports in several languages; the semantic stage raises the flag on reviews close to them."""
    severity: Urgency
    """How bad a review carrying this flag is."""
    owner: Owner
    """Who is told when the flag fires."""

    @field_validator("id")
    @classmethod
    def _is_a_scorer_flag(cls, value: str) -> str:
        if value not in FLAG_NAMES:
            raise ValueError(f"unknown flag {value!r}; expected one of {', '.join(FLAG_NAMES)}")
        return value


class RemapRule(BaseModel):
    """How one leaf label of an older taxonomy version maps to current leaf ids."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, populate_by_name=True)

    from_version: _Version
    """The older taxonomy version (`YYYY.MM`) the label comes from."""
    from_label: _LeafId = Field(alias="from")
    """The leaf id in that version."""
    to: list[str] = Field(min_length=1)
    """Current leaf ids it maps to; several means the old label covered all of them."""


class Taxonomy(BaseModel):
    """One version of the canonical taxonomy, as loaded from config/taxonomy.yaml."""

    model_config = _CONFIG

    version: _Version
    """Version `YYYY.MM`, e.g. `2026.11`; recorded on every label produced under it."""
    status: Literal["draft", "published"]
    """`draft` while being edited; only a `published` taxonomy should label production reviews."""
    domains: list[Domain] = Field(min_length=1)
    """The domains, each with its leaf topics."""
    flags: list[FlagDef] = Field(default_factory=list)
    """Cross-cutting flags with their owners."""
    remap: list[RemapRule] = Field(default_factory=list)
    """Rules mapping leaf labels of older versions onto this version's leaf ids."""

    _topics: dict[str, Topic] = PrivateAttr(default_factory=dict)
    _domain_of: dict[str, Domain] = PrivateAttr(default_factory=dict)
    _flags: dict[str, FlagDef] = PrivateAttr(default_factory=dict)
    _remaps: dict[tuple[str, str], tuple[str, ...]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _ids_are_unique_and_remaps_resolve(self) -> Taxonomy:
        domain_ids: set[str] = set()
        for d_index, domain in enumerate(self.domains):
            if domain.id in domain_ids:
                raise field_error(f"duplicate domain id {domain.id!r}; ids must be unique", "domains", d_index, "id")
            domain_ids.add(domain.id)
            for t_index, topic in enumerate(domain.topics):
                if topic.id in self._topics:
                    raise field_error(
                        f"duplicate topic id {topic.id!r}; ids must be unique",
                        "domains",
                        d_index,
                        "topics",
                        t_index,
                        "id",
                    )
                self._topics[topic.id] = topic
                self._domain_of[topic.id] = domain
        for f_index, flag in enumerate(self.flags):
            if flag.id in self._flags:
                raise field_error(f"duplicate flag id {flag.id!r}; ids must be unique", "flags", f_index, "id")
            self._flags[flag.id] = flag
        for r_index, rule in enumerate(self.remap):
            if rule.from_version >= self.version:  # YYYY.MM strings sort chronologically
                raise field_error(
                    f"remap source {rule.from_version!r} must be older than this taxonomy's version {self.version!r}",
                    "remap",
                    r_index,
                    "from_version",
                )
            key = (rule.from_version, rule.from_label)
            if key in self._remaps:
                raise field_error(
                    f"duplicate remap of {rule.from_label!r} from {rule.from_version!r}; merge the `to` lists",
                    "remap",
                    r_index,
                    "from",
                )
            for to_index, target in enumerate(rule.to):
                if target not in self._topics:
                    raise field_error(
                        f"remap target {target!r} is not a topic id of this taxonomy{_suggest(target, self._topics)}",
                        "remap",
                        r_index,
                        "to",
                        to_index,
                    )
            self._remaps[key] = tuple(dict.fromkeys(rule.to))
        return self

    def topic_ids(self) -> list[str]:
        """All leaf topic ids, in file order."""
        return list(self._topics)

    def flag_ids(self) -> list[str]:
        """All flag ids, in file order."""
        return list(self._flags)

    def topic(self, topic_id: str) -> Topic:
        """The leaf topic with this id; TaxonomyLookupError (a KeyError) names close matches if unknown."""
        try:
            return self._topics[topic_id]
        except KeyError:
            raise self._unknown("topic", topic_id, self._topics) from None

    def domain_of(self, topic_id: str) -> str:
        """The domain id a leaf topic belongs to."""
        try:
            return self._domain_of[topic_id].id
        except KeyError:
            raise self._unknown("topic", topic_id, self._topics) from None

    def severity_of(self, topic_or_flag_id: str) -> Urgency:
        """The configured severity of a leaf topic or flag."""
        item = self._topics.get(topic_or_flag_id) or self._flags.get(topic_or_flag_id)
        if item is None:
            raise self._unknown("topic or flag", topic_or_flag_id, {**self._topics, **self._flags})
        return item.severity

    def owner_for(self, topic_or_flag_id: str) -> Owner:
        """Who owns a leaf topic (its own owner, else its domain's) or a flag."""
        if topic_or_flag_id in self._topics:
            return self._topics[topic_or_flag_id].owner or self._domain_of[topic_or_flag_id].owner
        if topic_or_flag_id in self._flags:
            return self._flags[topic_or_flag_id].owner
        raise self._unknown("topic or flag", topic_or_flag_id, {**self._topics, **self._flags})

    def remap_versions(self) -> list[str]:
        """The older versions this taxonomy has remap rules for."""
        return sorted({version for version, _ in self._remaps})

    def remap_label(self, label: str, from_version: str) -> list[str]:
        """Current leaf ids for a leaf `label` assigned under taxonomy `from_version`.

        A label with no rule that is still a current leaf id maps to itself (the leaf did not change).
        """
        if from_version == self.version:
            return [self.topic(label).id]
        if from_version not in self.remap_versions():
            known = ", ".join([self.version, *self.remap_versions()])
            raise TaxonomyLookupError(
                f"taxonomy {self.version} has no remap rules from version {from_version!r} (known versions: {known}); "
                "add `remap` entries for it in config/taxonomy.yaml"
            )
        targets = self._remaps.get((from_version, label))
        if targets is not None:
            return list(targets)
        if label in self._topics:
            return [label]
        raise TaxonomyLookupError(
            f"label {label!r} from taxonomy {from_version} has no remap rule and is not a current topic id; "
            f"add a `remap` entry (from_version: {from_version!r}, from: {label!r}) to config/taxonomy.yaml"
        )

    def _unknown(self, kind: str, item_id: str, known: Iterable[str]) -> TaxonomyLookupError:
        return TaxonomyLookupError(
            f"unknown {kind} id {item_id!r} in taxonomy {self.version}{_suggest(item_id, known)}; "
            "see config/taxonomy.yaml for the ids"
        )


def _suggest(item_id: str, known: Iterable[str]) -> str:
    matches = difflib.get_close_matches(item_id, list(known), n=3, cutoff=0.6)
    return f" (did you mean {', '.join(repr(m) for m in matches)}?)" if matches else ""


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Load and validate a taxonomy file (default `<config_dir>/taxonomy.yaml`); ConfigError names file and line."""
    return load_yaml_model(path or get_settings().config_dir / "taxonomy.yaml", Taxonomy)


def check_remap_coverage(current: Taxonomy, old: Taxonomy) -> list[str]:
    """Problems mapping every leaf of `old` onto `current` (empty when every old label maps to current ids)."""
    problems: list[str] = []
    for label in old.topic_ids():
        try:
            targets = current.remap_label(label, old.version)
        except TaxonomyLookupError as exc:
            problems.append(str(exc))
            continue
        problems.extend(
            f"{old.version} label {label!r} maps to {target!r}, which is not a topic of {current.version}"
            for target in targets
            if target not in current.topic_ids()
        )
    for flag in old.flag_ids():
        if flag not in current.flag_ids():
            problems.append(f"{old.version} flag {flag!r} is not a flag of {current.version}")
    return problems
