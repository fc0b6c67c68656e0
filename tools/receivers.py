"""Alert receivers: how a `<kind>:<target>` receiver (`slack:#sizing-team`, `email:returns@shop.example`) is delivered.

The `receivers:` section of config/alert_routing.yaml lists the receivers that go somewhere real: Slack, Teams,
Jira and PagerDuty-shaped webhooks (httpx) and email over SMTP (smtplib). Every receiver it does not list goes to
the default receiver: a JSONL file per receiver under `REVIEWOPS_HOME/alerts/` (or the console). Secrets stay in the
environment: a webhook URL or routing key is named by `url_env` / `routing_key_env` and read at delivery time, so
no outbox row stores one. A listed receiver whose variable is unset fails its deliveries loudly (the outbox row
goes dead with the variable's name) instead of quietly writing a page to a file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, model_validator

from store.yaml_config import field_error, load_yaml_model, text_matching
from tools.senders import (
    ConsoleSender,
    DeliveryResult,
    NotificationFileSender,
    Sender,
    SmtpSender,
    WebhookSender,
    is_alert_receiver,
)

__all__ = [
    "PAGERDUTY_EVENTS_URL",
    "AlertReceivers",
    "ConsoleReceiver",
    "EmailReceiver",
    "FileReceiver",
    "JiraReceiver",
    "PagerDutyReceiver",
    "ReceiverConfig",
    "ReceiversConfig",
    "SlackReceiver",
    "SmtpConfig",
    "TeamsReceiver",
    "WebhookReceiver",
    "load_receivers",
]

PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
_CONFIG = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)
_ReceiverName = Annotated[
    str,
    Field(max_length=64),
    text_matching(
        r"(slack|teams|jira|pagerduty|email|webhook):\S+",
        "a receiver name `<kind>:<target>` as the taxonomy's owners use, e.g. `slack:#sizing-team`",
    ),
]
_EnvName = Annotated[str, text_matching(r"[A-Z_][A-Z0-9_]*", "an environment variable name such as SLACK_QA_URL")]
_Url = Annotated[str, text_matching(r"https?://\S+", "an http:// or https:// URL")]


class _Receiver(BaseModel):
    model_config = _CONFIG

    name: _ReceiverName
    """The receiver as routes and the taxonomy name it, `<kind>:<target>`."""

    @property
    def target(self) -> str:
        """The part after the kind: `#sizing-team`, `QA`, `returns@shop.example`."""
        return self.name.split(":", 1)[1]


class _WebhookReceiver(_Receiver):
    url: _Url | None = None
    """The webhook URL (prefer `url_env`: webhook URLs are secrets)."""
    url_env: _EnvName | None = None
    """Environment variable holding the webhook URL, read at delivery time."""

    @model_validator(mode="after")
    def _one_url(self) -> _WebhookReceiver:
        if (self.url is None) == (self.url_env is None) and not isinstance(self, PagerDutyReceiver):
            raise field_error("set exactly one of url and url_env", "url")
        return self

    def resolved_url(self, environ: Mapping[str, str]) -> str | None:
        """The URL now: the literal one, or the variable's value (None when it is unset)."""
        return self.url or (environ.get(self.url_env) if self.url_env else None) or None


class SlackReceiver(_WebhookReceiver):
    """A Slack incoming webhook; the body has `text` and Block Kit `blocks`."""

    kind: Literal["slack"] = "slack"
    channel: str | None = None
    """Channel override sent in the body (legacy webhooks honour it); the target by default."""


class TeamsReceiver(_WebhookReceiver):
    """A Microsoft Teams workflow webhook; the body is a message with one Adaptive Card."""

    kind: Literal["teams"] = "teams"


class JiraReceiver(_WebhookReceiver):
    """A Jira automation webhook that creates or updates an issue; the body carries Jira issue `fields`."""

    kind: Literal["jira"] = "jira"
    project: str | None = None
    """Project key; the target (`jira:QA` -> QA) by default."""
    issue_type: str = "Bug"


