"""Notification bodies per receiver kind carry the title, the numbers, the next action, reviews and the incident."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.alerts import Notification, render_notification
from pipeline.alerts.evidence import ReviewRef
from pipeline.alerts.notifications import AlertSummary
from tools.receivers import JiraReceiver, SlackReceiver

AT = datetime(2026, 11, 5, 8, 0, tzinfo=UTC)


def notification(status: str = "firing", severity: str = "high") -> Notification:
    alert = AlertSummary(
        alert_id=7, fingerprint="f", status=status, rule="sku_topic_spike", severity=severity,
        summary="sku=JKT-0125: 6 reports about product_quality.defect in 1 day",
        labels={"scope": "sku=JKT-0125", "topic": "product_quality.defect"}, starts_at=AT, ends_at=None,
        playbook="defective_product", incident_id="INC-abc", numbers={"observed": 6},
        reviews=[ReviewRef(review_id="storefront:R1", created_at=AT, sentiment="negative", snippet="zip broke")],
    )  # fmt: skip
    return Notification(
        title="[FIRING:1] sku=JKT-0125 product_quality.defect", receiver="jira:QA", status=status,
        reason="new" if status == "firing" else "resolved", group_key="root/jira:QA/scope=sku=JKT-0125",
        group_labels={}, common_labels={}, route="root", rules_version="r1", routing_version="t1", sent_at=AT,
        alerts=[alert],
    )  # fmt: skip


def test_file_and_generic_webhook_receivers_get_the_notification_itself():
    body = render_notification(notification(), "file", None)
    assert body == notification().model_dump(mode="json")
    assert render_notification(notification(), "webhook", None)["version"] == "reviewops.alerts/1"


def test_slack_gets_blocks_with_the_next_action_reviews_and_incident():
    body = render_notification(notification(), "slack", SlackReceiver(name="slack:#quality", url="https://h.example"))
    text = body["blocks"][1]["text"]["text"]
    assert body["channel"] == "#quality" and body["text"].startswith("[FIRING:1]")
    assert "playbook defective_product" in text and "incident: INC-abc" in text and "storefront:R1" in text


def test_teams_gets_an_adaptive_card():
    body = render_notification(notification(), "teams", None)
    (attachment,) = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["content"]["body"][0]["text"].startswith("[FIRING:1]")


def test_jira_gets_issue_fields_with_priority_from_severity():
    body = render_notification(notification(severity="critical"), "jira", JiraReceiver(name="jira:QA", url_env="J"))
    fields = body["fields"]
    assert fields["project"] == {"key": "QA"} and fields["priority"] == {"name": "Highest"}
    assert fields["labels"] == ["product_quality_defect", "reviewops"] and body["reviewops"]["incident_ids"] == [
        "INC-abc"
    ]


def test_pagerduty_triggers_and_resolves_on_one_dedup_key():
    fired = render_notification(notification(), "pagerduty", None)
    resolved = render_notification(notification("resolved"), "pagerduty", None)
    assert (fired["event_action"], resolved["event_action"]) == ("trigger", "resolve")
    assert fired["dedup_key"] == resolved["dedup_key"] and fired["payload"]["severity"] == "error"
    assert "routing_key" not in fired  # added by the sender at delivery time


def test_email_has_recipients_subject_and_text():
    mail = notification().model_copy(update={"receiver": "email:returns@shop.example"})
    body = render_notification(mail, "email", None)
    assert body["to"] == ["returns@shop.example"]
    assert body["subject"].startswith("[FIRING:1]") and "zip broke" in body["text"]


def test_an_unknown_kind_names_the_registered_ones():
    with pytest.raises(ValueError, match="registered: console, email, file"):
        render_notification(notification(), "fax", None)
