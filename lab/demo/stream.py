"""A seeded, realistic multi-channel review stream with injected incidents and the ground truth to grade against.

Everyday chatter is stationary per SKU: Poisson arrivals with a daily shape, Zipf-like SKU popularity and a
small steady rate of every complaint topic. Each incident is a step up of one topic for one scope (SKU,
region + carrier, or warehouse) from a known time. Noise rides on top: cross-channel duplicates, pasted
near-duplicates, PII, spam and payloads broken in every way docs/sources.md quarantines.
"""

from __future__ import annotations

import base64
import json
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from lab.demo.catalog import build_catalog, build_customers
from lab.demo.chatter import Chatter, arrivals, resend, spam_drafts
from lab.demo.incidents import IncidentPlan, incident_drafts, plan_incidents
from lab.demo.payloads import MALFORMED_RECIPES, Draft, NativeIds, encode_payload
from lab.demo.text import inject_pii
from store.schemas import QuarantineReason

__all__ = [
    "DemoStream",
    "DemoTruth",
    "IncidentTruth",
    "MalformedTruth",
    "StreamEvent",
    "generate_stream",
    "micro_batches",
    "read_jsonl",
    "write_jsonl",
]

DAY = 86_400
DEFAULT_START = datetime(2026, 11, 1, tzinfo=UTC)
MIN_INCIDENT_REVIEWS = 10
IncidentKind = Literal[
    "zipper_defect", "runs_small", "carrier_delay", "crushed_packaging", "misleading_photo", "safety_overheat"
]


@dataclass(frozen=True)
class StreamEvent:
    """One payload exactly as a source delivered it, and when ReviewOps received it."""

    source: str
    payload: bytes
    received_at: datetime


class IncidentTruth(BaseModel):
    """An injected incident: what the alerting layer should find, where, from when, and which reviews report it."""

    id: str
    kind: IncidentKind
    topic: str = Field(description="Taxonomy leaf id the incident raises.")
    flags: list[str] = Field(
        default_factory=list, description="Cross-cutting flags every report carries (safety_hazard)."
    )
    scope: dict[str, str] = Field(description="sku, region + carrier, or warehouse the incident is confined to.")
    starts_at: datetime = Field(
        description="Simulated time the incident begins; its first report follows within the hour."
    )
    review_ids: list[str] = Field(
        description="Canonical ids of every distinct report, near-duplicates included, by arrival."
    )
    expected_playbook: str


class MalformedTruth(BaseModel):
    """A deliberately broken payload and the quarantine reason it must receive."""

    index: int = Field(description="Position in DemoStream.events.")
    expected_reason: QuarantineReason
    source: str
    recipe: str = Field(description="How it was broken, e.g. truncated_json.")


class DemoTruth(BaseModel):
    """Everything the generator injected, keyed by the review ids the adapters will produce."""

    seed: int
    incidents: list[IncidentTruth]
    safety_review_ids: list[str]
    duplicate_pairs: list[tuple[str, str]] = Field(
        description="(storefront review, same text re-sent later via nps/support)."
    )
    near_duplicate_ids: list[str] = Field(description="Complaints pasted by another customer with 1-2 words changed.")
    near_duplicate_of: dict[str, str] = Field(description="Near-duplicate id -> the review it was pasted from.")
    pii_review_ids: list[str]
    pii_strings: dict[str, list[str]] = Field(
        description="Review id -> the PII strings injected into its text, verbatim."
    )
    pii_kinds: dict[str, list[str]] = Field(
        description="Kind of each pii_strings entry: email, phone, card_number, street_address or order_number."
    )
    spam_review_ids: list[str]
    malformed: list[MalformedTruth]
    review_topics: dict[str, str] = Field(
        description="Review id -> taxonomy topic its text was written about (complaint, mild remark, incident report)."
    )
    counts: dict[str, int]


@dataclass
class DemoStream:
    """The events in arrival order, the ground truth, and the simulated window [start, end)."""

    events: list[StreamEvent]
    truth: DemoTruth
    start: datetime
    end: datetime