class PagerDutyReceiver(_WebhookReceiver):
    """PagerDuty Events API v2: trigger on firing, resolve on resolved, deduplicated per alert group."""

    kind: Literal["pagerduty"] = "pagerduty"
    url: _Url | None = PAGERDUTY_EVENTS_URL
    routing_key_env: _EnvName
    """Environment variable holding the integration's routing key (added to the body at delivery time)."""


class WebhookReceiver(_WebhookReceiver):
    """Any HTTP endpoint; the body is the notification itself (reviewops.alerts/1)."""

    kind: Literal["webhook"] = "webhook"


class EmailReceiver(_Receiver):
    """Email through the SMTP server of the `smtp` section."""

    kind: Literal["email"] = "email"
    to: list[str] = Field(default_factory=list)
    """Recipients; the target (`email:returns@shop.example`) by default."""

    def recipients(self) -> list[str]:
        """`to`, or the target address."""
        return list(self.to) or [self.target]


class FileReceiver(_Receiver):
    """A JSONL file under REVIEWOPS_HOME/alerts/ (what unlisted receivers get when `default: file`)."""

    kind: Literal["file"] = "file"


class ConsoleReceiver(_Receiver):
    """One JSON line per notification on stderr."""

    kind: Literal["console"] = "console"


ReceiverConfig = Annotated[
    SlackReceiver
    | TeamsReceiver
    | JiraReceiver
    | PagerDutyReceiver
    | WebhookReceiver
    | EmailReceiver
    | FileReceiver
    | ConsoleReceiver,
    Field(discriminator="kind"),
]


class SmtpConfig(BaseModel):
    """The SMTP server email receivers send through."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, populate_by_name=True)

    host: str | None = None
    """Server host name (or set `host_env`)."""
    host_env: _EnvName | None = None
    """Environment variable holding the host name, read at delivery time."""
    port: int = Field(default=25, ge=1, le=65535)
    sender: str = Field(default="reviewops@localhost", alias="from")
    """The From address."""
    starttls: bool = False
    username_env: _EnvName | None = None
    password_env: _EnvName | None = None
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)

    @model_validator(mode="after")
    def _one_host(self) -> SmtpConfig:
        if (self.host is None) == (self.host_env is None):
            raise field_error("set exactly one of host and host_env", "host")
        return self


class ReceiversConfig(BaseModel):
    """The `receivers:` section: the default receiver, the SMTP server and the receivers that go somewhere real."""

    model_config = _CONFIG

    default: Literal["file", "console"] = "file"
    """Where receivers not listed under `targets` go."""
    smtp: SmtpConfig | None = None
    """Needed as soon as one email receiver is listed."""
    targets: list[ReceiverConfig] = Field(default_factory=list)
    """Receivers delivered by webhook, email, file or console; each name at most once."""

    @model_validator(mode="before")
    @classmethod
    def _kind_from_name(cls, data: Any) -> Any:
        """A target without `kind` takes the kind its name starts with (`slack:#qa` -> slack)."""
        if isinstance(data, dict) and isinstance(data.get("targets"), list):
            targets = []
            for item in data["targets"]:
                if isinstance(item, dict) and "kind" not in item and isinstance(item.get("name"), str):
                    item = {**item, "kind": item["name"].split(":", 1)[0]}
                targets.append(item)
            data = {**data, "targets": targets}
        return data

    @model_validator(mode="after")
    def _names_unique_and_smtp_present(self) -> ReceiversConfig:
        seen: set[str] = set()
        for index, target in enumerate(self.targets):
            if target.name in seen:
                raise field_error(f"receiver {target.name!r} is listed twice", "targets", index, "name")
            seen.add(target.name)
            if isinstance(target, EmailReceiver) and self.smtp is None:
                raise field_error(f"email receiver {target.name!r} needs the `smtp` section", "targets", index)
        return self

    def target(self, receiver: str) -> ReceiverConfig | None:
        """The listed configuration of `receiver`, or None (it goes to the default)."""
        return next((t for t in self.targets if t.name == receiver), None)

    def kind_of(self, receiver: str) -> str:
        """How `receiver` is delivered: its listed kind, else the default (`file` / `console`)."""
        listed = self.target(receiver)
        return listed.kind if listed is not None else self.default


class _RoutingFileReceivers(BaseModel):
    """Just the `receivers` section of config/alert_routing.yaml (pipeline/alerts/routing.py validates the rest)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    receivers: ReceiversConfig = Field(default_factory=ReceiversConfig)


