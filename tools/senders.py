"""Senders deliver one outbox payload to one receiver: an HTTP webhook, an email over SMTP, a local JSONL file, or
the console.

Every sender has the same interface (`Sender.send`) and reports the outcome as a `DeliveryResult` instead of
raising, so the outbox decides about retries in one place. Every HTTP request carries the row's
`Idempotency-Key` header (an email its `X-Idempotency-Key` header and a Message-ID derived from the key):
delivery is at-least-once, and receivers dedupe on the key. Alert receivers (`<kind>:<target>` names such as
`slack:#sizing-team`) resolve through tools/receivers.py and the `receivers:` section of config/alert_routing.yaml.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import smtplib
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal, Protocol, TextIO

import httpx
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from store.settings import PROJECT_ROOT

__all__ = [
    "ConsoleSender",
    "DeliveryResult",
    "FileSender",
    "NotificationFileSender",
    "Sender",
    "SenderSettings",
    "Senders",
    "SmtpSender",
    "WebhookSender",
    "is_alert_receiver",
    "receiver_filename",
    "resolve_sender",
]

MAX_BODY_CHARS = 2_000
_RETRYABLE_STATUS = frozenset({408, 425, 429})
_RECEIVER_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-")
_ALERT_RECEIVER = re.compile(r"(slack|teams|jira|pagerduty|email|webhook):\S+")


@dataclass(frozen=True)
class DeliveryResult:
    """What happened to one delivery attempt."""

    ok: bool
    """The receiver accepted the payload."""
    retryable: bool = False
    """A failure worth retrying (transport error, timeout, 5xx, 408/425/429); 4xx otherwise is final."""
    status_code: int | None = None
    """HTTP status, if a response came back."""
    body: str = ""
    """Response body (truncated) or a local receipt."""
    error: str | None = None
    """What went wrong, for the outbox row's `last_error`."""


class Sender(Protocol):
    """Delivers payloads to receivers; never raises for a delivery failure, returns it."""

    def send(self, payload: Mapping[str, Any], receiver: str, *, idempotency_key: str) -> DeliveryResult: ...


def _check_receiver(receiver: str) -> str:
    if not receiver or not set(receiver) <= _RECEIVER_CHARS or len(receiver) > 64:
        raise ValueError(f"receiver name {receiver!r} must be 1-64 chars of a-z, 0-9, _ and -")
    return receiver


def is_alert_receiver(receiver: str) -> bool:
    """True for an alert receiver name `<kind>:<target>` (kind slack, teams, jira, pagerduty, email or webhook)."""
    return _ALERT_RECEIVER.fullmatch(receiver) is not None


def receiver_filename(receiver: str) -> str:
    """A safe file name for a receiver: `slack:#sizing-team` -> `slack_sizing-team.jsonl`."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", receiver).strip("_") + ".jsonl"


class WebhookSender:
    """POSTs the payload as JSON to the URL configured for the receiver (Slack/Jira/PagerDuty-style webhooks).

    `extra_fields` are merged into the body at send time: secrets such as a PagerDuty routing key stay out of the
    stored outbox row.
    """

    def __init__(
        self,
        urls: Mapping[str, str],
        client: httpx.Client | None = None,
        timeout: float = 10.0,
        extra_fields: Mapping[str, Any] | None = None,
    ) -> None:
        self._urls = dict(urls)
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0))
        self._owns_client = client is None
        self._client = client or httpx.Client(timeout=self._timeout)
        self._extra = dict(extra_fields or {})

    def send(self, payload: Mapping[str, Any], receiver: str, *, idempotency_key: str) -> DeliveryResult:
        url = self._urls.get(receiver)
        if url is None:
            return DeliveryResult(ok=False, error=f"no webhook URL configured for receiver {receiver!r}")
        headers = {"Idempotency-Key": idempotency_key, "User-Agent": "reviewops-outbox"}
        sent = {**payload, **self._extra}
        try:
            response = self._client.post(url, json=sent, headers=headers, timeout=self._timeout)
        except httpx.TimeoutException as exc:
            return DeliveryResult(ok=False, retryable=True, error=f"timeout posting to {receiver}: {exc!r}")
        except httpx.TransportError as exc:
            return DeliveryResult(ok=False, retryable=True, error=f"transport error posting to {receiver}: {exc!r}")
        body = response.text[:MAX_BODY_CHARS]
        if response.is_success:
            return DeliveryResult(ok=True, status_code=response.status_code, body=body)
        retryable = response.status_code >= 500 or response.status_code in _RETRYABLE_STATUS
        return DeliveryResult(
            ok=False,
            retryable=retryable,
            status_code=response.status_code,
            body=body,
            error=f"{receiver} answered HTTP {response.status_code}",
        )

    def close(self) -> None:
        """Close the HTTP client if this sender created it."""
        if self._owns_client:
            self._client.close()


def _record(payload: Mapping[str, Any], receiver: str, idempotency_key: str) -> str:
    return json.dumps(
        {
            "receiver": receiver,
            "idempotency_key": idempotency_key,
            "sent_at": datetime.now(UTC).isoformat(),
            "payload": payload,
        },
        ensure_ascii=False,
        sort_keys=True,
    )


class FileSender:
    """Appends one JSON line per delivery to `<directory>/<receiver>.jsonl` (the default local receiver)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()

    def path_for(self, receiver: str) -> Path:
        """The JSONL file a receiver's deliveries are appended to."""
        return self.directory / f"{_check_receiver(receiver)}.jsonl"

    def send(self, payload: Mapping[str, Any], receiver: str, *, idempotency_key: str) -> DeliveryResult:
        try:
            path = self.path_for(receiver)
            line = _record(payload, receiver, idempotency_key) + "\n"
            with self._lock:
                self.directory.mkdir(parents=True, exist_ok=True)
                with path.open("a", encoding="utf-8") as handle:
                    handle.write(line)
                    handle.flush()
                    os.fsync(handle.fileno())
        except (OSError, ValueError, TypeError) as exc:
            return DeliveryResult(
                ok=False, retryable=isinstance(exc, OSError), error=f"cannot write outbox file: {exc}"
            )
        return DeliveryResult(ok=True, body=f"appended to {path}")


