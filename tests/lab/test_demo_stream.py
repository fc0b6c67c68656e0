"""The seeded demo stream: deterministic, realistic, and its ground truth matches the bytes it emits."""

from __future__ import annotations

import base64
import difflib
import json
import re
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lab.demo.stream import DemoStream, StreamEvent, generate_stream, read_jsonl, write_jsonl
from pipeline.adapters import parse_payload
from pipeline.adapters.base import QuarantineError
from store.schemas import QuarantineReason
from store.taxonomy import load_taxonomy

_ID_FIELD = {
    "storefront": "review_id",
    "support": "ticket_id",
    "app_store": "reviewId",
    "nps": "response_id",
    "social": "post_id",
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


@pytest.fixture(scope="module")
def stream() -> DemoStream:
    return generate_stream()


@pytest.fixture(scope="module")
def payloads(stream: DemoStream) -> dict[str, tuple[StreamEvent, dict[str, Any]]]:
    """Review id -> (event, parsed JSON) for every payload that is not deliberately malformed."""
    broken = {m.index for m in stream.truth.malformed}
    by_id: dict[str, tuple[StreamEvent, dict[str, Any]]] = {}
    for i, event in enumerate(stream.events):
        if i in broken:
            continue
        obj = json.loads(event.payload)
        review_id = f"{event.source}:{obj[_ID_FIELD[event.source]]}"
        assert review_id not in by_id, f"{review_id} is emitted twice"
        by_id[review_id] = (event, obj)
    return by_id


def _flat(obj: dict[str, Any]) -> dict[str, Any]:
    """Top-level fields plus the nested order/product/custom_fields sections, for scope checks."""
    flat = dict(obj)
    for section in ("order", "product", "custom_fields"):
        flat.update(obj.get(section) or {})
    return flat


def _customer(source: str, obj: dict[str, Any]) -> str | None:
    found = {"storefront": lambda: obj["customer"]["id"], "nps": lambda: obj["respondent_id"],
             "support": lambda: obj["requester"]["id"], "social": lambda: obj["author"],
             "app_store": lambda: obj["userName"]}  # fmt: skip
    return found[source]()


def test_same_seed_gives_identical_bytes() -> None:
    first, second = (
        generate_stream(seed=3, days=6, reviews_per_day=80),
        generate_stream(seed=3, days=6, reviews_per_day=80),
    )
    assert first.events == second.events
    assert first.truth.model_dump_json() == second.truth.model_dump_json()


def test_different_seeds_give_different_streams() -> None:
    first, second = (
        generate_stream(seed=3, days=6, reviews_per_day=80),
        generate_stream(seed=4, days=6, reviews_per_day=80),
    )
    assert [e.payload for e in first.events] != [e.payload for e in second.events]


def test_events_arrive_in_order_inside_the_window(stream: DemoStream) -> None:
    times = [e.received_at for e in stream.events]
    assert times == sorted(times)
    assert stream.start <= times[0] and times[-1] < stream.end == stream.start + timedelta(days=14)
    assert {e.source for e in stream.events} == set(_ID_FIELD)


def test_channel_mix_follows_the_brief(stream: DemoStream) -> None:
    share = Counter(e.source for e in stream.events)
    total = len(stream.events)
    expected = {"storefront": 0.55, "support": 0.15, "app_store": 0.10, "nps": 0.12, "social": 0.08}
    for source, target in expected.items():
        assert abs(share[source] / total - target) < 0.04, (source, share[source] / total)


def test_about_seventy_percent_of_storefront_ratings_are_four_or_five_stars(payloads: dict) -> None:
    ratings = [obj["rating"] for event, obj in payloads.values() if event.source == "storefront"]
    assert 0.62 < sum(r >= 4 for r in ratings) / len(ratings) < 0.78
    assert set(ratings) == {1, 2, 3, 4, 5}


def test_app_store_reviews_are_about_the_app_and_mostly_carry_no_sku(payloads: dict) -> None:
    app = [obj for event, obj in payloads.values() if event.source == "app_store"]
    assert sum(obj["sku"] is None for obj in app) / len(app) > 0.85


def test_received_at_follows_created_at_by_seconds_to_hours(payloads: dict) -> None:
    for event, obj in payloads.values():
        raw = obj[_TIME_FIELD[event.source]]
        created = datetime.fromisoformat(raw if raw.endswith(("Z", "+00:00")) else raw + "+00:00")
        lag = event.received_at - created
        assert timedelta(0) < lag <= timedelta(hours=6), (event.source, raw, event.received_at)
        if event.source == "support":
            assert lag >= timedelta(hours=1)


def test_truth_ids_are_exactly_the_ids_the_payloads_carry(stream: DemoStream, payloads: dict) -> None:
    truth = stream.truth
    assert len(payloads) == truth.counts["reviews"] == len(stream.events) - len(truth.malformed)
    named = (
        [rid for incident in truth.incidents for rid in incident.review_ids]
        + truth.safety_review_ids
        + [rid for pair in truth.duplicate_pairs for rid in pair]
        + truth.near_duplicate_ids
        + list(truth.near_duplicate_of.values())
        + truth.pii_review_ids
        + truth.spam_review_ids
        + list(truth.review_topics)
    )
    assert set(named) <= set(payloads)
    assert set(truth.pii_strings) == set(truth.pii_kinds) == set(truth.pii_review_ids)


def test_every_payload_parses_with_the_real_adapters_except_the_malformed_ones(
    stream: DemoStream, payloads: dict
) -> None:
    expected = {m.index: m.expected_reason for m in stream.truth.malformed}
    for i, event in enumerate(stream.events):
        if i in expected:
            with pytest.raises(QuarantineError) as caught:
                parse_payload(event.source, event.payload, event.received_at)
            assert caught.value.reason == expected[i], (i, caught.value.detail)
        else:
            review = parse_payload(event.source, event.payload, event.received_at)
            assert review.review_id in payloads


def test_every_quarantine_reason_but_unknown_source_is_exercised(stream: DemoStream) -> None:
    reasons = Counter(m.expected_reason for m in stream.truth.malformed)
    assert set(reasons) == set(QuarantineReason) - {QuarantineReason.unknown_source}
    assert 0.005 < len(stream.truth.malformed) / len(stream.events) < 0.02


def test_the_invalid_utf8_payloads_really_are_not_utf8(stream: DemoStream) -> None:
    for m in stream.truth.malformed:
        if m.expected_reason == QuarantineReason.invalid_utf8:
            with pytest.raises(UnicodeDecodeError):
                stream.events[m.index].payload.decode("utf-8")


_SCOPE_FIELDS = {"sku": "sku", "region": "region", "warehouse": "warehouse"}
_TOPIC_WORDS = {
    "zipper_defect": r"zip",
    "runs_small": r"small|tight|size|get it over",
    "carrier_delay": r"delay|late|transit|not delivered|not here|waiting|hasn't moved|stuck|missed|pushing"
    r"|sitting|had it",
    "crushed_packaging": r"crush|box|pack|parcel|flatten|smash",
    "misleading_photo": r"photo|picture|pictured",
    "safety_overheat": r"hot|melt|smok|fire|spark|burn|heat",
}


def test_every_incident_has_enough_reports_after_it_starts_and_they_carry_its_scope(
    stream: DemoStream, payloads: dict
) -> None:
    assert {i.kind for i in stream.truth.incidents} == set(_TOPIC_WORDS)
    for incident in stream.truth.incidents:
        after = [rid for rid in incident.review_ids if payloads[rid][0].received_at >= incident.starts_at]
        assert len(after) == len(incident.review_ids) >= 8, incident.id
        for rid in incident.review_ids:
            event, obj = payloads[rid]
            fields, text = _flat(obj), obj[_TEXT_FIELD[event.source]]
            for key, value in incident.scope.items():
                if key == "carrier":
                    assert fields.get("carrier") == value or value.lower()[:3] in text.lower(), (rid, text)
                else:
                    assert fields.get(_SCOPE_FIELDS[key]) == value, (incident.id, rid, key, fields.get(key))


def test_incident_reports_talk_about_their_topic_despite_typos(stream: DemoStream, payloads: dict) -> None:
    for incident in stream.truth.incidents:
        texts = [payloads[rid][1][_TEXT_FIELD[payloads[rid][0].source]] for rid in incident.review_ids]
        on_topic = [t for t in texts if re.search(_TOPIC_WORDS[incident.kind], t, re.IGNORECASE)]
        assert len(on_topic) >= 0.9 * len(texts), (incident.id, set(texts) - set(on_topic))


def test_every_incident_is_a_clear_step_over_background_for_its_scope_and_topic(
    stream: DemoStream, payloads: dict
) -> None:
    truth = stream.truth
    reported = {rid for incident in truth.incidents for rid in incident.review_ids}
    resent = {copy for _, copy in truth.duplicate_pairs}
    window = timedelta(days=3)
    for incident in truth.incidents:
        key, value = next((k, v) for k, v in incident.scope.items() if k != "carrier")
        background = sorted(
            payloads[rid][0].received_at
            for rid, topic in truth.review_topics.items()
            if topic == incident.topic and rid not in reported | resent and _flat(payloads[rid][1]).get(key) == value
        )
        incident_days = (stream.end - incident.starts_at) / timedelta(days=1)
        stream_days = (stream.end - stream.start) / timedelta(days=1)
        assert len(incident.review_ids) / incident_days >= 3 * len(background) / stream_days, incident.id
        if "safety_hazard" in incident.flags:
            continue  # a single safety report is already an incident; its reports are checked by flag, not by rate
        busiest = max((sum(1 for u in background if t <= u < t + window) for t in background), default=0)
        first_days = sum(1 for rid in incident.review_ids if payloads[rid][0].received_at < incident.starts_at + window)
        assert first_days >= max(4, 1.5 * busiest), (incident.id, first_days, busiest)


def test_every_topic_and_flag_the_stream_writes_is_in_the_taxonomy(stream: DemoStream) -> None:
    taxonomy = load_taxonomy()
    written = set(stream.truth.review_topics.values()) | {i.topic for i in stream.truth.incidents}
    assert written <= set(taxonomy.topic_ids())
    assert len(written) == 14
    assert {flag for i in stream.truth.incidents for flag in i.flags} <= set(taxonomy.flag_ids())


def test_incident_reports_use_many_different_phrasings(stream: DemoStream, payloads: dict) -> None:
    for incident in stream.truth.incidents:
        texts = {payloads[rid][1][_TEXT_FIELD[payloads[rid][0].source]] for rid in incident.review_ids}
        assert len(texts) >= 0.9 * len(incident.review_ids), incident.id


def test_safety_case_starts_with_one_or_two_reports_and_every_report_is_recorded(
    stream: DemoStream, payloads: dict
) -> None:
    (safety,) = [i for i in stream.truth.incidents if "safety_hazard" in i.flags]
    assert safety.kind == "safety_overheat" and safety.expected_playbook == "safety_hazard"
    assert safety.topic == "product_quality.defect" and safety.scope["sku"].startswith("CHG-")
    assert stream.truth.safety_review_ids == safety.review_ids
    first_day = [
        rid for rid in safety.review_ids if payloads[rid][0].received_at < safety.starts_at + timedelta(days=1)
    ]
    assert 1 <= len(first_day) <= 2
    hazard = re.compile(r"overheat|melt|smok|fire|spark|burn", re.IGNORECASE)
    unrecorded = [
        rid
        for rid, (event, obj) in payloads.items()
        if rid not in safety.review_ids and hazard.search(obj[_TEXT_FIELD[event.source]])
    ]
    assert unrecorded == []


def test_pii_strings_appear_verbatim_in_the_review_text(stream: DemoStream, payloads: dict) -> None:
    truth = stream.truth
    assert 0.03 < len(truth.pii_review_ids) / truth.counts["reviews"] < 0.06
    kinds = Counter(kind for kinds in truth.pii_kinds.values() for kind in kinds)
    assert set(kinds) == {"email", "phone", "card_number", "street_address", "order_number"}
    for rid, values in truth.pii_strings.items():
        event, obj = payloads[rid]
        for value in values:
            assert value in obj[_TEXT_FIELD[event.source]]
            assert value.encode() in event.payload


def test_injected_card_numbers_pass_the_luhn_check(stream: DemoStream) -> None:
    cards = [
        re.sub(r"\D", "", value)
        for rid, values in stream.truth.pii_strings.items()
        for kind, value in zip(stream.truth.pii_kinds[rid], values, strict=True)
        if kind == "card_number"
    ]
    assert cards
    for card in cards:
        digits = [int(c) for c in reversed(card)]
        total = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
        assert len(card) == 16 and total % 10 == 0, card


def test_duplicates_are_the_same_customer_and_text_resent_later_on_another_channel(
    stream: DemoStream, payloads: dict
) -> None:
    pairs = stream.truth.duplicate_pairs
    assert 0.01 < len(pairs) / stream.truth.counts["reviews"] < 0.03
    for first, second in pairs:
        (e1, o1), (e2, o2) = payloads[first], payloads[second]
        assert e1.source == "storefront" and e2.source in ("nps", "support")
        assert o1[_TEXT_FIELD[e1.source]] == o2[_TEXT_FIELD[e2.source]]
        assert _customer(e1.source, o1) == _customer(e2.source, o2)
        assert e2.received_at > e1.received_at


def test_near_duplicates_change_only_a_word_or_two_of_the_pasted_complaint(stream: DemoStream, payloads: dict) -> None:
    with_pii = set(stream.truth.pii_review_ids)
    pairs = [(c, o) for c, o in stream.truth.near_duplicate_of.items() if not {c, o} & with_pii]
    assert pairs
    for copy, original in pairs:
        (e1, o1), (e2, o2) = payloads[original], payloads[copy]
        a, b = o1[_TEXT_FIELD[e1.source]].split(), o2[_TEXT_FIELD[e2.source]].split()
        opcodes = difflib.SequenceMatcher(None, a, b).get_opcodes()
        changed = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in opcodes if tag != "equal")
        assert 1 <= changed <= 2, (a, b)
        assert _customer(e1.source, o1) != _customer(e2.source, o2)


