"""The approval policy: which tool calls run at once, which wait for a person in a given role, which never run.

Rules are matched in order by tool-name glob, first match wins (like Inspect AI approval policies); a tool that no
rule matches is rejected. A requirement depends only on the tool name and trusted incident fields
(`PolicyContext`), never on review text, and on a safety incident every side-effecting tool needs a QA lead or
legal, whatever the rules say (the safety floor, enforced here in code and configured in the YAML).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from store.roles import ROLES, SAFETY_ROLES, Role
from store.schemas import FLAG_NAMES, Urgency
from store.settings import get_settings
from store.yaml_config import ConfigVersion, ensure_unique_ids, field_error, load_yaml_model, text_matching

__all__ = [
    "APPROVERS",
    "ROLES",
    "SAFETY_ROLES",
    "ApprovalPolicy",
    "ApprovalRequirement",
    "ApprovalRule",
    "Decision",
    "DecisionNotAllowed",
    "PolicyContext",
    "Role",
    "SafetyFloor",
    "approver",
    "can_decide",
    "check_decision",
    "load_approval_policy",
]

"""The only roles that may approve a side-effecting action on a safety incident (besides admin)."""

Outcome = Literal["auto", "human", "reject"]
TimeoutOutcome = Literal["reject", "escalate"]
DecisionKind = Literal["approve", "edit", "reject", "escalate"]

_CONFIG = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)
_SEVERITY_RANK = {Urgency.low: 0, Urgency.medium: 1, Urgency.high: 2}
_ToolGlob = Annotated[str, text_matching(r"[a-z0-9_*?\[\]!]+", "a tool name or glob such as `freeze_*`")]
_Hours = Annotated[float, Field(gt=0, le=24 * 30)]


def _known_flag(value: str) -> str:
    if value not in FLAG_NAMES:
        raise ValueError(f"unknown flag {value!r}; expected one of {', '.join(FLAG_NAMES)}")
    return value


_Flag = Annotated[str, AfterValidator(_known_flag)]


def _roles(value: Role | list[Role]) -> tuple[Role, ...]:
    return tuple(dict.fromkeys([value] if isinstance(value, str) else value))


class PolicyContext(BaseModel):
    """The trusted incident facts a requirement may depend on: severity and flags, never any text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    severity: Urgency
    """The incident's severity, as the router/agent computed it."""
    flags: frozenset[_Flag] = frozenset()
    """Flags raised on the incident, from store.schemas.FLAG_NAMES (e.g. `safety_hazard`)."""

    @property
    def safety(self) -> bool:
        """Whether this is a safety incident (the safety floor applies)."""
        return "safety_hazard" in self.flags

    @classmethod
    def from_incident(cls, incident: Mapping[str, Any]) -> PolicyContext:
        """Pick the trusted fields (`severity`, `flags`) from an incident record; every other field is ignored."""
        flags = incident.get("flags") or ()
        if isinstance(flags, Mapping):
            if not all(isinstance(raised, bool) for raised in flags.values()):
                raise TypeError("incident flags must be the raised flag names or {flag: true/false}, not probabilities")
            flags = [name for name, raised in flags.items() if raised]
        return cls(severity=incident["severity"], flags=frozenset(flags))


