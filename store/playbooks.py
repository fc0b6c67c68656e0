"""Remediation playbooks: versioned YAML, one file per playbook in config/playbooks/, validated on load.

A playbook says when it applies (taxonomy topics and flags), how to diagnose, which tools to call with which
argument templates, how to roll back, when to stop, whom to escalate to and which metric must move by when.
Tool names are checked against the tool registry the caller passes in (store never imports tools/), topic ids
against the taxonomy. `render_action` fills `{placeholder}` templates from an incident context in one pass:
values are inserted as data and never re-read as templates.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, model_validator

from store.approval_policy import Role
from store.playbook_templates import (
    PLACEHOLDERS,
    PlaceholderError,
    ProposedAction,
    ProposedCall,
    fill_template,
    template_placeholders,
)
from store.schemas import FLAG_NAMES
from store.settings import get_settings
from store.taxonomy import Taxonomy, load_taxonomy
from store.yaml_config import ConfigError, ConfigVersion, field_error, load_yaml_model, text_matching

__all__ = [
    "PLACEHOLDERS",
    "AppliesTo",
    "Detection",
    "DiagnosticStep",
    "Escalation",
    "PlaceholderError",
    "Playbook",
    "PlaybookLibrary",
    "ProposedAction",
    "ProposedCall",
    "RemediationAction",
    "RootCause",
    "ToolCall",
    "Validation",
    "load_playbooks",
    "render_action",
]

_CONFIG = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)
_Id = Annotated[str, text_matching(r"[a-z][a-z0-9_]*", "a snake_case id such as `defective_product`")]
_Text = Annotated[str, Field(min_length=1, max_length=2000)]
_Dimension = Literal["sku", "category", "topic", "region", "warehouse", "supplier", "carrier"]


def _checked_template(value: str) -> str:
    if len(value) > 4000:
        raise ValueError(f"template is {len(value)} characters; keep it under 4000")
    template_placeholders(value)
    return value


def _checked_argument(value: Any) -> Any:
    if isinstance(value, str):
        return _checked_template(value)
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [_checked_template(item) for item in value]
    raise ValueError("expected a string template, a number, true/false, or a list of string templates")


_ArgTemplate = Annotated[str | int | float | bool | list[str], PlainValidator(_checked_argument)]
"""One argument template: strings (and string lists) may use placeholders; numbers and booleans are literal."""


class AppliesTo(BaseModel):
    """Which incidents a playbook fits: any of these topics, or any of these flags."""

    model_config = _CONFIG

    topics: list[str] = Field(default_factory=list)
    """Taxonomy leaf topic ids, e.g. `sizing_fit.runs_small`."""
    flags: list[str] = Field(default_factory=list)
    """Flags from store.schemas.FLAG_NAMES, e.g. `safety_hazard`."""

    @model_validator(mode="after")
    def _names_something(self) -> AppliesTo:
        if not self.topics and not self.flags:
            raise ValueError("a playbook must apply to at least one topic or flag")
        for index, flag in enumerate(self.flags):
            if flag not in FLAG_NAMES:
                raise field_error(f"unknown flag {flag!r}; expected one of {', '.join(FLAG_NAMES)}", "flags", index)
        return self


class Detection(BaseModel):
    """When a cluster of reviews is an incident this playbook handles."""

    model_config = _CONFIG

    min_reviews: int = Field(ge=1)
    """At least this many matching reviews in the window."""
    window_hours: int = Field(ge=1, le=24 * 90)
    """The look-back window."""
    min_negative_share: float | None = Field(default=None, ge=0.0, le=1.0)
    """Share of the SKU's reviews in the window that are negative about the topic, at least this."""
    min_ratio_to_baseline: float | None = Field(default=None, ge=1.0)
    """The topic's share must be at least this multiple of the SKU's baseline share."""
    group_by: tuple[_Dimension, ...] = Field(default=("sku",), min_length=1)
    """The dimensions an incident is keyed by, e.g. `[carrier, region]` for a shipping delay."""


