"""Alert receivers config (the `receivers:` section of config/alert_routing.yaml) and the senders it builds."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from store.settings import PROJECT_ROOT
from store.yaml_config import ConfigError
from tools.receivers import (
    AlertReceivers,
    EmailReceiver,
    PagerDutyReceiver,
    SlackReceiver,
    load_receivers,
)
from tools.senders import ConsoleSender, NotificationFileSender, SmtpSender, WebhookSender

SHIPPED = PROJECT_ROOT / "config" / "alert_routing.yaml"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "alert_routing.yaml"
    path.write_text("version: 'x'\n" + body, encoding="utf-8")
    return path


def example_block() -> str:
    """The commented example in the shipped file, uncommented."""
    text = SHIPPED.read_text(encoding="utf-8")
    block = text.split("# --- example:", 1)[1].split("# --- end of example ---", 1)[0]
    return "\n".join(line[2:] for line in block.splitlines()[1:])


def test_the_shipped_config_sends_every_receiver_to_the_default_file_receiver():
    config = load_receivers(SHIPPED)
    assert (config.default, config.targets) == ("file", [])
    assert config.kind_of("pagerduty:safety-oncall") == "file"


def test_the_shipped_example_block_is_valid_and_infers_kinds_from_names(tmp_path):
    config = load_receivers(write(tmp_path, example_block()))
    kinds = {target.name: target.kind for target in config.targets}
    assert kinds["pagerduty:safety-oncall"] == "pagerduty" and kinds["jira:QA"] == "jira"
    legal = config.target("email:legal@shop.example")
    assert isinstance(legal, EmailReceiver) and legal.recipients() == ["legal@shop.example", "counsel@lawfirm.example"]
    returns = config.target("email:returns@shop.example")
    assert isinstance(returns, EmailReceiver) and returns.recipients() == ["returns@shop.example"]
    assert config.smtp is not None and config.smtp.sender == "reviewops@shop.example"


@pytest.mark.parametrize(
    ("body", "where", "message"),
    [
        (
            "receivers:\n  targets:\n    - {name: 'slack:#qa'}\n",
            ":4: receivers.targets[0].slack.url",
            "exactly one of url",
        ),
        (
            "receivers:\n  targets:\n    - {name: 'slack:#qa', url: 'https://a.example'}\n"
            "    - {name: 'slack:#qa', url: 'https://b.example'}\n",
            ":5: receivers.targets[1].name",
            "listed twice",
        ),
        ("receivers:\n  targets:\n    - {name: 'email:a@b.example'}\n", ":4: receivers.targets[0]", "`smtp` section"),
        (
            "receivers:\n  targets:\n    - {name: 'fax:123', kind: slack, url: 'https://a.example'}\n",
            ":4: receivers.targets[0].slack.name",
            "receiver name",
        ),
        (
            "receivers:\n  targets:\n    - {name: 'slack:#qa', url: 'ftp://a.example'}\n",
            ":4: receivers.targets[0].slack.url",
            "http:// or https:// URL",
        ),
        ("receivers:\n  default: pager\n", ":3: receivers.default", "'file' or 'console'"),
    ],
)
def test_a_bad_receivers_section_names_file_line_and_field(tmp_path, body, where, message):
    with pytest.raises(ConfigError) as caught:
        load_receivers(write(tmp_path, body))
    text = str(caught.value)
    assert re.search(re.escape(where), text) and message in text, text


def test_listed_receivers_get_webhook_email_file_or_console_senders(tmp_path):
    config = load_receivers(write(tmp_path, example_block() + "\n    - {name: 'webhook:ops', kind: console}\n"))
    env = {"REVIEWOPS_SLACK_SIZING_URL": "https://hooks.example/sizing", "REVIEWOPS_SMTP_HOST": "127.0.0.1",
           "REVIEWOPS_PAGERDUTY_SAFETY_KEY": "pd-key"}  # fmt: skip
    receivers = AlertReceivers(config, tmp_path, environ=env)
    assert isinstance(receivers("slack:#sizing-team"), WebhookSender)
    assert isinstance(receivers("pagerduty:safety-oncall"), WebhookSender)
    email = receivers("email:returns@shop.example")
    assert isinstance(email, SmtpSender) and (email.host, email.port, email.starttls) == ("127.0.0.1", 587, True)
    assert isinstance(receivers("webhook:ops"), ConsoleSender)
    assert isinstance(receivers("slack:#not-listed"), NotificationFileSender)
    assert receivers("slack:#sizing-team") is receivers("slack:#sizing-team")
    receivers.close()


def test_a_listed_receiver_whose_secret_is_unset_fails_naming_the_variable(tmp_path):
    config = load_receivers(write(tmp_path, example_block()))
    receivers = AlertReceivers(config, tmp_path, environ={})
    for name, variable in (("slack:#sizing-team", "REVIEWOPS_SLACK_SIZING_URL"),
                           ("pagerduty:safety-oncall", "REVIEWOPS_PAGERDUTY_SAFETY_KEY"),
                           ("email:returns@shop.example", "REVIEWOPS_SMTP_HOST")):  # fmt: skip
        result = receivers(name).send({"text": "x"}, name, idempotency_key="k")
        assert not result.ok and not result.retryable and variable in (result.error or "")
    assert not (tmp_path / "alerts").exists()  # nothing quietly went to a file


def test_the_pagerduty_routing_key_is_added_at_delivery(tmp_path):
    seen: list[httpx.Request] = []
    client = httpx.Client(transport=httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(202)))
    config = load_receivers(
        write(tmp_path, "receivers:\n  targets:\n    - {name: 'pagerduty:oncall', routing_key_env: PD_KEY}\n")
    )
    target = config.target("pagerduty:oncall")
    assert isinstance(target, PagerDutyReceiver) and target.url == "https://events.pagerduty.com/v2/enqueue"
    sender = AlertReceivers(config, tmp_path, client=client, environ={"PD_KEY": "secret"})("pagerduty:oncall")
    assert sender.send({"event_action": "trigger"}, "pagerduty:oncall", idempotency_key="k").ok
    assert str(seen[0].url) == "https://events.pagerduty.com/v2/enqueue"
    assert seen[0].read() == b'{"event_action":"trigger","routing_key":"secret"}'


def test_a_slack_target_may_name_its_channel(tmp_path):
    config = load_receivers(
        write(tmp_path, "receivers:\n  targets:\n    - {name: 'slack:#qa', url_env: QA_URL, channel: '#qa-alerts'}\n")
    )
    target = config.target("slack:#qa")
    assert isinstance(target, SlackReceiver) and target.channel == "#qa-alerts" and target.target == "#qa"
