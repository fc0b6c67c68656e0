"""The adapter contract, the adapter registry and `parse_payload`, the one entry point the ingest stage calls."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn, Protocol, TypeVar

from pydantic import ValidationError

from store.schemas import Channel, QuarantineReason, ReviewEvent
from store.settings import Settings

__all__ = [
    "Adapter",
    "IngestLimits",
    "QuarantineError",
    "build_event",
    "describe_value",
    "get_adapter",
    "optional_id",
    "optional_number",
    "optional_section",
    "optional_str",
    "parse_payload",
    "parse_timestamp",
    "register_adapter",
    "register_adapter_family",
    "registered_sources",
    "required_id",
    "required_int",
    "required_str",
    "required_timestamp",
]

_DETAIL_MAX_CHARS = 200
_VALUE_MAX_CHARS = 60


class QuarantineError(Exception):
    """A payload that cannot become a review: `reason` is the quarantine bucket, `detail` names field and value."""

    def __init__(self, reason: QuarantineReason, detail: str) -> None:
        if len(detail) > _DETAIL_MAX_CHARS:
            detail = detail[: _DETAIL_MAX_CHARS - 3] + "..."
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail

    def __reduce__(self) -> tuple[type[QuarantineError], tuple[QuarantineReason, str]]:
        # Default exception pickling re-calls __init__ with self.args (the message); keep both fields instead.
        return (QuarantineError, (self.reason, self.detail))


@dataclass(frozen=True)
class IngestLimits:
    """Bounds every payload must respect, whatever its source."""

    max_text_chars: int = 20_000
    max_clock_skew_seconds: int = 300

    @classmethod
    def from_settings(cls, settings: Settings) -> IngestLimits:
        """The limits configured in `Settings` (`REVIEWOPS_MAX_TEXT_CHARS`, `REVIEWOPS_MAX_CLOCK_SKEW_SECONDS`)."""
        return cls(max_text_chars=settings.max_text_chars, max_clock_skew_seconds=settings.max_clock_skew_seconds)


class Adapter(Protocol):
    """Turns one parsed payload of a source into a `ReviewEvent`, or raises `QuarantineError`."""

    @property
    def name(self) -> str:
        """The source name payloads arrive under, e.g. `storefront` or `csv:womens_clothing`."""
        ...

    @property
    def channel(self) -> Channel: ...

    def to_event(self, obj: dict[str, Any], received_at: datetime) -> ReviewEvent:
        """Map the JSON object onto a `ReviewEvent`; `received_at` is tz-aware UTC."""
        ...


# --- registry ---------------------------------------------------------------------------------------------

AdapterT = TypeVar("AdapterT", bound=Adapter)
AdapterFactory = Callable[[str], Adapter]
FactoryT = TypeVar("FactoryT", bound=AdapterFactory)

_ADAPTERS: dict[str, Adapter] = {}
_FAMILIES: dict[str, AdapterFactory] = {}
_FAMILY_PARAMETERS: dict[str, str] = {}
_RESOLVED: dict[str, Adapter] = {}


def register_adapter(cls: type[AdapterT]) -> type[AdapterT]:
    """Class decorator: register one instance of an adapter (built with no arguments) under its `name`."""
    adapter = cls()
    if adapter.name in _ADAPTERS or adapter.name in _FAMILIES:
        raise ValueError(f"adapter name {adapter.name!r} is already registered; pick another name")
    _ADAPTERS[adapter.name] = adapter
    return cls


def register_adapter_family(prefix: str, parameter: str = "name") -> Callable[[FactoryT], FactoryT]:
    """Decorator for a factory that builds the adapter for `<prefix>:<parameter>` sources (e.g. `csv:<mapping>`).

    The factory raises `QuarantineError(unknown_source)` when the parameter names nothing it knows.
    """

    def decorate(factory: FactoryT) -> FactoryT:
        if prefix in _FAMILIES or prefix in _ADAPTERS:
            raise ValueError(f"adapter family {prefix!r} is already registered; pick another prefix")
        _FAMILIES[prefix] = factory
        _FAMILY_PARAMETERS[prefix] = parameter
        return factory

    return decorate


def registered_sources() -> list[str]:
    """Source names with an adapter, families shown as `<prefix>:<parameter>` (e.g. `csv:<mapping>`)."""
    return sorted(_ADAPTERS) + sorted(f"{prefix}:<{parameter}>" for prefix, parameter in _FAMILY_PARAMETERS.items())


def get_adapter(source: str) -> Adapter:
    """The adapter for a source name; unknown names raise `QuarantineError(unknown_source)`."""
    adapter = _ADAPTERS.get(source) or _RESOLVED.get(source)
    if adapter is not None:
        return adapter
    prefix, colon, parameter = source.partition(":")
    factory = _FAMILIES.get(prefix) if colon and parameter else None
    if factory is None:
        raise QuarantineError(
            QuarantineReason.unknown_source,
            f"source {describe_value(source)}: no adapter registered; known: {', '.join(registered_sources())}",
        )
    adapter = factory(parameter)
    _RESOLVED[source] = adapter
    return adapter


# --- the entry point --------------------------------------------------------------------------------------


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise ValueError(f"number {literal[:40]} overflows a float")
    return value


# NaN/Infinity (and 1e999) are not JSON numbers, and downstream JSON columns reject them; one shared decoder.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abAB]")
_DEFAULT_LIMITS = IngestLimits()


def parse_payload(
    source: str, payload: bytes, received_at: datetime, limits: IngestLimits = _DEFAULT_LIMITS
) -> ReviewEvent:
    """Decode one raw payload of `source` into a `ReviewEvent`, or raise `QuarantineError` saying why not.

    A mapping file that exists but is invalid raises `store.yaml_config.ConfigError`: that is an operator
    problem, not a bad payload.
    """
    adapter = get_adapter(source)
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QuarantineError(
            QuarantineReason.invalid_utf8,
            f"byte 0x{payload[exc.start]:02x} at offset {exc.start} is not valid UTF-8 ({exc.reason})",
        ) from None
    obj = _decode_json_object(text)
    if received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=UTC)
    elif received_at.tzinfo is not UTC:
        received_at = received_at.astimezone(UTC)
    event = adapter.to_event(obj, received_at)
    _check_limits(event, limits)
    return event


def _decode_json_object(text: str) -> dict[str, Any]:
    try:
        obj = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        near = describe_value(text[exc.pos : exc.pos + 20])
        raise QuarantineError(
            QuarantineReason.malformed_json, f"line {exc.lineno} column {exc.colno}: {exc.msg} at {near}"
        ) from None
    except (ValueError, RecursionError) as exc:  # NaN/Infinity, >4300-digit integers, absurd nesting
        raise QuarantineError(QuarantineReason.malformed_json, str(exc) or type(exc).__name__) from None
    if not isinstance(obj, dict):
        raise QuarantineError(QuarantineReason.malformed_json, f"top level is {_kind(obj)}, expected a JSON object")
    if "\\u" in text and _SURROGATE_ESCAPE.search(text):
        _reject_lone_surrogates(obj)
    return obj


def _reject_lone_surrogates(obj: dict[str, Any]) -> None:
    # A "\ud800" escape decodes to a str that later fails to encode as UTF-8 in the store; stop it here.
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise QuarantineError(
            QuarantineReason.malformed_json, "a \\u escape encodes a lone UTF-16 surrogate, which is not Unicode text"
        ) from None
    except RecursionError:
        raise QuarantineError(QuarantineReason.malformed_json, "JSON nesting is too deep") from None


def _check_limits(event: ReviewEvent, limits: IngestLimits) -> None:
    if not event.text.strip():
        detail = f"text: empty or whitespace-only ({describe_value(event.text)})"
        raise QuarantineError(QuarantineReason.empty_text, detail)
    length = len(event.title) + len(event.text)
    if length > limits.max_text_chars:
        raise QuarantineError(
            QuarantineReason.text_too_long,
            f"title + text: {length} characters, more than max_text_chars={limits.max_text_chars}",
        )
    skew = event.created_at - event.received_at
    if skew > timedelta(seconds=limits.max_clock_skew_seconds):
        raise QuarantineError(
            QuarantineReason.future_timestamp,
            f"created_at: {event.created_at.isoformat()} is {skew.total_seconds():.0f}s after received_at "
            f"{event.received_at.isoformat()}, more than max_clock_skew_seconds={limits.max_clock_skew_seconds}",
        )


def build_event(**fields: Any) -> ReviewEvent:
    """Construct the `ReviewEvent` once; a value the schema rejects (too long, negative) is `wrong_type`."""
    try:
        return ReviewEvent(**fields)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in error["loc"]) or "event"
        raise QuarantineError(
            QuarantineReason.wrong_type, f"{where}: {error['msg']} (got {describe_value(error.get('input'))})"
        ) from None


# --- field readers: one place for "absent or null" vs "wrong type" ----------------------------------------


def required_str(obj: dict[str, Any], key: str, where: str = "") -> str:
    """A string field that must be present and non-null (it may be empty)."""
    value = obj.get(key)
    if type(value) is str:
        return value
    if value is None:
        _missing(where + key)
    _wrong(where + key, "a string", value)


def optional_str(obj: dict[str, Any], key: str, where: str = "") -> str | None:
    """A string field that may be absent or null; an empty string reads as absent."""
    value = obj.get(key)
    if value is None or type(value) is str:
        return value or None
    _wrong(where + key, "a string or null", value)


def required_id(obj: dict[str, Any], key: str, where: str = "") -> str:
    """An identifier: a non-blank string or an integer, returned as a string."""
    value = obj.get(key)
    if type(value) is str and value.strip():
        return value
    if type(value) is int:
        return str(value)
    if value is None:
        _missing(where + key)
    _wrong(where + key, "a non-empty string or an integer", value)


def optional_id(obj: dict[str, Any], key: str, where: str = "") -> str | None:
    """An identifier that may be absent or null; an empty string reads as absent."""
    value = obj.get(key)
    if value is None or type(value) is str:
        return value or None
    if type(value) is int:
        return str(value)
    _wrong(where + key, "a string, an integer or null", value)


def required_int(obj: dict[str, Any], key: str, low: int, high: int, where: str = "") -> int:
    """An integer field in `low..high` inclusive (booleans and floats are not integers here)."""
    value = obj.get(key)
    if type(value) is int:
        if low <= value <= high:
            return value
        _wrong(where + key, f"an integer from {low} to {high}", value)
    if value is None:
        _missing(where + key)
    _wrong(where + key, f"an integer from {low} to {high}", value)


def optional_number(obj: dict[str, Any], key: str, where: str = "") -> float | None:
    """A non-negative number that may be absent or null (an amount of money)."""
    value = obj.get(key)
    if value is None:
        return None
    if (type(value) is int or type(value) is float) and value >= 0:
        return float(value)
    _wrong(where + key, "a non-negative number or null", value)


def optional_section(obj: dict[str, Any], key: str, where: str = "") -> dict[str, Any]:
    """A nested object that may be absent or null; absent reads as an empty object."""
    value = obj.get(key)
    if value is None:
        return {}
    if type(value) is dict:
        return value
    _wrong(where + key, "an object or null", value)


def required_timestamp(obj: dict[str, Any], key: str, where: str = "") -> datetime:
    """An ISO-8601 timestamp string, returned tz-aware in UTC (no zone means UTC)."""
    value = obj.get(key)
    if type(value) is str:
        return parse_timestamp(value, where + key)
    if value is None:
        _missing(where + key)
    _wrong(where + key, "an ISO-8601 timestamp string", value)


def parse_timestamp(value: str, field: str) -> datetime:
    """Parse ISO-8601 ('Z' allowed) into tz-aware UTC; failures are `wrong_type` naming `field`."""
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment if moment.tzinfo is UTC else moment.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 shifted out of range by the offset
        pass
    _wrong(field, "an ISO-8601 timestamp", value)


def _missing(field: str) -> NoReturn:
    raise QuarantineError(QuarantineReason.missing_field, f"{field}: required but absent or null")


def _wrong(field: str, expected: str, value: Any) -> NoReturn:
    raise QuarantineError(QuarantineReason.wrong_type, f"{field}: expected {expected}, got {describe_value(value)}")


_KINDS = {str: "a string", int: "an integer", float: "a number", bool: "a boolean", list: "an array", dict: "an object"}


def _kind(value: Any) -> str:
    return "null" if value is None else _KINDS.get(type(value), type(value).__name__)


def describe_value(value: Any) -> str:
    """A short rendering of a bad value for error details: scalars by repr (truncated), containers by size."""
    if isinstance(value, list | dict):
        return f"{_kind(value)} of {len(value)} item(s)"
    if isinstance(value, str) and len(value) > _VALUE_MAX_CHARS:
        return repr(value[:_VALUE_MAX_CHARS]) + f"... ({len(value)} chars)"
    text = repr(value) if not isinstance(value, int) or value.bit_length() < 200 else f"{_kind(value)} too large"
    return text if len(text) <= _VALUE_MAX_CHARS else text[: _VALUE_MAX_CHARS - 3] + "..."