class RootCause(BaseModel):
    """A likely root cause the hypothesis may name."""

    model_config = _CONFIG

    id: _Id
    """Stable id the hypothesis picks from (an enumerated option for the LLM)."""
    description: _Text
    """What the cause is and what evidence points to it."""


class DiagnosticStep(BaseModel):
    """One check an analyst (or the agent) runs before acting."""

    model_config = _CONFIG

    description: _Text
    """What to look at and what it tells you."""
    tool: _Id | None = None
    """A read-only tool that answers it, e.g. `sku_stats`."""


class ToolCall(BaseModel):
    """A registered tool with argument templates."""

    model_config = _CONFIG

    tool: _Id
    """A tool name from the tool registry (tools/actions.py)."""
    args: dict[str, _ArgTemplate] = Field(default_factory=dict)
    """Argument templates; strings may use `{placeholders}` from the incident context."""

    def placeholders(self) -> set[str]:
        """Every placeholder the argument templates use."""
        names: set[str] = set()
        for value in self.args.values():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str):
                    names.update(template_placeholders(item))
        return names


class RemediationAction(ToolCall):
    """One remediation step: a tool call, why, and how to undo it."""

    id: _Id
    """Action id, unique within the playbook (part of the idempotency key)."""
    description: _Text
    """What the action does and why, shown to the approver."""
    approval: Literal["auto", "human", "reject"] | None = None
    """What the author expects the policy to require; informational only: the approval policy decides."""
    rollback: ToolCall | None = None
    """The call that undoes this action (e.g. `unfreeze_listing` for `freeze_listing`), if any."""


class Escalation(BaseModel):
    """When to pull in more people; escalation is never automatic: it adds people, it does not act."""

    model_config = _CONFIG

    when: _Text
    """The trigger, e.g. `any confirmed injury`."""
    to: list[Role] = Field(min_length=1)
    """Roles to involve (approval-policy roles), e.g. `[qa_lead, legal]`."""


class Validation(BaseModel):
    """How to tell the remediation worked: a metric, its target, and the deadline."""

    model_config = _CONFIG

    metric: Annotated[
        str,
        text_matching(
            r"(negative_share|topic_share|avg_rating|review_count)"
            r"\((sku|category|topic|region|warehouse|supplier|carrier)(,\s*(sku|category|topic|region|warehouse|supplier|carrier))*\)",
            "`<metric>(<dimension>, ...)` with metric negative_share, topic_share, avg_rating or review_count, "
            "e.g. `negative_share(sku, topic)`",
        ),
    ]
    """The gold metric to watch, e.g. `negative_share(sku, topic)`."""
    target: Annotated[
        str,
        text_matching(r"(<=|>=|<|>)\s*(baseline|\d+(\.\d+)?)", "a target such as `<= baseline` or `< 0.10`"),
    ]
    """Where the metric must be, relative to the pre-incident baseline or absolute."""
    deadline_hours: int = Field(ge=1, le=24 * 90)
    """Hours after the remediation by which the target must hold; otherwise the incident re-opens."""


@dataclass(frozen=True)
class _References:
    tool_names: frozenset[str]
    topic_ids: frozenset[str]


# Set only while load_playbooks validates files, so model validators can check cross-file references and blame
# the exact YAML line; a Playbook built in code skips these checks.
_REFERENCES: ContextVar[_References | None] = ContextVar("playbook_references", default=None)


