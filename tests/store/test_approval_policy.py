"""Specification of the approval policy: rule matching, the safety floor, roles, decisions and config errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from store.approval_policy import (
    APPROVERS,
    ApprovalPolicy,
    ApprovalRequirement,
    Decision,
    DecisionNotAllowed,
    PolicyContext,
    can_decide,
    check_decision,
    load_approval_policy,
)
from store.schemas import Urgency
from store.settings import PROJECT_ROOT
from store.yaml_config import ConfigError, parse_yaml_model

SIDE_EFFECTING = [
    "open_ticket",
    "post_message",
    "page_oncall",
    "freeze_listing",
    "unfreeze_listing",
    "update_sizing_guidance",
    "add_listing_note",
    "notify_qa",
    "request_sample_inspection",
    "contact_carrier",
    "offer_service_recovery",
]
NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
LOW = PolicyContext(severity=Urgency.low)
HIGH = PolicyContext(severity=Urgency.high)
SAFETY = PolicyContext(severity=Urgency.high, flags=frozenset({"safety_hazard"}))
LEGAL = PolicyContext(severity=Urgency.medium, flags=frozenset({"legal_threat"}))

# Line numbers matter: the error tests below point at them.
SMALL = """\
version: "1"
rules:
  - id: notify
    tools: [post_message]
    approver: auto
  - id: listing
    tools: ["*_listing"]
    approver: human
    role: approver
    timeout_hours: 8
    on_timeout: escalate
  - id: loud
    tools: [page_*]
    approver: human
    role: admin
    timeout_hours: 1
    min_severity: high
