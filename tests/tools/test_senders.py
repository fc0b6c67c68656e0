"""Specification of senders: webhook delivery over httpx (MockTransport, no network), files, console, resolution."""

from __future__ import annotations

import io
import json
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from tests.tools.smtp import free_port, smtp_server
from tools.senders import (
    ConsoleSender,
    FileSender,
    NotificationFileSender,
    Senders,
    SenderSettings,
    SmtpSender,
    WebhookSender,
    resolve_sender,
)

URL = "https://hooks.example/slack"
PAYLOAD = {"channel": "#qa", "text": "hello"}


def webhook(handler: httpx.MockTransport | None = None, status: int = 200, body: str = "ok") -> WebhookSender:
    transport = handler or httpx.MockTransport(lambda request: httpx.Response(status, text=body))
    return WebhookSender({"slack": URL}, client=httpx.Client(transport=transport))


def test_webhook_posts_json_with_the_idempotency_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    result = webhook(httpx.MockTransport(handler)).send(PAYLOAD, "slack", idempotency_key="k-1")
    assert result.ok and result.status_code == 200 and result.body == '{"ok":true}'
    (request,) = seen
    assert (request.method, str(request.url)) == ("POST", URL)
    assert request.headers["Idempotency-Key"] == "k-1"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == PAYLOAD


@pytest.mark.parametrize("status", [500, 502, 503, 408, 429])
def test_server_errors_and_throttling_are_retryable(status: int) -> None:
    result = webhook(status=status, body="busy").send(PAYLOAD, "slack", idempotency_key="k")
    assert not result.ok and result.retryable
    assert result.status_code == status and result.error == f"slack answered HTTP {status}"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_final(status: int) -> None:
    result = webhook(status=status, body="bad payload").send(PAYLOAD, "slack", idempotency_key="k")
    assert not result.ok and not result.retryable
    assert result.body == "bad payload"


@pytest.mark.parametrize(
    "error", [httpx.ReadTimeout("slow"), httpx.ConnectTimeout("slow"), httpx.ConnectError("refused")]
)
def test_timeouts_and_transport_errors_are_retryable(error: Exception) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    result = webhook(httpx.MockTransport(handler)).send(PAYLOAD, "slack", idempotency_key="k")
    assert not result.ok and result.retryable and result.status_code is None
    assert "slack" in (result.error or "")


def test_response_body_is_truncated() -> None:
    result = webhook(status=500, body="x" * 10_000).send(PAYLOAD, "slack", idempotency_key="k")
    assert len(result.body) == 2_000


def test_receiver_without_a_url_is_a_final_failure() -> None:
    result = webhook().send(PAYLOAD, "jira", idempotency_key="k")
    assert not result.ok and not result.retryable
    assert result.error == "no webhook URL configured for receiver 'jira'"


def test_file_sender_appends_one_json_line_per_delivery(tmp_path: Path) -> None:
    sender = FileSender(tmp_path / "outbox")
    assert sender.send(PAYLOAD, "slack", idempotency_key="k-1").ok
    assert sender.send({"text": "second"}, "slack", idempotency_key="k-2").ok
    lines = (tmp_path / "outbox" / "slack.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["idempotency_key"] for r in records] == ["k-1", "k-2"]
    assert records[0]["payload"] == PAYLOAD and records[0]["receiver"] == "slack"


def test_file_sender_refuses_receiver_names_that_are_not_file_names(tmp_path: Path) -> None:
    result = FileSender(tmp_path).send(PAYLOAD, "../../etc/passwd", idempotency_key="k")
    assert not result.ok and not result.retryable
    assert "receiver name" in (result.error or "")
    assert list(tmp_path.iterdir()) == []


def test_console_sender_writes_json_lines() -> None:
    stream = io.StringIO()
    assert ConsoleSender(stream).send(PAYLOAD, "slack", idempotency_key="k").ok
    assert json.loads(stream.getvalue())["payload"] == PAYLOAD


def test_settings_read_webhook_urls_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REVIEWOPS_WEBHOOKS", json.dumps({"slack": URL}))
    monkeypatch.setenv("REVIEWOPS_HOME", str(tmp_path))
    settings = SenderSettings()
    assert settings.webhooks == {"slack": URL}
    assert settings.outbox_dir == tmp_path / "outbox"


def test_settings_refuse_non_http_urls() -> None:
    with pytest.raises(ValidationError, match="must start with http:// or https://"):
        SenderSettings(webhooks={"slack": "file:///etc/passwd"})


def test_resolve_sender_uses_the_webhook_when_configured_else_the_local_fallback(tmp_path: Path) -> None:
    settings = SenderSettings(home=tmp_path, webhooks={"slack": URL})
    assert isinstance(resolve_sender("slack", settings), WebhookSender)
    file_sender = resolve_sender("jira", settings)
    assert isinstance(file_sender, FileSender) and file_sender.directory == tmp_path / "outbox"
    console = SenderSettings(home=tmp_path, outbox_fallback="console")
    assert isinstance(resolve_sender("jira", console), ConsoleSender)


def test_senders_reuse_one_sender_per_receiver(tmp_path: Path) -> None:
    senders = Senders(SenderSettings(home=tmp_path, webhooks={"slack": URL}))
    assert senders("slack") is senders("slack")
    assert senders("jira") is not senders("slack")
    senders.close()


def test_webhook_extra_fields_are_added_at_send_time_not_stored() -> None:
    seen: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda request: seen.append(request) or httpx.Response(202))
    sender = WebhookSender({"pd": URL}, client=httpx.Client(transport=transport), extra_fields={"routing_key": "s3"})
    payload = {"event_action": "trigger"}
    assert sender.send(payload, "pd", idempotency_key="k").ok
    assert json.loads(seen[0].content) == {"event_action": "trigger", "routing_key": "s3"}
    assert payload == {"event_action": "trigger"}