class Playbook(BaseModel):
    """One remediation playbook, as loaded from config/playbooks/<id>.yaml."""

    model_config = _CONFIG

    id: _Id
    """Playbook id; must equal the file name without `.yaml`."""
    version: ConfigVersion
    """Playbook version, recorded on every proposed action; bump it on every change."""
    title: _Text
    """Short human title."""
    applies_to: AppliesTo
    """Topics and flags this playbook handles."""
    detection: Detection
    """When a cluster counts as an incident for this playbook."""
    likely_root_causes: list[RootCause] = Field(min_length=1)
    """Causes the hypothesis chooses among."""
    diagnostic_steps: list[DiagnosticStep] = Field(min_length=1)
    """Checks to run before acting."""
    remediation: list[RemediationAction] = Field(min_length=1)
    """Actions, in order; each runs only as the approval policy allows."""
    stop_conditions: list[_Text] = Field(min_length=1)
    """When to stop remediating (and roll back if needed)."""
    escalation: list[Escalation] = Field(default_factory=list)
    """When and to whom to escalate."""
    validation: Validation
    """What must improve, by when."""

    @model_validator(mode="after")
    def _consistent_and_references_resolve(self) -> Playbook:
        ids = [action.id for action in self.remediation]
        for index, action_id in enumerate(ids):
            if action_id in ids[:index]:
                raise field_error(f"duplicate action id {action_id!r}; ids must be unique", "remediation", index, "id")
        if "safety_hazard" in self.applies_to.flags:
            self._check_safety_rules()
        refs = _REFERENCES.get()
        if refs is not None:
            self._check_references(refs)
        return self

    def _check_safety_rules(self) -> None:
        for index, action in enumerate(self.remediation):
            if action.approval == "auto":
                raise field_error(
                    f"action {action.id!r} is marked `approval: auto` in a safety playbook; safety actions are never "
                    "automatic (use `human`)",
                    "remediation",
                    index,
                    "approval",
                )
        escalated = {role for step in self.escalation for role in step.to}
        if not {"qa_lead", "legal"} <= escalated:
            raise field_error("a safety playbook must escalate to both `qa_lead` and `legal`", "escalation")

    def _check_references(self, refs: _References) -> None:
        for index, topic in enumerate(self.applies_to.topics):
            if topic not in refs.topic_ids:
                raise field_error(
                    f"unknown topic id {topic!r}{_suggest(topic, refs.topic_ids)}; see config/taxonomy.yaml",
                    "applies_to",
                    "topics",
                    index,
                )
        calls: list[tuple[tuple[str | int, ...], str | None]] = [
            (("diagnostic_steps", i, "tool"), step.tool) for i, step in enumerate(self.diagnostic_steps)
        ]
        for i, action in enumerate(self.remediation):
            calls.append((("remediation", i, "tool"), action.tool))
            if action.rollback is not None:
                calls.append((("remediation", i, "rollback", "tool"), action.rollback.tool))
        for at, tool in calls:
            if tool is not None and tool not in refs.tool_names:
                raise field_error(
                    f"unknown tool {tool!r}{_suggest(tool, refs.tool_names)}; registered tools: "
                    f"{', '.join(sorted(refs.tool_names))}",
                    *at,
                )

    def action(self, action_id: str) -> RemediationAction:
        """The remediation action with this id."""
        for action in self.remediation:
            if action.id == action_id:
                return action
        known = [action.id for action in self.remediation]
        raise KeyError(f"playbook {self.id!r} has no action {action_id!r}{_suggest(action_id, known)}")

    def tools(self) -> list[str]:
        """Every tool the playbook's remediation may call (actions and rollbacks), in order."""
        names = [action.tool for action in self.remediation]
        names += [action.rollback.tool for action in self.remediation if action.rollback is not None]
        return list(dict.fromkeys(names))


class PlaybookLibrary:
    """All loaded playbooks, looked up by id or by the topic and flags of an incident."""

    def __init__(self, playbooks: Collection[Playbook], topic_ids: Collection[str]) -> None:
        self._playbooks = {playbook.id: playbook for playbook in sorted(playbooks, key=lambda p: p.id)}
        self._topic_ids = frozenset(topic_ids)

    def __iter__(self) -> Iterator[Playbook]:
        return iter(self._playbooks.values())

    def __len__(self) -> int:
        return len(self._playbooks)

    def ids(self) -> list[str]:
        """Playbook ids, sorted."""
        return list(self._playbooks)

    def get(self, playbook_id: str) -> Playbook:
        """The playbook with this id; KeyError names close matches."""
        try:
            return self._playbooks[playbook_id]
        except KeyError:
            raise KeyError(
                f"unknown playbook {playbook_id!r}{_suggest(playbook_id, self._playbooks)}; "
                "see config/playbooks/ for the ids"
            ) from None

    def for_topic(self, topic_id: str | None, flags: Collection[str] = ()) -> list[Playbook]:
        """Playbooks for an incident on `topic_id` with `flags`; flag matches (e.g. safety) come first."""
        if topic_id is not None and topic_id not in self._topic_ids:
            raise KeyError(f"unknown topic id {topic_id!r}{_suggest(topic_id, self._topic_ids)}")
        unknown = [flag for flag in flags if flag not in FLAG_NAMES]
        if unknown:
            raise KeyError(f"unknown flags {unknown}; expected some of {', '.join(FLAG_NAMES)}")
        by_flag = [p for p in self if set(flags) & set(p.applies_to.flags)]
        by_topic = [p for p in self if topic_id in p.applies_to.topics and p not in by_flag]
        return by_flag + by_topic


