"""The fast path end to end through real SQLite: nothing lost, idempotent, all-or-nothing batches."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lab.demo.run import micro_batches
from lab.demo.stream import StreamEvent, generate_stream
from pipeline.clock import SimulatedClock
from pipeline.factory import build_loop
from store.tables import BronzeEvent, QuarantinedEvent, ReviewScoreRow, RouteDecisionRow, SilverReview

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def storefront(review_id: str, body: str, rating: int = 2, sku: str = "JKT-0042", **extra: object) -> StreamEvent:
    payload = {
        "event": "review.created",
        "review_id": review_id,
        "created_at": (NOW - timedelta(hours=1)).isoformat(),
        "rating": rating,
        "title": "",
        "body": body,
        "customer": {"id": f"C-{review_id}"},
        "product": {"sku": sku, "category": "Jackets"},
        **extra,
    }
    return StreamEvent("storefront", json.dumps(payload).encode(), NOW)


def counts(db) -> dict[str, int]:
    with db.session() as s:
        return {
            table.__tablename__: s.scalar(select(func.count()).select_from(table))
            for table in (BronzeEvent, QuarantinedEvent, SilverReview, ReviewScoreRow, RouteDecisionRow)
        }


@pytest.fixture(scope="module")
def small_stream():
    return generate_stream(seed=3, days=5, skus=20, reviews_per_day=80)


def run_stream(loop, stream):
    clock = loop.clock
    for batch in micro_batches(stream.events, 60):
        clock.advance_to(batch[-1].received_at)
        loop.process(batch)


def test_every_payload_ends_in_silver_or_quarantine(settings, small_stream):
    loop = build_loop(settings, clock=SimulatedClock(small_stream.start))
    run_stream(loop, small_stream)
    c = counts(loop.db)
    assert c["bronze_events"] == len({(e.source, e.payload) for e in small_stream.events})
    assert c["quarantine"] + c["reviews"] == c["bronze_events"]
    assert c["quarantine"] == len(small_stream.truth.malformed)
    with loop.db.session() as s:
        clean = s.scalar(select(func.count()).select_from(SilverReview).where(SilverReview.status == "clean"))
    assert c["review_scores"] == c["route_decisions"] == clean


def test_replaying_the_stream_changes_nothing(settings, small_stream):
    loop = build_loop(settings, clock=SimulatedClock(small_stream.start))
    run_stream(loop, small_stream)
    before = counts(loop.db)
    report = loop.process(small_stream.events)
    assert report.resent == report.received
    assert counts(loop.db) == before


def test_quarantine_keeps_reason_detail_and_the_raw_bytes(settings):
    loop = build_loop(settings)
    bad = StreamEvent("storefront", b'{"review_id": "R-1", "rating": 9', NOW)
    report = loop.process([bad])
    assert report.quarantined == {"malformed_json": 1}
    with loop.db.session() as s:
        row = s.scalars(select(QuarantinedEvent)).one()
    assert row.payload == bad.payload
    assert row.reason == "malformed_json"
    assert row.detail


def test_a_failed_batch_stores_nothing_and_a_resend_completes_it(settings, monkeypatch):
    loop = build_loop(settings)
    batch = [storefront("R-1", "The zipper broke after one day."), storefront("R-2", "Lovely soft jacket, fits well.")]
    original = loop.scorer.score_batch

    def crash(*args, **kwargs):
        raise RuntimeError("scorer crashed")

    monkeypatch.setattr(loop.scorer, "score_batch", crash)
    with pytest.raises(RuntimeError):
        loop.process(batch)
    assert set(counts(loop.db).values()) == {0}
    monkeypatch.setattr(loop.scorer, "score_batch", original)
    report = loop.process(batch)
    assert report.scored == 2
    assert counts(loop.db)["route_decisions"] == 2


def test_the_same_review_through_another_channel_after_a_restart_is_a_duplicate(settings):
    text = "The zipper on this jacket split open the second time I wore it, really disappointed."
    build_loop(settings).process([storefront("R-7", text)])
    nps = {
        "response_id": "nps-7",
        "respondent_id": "C-R-7",
        "score": 2,
        "comment": text,
        "submitted_at": NOW.isoformat(),
        "sku": "JKT-0042",
    }
    restarted = build_loop(settings)
    report = restarted.process([StreamEvent("nps", json.dumps(nps).encode(), NOW + timedelta(hours=1))])
    assert report.silver == {"duplicate": 1}
    with restarted.db.session() as s:
        dup = s.get(SilverReview, "nps:nps-7")
    assert dup is not None and dup.duplicate_of == "storefront:R-7"


def test_a_resent_review_id_with_different_bytes_is_kept_in_bronze_as_superseded(settings):
    loop = build_loop(settings)
    loop.process([storefront("R-9", "Zipper broke.")])
    report = loop.process([storefront("R-9", "Zipper broke. Edited: the seller never answered.")])
    assert report.superseded == 1
    with loop.db.session() as s:
        outcomes = sorted(s.scalars(select(BronzeEvent.outcome)))
    assert outcomes == ["silver", "superseded"]


def test_safety_reports_go_to_the_agent_with_the_reason(settings):
    loop = build_loop(settings)
    loop.process([storefront("R-11", "The charger overheated and started smoking on my nightstand.", rating=1)])
    with loop.db.session() as s:
        decision = s.get(RouteDecisionRow, "storefront:R-11")
    assert decision is not None
    assert decision.route == "agent" and decision.severity == "high"
    assert any(r.startswith("safety") for r in decision.reasons)
    assert decision.queue_status == "queued"


def test_stage_stamps_are_in_order(settings, small_stream):
    loop = build_loop(settings, clock=SimulatedClock(small_stream.start))
    run_stream(loop, small_stream)
    with loop.db.session() as s:
        rows = s.execute(
            select(
                SilverReview.received_at, SilverReview.cleaned_at, ReviewScoreRow.scored_at, RouteDecisionRow.routed_at
            )
            .join(ReviewScoreRow, ReviewScoreRow.review_id == SilverReview.review_id)
            .join(RouteDecisionRow, RouteDecisionRow.review_id == SilverReview.review_id)
        ).all()
    assert rows
    assert all(r.received_at <= r.cleaned_at <= r.scored_at <= r.routed_at for r in rows)


def test_no_injected_pii_reaches_silver(settings, small_stream):
    loop = build_loop(settings, clock=SimulatedClock(small_stream.start))
    run_stream(loop, small_stream)
    pii = small_stream.truth.pii_strings
    with loop.db.session() as s:
        texts = dict(
            s.execute(
                select(SilverReview.review_id, SilverReview.title + " " + SilverReview.text).where(
                    SilverReview.review_id.in_(list(pii))
                )
            )
            .tuples()
            .all()
        )
    assert texts, "the stream should carry PII"
    leaks = [(rid, value) for rid, values in pii.items() for value in values if value in texts.get(rid, "")]
    assert leaks == []
