"""The NPS survey adapter and its 0-10 to 1-5 star mapping, per docs/sources.md."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from pipeline.adapters import QuarantineError, nps_score_to_stars, parse_payload
from store.schemas import Channel, QuarantineReason

RECEIVED_AT = datetime(2026, 11, 3, tzinfo=UTC)

FULL = {
    "response_id": "nps-5521",
    "respondent_id": "C-5531",
    "score": 3,
    "comment": "Box arrived crushed",
    "submitted_at": "2026-11-02T13:00:00Z",
    "order_id": "ORD-778812",
    "sku": "MUG-0100",
    "region": "US-East",
    "warehouse": "WH-NJ",
}
MINIMAL = {"response_id": "nps-1", "score": 10, "comment": "Love it", "submitted_at": "2026-11-02T13:00:00Z"}


def quarantine_reason(obj: dict[str, Any]) -> QuarantineReason:
    with pytest.raises(QuarantineError) as caught:
        parse_payload("nps", json.dumps(obj).encode(), RECEIVED_AT)
    return caught.value.reason


def test_full_response_maps_every_field() -> None:
    event = parse_payload("nps", json.dumps(FULL).encode(), RECEIVED_AT)
    assert (event.review_id, event.source, event.channel) == ("nps:nps-5521", "nps", Channel.survey)
    assert (event.customer_id, event.order_id, event.sku) == ("C-5531", "ORD-778812", "MUG-0100")
    assert (event.region, event.warehouse, event.rating, event.text) == ("US-East", "WH-NJ", 2, "Box arrived crushed")
    assert event.created_at == datetime(2026, 11, 2, 13, 0, tzinfo=UTC)


def test_minimal_response() -> None:
    event = parse_payload("nps", json.dumps(MINIMAL).encode(), RECEIVED_AT)
    assert (event.review_id, event.rating, event.customer_id, event.sku) == ("nps:nps-1", 5, None, None)


@pytest.mark.parametrize(
    ("score", "stars"), [(0, 1), (2, 1), (3, 2), (4, 2), (5, 3), (6, 3), (7, 4), (8, 4), (9, 5), (10, 5)]
)
def test_score_maps_onto_stars_at_every_band_edge(score: int, stars: int) -> None:
    assert nps_score_to_stars(score) == stars
    assert parse_payload("nps", json.dumps({**MINIMAL, "score": score}).encode(), RECEIVED_AT).rating == stars


@pytest.mark.parametrize("score", [-1, 11])
def test_star_mapping_refuses_scores_outside_0_to_10(score: int) -> None:
    with pytest.raises(ValueError, match="0-10"):
        nps_score_to_stars(score)


@pytest.mark.parametrize("field", ["response_id", "score", "comment", "submitted_at"])
def test_required_field_absent_or_null_is_missing_field(field: str) -> None:
    absent = {key: value for key, value in MINIMAL.items() if key != field}
    assert quarantine_reason(absent) is QuarantineReason.missing_field
    assert quarantine_reason({**MINIMAL, field: None}) is QuarantineReason.missing_field


@pytest.mark.parametrize("change", [{"score": -1}, {"score": 11}, {"score": 7.5}, {"score": "7"}, {"sku": 100}])
def test_out_of_range_or_non_integer_scores_are_wrong_type(change: dict[str, Any]) -> None:
    assert quarantine_reason({**MINIMAL, **change}) is QuarantineReason.wrong_type
