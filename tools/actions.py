"""The playbook tool registry and the side-effecting tools.

A tool is a pure function from validated arguments (a pydantic model with bounded strings and enumerations) to
the payload its receiver expects (Jira-, Slack-, PagerDuty-shaped, or a storefront/QA/carrier/CRM event).
Running a side-effecting tool only stores that payload in the outbox (`enqueue_action`); the outbox delivers it.
Read-only tools (tools/readonly.py) build a query request instead and never need approval.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy.orm import Session

from store.approval_policy import ApprovalPolicy, ApprovalRequirement, Decision, PolicyContext
from store.outbox_tables import OutboxRow
from store.playbooks import PlaybookLibrary, load_playbooks
from store.taxonomy import Taxonomy
from tools.outbox import enqueue

__all__ = [
    "PlaybookTool",
    "ToolArgsError",
    "approval_requirement",
    "build_payload",
    "edited_args",
    "enqueue_action",
    "get_tool",
    "playbook_library",
    "playbook_tool",
    "registered_tool_names",
    "validate_args",
]

A = TypeVar("A", bound=BaseModel)
PayloadBuilder = Callable[[Any], dict[str, Any]]


@dataclass(frozen=True)
class PlaybookTool:
    """A registered tool: its name, argument model, whether it has side effects, and its payload builder."""

    name: str
    args_model: type[BaseModel]
    side_effect: bool
    receiver: str | None
    """The outbox receiver (e.g. `jira`, `slack`) for side-effecting tools; None for read-only ones."""
    build: PayloadBuilder
    description: str


_REGISTRY: dict[str, PlaybookTool] = {}


def playbook_tool(
    name: str, args_model: type[A], *, side_effect: bool = True, receiver: str | None = None
) -> Callable[[Callable[[A], dict[str, Any]]], Callable[[A], dict[str, Any]]]:
    """Register a payload builder as tool `name`; side-effecting tools must name their outbox `receiver`."""
    if side_effect and receiver is None:
        raise ValueError(f"side-effecting tool {name!r} needs a receiver")

    def register(build: Callable[[A], dict[str, Any]]) -> Callable[[A], dict[str, Any]]:
        if name in _REGISTRY:
            raise ValueError(f"tool {name!r} is already registered (by {_REGISTRY[name].build.__module__})")
        description = (build.__doc__ or "").strip().split("\n")[0]
        _REGISTRY[name] = PlaybookTool(
            name, args_model, side_effect, receiver if side_effect else None, build, description
        )
        return build

    return register


def get_tool(name: str) -> PlaybookTool:
    """The registered tool `name`; KeyError lists the registered names."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown tool {name!r}; registered tools: {', '.join(sorted(_REGISTRY))}") from None


def registered_tool_names(*, side_effect: bool | None = None) -> list[str]:
    """Registered tool names, sorted; filter by `side_effect` if given."""
    return sorted(n for n, t in _REGISTRY.items() if side_effect is None or t.side_effect == side_effect)


class ToolArgsError(ValueError):
    """Arguments that do not fit a tool's argument model; the message names the tool, field and value."""


def validate_args(tool_name: str, args: Mapping[str, Any]) -> BaseModel:
    """Validate `args` against the tool's argument model (extra fields are refused)."""
    tool = get_tool(tool_name)
    try:
        return tool.args_model.model_validate(dict(args))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(args)'}: {err['msg']}"
            + (f" (got {str(err['input'])[:60]!r})" if err["type"] != "missing" else "")
            for err in exc.errors()
        )
        raise ToolArgsError(f"invalid arguments for tool {tool_name!r}: {problems}") from None


def build_payload(tool_name: str, args: Mapping[str, Any]) -> dict[str, Any]:
    """The payload (or read-only query request) the tool produces for `args`, after validating them."""
    return get_tool(tool_name).build(validate_args(tool_name, args))


def edited_args(tool_name: str, decision: Decision) -> dict[str, Any]:
    """The arguments an `edit` decision sets, re-validated against the tool's model (defaults filled in)."""
    if decision.kind != "edit" or decision.args is None:
        raise ValueError(f"decision by {decision.actor!r} is {decision.kind!r}, not an edit with args")
    return validate_args(tool_name, decision.args).model_dump(mode="json")


def approval_requirement(policy: ApprovalPolicy, tool_name: str, context: PolicyContext) -> ApprovalRequirement:
    """The policy's requirement for a registered tool, with `side_effect` taken from the registry."""
    return policy.requirement_for(tool_name, context, side_effect=get_tool(tool_name).side_effect)


def enqueue_action(
    session: Session,
    tool_name: str,
    args: Mapping[str, Any],
    *,
    key: str,
    incident_id: str | None = None,
    approved_by: str | None = None,
) -> OutboxRow:
    """Run a side-effecting tool: validate `args`, build its payload and store it in the outbox under `key`."""
    tool = get_tool(tool_name)
    if not tool.side_effect or tool.receiver is None:
        raise ValueError(f"tool {tool_name!r} is read-only; answer it with a query, not the outbox")
    model = validate_args(tool_name, args)
    return enqueue(
        session,
        key,
        tool_name,
        model.model_dump(mode="json"),
        tool.build(model),
        tool.receiver,
        incident_id=incident_id,
        approved_by=approved_by,
    )