def load_playbooks(
    dir: Path | None = None, *, tool_names: Collection[str], taxonomy: Taxonomy | None = None
) -> PlaybookLibrary:
    """Load every `*.yaml` in `dir` (default `<config_dir>/playbooks`), checking tools and topics.

    `tool_names` are the registered tools (`tools.registered_tool_names()`; store does not import tools).
    Raises ConfigError naming file, line and field for the first bad file.
    """
    directory = dir or get_settings().config_dir / "playbooks"
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise ConfigError.single(str(directory), "no playbook files (*.yaml) found; add one per playbook")
    taxonomy = taxonomy or load_taxonomy()
    refs = _References(tool_names=frozenset(tool_names), topic_ids=frozenset(taxonomy.topic_ids()))
    token = _REFERENCES.set(refs)
    try:
        playbooks = [load_yaml_model(path, Playbook) for path in files]
    finally:
        _REFERENCES.reset(token)
    for path, playbook in zip(files, playbooks, strict=True):  # one id per file name, so ids are unique
        if playbook.id != path.stem:
            raise ConfigError.single(
                _shown(path),
                f"id {playbook.id!r} must match the file name; rename the file to {playbook.id}.yaml",
                line=_line_of(path, "id"),
                field="id",
            )
    return PlaybookLibrary(playbooks, taxonomy.topic_ids())


def _shown(path: Path) -> str:
    try:  # as load_yaml_model shows paths: relative to the working directory when below it
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _line_of(path: Path, key: str) -> int | None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith(f"{key}:"):
            return number
    return None


def render_action(action: RemediationAction, context: Mapping[str, str], *, playbook: Playbook) -> ProposedAction:
    """Fill `action`'s argument templates (and its rollback's) from `context`; values are inserted verbatim.

    Arguments that render to an empty string are omitted. Raises PlaceholderError when a placeholder is missing.
    """
    if "incident_id" not in context:
        raise PlaceholderError("the incident context needs `incident_id` (it scopes the action's idempotency key)")

    def render(call: ToolCall, where: str) -> dict[str, Any]:
        missing = sorted(name for name in call.placeholders() if name not in context)
        if missing:
            raise PlaceholderError(
                f"playbook {playbook.id!r} {where} ({call.tool}) needs {', '.join('{' + m + '}' for m in missing)}, "
                "which the incident context lacks; add them to the context or change the template"
            )
        filled = {name: fill_template(value, context) for name, value in call.args.items()}
        # An argument that renders empty (e.g. `{supplier}` for an incident without one) is left out, so optional
        # tool arguments stay unset and required ones fail validation by name.
        return {name: value for name, value in filled.items() if not (isinstance(value, str) and not value.strip())}

    rollback = action.rollback
    return ProposedAction(
        incident_id=context["incident_id"],
        playbook_id=playbook.id,
        playbook_version=playbook.version,
        action_id=action.id,
        tool=action.tool,
        args=render(action, f"action {action.id!r}"),
        description=action.description,
        approval_hint=action.approval,
        rollback=None
        if rollback is None
        else ProposedCall(tool=rollback.tool, args=render(rollback, f"rollback of {action.id!r}")),
    )


def _suggest(item: str, known: Collection[str]) -> str:
    matches = difflib.get_close_matches(item, list(known), n=3, cutoff=0.6)
    return f" (did you mean {', '.join(repr(m) for m in matches)}?)" if matches else ""