class ConsoleSender:
    """Writes one JSON line per delivery to a stream (stderr by default); for demos and debugging."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def send(self, payload: Mapping[str, Any], receiver: str, *, idempotency_key: str) -> DeliveryResult:
        stream = self._stream or sys.stderr
        try:
            stream.write(_record(payload, receiver, idempotency_key) + "\n")
            stream.flush()
        except (OSError, ValueError, TypeError) as exc:
            return DeliveryResult(ok=False, error=f"cannot write to console: {exc}")
        return DeliveryResult(ok=True, body="written to console")


class NotificationFileSender:
    """Appends each payload, with its idempotency key, as one JSON line to `<directory>/<receiver file>.jsonl`.

    The default alert receiver. A key already in the file is not written again, even by another process after a
    restart, so a delivery retried after a crash leaves exactly one line.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._keys: dict[Path, set[str]] = {}

    def path_for(self, receiver: str) -> Path:
        """The JSONL file a receiver's notifications are appended to."""
        return self.directory / receiver_filename(receiver)

    def _written(self, path: Path) -> set[str]:
        if path not in self._keys:
            keys: set[str] = set()
            if path.exists():
                with path.open(encoding="utf-8") as lines:
                    for line in lines:
                        if line.strip():
                            try:
                                keys.add(str(json.loads(line).get("idempotency_key", "")))
                            except (json.JSONDecodeError, AttributeError):
                                continue  # a torn last line from a crash mid-write; its key is retried
            self._keys[path] = keys
        return self._keys[path]

    def send(self, payload: Mapping[str, Any], receiver: str, *, idempotency_key: str) -> DeliveryResult:
        path = self.path_for(receiver)
        try:
            with self._lock:
                self.directory.mkdir(parents=True, exist_ok=True)
                written = self._written(path)
                if idempotency_key in written:
                    return DeliveryResult(ok=True, body=f"already in {path}")
                line = json.dumps({**payload, "idempotency_key": idempotency_key}, ensure_ascii=False, default=str)
                with path.open("a", encoding="utf-8") as handle:
                    handle.write(line + "\n")
                    handle.flush()
                    os.fsync(handle.fileno())
                written.add(idempotency_key)
        except (OSError, ValueError, TypeError) as exc:
            return DeliveryResult(
                ok=False, retryable=isinstance(exc, OSError), error=f"cannot write notification file: {exc}"
            )
        return DeliveryResult(ok=True, body=f"appended to {path}")


