"""Turns demo drafts into the exact bytes each source sends (docs/sources.md), including deliberately broken ones."""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from lab.demo.catalog import Customer, Sku
from store.schemas import QuarantineReason

__all__ = ["MALFORMED_RECIPES", "SOURCES", "Draft", "MalformedRecipe", "NativeIds", "encode_payload"]

SOURCES = ("storefront", "support", "app_store", "nps", "social")


@dataclass(slots=True, eq=False)
class Draft:
    """One event before it has ids and bytes; times are seconds after the stream start."""

    created: int
    received: int
    source: str
    customer: Customer
    intent: str = "positive"
    topic: str | None = None
    sku: Sku | None = None
    region: str | None = None
    warehouse: str | None = None
    carrier: str | None = None
    territory: str | None = None
    quantity: int = 1
    has_order: bool = False
    rating: int | None = None
    title: str = ""
    body: str = ""
    incident: str | None = None
    spam: bool = False
    copy_of: Draft | None = None
    near_copy_of: Draft | None = None
    malformed: MalformedRecipe | None = None
    native_id: str = ""
    order_id: str | None = None
    pii: list[tuple[str, str]] = field(default_factory=list)

    @property
    def review_id(self) -> str:
        """The canonical id the adapter will build: `<source>:<native id>`."""
        return f"{self.source}:{self.native_id}"


@dataclass(frozen=True, slots=True)
class MalformedRecipe:
    """A way a real integration breaks a payload, and the quarantine reason it must get."""

    name: str
    source: str
    reason: QuarantineReason


