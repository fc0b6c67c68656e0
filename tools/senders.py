"""Senders deliver one outbox payload to one receiver: an HTTP webhook, a local JSONL file, or the console.

Every sender has the same interface (`Sender.send`) and reports the outcome as a `DeliveryResult` instead of
raising, so the outbox decides about retries in one place. Every HTTP request carries the row's
`Idempotency-Key` header: delivery is at-least-once, and receivers dedupe on the key.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol, TextIO

import httpx
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = [
    "ConsoleSender",
    "DeliveryResult",
    "FileSender",
    "Sender",
    "SenderSettings",
    "Senders",
    "WebhookSender",
    "resolve_sender",
]

MAX_BODY_CHARS = 2_000
_RETRYABLE_STATUS = frozenset({408, 425, 429})
_RECEIVER_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-")


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


class WebhookSender:
    """POSTs the payload as JSON to the URL configured for the receiver (Slack/Jira/PagerDuty-style webhooks)."""

    def __init__(self, urls: Mapping[str, str], client: httpx.Client | None = None, timeout: float = 10.0) -> None:
        self._urls = dict(urls)
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0))
        self._owns_client = client is None
        self._client = client or httpx.Client(timeout=self._timeout)

    def send(self, payload: Mapping[str, Any], receiver: str, *, idempotency_key: str) -> DeliveryResult:
        url = self._urls.get(receiver)
        if url is None:
            return DeliveryResult(ok=False, error=f"no webhook URL configured for receiver {receiver!r}")
        headers = {"Idempotency-Key": idempotency_key, "User-Agent": "reviewops-outbox"}
        try:
            response = self._client.post(url, json=dict(payload), headers=headers, timeout=self._timeout)
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


class SenderSettings(BaseSettings):
    """Where each receiver's deliveries go; a receiver without a webhook URL goes to the local fallback."""

    model_config = SettingsConfigDict(env_prefix="REVIEWOPS_", env_file=".env", extra="ignore")

    home: Path = Field(default=Path(".reviewops"), description="REVIEWOPS_HOME; file deliveries go to <home>/outbox.")
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


def resolve_sender(receiver: str, config: SenderSettings) -> Sender:
    """The sender for `receiver`: its webhook if a URL is configured, else the local file (or console) fallback."""
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
                if isinstance(sender, WebhookSender):
                    sender.close()
            self._senders.clear()
