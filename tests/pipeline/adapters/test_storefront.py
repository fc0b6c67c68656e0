"""The storefront webhook adapter, per docs/sources.md."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from pipeline.adapters import QuarantineError, parse_payload
from store.schemas import Channel, QuarantineReason

RECEIVED_AT = datetime(2026, 11, 3, tzinfo=UTC)

FULL = {
    "event": "review.created",
    "review_id": "R-100234",
    "created_at": "2026-11-02T10:15:00Z",
    "rating": 2,
    "title": "Zipper broke",
    "body": "The zipper broke on day two.",
    "customer": {"id": "C-5531", "email": "ann@example.com"},
    "product": {"sku": "JKT-0042", "category": "Jackets", "supplier": "SUP-07"},
    "order": {"id": "ORD-778812", "value": 129.0, "region": "US-West", "warehouse": "WH-RENO"},
}
MINIMAL = {"review_id": "R-1", "created_at": "2026-11-02T10:15:00Z", "rating": 5, "body": "Great."}


def quarantine_reason(obj: dict[str, Any]) -> QuarantineReason:
    with pytest.raises(QuarantineError) as caught:
        parse_payload("storefront", json.dumps(obj).encode(), RECEIVED_AT)
    return caught.value.reason


def test_full_webhook_maps_every_field() -> None:
    event = parse_payload("storefront", json.dumps(FULL).encode(), RECEIVED_AT)
    assert event.model_dump(exclude={"raw"}) == {
        "review_id": "storefront:R-100234",
        "source": "storefront",
        "channel": Channel.storefront,
        "customer_id": "C-5531",
        "order_id": "ORD-778812",
        "sku": "JKT-0042",
        "category": "Jackets",
        "rating": 2,
        "title": "Zipper broke",
        "text": "The zipper broke on day two.",
        "language": None,
        "created_at": datetime(2026, 11, 2, 10, 15, tzinfo=UTC),
        "received_at": RECEIVED_AT,
        "region": "US-West",
        "warehouse": "WH-RENO",
        "supplier": "SUP-07",
        "order_value": 129.0,
    }
    assert event.raw == FULL


def test_minimal_webhook_leaves_optional_fields_empty() -> None:
    event = parse_payload("storefront", json.dumps(MINIMAL).encode(), RECEIVED_AT)
    assert (event.review_id, event.rating, event.title, event.text) == ("storefront:R-1", 5, "", "Great.")
    assert event.customer_id is event.order_id is event.sku is event.region is event.order_value is None


def test_null_sections_and_integer_ids_are_accepted() -> None:
    obj = {**MINIMAL, "review_id": 77, "customer": None, "product": None, "order": {"id": 5, "value": 0}}
    event = parse_payload("storefront", json.dumps(obj).encode(), RECEIVED_AT)
    assert (event.review_id, event.order_id, event.order_value) == ("storefront:77", "5", 0.0)


@pytest.mark.parametrize("field", ["review_id", "created_at", "rating", "body"])
def test_required_field_absent_or_null_is_missing_field(field: str) -> None:
    absent = {key: value for key, value in MINIMAL.items() if key != field}
    assert quarantine_reason(absent) is QuarantineReason.missing_field
    assert quarantine_reason({**MINIMAL, field: None}) is QuarantineReason.missing_field


@pytest.mark.parametrize(
    "change",
    [
        {"rating": 0},
        {"rating": 6},
        {"rating": 4.5},
        {"rating": "4"},
        {"rating": True},
        {"review_id": ""},
        {"review_id": 1.5},
        {"body": ["text"]},
        {"title": 3},
        {"customer": "C-1"},
        {"product": {"sku": 42}},
        {"order": {"value": -1}},
        {"order": {"value": "129"}},
    ],
)
def test_wrong_types_and_out_of_range_values_are_wrong_type(change: dict[str, Any]) -> None:
    assert quarantine_reason({**MINIMAL, **change}) is QuarantineReason.wrong_type


def test_detail_names_the_nested_field_and_value() -> None:
    with pytest.raises(QuarantineError) as caught:
        parse_payload("storefront", json.dumps({**MINIMAL, "product": {"sku": 42}}).encode(), RECEIVED_AT)
    assert caught.value.detail == "product.sku: expected a string or null, got 42"
