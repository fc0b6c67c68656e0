"""The social-mention adapter, per docs/sources.md."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from pipeline.adapters import QuarantineError, parse_payload
from store.schemas import Channel, QuarantineReason

RECEIVED_AT = datetime(2026, 11, 3, tzinfo=UTC)

FULL = {
    "post_id": "tw-99812",
    "author": "@ann",
    "text": "@shop my order is 3 weeks late",
    "posted_at": "2026-11-02T14:00:00Z",
    "sku": None,
    "region": "UK",
}
MINIMAL = {"post_id": "tw-1", "text": "where is my parcel", "posted_at": "2026-11-02T14:00:00Z"}


def quarantine_reason(obj: dict[str, Any]) -> QuarantineReason:
    with pytest.raises(QuarantineError) as caught:
        parse_payload("social", json.dumps(obj).encode(), RECEIVED_AT)
    return caught.value.reason


def test_full_mention_maps_every_field() -> None:
    event = parse_payload("social", json.dumps(FULL).encode(), RECEIVED_AT)
    assert (event.review_id, event.source, event.channel) == ("social:tw-99812", "social", Channel.social)
    assert (event.text, event.region, event.sku, event.rating) == ("@shop my order is 3 weeks late", "UK", None, None)
    assert event.created_at == datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
    assert event.customer_id is None  # a handle is not one of our customer ids; it stays in raw
    assert event.raw["author"] == "@ann"


def test_minimal_mention() -> None:
    event = parse_payload("social", json.dumps(MINIMAL).encode(), RECEIVED_AT)
    assert (event.review_id, event.text, event.region) == ("social:tw-1", "where is my parcel", None)


@pytest.mark.parametrize("field", ["post_id", "text", "posted_at"])
def test_required_field_absent_or_null_is_missing_field(field: str) -> None:
    absent = {key: value for key, value in MINIMAL.items() if key != field}
    assert quarantine_reason(absent) is QuarantineReason.missing_field
    assert quarantine_reason({**MINIMAL, field: None}) is QuarantineReason.missing_field


@pytest.mark.parametrize("change", [{"post_id": {}}, {"text": 1}, {"posted_at": "soon"}, {"region": 44}])
def test_wrong_types_are_wrong_type(change: dict[str, Any]) -> None:
    assert quarantine_reason({**MINIMAL, **change}) is QuarantineReason.wrong_type
