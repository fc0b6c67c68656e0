"""The support-ticket adapter, per docs/sources.md."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from pipeline.adapters import QuarantineError, parse_payload
from store.schemas import Channel, QuarantineReason

RECEIVED_AT = datetime(2026, 11, 3, tzinfo=UTC)

FULL = {
    "ticket_id": 88231,
    "subject": "Charger got hot",
    "description": "My charger overheated and smelled of smoke.",
    "created_at": "2026-11-02T11:00:00+00:00",
    "requester": {"id": "C-5531", "email": "ann@example.com"},
    "custom_fields": {
        "order_id": "ORD-778812",
        "sku": "CHG-0007",
        "region": "EU-North",
        "warehouse": "WH-ROT",
        "category": "Electronics",
        "supplier": "SUP-02",
        "order_value": 39.5,
    },
    "tags": ["complaint"],
    "satisfaction_rating": None,
}
MINIMAL = {"ticket_id": "T-9", "created_at": "2026-11-02T11:00:00Z", "description": "Where is my refund?"}


def quarantine_reason(obj: dict[str, Any]) -> QuarantineReason:
    with pytest.raises(QuarantineError) as caught:
        parse_payload("support", json.dumps(obj).encode(), RECEIVED_AT)
    return caught.value.reason


def test_full_ticket_maps_every_field_and_has_no_rating() -> None:
    event = parse_payload("support", json.dumps(FULL).encode(), RECEIVED_AT)
    assert event.model_dump(exclude={"raw"}) == {
        "review_id": "support:88231",
        "source": "support",
        "channel": Channel.support,
        "customer_id": "C-5531",
        "order_id": "ORD-778812",
        "sku": "CHG-0007",
        "category": "Electronics",
        "rating": None,
        "title": "Charger got hot",
        "text": "My charger overheated and smelled of smoke.",
        "language": None,
        "created_at": datetime(2026, 11, 2, 11, 0, tzinfo=UTC),
        "received_at": RECEIVED_AT,
        "region": "EU-North",
        "warehouse": "WH-ROT",
        "supplier": "SUP-02",
        "order_value": 39.5,
    }


def test_minimal_ticket_with_a_string_id() -> None:
    event = parse_payload("support", json.dumps(MINIMAL).encode(), RECEIVED_AT)
    assert (event.review_id, event.title, event.text, event.rating) == ("support:T-9", "", "Where is my refund?", None)
    assert event.customer_id is event.sku is None


def test_zendesk_integer_requester_id_becomes_a_string() -> None:
    event = parse_payload("support", json.dumps({**MINIMAL, "requester": {"id": 361}}).encode(), RECEIVED_AT)
    assert event.customer_id == "361"


@pytest.mark.parametrize("field", ["ticket_id", "created_at", "description"])
def test_required_field_absent_or_null_is_missing_field(field: str) -> None:
    absent = {key: value for key, value in MINIMAL.items() if key != field}
    assert quarantine_reason(absent) is QuarantineReason.missing_field
    assert quarantine_reason({**MINIMAL, field: None}) is QuarantineReason.missing_field


@pytest.mark.parametrize(
    "change",
    [{"ticket_id": True}, {"description": 5}, {"custom_fields": []}, {"custom_fields": {"order_value": -3}}],
)
def test_wrong_types_are_wrong_type(change: dict[str, Any]) -> None:
    assert quarantine_reason({**MINIMAL, **change}) is QuarantineReason.wrong_type