def test_smtp_sender_delivers_to_a_real_smtp_server_with_a_key_derived_message_id() -> None:
    with smtp_server() as (mailbox, port):
        sender = SmtpSender("127.0.0.1", port, sender="reviewops@shop.example")
        email = {"to": ["returns@shop.example"], "subject": "[FIRING:1] refunds", "text": "12 complaints"}
        first = sender.send(email, "email:returns@shop.example", idempotency_key="alerts:abc:new:1")
        second = sender.send(email, "email:returns@shop.example", idempotency_key="alerts:abc:new:1")
    assert first.ok and second.ok
    one, again = mailbox.messages
    assert (one["From"], one["To"], one["Subject"]) == ("reviewops@shop.example", "returns@shop.example",
                                                        "[FIRING:1] refunds")  # fmt: skip
    assert one["X-Idempotency-Key"] == "alerts:abc:new:1"
    assert one["Message-ID"] == again["Message-ID"]  # a re-sent mail is recognisable as the same one
    assert one.get_payload().strip() == "12 complaints"


@pytest.mark.parametrize(("reply", "retryable"), [("550 5.1.1 no such mailbox", False), ("451 4.3.0 busy", True)])
def test_smtp_rejections_are_final_for_5xx_and_retryable_for_4xx(reply: str, retryable: bool) -> None:
    with smtp_server() as (mailbox, port):
        mailbox.reject["qa@shop.example"] = reply
        result = SmtpSender("127.0.0.1", port).send(
            {"to": ["qa@shop.example"], "subject": "s", "text": "t"}, "email:qa@shop.example", idempotency_key="k"
        )
    assert not result.ok and result.retryable is retryable
    assert result.status_code == int(reply[:3]) and "answered SMTP" in (result.error or "")
    assert mailbox.messages == []


def test_smtp_server_down_is_retryable_and_a_non_email_payload_is_final() -> None:
    port = free_port()
    down = SmtpSender("127.0.0.1", port, timeout=2).send(
        {"to": ["a@b.example"], "subject": "s", "text": "t"}, "email:a@b.example", idempotency_key="k"
    )
    assert not down.ok and down.retryable and "cannot send mail" in (down.error or "")
    wrong = SmtpSender("127.0.0.1", port).send({"text": "slack-shaped"}, "email:a@b.example", idempotency_key="k")
    assert not wrong.ok and not wrong.retryable and "needs `to`" in (wrong.error or "")


def test_notification_file_sender_writes_each_key_once_even_after_a_torn_line(tmp_path: Path) -> None:
    path = tmp_path / "pagerduty_safety-oncall.jsonl"
    path.write_text('{"title": "a", "idempotency_key": "k1"}\n{"title": "torn', encoding="utf-8")
    path.write_text(path.read_text() + "\n", encoding="utf-8")
    sender = NotificationFileSender(tmp_path)
    assert sender.send({"title": "a"}, "pagerduty:safety-oncall", idempotency_key="k1").body.startswith("already")
    assert sender.send({"title": "b"}, "pagerduty:safety-oncall", idempotency_key="k2").ok
    keys = [json.loads(line)["idempotency_key"] for line in path.read_text().splitlines() if line.endswith("}")]
    assert keys == ["k1", "k2"]


def test_alert_receiver_names_resolve_through_the_alert_routing_file_never_to_a_dead_row(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "alert_routing.yaml").write_text(
        "receivers:\n  targets:\n    - {name: 'slack:#qa', url: 'https://hooks.example/qa'}\n", encoding="utf-8"
    )
    senders = Senders(SenderSettings(home=tmp_path, config_dir=config))
    assert isinstance(senders("slack:#qa"), WebhookSender)
    assert isinstance(senders("jira:QA"), NotificationFileSender)  # not listed: the default file receiver
    assert isinstance(senders("slack"), FileSender)  # playbook tools' receivers are unchanged
    senders.close()