class ApprovalRule(BaseModel):
    """One policy rule: tools it covers (globs), the approver that decides, and the gate's timeout."""

    model_config = _CONFIG

    id: Annotated[str, text_matching(r"[a-z][a-z0-9_]*", "a snake_case rule id such as `listing_freeze`")]
    """Rule id, quoted in every requirement it produces and in the audit log."""
    tools: list[_ToolGlob] = Field(min_length=1)
    """Tool names or shell-style globs (`freeze_*`); the rule applies to a tool matching any of them."""
    approver: str
    """Registered approver: `auto` (runs at once), `human` (waits for `role`) or `reject` (never runs)."""
    role: Role | list[Role] | None = None
    """For `human`: the role (or roles) that may decide; an admin may always decide."""
    timeout_hours: _Hours | None = None
    """For `human`: how long the gate waits before `on_timeout` applies."""
    on_timeout: TimeoutOutcome = "reject"
    """What an unanswered gate becomes: `reject` or `escalate` (to `escalate_to`). Never approve."""
    escalate_to: tuple[Role, ...] = Field(default=("admin",), min_length=1)
    """Who decides after an escalation (by a person or by timeout)."""
    min_severity: Urgency | None = None
    """Only incidents at least this severe match the rule."""
    flags: list[_Flag] = Field(default_factory=list)
    """Only incidents carrying at least one of these flags match the rule."""

    @field_validator("approver")
    @classmethod
    def _approver_is_registered(cls, value: str) -> str:
        if value not in APPROVERS:
            raise ValueError(f"unknown approver {value!r}; expected one of {', '.join(sorted(APPROVERS))}")
        return value

    @model_validator(mode="after")
    def _human_rules_name_a_role_and_timeout(self) -> ApprovalRule:
        if self.approver == "human":
            if self.role is None:
                raise field_error("a `human` rule needs `role` (who may decide), e.g. `role: approver`", "role")
            if self.timeout_hours is None:
                raise field_error("a `human` rule needs `timeout_hours` (how long the gate waits)", "timeout_hours")
        elif self.role is not None:
            raise field_error(f"`role` only applies to `human` rules, not {self.approver!r}; remove it", "role")
        return self

    @property
    def roles(self) -> tuple[Role, ...]:
        """The roles that may decide under this rule (empty unless `human`)."""
        return () if self.role is None else _roles(self.role)

    def matches(self, tool_name: str, context: PolicyContext) -> bool:
        """Whether this rule covers `tool_name` for an incident with this context."""
        if not any(fnmatch.fnmatchcase(tool_name, pattern) for pattern in self.tools):
            return False
        if self.min_severity is not None and _SEVERITY_RANK[context.severity] < _SEVERITY_RANK[self.min_severity]:
            return False
        return not self.flags or bool(context.flags.intersection(self.flags))


class SafetyFloor(BaseModel):
    """What every side-effecting tool needs on a safety incident; only its timing is configurable."""

    model_config = _CONFIG

    roles: tuple[Role, ...] = Field(default=("qa_lead", "legal"), min_length=1)
    """Who may decide: a non-empty subset of `qa_lead`, `legal`."""
    timeout_hours: _Hours = 4.0
    """The longest a safety gate waits (a rule's shorter timeout wins)."""
    on_timeout: TimeoutOutcome = "escalate"
    """What an unanswered safety gate becomes."""
    escalate_to: tuple[Role, ...] = Field(default=("legal",), min_length=1)
    """Who decides a safety gate after escalation: a subset of `qa_lead`, `legal`."""

    @model_validator(mode="after")
    def _only_safety_roles(self) -> SafetyFloor:
        for name in ("roles", "escalate_to"):
            for index, role in enumerate(getattr(self, name)):
                if role not in SAFETY_ROLES:
                    raise field_error(
                        f"role {role!r} may not decide safety actions; use {' or '.join(sorted(SAFETY_ROLES))}",
                        name,
                        index,
                    )
        return self


class ApprovalRequirement(BaseModel):
    """What a proposed tool call needs before it may run, and why (the rule or floor that decided)."""

    model_config = ConfigDict(frozen=True)

    tool: str
    approver: Outcome
    """`auto`: run now; `human`: wait for a decision by one of `roles`; `reject`: never run."""
    roles: tuple[Role, ...] = ()
    """Who may decide a `human` requirement (an admin always may)."""
    timeout_hours: float | None = None
    """How long a `human` gate waits before `on_timeout` applies."""
    on_timeout: TimeoutOutcome = "reject"
    escalate_to: tuple[Role, ...] = ()
    """Who decides after an escalation."""
    reason: str
    """Which rule (or the floor, or no rule) produced this requirement."""
    policy_version: str

    def deadline(self, requested_at: datetime) -> datetime | None:
        """When a gate opened at `requested_at` times out (None when nothing waits for a person)."""
        if self.approver != "human" or self.timeout_hours is None:
            return None
        return requested_at + timedelta(hours=self.timeout_hours)

    def escalated(self) -> ApprovalRequirement:
        """The requirement after an escalation: the same gate, now decided by `escalate_to`."""
        if self.approver != "human":
            raise ValueError(f"only a human gate can be escalated; {self.tool!r} is {self.approver!r}")
        return self.model_copy(
            update={"roles": self.escalate_to, "on_timeout": "reject", "reason": f"{self.reason}; escalated"}
        )