@dataclass(frozen=True)
class SmtpSender:
    """Sends an email payload `{"to": [...], "subject": ..., "text": ...}` through an SMTP server (smtplib).

    4xx answers, refused connections and timeouts are retryable; 5xx answers (unknown mailbox, rejected sender,
    failed login) are final. The Message-ID is derived from the idempotency key, so a re-sent mail is recognisable.
    """

    host: str
    port: int = 25
    sender: str = "reviewops@localhost"
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0

    def message(self, payload: Mapping[str, Any], idempotency_key: str) -> EmailMessage:
        """The email for a payload; raises ValueError when the payload is not an email."""
        to = payload.get("to")
        if not isinstance(to, list) or not to or not all(isinstance(a, str) and "@" in a for a in to):
            raise ValueError(f"an email payload needs `to`, a list of addresses; got {to!r}")
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = ", ".join(to)
        message["Subject"] = str(payload.get("subject") or "(no subject)")
        digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
        message["Message-ID"] = f"<{digest}@reviewops>"
        message["X-Idempotency-Key"] = idempotency_key
        message.set_content(str(payload.get("text") or ""))
        return message

    def send(self, payload: Mapping[str, Any], receiver: str, *, idempotency_key: str) -> DeliveryResult:
        try:
            message = self.message(payload, idempotency_key)
        except ValueError as exc:
            return DeliveryResult(ok=False, error=f"{receiver}: {exc}")
        where = f"{self.host}:{self.port}"
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
                refused = smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            return _smtp_failure(receiver, where, min(codes, default=550), f"recipients refused: {exc.recipients}")
        except smtplib.SMTPResponseException as exc:
            return _smtp_failure(receiver, where, exc.smtp_code, f"{exc.smtp_error!r}")
        except (smtplib.SMTPException, OSError) as exc:  # refused, reset, timed out (TimeoutError is an OSError)
            return DeliveryResult(
                ok=False, retryable=True, error=f"cannot send mail for {receiver} via {where}: {exc!r}"
            )
        if refused:
            return DeliveryResult(ok=True, body=f"accepted by {where}; refused for {sorted(refused)}")
        return DeliveryResult(ok=True, body=f"accepted by {where} for {message['To']}")


def _smtp_failure(receiver: str, where: str, code: int, detail: str) -> DeliveryResult:
    return DeliveryResult(
        ok=False,
        retryable=400 <= code < 500,
        status_code=code,
        body=detail[:MAX_BODY_CHARS],
        error=f"{where} answered SMTP {code} for {receiver}",
    )


class SenderSettings(BaseSettings):
    """Where each receiver's deliveries go; a receiver without a webhook URL goes to the local fallback."""

    model_config = SettingsConfigDict(env_prefix="REVIEWOPS_", env_file=".env", extra="ignore")

    home: Path = Field(default=Path(".reviewops"), description="REVIEWOPS_HOME; file deliveries go to <home>/outbox.")
    config_dir: Path = Field(
        default=PROJECT_ROOT / "config",
        description="REVIEWOPS_CONFIG_DIR; alert receivers are configured in <config_dir>/alert_routing.yaml.",
    )
    webhooks: dict[str, str] = Field(
        default_factory=dict,
        description='Receiver name -> webhook URL, as JSON in REVIEWOPS_WEBHOOKS, e.g. {"slack": "https://..."}.',
    )
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    outbox_fallback: Literal["file", "console"] = Field(
        default="file", description="Where receivers without a webhook go: JSONL files or the console."
    )

    @field_validator("webhooks")
    @classmethod
    def _urls_are_http(cls, value: dict[str, str]) -> dict[str, str]:
        for receiver, url in value.items():
            _check_receiver(receiver)
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"webhook URL for {receiver!r} must start with http:// or https://, got {url!r}")
        return value

    @property
    def outbox_dir(self) -> Path:
        """The directory FileSender writes to."""
        return self.home / "outbox"

    @property
    def alert_routing_file(self) -> Path:
        """The file whose `receivers:` section says how alert receivers are delivered."""
        return self.config_dir / "alert_routing.yaml"


def resolve_sender(receiver: str, config: SenderSettings) -> Sender:
    """The sender for `receiver`: an alert receiver (`slack:#team`) as config/alert_routing.yaml configures it;
    a playbook tool's receiver (`slack`) by its webhook if a URL is configured, else the local file (or console)."""
    if is_alert_receiver(receiver):
        from tools.receivers import AlertReceivers  # imports this module: resolved lazily

        return AlertReceivers.from_file(config.alert_routing_file, config.home)(receiver)
    _check_receiver(receiver)
    if receiver in config.webhooks:
        return WebhookSender({receiver: config.webhooks[receiver]}, timeout=config.webhook_timeout_seconds)
    if config.outbox_fallback == "console":
        return ConsoleSender()
    return FileSender(config.outbox_dir)


class Senders:
    """A receiver -> sender resolver that reuses one sender (and HTTP client) per receiver; pass it to the outbox."""

    def __init__(
        self, config: SenderSettings, resolve: Callable[[str, SenderSettings], Sender] = resolve_sender
    ) -> None:
        self._config = config
        self._resolve = resolve
        self._senders: dict[str, Sender] = {}
        self._lock = threading.Lock()

    def __call__(self, receiver: str) -> Sender:
        with self._lock:
            if receiver not in self._senders:
                self._senders[receiver] = self._resolve(receiver, self._config)
            return self._senders[receiver]

    def close(self) -> None:
        """Close every HTTP client this resolver opened."""
        with self._lock:
            for sender in self._senders.values():
                close = getattr(sender, "close", None)
                if callable(close):
                    close()
            self._senders.clear()