def test_spam_is_about_two_percent_and_never_part_of_an_incident(stream: DemoStream, payloads: dict) -> None:
    spam = set(stream.truth.spam_review_ids)
    assert 0.01 < len(spam) / stream.truth.counts["reviews"] < 0.03
    assert not spam & {rid for i in stream.truth.incidents for rid in i.review_ids}
    assert not spam & set(stream.truth.review_topics)


def test_counts_add_up(stream: DemoStream) -> None:
    counts = stream.truth.counts
    assert counts["events"] == len(stream.events)
    assert sum(counts[f"source.{s}"] for s in _ID_FIELD) == len(stream.events)
    assert counts["incident_reviews"] == sum(len(i.review_ids) for i in stream.truth.incidents)


def test_clean_stream_has_no_incidents_and_no_hazard_language() -> None:
    clean = generate_stream(seed=7, days=10, skus=200, reviews_per_day=300, incidents=False)
    assert clean.truth.incidents == [] and clean.truth.safety_review_ids == []
    hazard = re.compile(r"overheat|melt|smok|fire|spark|burn", re.IGNORECASE)
    broken = {m.index for m in clean.truth.malformed}
    texts = [json.loads(e.payload)[_TEXT_FIELD[e.source]] for i, e in enumerate(clean.events) if i not in broken]
    assert not [t for t in texts if hazard.search(t)]