ApproverFn = Callable[[ApprovalRule, str, PolicyContext, str], ApprovalRequirement]
APPROVERS: dict[str, ApproverFn] = {}
"""Registered approvers by name; the policy's `approver:` field names one of them."""


def approver(name: str) -> Callable[[ApproverFn], ApproverFn]:
    """Register an approver under `name`: a function (rule, tool, context, policy_version) -> requirement."""

    def register(fn: ApproverFn) -> ApproverFn:
        if name in APPROVERS:
            raise ValueError(f"approver {name!r} is already registered")
        APPROVERS[name] = fn
        return fn

    return register


def _rule_reason(rule: ApprovalRule) -> str:
    return f"rule {rule.id!r} (tools: {', '.join(rule.tools)})"


@approver("auto")
def _auto(rule: ApprovalRule, tool: str, context: PolicyContext, version: str) -> ApprovalRequirement:
    return ApprovalRequirement(tool=tool, approver="auto", reason=_rule_reason(rule), policy_version=version)


@approver("human")
def _human(rule: ApprovalRule, tool: str, context: PolicyContext, version: str) -> ApprovalRequirement:
    return ApprovalRequirement(
        tool=tool,
        approver="human",
        roles=rule.roles,
        timeout_hours=rule.timeout_hours,
        on_timeout=rule.on_timeout,
        escalate_to=rule.escalate_to,
        reason=_rule_reason(rule),
        policy_version=version,
    )


@approver("reject")
def _reject(rule: ApprovalRule, tool: str, context: PolicyContext, version: str) -> ApprovalRequirement:
    return ApprovalRequirement(tool=tool, approver="reject", reason=_rule_reason(rule), policy_version=version)


class ApprovalPolicy(BaseModel):
    """The approval policy as loaded from config/approval_policy.yaml."""

    model_config = _CONFIG

    version: ConfigVersion
    """Policy version, recorded on every requirement (and so on every audited decision)."""
    safety_floor: SafetyFloor = Field(default_factory=SafetyFloor)
    """The requirement floor for side-effecting tools on safety incidents; always applied."""
    rules: list[ApprovalRule]
    """Ordered rules; the first that matches a tool decides; no match means reject."""

    @model_validator(mode="after")
    def _rule_ids_are_unique(self) -> ApprovalPolicy:
        ensure_unique_ids((rule.id for rule in self.rules), "rules", "rule id")
        return self

    def requirement_for(
        self, tool_name: str, context: PolicyContext, *, side_effect: bool = True
    ) -> ApprovalRequirement:
        """What running `tool_name` needs for an incident with `context`.

        `side_effect` comes from the tool registry (code), never from config or text; it defaults to True so that
        forgetting it can only make the requirement stricter. Read-only tools never need approval.
        """
        if not isinstance(context, PolicyContext):
            raise TypeError(f"context must be a PolicyContext (trusted fields only), got {type(context).__name__}")
        if not side_effect:
            return ApprovalRequirement(
                tool=tool_name, approver="auto", reason="read-only tool", policy_version=self.version
            )
        rule = next((rule for rule in self.rules if rule.matches(tool_name, context)), None)
        if rule is None:
            requirement = ApprovalRequirement(
                tool=tool_name,
                approver="reject",
                reason="no rule matches this tool; unmatched tools are rejected",
                policy_version=self.version,
            )
        else:
            requirement = APPROVERS[rule.approver](rule, tool_name, context, self.version)
        if context.safety and requirement.approver != "reject":
            requirement = self._apply_safety_floor(requirement)
        return requirement

    def _apply_safety_floor(self, requirement: ApprovalRequirement) -> ApprovalRequirement:
        floor = self.safety_floor
        roles = tuple(role for role in requirement.roles if role in SAFETY_ROLES) or floor.roles
        timeout = min(requirement.timeout_hours or floor.timeout_hours, floor.timeout_hours)
        return ApprovalRequirement(
            tool=requirement.tool,
            approver="human",
            roles=roles,
            timeout_hours=timeout,
            on_timeout=floor.on_timeout,
            escalate_to=floor.escalate_to,
            reason=f"{requirement.reason}; safety floor: {' or '.join(roles)} must decide",
            policy_version=requirement.policy_version,
        )


