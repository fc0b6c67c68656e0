"""parse_payload: decoding, dispatch, the common checks every source shares, and the adapter registry."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

import pipeline.adapters as adapters
from pipeline.adapters import IngestLimits, QuarantineError, get_adapter, parse_payload, register_adapter
from store.schemas import Channel, QuarantineReason, ReviewEvent
from store.settings import Settings

RECEIVED_AT = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)


def storefront(**overrides: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {"review_id": "R-1", "created_at": "2026-11-02T10:15:00Z", "rating": 2, "body": "It broke."}
    obj.update(overrides)
    return obj


def parse(obj: Any, source: str = "storefront", limits: IngestLimits | None = None) -> ReviewEvent:
    return parse_payload(source, json.dumps(obj).encode(), RECEIVED_AT, limits or IngestLimits())


def reason_of(source: str, payload: bytes, limits: IngestLimits | None = None) -> QuarantineReason:
    with pytest.raises(QuarantineError) as caught:
        parse_payload(source, payload, RECEIVED_AT, limits or IngestLimits())
    return caught.value.reason


def test_public_api_is_pinned() -> None:
    assert set(adapters.__all__) == {
        "Adapter",
        "CsvAdapter",
        "CsvClock",
        "CsvMapping",
        "IngestLimits",
        "QuarantineError",
        "get_adapter",
        "load_csv_mapping",
        "nps_score_to_stars",
        "parse_payload",
        "read_csv_payloads",
        "register_adapter",
        "register_adapter_family",
        "registered_sources",
    }
    assert all(hasattr(adapters, name) for name in adapters.__all__)


TRIGGERS: dict[QuarantineReason, tuple[str, bytes]] = {
    QuarantineReason.invalid_utf8: ("storefront", b"\xc3\x28"),
    QuarantineReason.malformed_json: ("storefront", b'{"review_id": '),
    QuarantineReason.missing_field: ("storefront", json.dumps(storefront(body=None)).encode()),
    QuarantineReason.wrong_type: ("storefront", json.dumps(storefront(rating=7)).encode()),
    QuarantineReason.empty_text: ("storefront", json.dumps(storefront(body=" ")).encode()),
    QuarantineReason.text_too_long: ("storefront", json.dumps(storefront(title="t", body="x" * 20_000)).encode()),
    QuarantineReason.future_timestamp: ("storefront", json.dumps(storefront(created_at="2027-01-01")).encode()),
    QuarantineReason.unknown_source: ("carrier_pigeon", json.dumps(storefront()).encode()),
}


def test_every_quarantine_reason_has_a_trigger() -> None:
    assert set(TRIGGERS) == set(QuarantineReason)
    for reason, (source, payload) in TRIGGERS.items():
        assert reason_of(source, payload) is reason


def test_malformed_json_detail_points_at_the_problem() -> None:
    with pytest.raises(QuarantineError) as caught:
        parse_payload("storefront", b'{"rating": 2,\n "body": oops}', RECEIVED_AT)
    assert caught.value.detail == "line 2 column 10: Expecting value at 'oops}'"


def test_every_contract_source_has_an_adapter() -> None:
    assert adapters.registered_sources() == ["app_store", "nps", "social", "storefront", "support", "csv:<mapping>"]
    assert get_adapter("nps").channel is Channel.survey
    assert get_adapter("csv:womens_clothing").name == "csv:womens_clothing"


@pytest.mark.parametrize("source", ["email", "", "csv", "csv:", "csv:no_such_mapping", "csv:../../etc/passwd", "nps:x"])
def test_unknown_source_is_quarantined(source: str) -> None:
    assert reason_of(source, json.dumps(storefront()).encode()) is QuarantineReason.unknown_source


def test_registering_a_taken_name_is_refused() -> None:
    class Impostor:
        name = "storefront"
        channel = Channel.storefront

        def to_event(self, obj: dict[str, Any], received_at: datetime) -> ReviewEvent:
            raise NotImplementedError

    with pytest.raises(ValueError, match="already registered"):
        register_adapter(Impostor)


@pytest.mark.parametrize("payload", [b"\xff\xfe{}", b'{"body": "caf\xe9"}', b'{"body": "\xed\xa0\x80"}'])
def test_bytes_that_are_not_utf8_are_invalid_utf8(payload: bytes) -> None:
    assert reason_of("storefront", payload) is QuarantineReason.invalid_utf8


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"{",
        b'{"review_id": "R-1",}',
        b"[1, 2]",
        b'"just a string"',
        b"null",
        b'{"rating": NaN}',
        b'{"order": {"value": Infinity}}',
        b'{"order": {"value": 1e999}}',
        b'{"body": "\\ud800 lone surrogate"}',
        b"[" * 100_000,
    ],
)
def test_payloads_that_are_not_a_json_object_are_malformed_json(payload: bytes) -> None:
    assert reason_of("storefront", payload) is QuarantineReason.malformed_json


def test_escaped_surrogate_pairs_are_ordinary_text() -> None:
    event = parse_payload("storefront", json.dumps(storefront(body="love it \U0001f600")).encode(), RECEIVED_AT)
    assert event.text == "love it \U0001f600"


@pytest.mark.parametrize("text", ["", "   ", "\n\t \u3000"])
def test_blank_text_is_empty_text(text: str) -> None:
    assert reason_of("storefront", json.dumps(storefront(body=text)).encode()) is QuarantineReason.empty_text


def test_title_plus_text_over_the_limit_is_text_too_long() -> None:
    limits = IngestLimits(max_text_chars=20)
    assert parse(storefront(title="0123456789", body="0123456789"), limits=limits).text == "0123456789"
    payload = json.dumps(storefront(title="0123456789", body="01234567890")).encode()
    assert reason_of("storefront", payload, limits) is QuarantineReason.text_too_long


def test_default_text_limit_is_twenty_thousand_characters() -> None:
    assert parse(storefront(body="x" * 20_000)).text == "x" * 20_000
    payload = json.dumps(storefront(body="x" * 20_001)).encode()
    assert reason_of("storefront", payload) is QuarantineReason.text_too_long


def test_created_at_beyond_the_clock_skew_is_future_timestamp() -> None:
    at_limit = (RECEIVED_AT + timedelta(seconds=300)).isoformat()
    assert parse(storefront(created_at=at_limit)).created_at == RECEIVED_AT + timedelta(seconds=300)
    too_far = (RECEIVED_AT + timedelta(seconds=301)).isoformat()
    payload = json.dumps(storefront(created_at=too_far)).encode()
    with pytest.raises(QuarantineError) as caught:
        parse_payload("storefront", payload, RECEIVED_AT)
    assert caught.value.reason is QuarantineReason.future_timestamp
    assert "301s after received_at" in caught.value.detail


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2026-11-02T10:15:00Z", datetime(2026, 11, 2, 10, 15, tzinfo=UTC)),
        ("2026-11-02T10:15:00", datetime(2026, 11, 2, 10, 15, tzinfo=UTC)),
        ("2026-11-02T12:15:00+02:00", datetime(2026, 11, 2, 10, 15, tzinfo=UTC)),
        ("2026-11-02 10:15:00.250000+00:00", datetime(2026, 11, 2, 10, 15, 0, 250_000, tzinfo=UTC)),
    ],
)
def test_timestamps_come_out_tz_aware_utc(stamp: str, expected: datetime) -> None:
    created_at = parse(storefront(created_at=stamp)).created_at
    assert created_at == expected
    assert created_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize("stamp", ["yesterday", "2026-13-01T00:00:00Z", "", "0001-01-01T00:00:00+05:00", 1730000000])
def test_unparseable_timestamp_is_wrong_type(stamp: Any) -> None:
    payload = json.dumps(storefront(created_at=stamp)).encode()
    assert reason_of("storefront", payload) is QuarantineReason.wrong_type


def test_naive_or_offset_received_at_is_stored_as_utc() -> None:
    naive = parse_payload("storefront", json.dumps(storefront()).encode(), datetime(2026, 11, 3, 12, 0))
    assert naive.received_at == RECEIVED_AT
    shifted = RECEIVED_AT.astimezone(timezone(timedelta(hours=-5)))
    offset = parse_payload("storefront", json.dumps(storefront()).encode(), shifted)
    assert offset.received_at == RECEIVED_AT
    assert offset.received_at.tzinfo is UTC


def test_a_value_the_schema_rejects_is_wrong_type_naming_the_field() -> None:
    payload = json.dumps(storefront(review_id="R" * 300)).encode()
    with pytest.raises(QuarantineError) as caught:
        parse_payload("storefront", payload, RECEIVED_AT)
    assert caught.value.reason is QuarantineReason.wrong_type
    assert caught.value.detail.startswith("review_id:")


def test_quarantine_detail_is_truncated_and_survives_pickling() -> None:
    error = QuarantineError(QuarantineReason.wrong_type, "body: " + "x" * 1_000)
    assert len(error.detail) <= 200
    clone = pickle.loads(pickle.dumps(error))
    assert (clone.reason, clone.detail) == (error.reason, error.detail)
    assert str(clone).startswith("wrong_type: body: x")


def test_detail_shows_a_short_preview_of_a_huge_bad_value() -> None:
    payload = json.dumps(storefront(rating="9" * 5_000)).encode()
    with pytest.raises(QuarantineError) as caught:
        parse_payload("storefront", payload, RECEIVED_AT)
    assert caught.value.detail.startswith("rating: expected an integer from 1 to 5, got '999")
    assert "(5000 chars)" in caught.value.detail


def test_limits_can_come_from_settings() -> None:
    limits = IngestLimits.from_settings(Settings(max_text_chars=123, max_clock_skew_seconds=7))
    assert limits == IngestLimits(max_text_chars=123, max_clock_skew_seconds=7)
    fields = Settings.model_fields
    defaults = (fields["max_text_chars"].default, fields["max_clock_skew_seconds"].default)
    assert (IngestLimits().max_text_chars, IngestLimits().max_clock_skew_seconds) == defaults


def test_raw_is_the_parsed_payload() -> None:
    obj = storefront(extra={"nested": [1, 2]})
    assert parse(obj).raw == obj