def load_receivers(path: Path) -> ReceiversConfig:
    """The `receivers:` section of an alert routing file; errors name file, line and field."""
    return load_yaml_model(path, _RoutingFileReceivers).receivers


class _Unconfigured:
    """A listed receiver whose secret is missing: every delivery fails, naming what to set."""

    def __init__(self, problem: str) -> None:
        self.problem = problem

    def send(self, payload: Mapping[str, Any], receiver: str, *, idempotency_key: str) -> DeliveryResult:
        return DeliveryResult(ok=False, error=f"{receiver}: {self.problem}")


class AlertReceivers:
    """Receiver name -> the sender that delivers it, as the receivers config says; pass it to `deliver_pending`."""

    def __init__(
        self,
        config: ReceiversConfig,
        home: Path,
        *,
        client: httpx.Client | None = None,
        environ: Mapping[str, str] | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.config = config
        self.home = home
        self._client = client
        self._environ = environ if environ is not None else os.environ
        self._timeout = timeout
        self._files = NotificationFileSender(home / "alerts")
        self._built: dict[str, Sender] = {}

    @classmethod
    def from_file(cls, path: Path, home: Path) -> AlertReceivers:
        """Receivers configured by the `receivers:` section of `path`."""
        return cls(load_receivers(path), home)

    def __call__(self, receiver: str) -> Sender:
        if not is_alert_receiver(receiver):
            raise ValueError(f"{receiver!r} is not an alert receiver name `<kind>:<target>`")
        target = self.config.target(receiver)
        if target is None:
            return self._files if self.config.default == "file" else ConsoleSender()
        if receiver not in self._built:
            self._built[receiver] = self._build(target)
        return self._built[receiver]

    def close(self) -> None:
        """Close the HTTP clients of the webhook senders built so far."""
        for sender in self._built.values():
            if isinstance(sender, WebhookSender):
                sender.close()
        self._built.clear()

    def _build(self, target: ReceiverConfig) -> Sender:
        env = self._environ
        if isinstance(target, FileReceiver):
            return self._files
        if isinstance(target, ConsoleReceiver):
            return ConsoleSender()
        if isinstance(target, EmailReceiver):
            smtp = self.config.smtp
            assert smtp is not None  # validated: email receivers need the smtp section
            host = smtp.host or env.get(smtp.host_env or "")
            if not host:
                return _Unconfigured(f"SMTP host variable {smtp.host_env} is not set")
            return SmtpSender(
                host=host,
                port=smtp.port,
                sender=smtp.sender,
                starttls=smtp.starttls,
                username=env.get(smtp.username_env) if smtp.username_env else None,
                password=env.get(smtp.password_env) if smtp.password_env else None,
                timeout=smtp.timeout_seconds,
            )
        url = target.resolved_url(env)
        if url is None:
            return _Unconfigured(f"webhook URL variable {target.url_env} is not set")
        extra: dict[str, Any] = {}
        if isinstance(target, PagerDutyReceiver):
            key = env.get(target.routing_key_env)
            if not key:
                return _Unconfigured(f"PagerDuty routing key variable {target.routing_key_env} is not set")
            extra["routing_key"] = key
        return WebhookSender({target.name: url}, client=self._client, timeout=self._timeout, extra_fields=extra)