def load_approval_policy(path: Path | None = None) -> ApprovalPolicy:
    """Load and validate the policy (default `<config_dir>/approval_policy.yaml`); errors name file, line, field."""
    return load_yaml_model(path or get_settings().config_dir / "approval_policy.yaml", ApprovalPolicy)


class Decision(BaseModel):
    """A decision on one approval gate: what was decided, by whom (and in which role), when and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: DecisionKind
    """`approve`, `edit` (approve with changed `args`), `reject` or `escalate`."""
    actor: str = Field(min_length=1, max_length=128)
    """Who decided: a user or API-key name, or `policy:timeout` for a gate that timed out."""
    role: Role | None
    """The role the actor decided in; None only for the policy itself (timeouts)."""
    at: datetime
    """When the decision was made (timezone-aware)."""
    reason: str | None = Field(default=None, max_length=2000)
    """Why; required to reject."""
    args: dict[str, Any] | None = None
    """For `edit`: the new tool arguments, re-validated against the tool's argument model before anything runs."""

    @model_validator(mode="after")
    def _fields_fit_the_kind(self) -> Decision:
        if self.at.tzinfo is None:
            raise ValueError(f"`at` must be timezone-aware (got naive {self.at.isoformat()}); attach tzinfo=UTC")
        if self.kind == "reject" and not (self.reason or "").strip():
            raise ValueError("a reject decision needs a reason; say why the action must not run")
        if self.kind == "edit" and self.args is None:
            raise ValueError("an edit decision needs `args`, the changed tool arguments")
        if self.kind != "edit" and self.args is not None:
            raise ValueError(f"only an edit decision carries `args`, not {self.kind!r}; use kind `edit`")
        return self

    @classmethod
    def timed_out(cls, requirement: ApprovalRequirement, at: datetime) -> Decision:
        """The decision the policy makes for a gate nobody answered in time (reject or escalate, never approve)."""
        return cls(
            kind=requirement.on_timeout,
            actor="policy:timeout",
            role=None,
            at=at,
            reason=f"no decision within {requirement.timeout_hours:g} h ({requirement.reason})",
        )


class DecisionNotAllowed(PermissionError):
    """A decision the actor's role may not make on this gate; the message says who may."""


def can_decide(role: Role, requirement: ApprovalRequirement) -> bool:
    """Whether someone in `role` may decide a gate with this requirement (admins may decide every human gate)."""
    if requirement.approver != "human":
        return False
    return role == "admin" or role in requirement.roles


def check_decision(decision: Decision, requirement: ApprovalRequirement) -> None:
    """Raise DecisionNotAllowed unless `decision` may be applied to a gate with `requirement`."""
    if requirement.approver != "human":
        raise DecisionNotAllowed(
            f"{requirement.tool!r} needs no human decision (policy says {requirement.approver!r}: {requirement.reason})"
        )
    if decision.role is None:
        if decision.kind != requirement.on_timeout:
            raise DecisionNotAllowed(
                f"the policy itself may only apply the timeout outcome {requirement.on_timeout!r}, "
                f"not {decision.kind!r}"
            )
        return
    if not can_decide(decision.role, requirement):
        raise DecisionNotAllowed(
            f"{decision.actor!r} (role {decision.role}) may not decide {requirement.tool!r}: "
            f"the policy reserves it for {' or '.join(requirement.roles)} ({requirement.reason})"
        )