class NativeIds:
    """Hands out ids in arrival order the way each source numbers its records (and order numbers)."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._review = rng.randrange(100_000, 300_000)
        self._ticket = rng.randrange(80_000, 90_000)
        self._nps = rng.randrange(5_000, 9_000)
        self._post = rng.randrange(1_850_000_000_000_000_000, 1_860_000_000_000_000_000)
        self._order = rng.randrange(300_000, 500_000)
        self._app_seen: set[str] = set()

    def next_id(self, source: str) -> str:
        """The next native id for `source` (ticket ids are numeric strings, encoded as ints)."""
        rng = self._rng
        if source == "storefront":
            self._review += rng.randrange(1, 5)
            return f"R-{self._review}"
        if source == "support":
            self._ticket += rng.randrange(1, 7)
            return str(self._ticket)
        if source == "nps":
            self._nps += rng.randrange(1, 4)
            return f"nps-{self._nps}"
        if source == "social":
            self._post += rng.randrange(10**9, 10**12)
            return f"{rng.choice(('tw', 'tw', 'ig'))}-{self._post}"
        while True:
            if rng.random() < 0.65:
                alphabet = string.ascii_letters + string.digits + "_-"
                native = "gp:AOqpTO" + "".join(rng.choice(alphabet) for _ in range(24))
            else:
                native = str(rng.randrange(10_000_000_000, 11_999_999_999))
            if native not in self._app_seen:
                self._app_seen.add(native)
                return native

    def next_order(self) -> str:
        """The next order number (orders are placed in time order)."""
        self._order += self._rng.randrange(1, 13)
        return f"ORD-{self._order}"


class _Clock:
    def __init__(self, start: datetime) -> None:
        self.start = start

    def at(self, seconds: int) -> datetime:
        return self.start + timedelta(seconds=seconds)

    def zulu(self, seconds: int) -> str:
        return self.at(seconds).strftime("%Y-%m-%dT%H:%M:%SZ")


def _order_value(d: Draft) -> float | None:
    if d.sku is None:
        return None
    extra = 0.0 if d.quantity == 1 else d.sku.price * (d.quantity - 1)
    return round(d.sku.price + extra, 2)


def _storefront(d: Draft, clock: _Clock, rng: random.Random) -> dict[str, Any]:
    sku = d.sku
    payload: dict[str, Any] = {"event": "review.created", "review_id": d.native_id, "created_at": clock.zulu(d.created),
                               "rating": d.rating}  # fmt: skip
    if d.title or rng.random() < 0.5:
        payload["title"] = d.title
    elif rng.random() < 0.5:
        payload["title"] = None
    payload["body"] = d.body
    payload["customer"] = {"id": d.customer.id, "email": d.customer.email}
    if sku is not None:
        payload["product"] = {"sku": sku.sku, "category": sku.category, "supplier": sku.supplier}
    if d.has_order:
        payload["order"] = {"id": d.order_id, "value": _order_value(d), "region": d.region, "warehouse": d.warehouse,
                            "carrier": d.carrier}  # fmt: skip
    return payload


def _support(d: Draft, clock: _Clock, rng: random.Random) -> dict[str, Any]:
    fields: dict[str, Any] = {"order_id": d.order_id}
    if d.sku is not None:
        fields.update(sku=d.sku.sku, category=d.sku.category, supplier=d.sku.supplier)
    fields.update(region=d.region, warehouse=d.warehouse, carrier=d.carrier, order_value=_order_value(d))
    tags = {"negative": ["complaint"], "neutral": ["question"], "positive": ["feedback"]}.get(d.intent, ["other"])
    return {
        "ticket_id": int(d.native_id),
        "subject": d.title or "(no subject)",
        "description": d.body,
        "created_at": clock.at(d.created).isoformat(),
        "requester": {"id": d.customer.id, "email": d.customer.email},
        "custom_fields": fields,
        "tags": [*tags, rng.choice(("web", "email", "chat"))],
        "satisfaction_rating": None,
    }


_APP_VERSIONS = ("5.1.4", "5.2.0", "5.2.1", "5.2.1", "5.3.0")


def _app_store(d: Draft, clock: _Clock, rng: random.Random) -> dict[str, Any]:
    return {
        "reviewId": d.native_id,
        "userName": d.customer.display_name,
        "content": d.body,
        "score": d.rating,
        "at": clock.zulu(d.created),
        "appVersion": rng.choice(_APP_VERSIONS),
        "territory": d.territory,
        "sku": d.sku.sku if d.sku else None,
    }


def _nps(d: Draft, clock: _Clock, rng: random.Random) -> dict[str, Any]:
    submitted = clock.zulu(d.created)
    if rng.random() < 0.1:  # one survey tool exports local-less timestamps; the doc reads them as UTC
        submitted = submitted[:-1]
    return {
        "response_id": d.native_id,
        "respondent_id": d.customer.id,
        "score": d.rating,
        "comment": d.body,
        "submitted_at": submitted,
        "order_id": d.order_id,
        "sku": d.sku.sku if d.sku else None,
        "region": d.region,
        "warehouse": d.warehouse,
    }


def _social(d: Draft, clock: _Clock, rng: random.Random) -> dict[str, Any]:
    return {
        "post_id": d.native_id,
        "author": d.customer.handle,
        "text": d.body,
        "posted_at": clock.at(d.created).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "sku": d.sku.sku if d.sku else None,
        "region": d.region,
    }


_BUILDERS: dict[str, Callable[[Draft, _Clock, random.Random], dict[str, Any]]] = {
    "storefront": _storefront,
    "support": _support,
    "app_store": _app_store,
    "nps": _nps,
    "social": _social,
}
_TEXT_FIELD = {
    "storefront": "body",
    "support": "description",
    "app_store": "content",
    "nps": "comment",
    "social": "text",
}
_TIME_FIELD = {
    "storefront": "created_at",
    "support": "created_at",
    "app_store": "at",
    "nps": "submitted_at",
    "social": "posted_at",
}

_R = QuarantineReason
MALFORMED_RECIPES: tuple[MalformedRecipe, ...] = (
    MalformedRecipe("truncated_json", "storefront", _R.malformed_json),
    MalformedRecipe("batch_array_not_object", "app_store", _R.malformed_json),
    MalformedRecipe("cp1252_encoded", "support", _R.invalid_utf8),
    MalformedRecipe("stray_invalid_bytes", "storefront", _R.invalid_utf8),
    MalformedRecipe("rating_absent", "storefront", _R.missing_field),
    MalformedRecipe("description_null", "support", _R.missing_field),
    MalformedRecipe("timestamp_absent", "app_store", _R.missing_field),
    MalformedRecipe("rating_as_word", "storefront", _R.wrong_type),
    MalformedRecipe("rating_out_of_range", "storefront", _R.wrong_type),
    MalformedRecipe("nps_score_out_of_range", "nps", _R.wrong_type),
    MalformedRecipe("unparseable_timestamp", "social", _R.wrong_type),
    MalformedRecipe("empty_body", "storefront", _R.empty_text),
    MalformedRecipe("whitespace_post", "social", _R.empty_text),
    MalformedRecipe("body_30k_chars", "storefront", _R.text_too_long),
    MalformedRecipe("created_days_ahead", "storefront", _R.future_timestamp),
    MalformedRecipe("submitted_days_ahead", "nps", _R.future_timestamp),
)


def _dumps(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False)


def _break(d: Draft, recipe: MalformedRecipe, payload: dict[str, Any], clock: _Clock, rng: random.Random) -> bytes:
    name, text_field = recipe.name, _TEXT_FIELD[recipe.source]
    if name == "truncated_json":
        text = _dumps(payload)
        return text[: rng.randrange(len(text) // 3, 2 * len(text) // 3)].encode()
    if name == "batch_array_not_object":
        return _dumps([payload]).encode()
    if name == "cp1252_encoded":
        payload[text_field] = "Café order: the zipper’s already broken – " + payload[text_field]
        return _dumps(payload).encode("cp1252", errors="replace")
    if name == "stray_invalid_bytes":
        raw = _dumps(payload).encode()
        at = raw.index(b'"body": "') + len(b'"body": "')
        return raw[:at] + b"\xc3\x28\xff " + raw[at:]
    if name in ("rating_absent", "timestamp_absent"):
        del payload["rating" if name == "rating_absent" else "at"]
    elif name == "description_null":
        payload["description"] = None
    elif name == "rating_as_word":
        payload["rating"] = "five"
    elif name == "rating_out_of_range":
        payload["rating"] = 9
    elif name == "nps_score_out_of_range":
        payload["score"] = 11
    elif name == "unparseable_timestamp":
        payload["posted_at"] = "last Tuesday"
    elif name in ("empty_body", "whitespace_post"):
        payload[text_field] = "" if name == "empty_body" else "  \n\t "
        if "title" in payload:
            payload["title"] = ""
    elif name == "body_30k_chars":
        payload[text_field] = ((payload[text_field] + " ") * (30_000 // (len(payload[text_field]) + 1) + 1))[:30_000]
    elif name in ("created_days_ahead", "submitted_days_ahead"):
        payload[_TIME_FIELD[recipe.source]] = clock.zulu(d.received + rng.randrange(2, 6) * 86_400)
    return _dumps(payload).encode()


def encode_payload(d: Draft, start: datetime, rng: random.Random) -> bytes:
    """The raw bytes `d`'s source would send; a draft with a malformed recipe comes out broken that way."""
    clock = _Clock(start.astimezone(UTC))
    payload = _BUILDERS[d.source](d, clock, rng)
    if d.malformed is not None:
        return _break(d, d.malformed, payload, clock, rng)
    return _dumps(payload).encode()