"""


@pytest.fixture(scope="module")
def policy() -> ApprovalPolicy:
    return load_approval_policy(PROJECT_ROOT / "config" / "approval_policy.yaml")


@pytest.fixture
def small() -> ApprovalPolicy:
    return parse_yaml_model(SMALL, ApprovalPolicy)


def decision(kind: str, role: str | None = "approver", **fields: object) -> Decision:
    return Decision.model_validate({"kind": kind, "actor": "ann", "role": role, "at": NOW, **fields})


# --- matching -------------------------------------------------------------------------------------------------


def test_first_matching_rule_decides(small: ApprovalPolicy) -> None:
    assert small.requirement_for("post_message", LOW).approver == "auto"
    freeze = small.requirement_for("freeze_listing", LOW)
    assert (freeze.approver, freeze.roles, freeze.timeout_hours, freeze.on_timeout) == (
        "human",
        ("approver",),
        8,
        "escalate",
    )
    assert freeze.escalate_to == ("admin",)
    assert "rule 'listing'" in freeze.reason and freeze.policy_version == "1"


def test_a_tool_no_rule_matches_is_rejected(small: ApprovalPolicy) -> None:
    requirement = small.requirement_for("refund_everyone", HIGH)
    assert requirement.approver == "reject"
    assert "no rule matches" in requirement.reason


def test_severity_condition_limits_a_rule(small: ApprovalPolicy) -> None:
    assert small.requirement_for("page_oncall", HIGH).roles == ("admin",)
    assert small.requirement_for("page_oncall", LOW).approver == "reject"  # the only rule needs high severity


def test_read_only_tools_need_no_approval_even_on_safety_incidents(small: ApprovalPolicy) -> None:
    for context in (LOW, SAFETY):
        requirement = small.requirement_for("sku_stats", context, side_effect=False)
        assert requirement.approver == "auto"
        assert requirement.reason == "read-only tool"


def test_forgetting_side_effect_can_only_make_it_stricter(small: ApprovalPolicy) -> None:
    assert small.requirement_for("sku_stats", LOW).approver == "reject"


# --- the safety floor -----------------------------------------------------------------------------------------


def test_safety_floor_turns_auto_into_qa_or_legal(small: ApprovalPolicy) -> None:
    requirement = small.requirement_for("post_message", SAFETY)
    assert requirement.approver == "human"
    assert requirement.roles == ("qa_lead", "legal")
    assert (requirement.timeout_hours, requirement.on_timeout, requirement.escalate_to) == (4, "escalate", ("legal",))
    assert "safety floor" in requirement.reason


def test_safety_floor_replaces_other_roles_and_keeps_the_shorter_timeout(small: ApprovalPolicy) -> None:
    requirement = small.requirement_for("page_oncall", SAFETY)
    assert requirement.roles == ("qa_lead", "legal")
    assert requirement.timeout_hours == 1


def test_safety_floor_keeps_a_reject(small: ApprovalPolicy) -> None:
    assert small.requirement_for("refund_everyone", SAFETY).approver == "reject"


@pytest.mark.parametrize("tool", SIDE_EFFECTING)
def test_shipped_policy_never_runs_a_side_effect_on_a_safety_incident_without_qa_or_legal(
    policy: ApprovalPolicy, tool: str
) -> None:
    requirement = policy.requirement_for(tool, SAFETY)
    assert requirement.approver == "human"
    assert set(requirement.roles) <= {"qa_lead", "legal"} and requirement.roles
    assert not can_decide("approver", requirement)
    assert requirement.on_timeout == "escalate" and set(requirement.escalate_to) <= {"qa_lead", "legal"}


def test_safety_floor_config_cannot_hand_safety_to_other_roles() -> None:
    text = SMALL.replace('version: "1"\n', 'version: "1"\nsafety_floor:\n  roles: [qa_lead, approver]\n')
    with pytest.raises(ConfigError, match=r"<string>:3: safety_floor.roles\[1\]: role 'approver' may not decide"):
        parse_yaml_model(text, ApprovalPolicy)


# --- the shipped policy ---------------------------------------------------------------------------------------


def test_shipped_policy_defaults(policy: ApprovalPolicy) -> None:
    assert policy.requirement_for("open_ticket", HIGH).approver == "auto"
    assert policy.requirement_for("post_message", LOW).approver == "auto"
    assert policy.requirement_for("freeze_listing", HIGH).roles == ("approver",)
    assert policy.requirement_for("request_sample_inspection", LOW).roles == ("qa_lead",)
    assert policy.requirement_for("offer_service_recovery", LEGAL).roles == ("legal",)
    assert policy.requirement_for("offer_service_recovery", LOW).roles == ("approver",)
    assert policy.requirement_for("refund_all_orders", HIGH).approver == "reject"
    assert policy.requirement_for("send_email", HIGH).approver == "reject"


def test_shipped_policy_gates_every_customer_listing_and_partner_action(policy: ApprovalPolicy) -> None:
    internal = {"open_ticket", "post_message", "notify_qa"}
    for tool in SIDE_EFFECTING:
        expected = "auto" if tool in internal else "human"
        assert policy.requirement_for(tool, LOW).approver == expected, tool


# --- config errors --------------------------------------------------------------------------------------------


def test_unknown_approver_names_line_and_field() -> None:
    with pytest.raises(ConfigError, match=r"<string>:5: rules\[0\].approver: unknown approver 'maybe'"):
        parse_yaml_model(SMALL.replace("approver: auto", "approver: maybe"), ApprovalPolicy)


def test_human_rule_needs_a_role() -> None:
    text = SMALL.replace("    role: approver\n", "")
    with pytest.raises(ConfigError, match=r"<string>:6: rules\[1\].role: a `human` rule needs `role`"):
        parse_yaml_model(text, ApprovalPolicy)


def test_auto_rule_cannot_name_a_role() -> None:
    text = SMALL.replace("approver: auto\n", "approver: auto\n    role: admin\n")
    with pytest.raises(ConfigError, match=r"rules\[0\].role: `role` only applies to `human` rules"):
        parse_yaml_model(text, ApprovalPolicy)


def test_unknown_role_and_flag_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"rules\[1\].role"):
        parse_yaml_model(SMALL.replace("role: approver", "role: intern"), ApprovalPolicy)
    with pytest.raises(ConfigError, match=r"rules\[2\].flags\[0\]: unknown flag 'angry'"):
        parse_yaml_model(SMALL.replace("min_severity: high", "flags: [angry]"), ApprovalPolicy)


def test_duplicate_rule_ids_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"<string>:12: rules\[2\].id: duplicate rule id 'listing'"):
        parse_yaml_model(SMALL.replace("id: loud", "id: listing"), ApprovalPolicy)


def test_missing_file_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_approval_policy(tmp_path / "nope.yaml")


def test_context_from_an_incident_keeps_only_raised_flags() -> None:
    incident = {"severity": "high", "flags": {"safety_hazard": True, "profanity": False}, "summary": "x"}
    assert PolicyContext.from_incident(incident).flags == {"safety_hazard"}
    with pytest.raises(TypeError, match="not probabilities"):
        PolicyContext.from_incident({"severity": "high", "flags": {"safety_hazard": 0.2}})


def test_builtin_approvers_are_registered() -> None:
    assert {"auto", "human", "reject"} <= set(APPROVERS)


# --- roles and decisions --------------------------------------------------------------------------------------


def human(*roles: str) -> ApprovalRequirement:
    return ApprovalRequirement.model_validate(
        {
            "tool": "freeze_listing",
            "approver": "human",
            "roles": roles,
            "timeout_hours": 8,
            "reason": "r",
            "policy_version": "1",
            "on_timeout": "escalate",
            "escalate_to": ("legal",),
        }
    )


def test_an_approver_cannot_decide_what_is_reserved_for_another_role() -> None:
    assert can_decide("qa_lead", human("qa_lead"))
    assert not can_decide("approver", human("qa_lead"))
    assert not can_decide("viewer", human("approver"))
    assert can_decide("admin", human("qa_lead", "legal"))


def test_nobody_decides_an_auto_or_rejected_requirement() -> None:
    auto = ApprovalRequirement(tool="x", approver="auto", reason="r", policy_version="1")
    assert not can_decide("admin", auto)
    with pytest.raises(DecisionNotAllowed, match="needs no human decision"):
        check_decision(decision("approve", role="admin"), auto)


def test_check_decision_says_who_may_decide() -> None:
    with pytest.raises(DecisionNotAllowed, match=r"'ann' \(role approver\) may not decide 'freeze_listing'.*qa_lead"):
        check_decision(decision("approve"), human("qa_lead"))
    check_decision(decision("approve", role="qa_lead"), human("qa_lead"))


def test_escalation_hands_the_gate_to_escalate_to() -> None:
    escalated = human("approver").escalated()
    assert escalated.roles == ("legal",)
    assert can_decide("legal", escalated) and not can_decide("approver", escalated)


def test_reject_needs_a_reason() -> None:
    with pytest.raises(ValidationError, match="a reject decision needs a reason"):
        decision("reject", reason="  ")
    assert decision("reject", reason="wrong SKU").reason == "wrong SKU"


def test_edit_carries_new_args_and_only_edit_does() -> None:
    with pytest.raises(ValidationError, match="an edit decision needs `args`"):
        decision("edit")
    with pytest.raises(ValidationError, match="only an edit decision carries `args`"):
        decision("approve", args={"sku": "A"})
    assert decision("edit", args={"sku": "A"}).args == {"sku": "A"}


def test_decisions_need_an_aware_time_and_a_known_role() -> None:
    with pytest.raises(ValidationError, match="timezone-aware"):
        decision("approve", at=datetime(2026, 11, 2, 12, 0))
    with pytest.raises(ValidationError):
        decision("approve", role="ceo")


def test_timeout_never_approves() -> None:
    requirement = human("approver")
    assert requirement.deadline(NOW) == NOW + timedelta(hours=8)
    timed_out = Decision.timed_out(requirement, NOW + timedelta(hours=8))
    assert (timed_out.kind, timed_out.actor, timed_out.role) == ("escalate", "policy:timeout", None)
    check_decision(timed_out, requirement)
    with pytest.raises(DecisionNotAllowed, match="may only apply the timeout outcome"):
        check_decision(decision("approve", role=None), requirement)