def playbook_library(dir: Path | None = None, taxonomy: Taxonomy | None = None) -> PlaybookLibrary:
    """The playbooks in `dir` (default config/playbooks), validated against the registered tools and taxonomy."""
    return load_playbooks(dir, tool_names=registered_tool_names(), taxonomy=taxonomy)


# --- argument types -------------------------------------------------------------------------------------------

TOOL_ARGS_CONFIG = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
Sku = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
IncidentId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9:._-]{0,127}$")]
Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,63}$")]
"""A region, warehouse, supplier or carrier name."""
TopicId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")]
Label = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,49}$")]
Line = Annotated[str, Field(min_length=1, max_length=255)]
Note = Annotated[str, Field(min_length=1, max_length=1000)]
Body = Annotated[str, Field(min_length=1, max_length=4000)]
Severity = Literal["low", "medium", "high"]


class OpenTicketArgs(BaseModel):
    model_config = TOOL_ARGS_CONFIG
    project: Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9]{1,9}$")]
    summary: Line
    description: Body
    issue_type: Literal["Bug", "Task", "Incident"] = "Task"
    priority: Literal["Highest", "High", "Medium", "Low", "Lowest"] = "Medium"
    labels: list[Label] = Field(default_factory=list, max_length=10)
    incident_id: IncidentId


@playbook_tool("open_ticket", OpenTicketArgs, receiver="jira")
def open_ticket(args: OpenTicketArgs) -> dict[str, Any]:
    """Open a ticket (Jira REST `POST /rest/api/2/issue` shape) for the owning team."""
    return {
        "fields": {
            "project": {"key": args.project},
            "summary": args.summary,
            "description": args.description,
            "issuetype": {"name": args.issue_type},
            "priority": {"name": args.priority},
            "labels": list(dict.fromkeys(["reviewops", *args.labels])),
        },
        "properties": [{"key": "reviewops", "value": {"incident_id": args.incident_id}}],
    }


class PostMessageArgs(BaseModel):
    model_config = TOOL_ARGS_CONFIG
    channel: Annotated[str, Field(pattern=r"^#[a-z0-9][a-z0-9_-]{0,79}$")]
    text: Annotated[str, Field(min_length=1, max_length=3000)]
    incident_id: IncidentId


def _slack_escape(text: str) -> str:
    # Slack treats <...> as links and mentions (<!channel>); incident text is data, so it cannot ping or link.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@playbook_tool("post_message", PostMessageArgs, receiver="slack")
def post_message(args: PostMessageArgs) -> dict[str, Any]:
    """Post a message to a team channel (Slack `chat.postMessage` / incoming-webhook shape)."""
    text = _slack_escape(args.text)
    return {
        "channel": args.channel,
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"ReviewOps incident `{args.incident_id}`"}]},
        ],
        "unfurl_links": False,
        "unfurl_media": False,
    }


class PageOncallArgs(BaseModel):
    model_config = TOOL_ARGS_CONFIG
    service: Label
    """The on-call service; the PagerDuty receiver maps it to its integration (routing) key."""
    summary: Annotated[str, Field(min_length=1, max_length=1024)]
    severity: Literal["critical", "error", "warning", "info"] = "error"
    component: Label | None = None
    incident_id: IncidentId


@playbook_tool("page_oncall", PageOncallArgs, receiver="pagerduty")
def page_oncall(args: PageOncallArgs) -> dict[str, Any]:
    """Page the on-call (PagerDuty Events API v2 `trigger` shape; the routing key is added by the receiver)."""
    return {
        "event_action": "trigger",
        "dedup_key": args.incident_id,
        "payload": {
            "summary": args.summary,
            "source": "reviewops",
            "severity": args.severity,
            "component": args.component,
            "class": "customer_reviews",
            "custom_details": {"incident_id": args.incident_id, "service": args.service},
        },
        "client": "ReviewOps",
    }


class ListingAvailabilityArgs(BaseModel):
    model_config = TOOL_ARGS_CONFIG
    sku: Sku
    reason: Note
    incident_id: IncidentId


def _listing_event(kind: str, sku: str, incident_id: str, **fields: Any) -> dict[str, Any]:
    return {"type": f"listing.{kind}", "sku": sku, "incident_id": incident_id, "requested_by": "reviewops", **fields}


@playbook_tool("freeze_listing", ListingAvailabilityArgs, receiver="storefront")
def freeze_listing(args: ListingAvailabilityArgs) -> dict[str, Any]:
    """Take a listing off sale (storefront listing event)."""
    return _listing_event("freeze", args.sku, args.incident_id, reason=args.reason)


@playbook_tool("unfreeze_listing", ListingAvailabilityArgs, receiver="storefront")
def unfreeze_listing(args: ListingAvailabilityArgs) -> dict[str, Any]:
    """Put a frozen listing back on sale (storefront listing event)."""
    return _listing_event("unfreeze", args.sku, args.incident_id, reason=args.reason)