def test_clean_stream_keeps_the_same_everyday_chatter_as_the_incident_stream() -> None:
    with_incidents = generate_stream(seed=5, days=6, reviews_per_day=80)
    clean = generate_stream(seed=5, days=6, reviews_per_day=80, incidents=False)
    with_counts, clean_counts = with_incidents.truth.counts, clean.truth.counts
    assert with_counts["reviews"] - with_counts["incident_reviews"] == clean_counts["reviews"]


def test_a_window_too_short_for_incidents_is_refused_with_advice() -> None:
    with pytest.raises(ValueError, match="days >= 5"):
        generate_stream(days=3)
    assert generate_stream(days=3, reviews_per_day=40, incidents=False).events


def test_jsonl_round_trip_keeps_every_byte_including_invalid_utf8(stream: DemoStream, tmp_path: Path) -> None:
    path = tmp_path / "stream.jsonl"
    write_jsonl(stream, path)
    assert list(read_jsonl(path)) == stream.events
    envelopes = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    binary = [env for env in envelopes if "payload_b64" in env]
    invalid = [m for m in stream.truth.malformed if m.expected_reason == QuarantineReason.invalid_utf8]
    assert len(binary) == len(invalid)
    assert base64.b64decode(binary[0]["payload_b64"]) == stream.events[invalid[0].index].payload


def test_read_jsonl_names_the_line_of_a_broken_envelope(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"source": "nps", "received_at": "2026-11-01T00:00:00+00:00", "payload": "{}"}\n{"source": "nps"}\n'
    )
    with pytest.raises(ValueError, match=r"bad\.jsonl:2"):
        list(read_jsonl(path))
