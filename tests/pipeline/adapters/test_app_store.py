"""The app-store review adapter, per docs/sources.md."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from pipeline.adapters import QuarantineError, parse_payload
from store.schemas import Channel, QuarantineReason

RECEIVED_AT = datetime(2026, 11, 3, tzinfo=UTC)

FULL = {
    "reviewId": "gp:AOqpTOF1",
    "userName": "Ann",
    "content": "App crashes at checkout",
    "score": 1,
    "at": "2026-11-02T12:00:00Z",
    "appVersion": "5.2.1",
    "territory": "US",
    "sku": None,
}
MINIMAL = {"reviewId": "as:1", "content": "Fine.", "score": 3, "at": "2026-11-02T12:00:00Z"}


def quarantine_reason(obj: dict[str, Any]) -> QuarantineReason:
    with pytest.raises(QuarantineError) as caught:
        parse_payload("app_store", json.dumps(obj).encode(), RECEIVED_AT)
    return caught.value.reason


def test_full_review_maps_territory_to_region() -> None:
    event = parse_payload("app_store", json.dumps(FULL).encode(), RECEIVED_AT)
    assert event.review_id == "app_store:gp:AOqpTOF1"
    assert (event.source, event.channel) == ("app_store", Channel.app_store)
    assert (event.rating, event.text, event.region, event.sku) == (1, "App crashes at checkout", "US", None)
    assert event.created_at == datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
    assert event.customer_id is None  # a display name is not a customer id
    assert event.raw["userName"] == "Ann"


def test_minimal_review() -> None:
    event = parse_payload("app_store", json.dumps(MINIMAL).encode(), RECEIVED_AT)
    assert (event.review_id, event.rating, event.text, event.region) == ("app_store:as:1", 3, "Fine.", None)


@pytest.mark.parametrize("field", ["reviewId", "content", "score", "at"])
def test_required_field_absent_or_null_is_missing_field(field: str) -> None:
    absent = {key: value for key, value in MINIMAL.items() if key != field}
    assert quarantine_reason(absent) is QuarantineReason.missing_field
    assert quarantine_reason({**MINIMAL, field: None}) is QuarantineReason.missing_field


@pytest.mark.parametrize("change", [{"score": 0}, {"score": 6}, {"score": "5"}, {"territory": ["US"]}, {"at": 17}])
def test_wrong_types_and_out_of_range_scores_are_wrong_type(change: dict[str, Any]) -> None:
    assert quarantine_reason({**MINIMAL, **change}) is QuarantineReason.wrong_type