_RECOMMENDATION = {"runs_small": "size_up", "runs_large": "size_down", "true_to_size": "order_usual_size"}


class SizingGuidanceArgs(BaseModel):
    model_config = TOOL_ARGS_CONFIG
    sku: Sku
    fit: Literal["runs_small", "runs_large", "true_to_size"]
    recommendation: Literal["size_up", "size_down", "order_usual_size"]
    """Defaults to what `fit` calls for; if given, it must agree with `fit`."""
    note: Note
    incident_id: IncidentId

    @model_validator(mode="before")
    @classmethod
    def _default_recommendation(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("recommendation") is None and data.get("fit") in _RECOMMENDATION:
            return {**data, "recommendation": _RECOMMENDATION[data["fit"]]}
        return data

    @model_validator(mode="after")
    def _recommendation_matches_fit(self) -> SizingGuidanceArgs:
        expected = _RECOMMENDATION[self.fit]
        if self.recommendation != expected:
            raise ValueError(f"fit {self.fit!r} calls for recommendation {expected!r}, not {self.recommendation!r}")
        return self


@playbook_tool("update_sizing_guidance", SizingGuidanceArgs, receiver="storefront")
def update_sizing_guidance(args: SizingGuidanceArgs) -> dict[str, Any]:
    """Set the listing's fit note and size recommendation (storefront listing event)."""
    return _listing_event(
        "sizing_guidance", args.sku, args.incident_id, fit=args.fit, recommendation=args.recommendation, note=args.note
    )


class ListingNoteArgs(BaseModel):
    model_config = TOOL_ARGS_CONFIG
    sku: Sku
    section: Literal["description", "photos", "materials", "care", "general"]
    note: Note
    visibility: Literal["internal", "customer"] = "internal"
    incident_id: IncidentId


@playbook_tool("add_listing_note", ListingNoteArgs, receiver="storefront")
def add_listing_note(args: ListingNoteArgs) -> dict[str, Any]:
    """Add a note to a listing section, for merchandising (internal) or shoppers (customer)."""
    return _listing_event(
        "note", args.sku, args.incident_id, section=args.section, note=args.note, visibility=args.visibility
    )


class NotifyQaArgs(BaseModel):
    model_config = TOOL_ARGS_CONFIG
    sku: Sku
    topic: TopicId | Literal["safety_hazard"]
    severity: Severity
    summary: Body
    supplier: Name | None = None
    incident_id: IncidentId


@playbook_tool("notify_qa", NotifyQaArgs, receiver="qa")
def notify_qa(args: NotifyQaArgs) -> dict[str, Any]:
    """Tell quality assurance about a product problem (QA queue event)."""
    return {"type": "qa.notification", "requested_by": "reviewops", **args.model_dump(mode="json")}


class SampleInspectionArgs(BaseModel):
    model_config = TOOL_ARGS_CONFIG
    sku: Sku
    supplier: Name | None = None
    warehouse: Name | None = None
    sample_size: int = Field(default=5, ge=1, le=50)
    hold_stock: bool = False
    """Hold the remaining stock until the inspection reports."""
    reason: Note
    incident_id: IncidentId


@playbook_tool("request_sample_inspection", SampleInspectionArgs, receiver="qa")
def request_sample_inspection(args: SampleInspectionArgs) -> dict[str, Any]:
    """Ask QA to pull and inspect units from stock (QA queue event)."""
    return {"type": "qa.sample_inspection", "requested_by": "reviewops", **args.model_dump(mode="json")}


class ContactCarrierArgs(BaseModel):
    model_config = TOOL_ARGS_CONFIG
    carrier: Name
    region: Name | None = None
    warehouse: Name | None = None
    subject: Line
    message: Body
    incident_id: IncidentId


@playbook_tool("contact_carrier", ContactCarrierArgs, receiver="carrier")
def contact_carrier(args: ContactCarrierArgs) -> dict[str, Any]:
    """Open an inquiry with a carrier about delays or damage on a lane (carrier-relations event)."""
    return {
        "type": "carrier.inquiry",
        "carrier": args.carrier,
        "lane": {"region": args.region, "warehouse": args.warehouse},
        "subject": args.subject,
        "message": args.message,
        "reference": args.incident_id,
    }


class ServiceRecoveryArgs(BaseModel):
    model_config = TOOL_ARGS_CONFIG
    sku: Sku
    topic: TopicId | Literal["safety_hazard"]
    offer: Literal["apology_note", "free_return_label", "discount_10_percent", "expedited_replacement"]
    max_customers: int = Field(ge=1, le=500)
    """Upper bound on customers contacted; the CRM picks reviewers of the incident's SKU and topic."""
    incident_id: IncidentId


@playbook_tool("offer_service_recovery", ServiceRecoveryArgs, receiver="crm")
def offer_service_recovery(args: ServiceRecoveryArgs) -> dict[str, Any]:
    """Offer a fixed recovery gesture to affected customers (CRM campaign event); amounts are never free text."""
    return {
        "type": "crm.service_recovery",
        "audience": {"sku": args.sku, "topic": args.topic, "incident_id": args.incident_id},
        "offer": args.offer,
        "max_customers": args.max_customers,
    }
