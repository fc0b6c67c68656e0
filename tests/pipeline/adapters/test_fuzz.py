"""Whatever bytes arrive, parse_payload returns a valid ReviewEvent or raises QuarantineError, nothing else."""

from __future__ import annotations

import copy
import json
import random
from datetime import UTC, datetime
from typing import Any

import pytest

from pipeline.adapters import QuarantineError, parse_payload
from store.schemas import ReviewEvent

RECEIVED_AT = datetime(2026, 11, 3, tzinfo=UTC)

VALID: dict[str, dict[str, Any]] = {
    "storefront": {
        "event": "review.created",
        "review_id": "R-1",
        "created_at": "2026-11-02T10:15:00Z",
        "rating": 2,
        "title": "Zipper broke",
        "body": "The zipper broke.",
        "customer": {"id": "C-1", "email": "ann@example.com"},
        "product": {"sku": "JKT-0042", "category": "Jackets", "supplier": "SUP-07"},
        "order": {"id": "ORD-1", "value": 129.0, "region": "US-West", "warehouse": "WH-RENO"},
    },
    "support": {
        "ticket_id": 88231,
        "subject": "Charger got hot",
        "description": "It overheated.",
        "created_at": "2026-11-02T11:00:00+00:00",
        "requester": {"id": "C-1"},
        "custom_fields": {"order_id": "ORD-1", "sku": "CHG-7", "order_value": 39.5},
        "tags": ["complaint"],
    },
    "app_store": {"reviewId": "gp:1", "content": "Crashes", "score": 1, "at": "2026-11-02T12:00Z", "territory": "US"},
    "nps": {"response_id": "n-1", "respondent_id": "C-1", "score": 3, "comment": "Box", "submitted_at": "2026-11-02"},
    "social": {"post_id": "tw-1", "author": "@ann", "text": "3 weeks late", "posted_at": "2026-11-02T14:00:00Z"},
    "csv:womens_clothing": {"": "5", "Clothing ID": "1077", "Title": "", "Review Text": "Nice", "Rating": "4"}
    | {"Class Name": "Dresses", "__row__": 5},
}

ODD_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    7,
    10**40,
    1.5,
    1e308,
    "",
    "   ",
    "x" * 20_001,
    "\u0000",
    "2026-02-30T00:00:00Z",
    "9999-12-31T23:59:59-05:00",
    "2099-01-01T00:00:00Z",
    "0001-01-01T00:00:00+05:00",
    [],
    {},
    [[[[["deep"]]]]],
    {"id": {"id": None}},
]


def mutate_structure(rng: random.Random, obj: dict[str, Any]) -> dict[str, Any]:
    mutated = copy.deepcopy(obj)
    for _ in range(rng.randint(1, 3)):
        target = mutated
        nested = [key for key, value in target.items() if isinstance(value, dict)]
        if nested and rng.random() < 0.3:
            target = target[rng.choice(nested)]
        if not target:
            continue
        key = rng.choice(sorted(target))
        action = rng.random()
        if action < 0.2:
            del target[key]
        elif action < 0.9:
            target[key] = copy.deepcopy(rng.choice(ODD_VALUES))
        else:
            target[rng.choice(["extra", "__extra__", "__row__"])] = copy.deepcopy(rng.choice(ODD_VALUES))
    return mutated


def mutate_bytes(rng: random.Random, payload: bytes) -> bytes:
    data = bytearray(payload)
    for _ in range(rng.randint(1, 4)):
        position = rng.randrange(len(data) + 1)
        action = rng.random()
        if action < 0.3 and data:
            del data[min(position, len(data) - 1)]
        elif action < 0.6:
            data.insert(position, rng.randrange(256))
        elif action < 0.8 and data:
            data[min(position, len(data) - 1)] = rng.choice(b'{}[]":,\\0123456789eE-+.tfn \x80\xff')
        else:
            data = data[:position]
    return bytes(data)


def random_bytes(rng: random.Random) -> bytes:
    if rng.random() < 0.5:
        return rng.randbytes(rng.randint(0, 80))
    return bytes(rng.choice(b'{}[]":,\\u0123456789abcdefdDnNaI -') for _ in range(rng.randint(0, 60)))


def payloads(seed: int, count: int) -> list[tuple[str, bytes]]:
    rng = random.Random(seed)
    cases: list[tuple[str, bytes]] = []
    for _ in range(count):
        source = rng.choice(sorted(VALID))
        kind = rng.random()
        if kind < 0.5:
            payload = json.dumps(mutate_structure(rng, VALID[source]), ensure_ascii=rng.random() < 0.5).encode()
        elif kind < 0.85:
            payload = mutate_bytes(rng, json.dumps(VALID[source]).encode())
        else:
            payload = random_bytes(rng)
        cases.append((source, payload))
    return cases


@pytest.mark.parametrize("seed", range(3))
def test_random_and_mutated_payloads_only_ever_quarantine_or_parse(seed: int) -> None:
    outcomes = {"event": 0, "quarantine": 0}
    for source, payload in payloads(seed, 300):
        try:
            event = parse_payload(source, payload, RECEIVED_AT)
        except QuarantineError as error:
            assert error.detail and len(error.detail) <= 200
            outcomes["quarantine"] += 1
        else:
            ReviewEvent.model_validate(event.model_dump())  # really valid, not just constructed
            assert event.text.strip() and event.created_at.tzinfo is not None
            outcomes["event"] += 1
    assert outcomes["event"] > 0 and outcomes["quarantine"] > 0


def test_the_unmutated_fuzz_seeds_are_valid() -> None:
    for source, obj in VALID.items():
        assert parse_payload(source, json.dumps(obj).encode(), RECEIVED_AT).raw == obj
