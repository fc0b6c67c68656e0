"""Notification bodies per receiver kind: what a Slack, Teams, Jira, PagerDuty, email or file receiver is sent.

A renderer turns one `Notification` into the JSON body its receiver kind expects; the outbox stores that body, so
a row shows exactly what went out. Secrets (webhook URLs, the PagerDuty routing key) are added by the sender at
delivery time and never rendered. Register another kind with `@renderer("kind")`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipeline.alerts.notifications import AlertSummary, Notification
from tools.receivers import EmailReceiver, JiraReceiver, ReceiverConfig, SlackReceiver

__all__ = ["RENDERERS", "render_notification", "renderer"]

Renderer = Callable[[Notification, ReceiverConfig | None], dict[str, Any]]
RENDERERS: dict[str, Renderer] = {}
_PAGERDUTY_SEVERITY = {"critical": "critical", "high": "error", "medium": "warning", "low": "info"}
_JIRA_PRIORITY = {"critical": "Highest", "high": "High", "medium": "Medium", "low": "Low"}
_MAX_LINES = 12


def renderer(kind: str) -> Callable[[Renderer], Renderer]:
    """Register the body renderer for a receiver kind."""

    def register(function: Renderer) -> Renderer:
        RENDERERS[kind] = function
        return function

    return register


def render_notification(notification: Notification, kind: str, receiver: ReceiverConfig | None) -> dict[str, Any]:
    """The body for a receiver of `kind` (`file`, `console`, `webhook`: the notification itself)."""
    function = RENDERERS.get(kind)
    if function is None:
        known = ", ".join(sorted(RENDERERS))
        raise ValueError(f"no renderer for receiver kind {kind!r}; registered: {known}")
    return function(notification, receiver)


def _severity(notification: Notification) -> str:
    order = ("critical", "high", "medium", "low")
    found = [a.severity for a in notification.alerts if a.severity in order]
    return min(found, key=order.index) if found else "low"


def _alert_lines(alert: AlertSummary) -> list[str]:
    lines = [f"[{alert.status}] {alert.summary}"]
    if alert.status == "firing":
        if alert.playbook:
            lines.append(f"  next action: playbook {alert.playbook}")
        if alert.incident_id:
            lines.append(f"  incident: {alert.incident_id}")
        lines += [f'  - {ref.review_id}: "{ref.snippet}"' for ref in alert.reviews]
    return lines


def _text(notification: Notification) -> str:
    lines = [line for alert in notification.alerts for line in _alert_lines(alert)]
    if len(lines) > _MAX_LINES:
        lines = [*lines[:_MAX_LINES], f"... and {len(lines) - _MAX_LINES} more lines"]
    return "\n".join(lines)


def _reference(notification: Notification) -> dict[str, Any]:
    """What every shaped body carries so the receiving side can correlate: group, status, reason, incidents."""
    return {
        "group_key": notification.group_key,
        "status": notification.status,
        "reason": notification.reason,
        "incident_ids": sorted({a.incident_id for a in notification.alerts if a.incident_id}),
        "alert_ids": [a.alert_id for a in notification.alerts],
        "rules_version": notification.rules_version,
        "routing_version": notification.routing_version,
    }


@renderer("file")
@renderer("console")
@renderer("webhook")
def _as_is(notification: Notification, receiver: ReceiverConfig | None) -> dict[str, Any]:
    return notification.model_dump(mode="json")


@renderer("slack")
def _slack(notification: Notification, receiver: ReceiverConfig | None) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": notification.title[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _text(notification)[:2900]}},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"group `{notification.group_key}` · {notification.reason}"}],
        },
    ]
    body: dict[str, Any] = {"text": notification.title, "blocks": blocks, "reviewops": _reference(notification)}
    if isinstance(receiver, SlackReceiver):
        body["channel"] = receiver.channel or receiver.target
    return body


@renderer("teams")
def _teams(notification: Notification, receiver: ReceiverConfig | None) -> dict[str, Any]:
    facts = [
        {"title": "status", "value": f"{notification.status} ({notification.reason})"},
        {"title": "severity", "value": _severity(notification)},
        {"title": "group", "value": notification.group_key},
    ]
    card = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "size": "Medium", "weight": "Bolder", "text": notification.title, "wrap": True},
            {"type": "FactSet", "facts": facts},
            {"type": "TextBlock", "text": _text(notification), "wrap": True},
        ],
    }
    return {
        "type": "message",
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}],
        "reviewops": _reference(notification),
    }


@renderer("jira")
def _jira(notification: Notification, receiver: ReceiverConfig | None) -> dict[str, Any]:
    project = receiver.project if isinstance(receiver, JiraReceiver) and receiver.project else None
    if project is None:
        project = receiver.target if receiver is not None else notification.receiver.split(":", 1)[-1]
    severity = _severity(notification)
    labels = sorted({"reviewops", *(a.labels.get("topic", "").replace(".", "_") for a in notification.alerts)} - {""})
    return {
        "fields": {
            "project": {"key": project},
            "issuetype": {"name": receiver.issue_type if isinstance(receiver, JiraReceiver) else "Bug"},
            "summary": notification.title[:255],
            "description": _text(notification),
            "priority": {"name": _JIRA_PRIORITY.get(severity, "Medium")},
            "labels": labels,
        },
        "reviewops": _reference(notification),
    }


@renderer("pagerduty")
def _pagerduty(notification: Notification, receiver: ReceiverConfig | None) -> dict[str, Any]:
    first = notification.alerts[0] if notification.alerts else None
    return {
        "event_action": "resolve" if notification.status == "resolved" else "trigger",
        "dedup_key": notification.group_key[:255],
        "payload": {
            "summary": notification.title[:1024],
            "source": "reviewops",
            "severity": _PAGERDUTY_SEVERITY.get(_severity(notification), "warning"),
            "component": (first.labels.get("scope", "") if first else ""),
            "group": (first.labels.get("topic", "") if first else ""),
            "class": (first.rule if first else ""),
            "custom_details": {"text": _text(notification), **_reference(notification)},
        },
    }


@renderer("email")
def _email(notification: Notification, receiver: ReceiverConfig | None) -> dict[str, Any]:
    to = receiver.recipients() if isinstance(receiver, EmailReceiver) else [notification.receiver.split(":", 1)[-1]]
    footer = f"\n\n--\ngroup {notification.group_key} · {notification.reason} · rules {notification.rules_version}"
    return {"to": to, "subject": notification.title, "text": _text(notification) + footer}