def generate_stream(
    seed: int = 7,
    days: int = 14,
    skus: int = 120,
    reviews_per_day: int = 220,
    start: datetime = DEFAULT_START,
    incidents: bool = True,
) -> DemoStream:
    """A deterministic demo stream: the same arguments give the same bytes; `incidents=False` gives clean chatter.

    Each part draws from its own seeded generator, so the everyday chatter is identical with and without incidents.
    """
    if days < 1 or reviews_per_day < 1:
        raise ValueError(f"days={days} and reviews_per_day={reviews_per_day} must both be at least 1")
    start = start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)
    horizon = days * DAY
    catalog = build_catalog(random.Random(f"demo:{seed}:catalog"), skus)
    customers = build_customers(random.Random(f"demo:{seed}:customers"), max(300, days * reviews_per_day * 3 // 5))
    chatter = Chatter(random.Random(f"demo:{seed}:chatter"), catalog, customers)
    background = [chatter.review(t) for t in arrivals(chatter.rng, reviews_per_day, horizon)]
    background = [d for d in background if d.received < horizon]
    plans: list[IncidentPlan] = []
    reports: list[Draft] = []
    if incidents:
        incident_rng = random.Random(f"demo:{seed}:incidents")
        plans = plan_incidents(incident_rng, catalog, days, reviews_per_day)
        reports = incident_drafts(incident_rng, plans, customers, catalog, days, MIN_INCIDENT_REVIEWS)
    noise = _noise(Chatter(random.Random(f"demo:{seed}:noise"), catalog, customers), background, horizon)
    every = background + reports + noise
    drafts = [every[i] for i in sorted(range(len(every)), key=lambda i: (every[i].received, every[i].created, i))]
    _assign_ids_and_pii(random.Random(f"demo:{seed}:ids"), drafts)
    byte_rng = random.Random(f"demo:{seed}:bytes")
    events = [
        StreamEvent(d.source, encode_payload(d, start, byte_rng), start + timedelta(seconds=d.received)) for d in drafts
    ]
    return DemoStream(
        events=events, truth=_truth(seed, drafts, plans, start), start=start, end=start + timedelta(days=days)
    )


def _noise(chatter: Chatter, background: list[Draft], horizon: int) -> list[Draft]:
    """Spam (~2%), cross-channel re-sends of storefront reviews (~2%) and broken payloads (~1%, every recipe once)."""
    rng = chatter.rng
    spam = [d for d in spam_drafts(rng, chatter, round(0.02 * len(background)), horizon) if d.received < horizon]
    # a re-send follows within two days and a support export within six hours, so it still lands in the window
    eligible = [d for d in background if d.source == "storefront" and d.created < horizon - 2 * DAY - 6 * 3600]
    originals = rng.sample(eligible, min(len(eligible), round(0.02 * len(background))))
    copies = [resend(rng, d) for d in sorted(originals, key=lambda d: (d.created, d.received))]
    broken = []
    for i in range(max(len(MALFORMED_RECIPES), round(0.01 * len(background)))):
        recipe = MALFORMED_RECIPES[i] if i < len(MALFORMED_RECIPES) else rng.choice(MALFORMED_RECIPES)
        draft = chatter.review(rng.randrange(horizon - 7 * 3600), recipe.source)
        draft.malformed = recipe
        broken.append(draft)
    return spam + copies + broken


def _assign_ids_and_pii(rng: random.Random, drafts: list[Draft]) -> None:
    """Native ids and order numbers in arrival order, and PII into 4% of genuine reviews (a re-send keeps its text)."""
    ids = NativeIds(rng)
    genuine = [i for i, d in enumerate(drafts) if not d.spam and d.malformed is None and d.copy_of is None]
    with_pii = set(rng.sample(genuine, round(0.04 * len(genuine))))
    for i, d in enumerate(drafts):
        d.native_id = ids.next_id(d.source)
        if d.has_order:
            d.order_id = d.copy_of.order_id if d.copy_of else ids.next_order()
        if d.copy_of is not None:
            d.body, d.pii = d.copy_of.body, list(d.copy_of.pii)
        elif i in with_pii:
            d.body, d.pii = inject_pii(rng, d.body, d.customer, d.order_id, d.intent == "negative")


def _truth(seed: int, drafts: list[Draft], plans: list[IncidentPlan], start: datetime) -> DemoTruth:
    valid = [d for d in drafts if d.malformed is None]
    incidents = [
        IncidentTruth(
            id=p.id,
            kind=p.spec.kind,
            topic=p.spec.topic,
            flags=list(p.spec.flags),
            scope=p.scope,
            starts_at=start + timedelta(seconds=p.starts_at),
            review_ids=[d.review_id for d in drafts if d.incident == p.id],
            expected_playbook=p.spec.playbook,
        )
        for p in plans
    ]
    safety = [rid for inc in incidents if "safety_hazard" in inc.flags for rid in inc.review_ids]
    counts: Counter[str] = Counter(events=len(drafts), reviews=len(valid), malformed=len(drafts) - len(valid))
    counts.update(f"source.{d.source}" for d in drafts)
    counts.update(f"incident.{d.incident.split('-', 2)[2]}" for d in valid if d.incident)
    counts.update(
        spam=sum(d.spam for d in valid),
        duplicates=sum(d.copy_of is not None for d in valid),
        near_duplicates=sum(d.near_copy_of is not None for d in valid),
        pii=sum(bool(d.pii) for d in valid),
        incident_reviews=sum(d.incident is not None for d in valid),
        safety=len(safety),
    )
    return DemoTruth(
        seed=seed,
        incidents=incidents,
        safety_review_ids=safety,
        duplicate_pairs=[(d.copy_of.review_id, d.review_id) for d in valid if d.copy_of],
        near_duplicate_ids=[d.review_id for d in valid if d.near_copy_of],
        near_duplicate_of={d.review_id: d.near_copy_of.review_id for d in valid if d.near_copy_of},
        pii_review_ids=[d.review_id for d in valid if d.pii],
        pii_strings={d.review_id: [value for _, value in d.pii] for d in valid if d.pii},
        pii_kinds={d.review_id: [kind for kind, _ in d.pii] for d in valid if d.pii},
        spam_review_ids=[d.review_id for d in valid if d.spam],
        malformed=[
            MalformedTruth(index=i, expected_reason=d.malformed.reason, source=d.source, recipe=d.malformed.name)
            for i, d in enumerate(drafts)
            if d.malformed is not None
        ],
        review_topics={d.review_id: d.topic for d in valid if d.topic},
        counts=dict(sorted(counts.items())),
    )


def write_jsonl(stream: DemoStream, path: Path) -> None:
    """One envelope per line: the payload as text, or base64 under `payload_b64` when it is not valid UTF-8."""
    with Path(path).open("w", encoding="utf-8") as out:
        for event in stream.events:
            envelope: dict[str, str] = {"source": event.source, "received_at": event.received_at.isoformat()}
            try:
                envelope["payload"] = event.payload.decode("utf-8")
            except UnicodeDecodeError:
                envelope["payload_b64"] = base64.b64encode(event.payload).decode("ascii")
            out.write(json.dumps(envelope, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> Iterator[StreamEvent]:
    """The events of a file written by `write_jsonl`, in file order."""
    with Path(path).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                envelope = json.loads(line)
                if "payload_b64" in envelope:
                    payload = base64.b64decode(envelope["payload_b64"], validate=True)
                else:
                    payload = envelope["payload"].encode("utf-8")
                received = datetime.fromisoformat(envelope["received_at"])
                yield StreamEvent(
                    str(envelope["source"]), payload, received if received.tzinfo else received.replace(tzinfo=UTC)
                )
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise ValueError(
                    f"{path}:{number}: not a stream envelope ({exc!r}); expected "
                    '{"source", "received_at", "payload" or "payload_b64"} as written by write_jsonl'
                ) from exc


def micro_batches(events: Sequence[StreamEvent], minutes: int) -> list[list[StreamEvent]]:
    """Group a time-sorted stream into consecutive windows of `minutes` of received time."""
    batches: list[list[StreamEvent]] = []
    window_end = None
    for event in events:
        if window_end is None or event.received_at >= window_end:
            batches.append([])
            start = event.received_at.replace(second=0, microsecond=0)
            window_end = start + timedelta(minutes=minutes - start.minute % minutes)
        batches[-1].append(event)
    return batches
