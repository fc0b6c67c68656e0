"""`reviewops demo`: replay the seeded multi-channel stream through the loop on simulated time and check it."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from agent.triage import open_triage_service
from agent.triage.approvals import PendingApproval
from agent.triage.service import QueueReport
from lab.alerts.replay import replay_with_alerts
from lab.demo.stream import DemoStream, generate_stream, micro_batches, write_jsonl
from pipeline.alerts import build_alert_engine
from pipeline.alerts.schedule import AlertScheduler
from pipeline.alerts.summary import AlertsSummary, summarize_alerts
from pipeline.clock import SimulatedClock
from pipeline.factory import build_loop
from pipeline.indexing import IndexRunStats, index_pending_reviews
from pipeline.loop import BatchReport
from store.db import Database
from store.embeddings import ReviewEmbedder
from store.insights import TopicCluster, route_reason_counts, top_negative_clusters
from store.settings import Settings
from store.status import LoopStatus, loop_status
from store.tables import RouteDecisionRow, SilverReview
from store.vector_index import ReviewIndex

__all__ = ["DemoOptions", "DemoResult", "TruthCheck", "micro_batches", "reset_local_state", "run_demo"]


class DemoOptions(BaseModel):
    """Size of the simulated stream and how it is replayed."""

    seed: int = 7
    days: int = 14
    skus: int = 120
    reviews_per_day: int = 220
    batch_minutes: int = 15
    index: bool = True
    triage: bool = True
    use_llm: bool = True


class TruthCheck(BaseModel):
    """What the demo's ground truth says the loop should have done, against what it did."""

    safety_reviews: int
    safety_escalated: int
    pii_reviews: int
    pii_leaks: list[str]
    duplicate_pairs: int
    duplicates_detected: int
    malformed_expected: dict[str, int]
    quarantined: dict[str, int]


class DemoResult(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    options: DemoOptions
    stream_file: Path
    events: int
    batches: int
    seconds: float
    report: dict[str, object]
    escalation_reasons: dict[str, int]
    clusters: list[TopicCluster]
    status: LoopStatus
    index: IndexRunStats | None
    truth: TruthCheck
    triage: QueueReport | None = None
    pending_approvals: list[PendingApproval] = []
    alerts: AlertsSummary | None = None


def reset_local_state(settings: Settings) -> None:
    """Remove the embedded database and Chroma directory under REVIEWOPS_HOME (trained models are kept)."""
    if settings.database_url:
        raise ValueError("refusing to reset an external database (REVIEWOPS_DATABASE_URL is set); drop it yourself")
    db_file = settings.home / "reviewops.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(settings.chroma_dir, ignore_errors=True)


def _truth_check(db: Database, stream: DemoStream, report: BatchReport) -> TruthCheck:
    truth = stream.truth
    with db.session() as session:
        escalated = set(
            session.scalars(
                select(RouteDecisionRow.review_id).where(
                    RouteDecisionRow.route == "agent", RouteDecisionRow.review_id.in_(truth.safety_review_ids)
                )
            )
        )
        texts = dict(
            session.execute(
                select(SilverReview.review_id, SilverReview.title + " " + SilverReview.text).where(
                    SilverReview.review_id.in_(list(truth.pii_strings))
                )
            )
            .tuples()
            .all()
        )
        second_ids = [b for _, b in truth.duplicate_pairs]
        duplicates_detected = len(
            list(
                session.scalars(
                    select(SilverReview.review_id).where(
                        SilverReview.review_id.in_(second_ids), SilverReview.status == "duplicate"
                    )
                )
            )
        )
    leaks = [
        f"{rid}: {value}"
        for rid, values in truth.pii_strings.items()
        for value in values
        if value in texts.get(rid, "")
    ]
    expected: dict[str, int] = {}
    for item in truth.malformed:
        expected[item.expected_reason] = expected.get(item.expected_reason, 0) + 1
    return TruthCheck(
        safety_reviews=len(truth.safety_review_ids),
        safety_escalated=len(escalated),
        pii_reviews=len(truth.pii_strings),
        pii_leaks=leaks,
        duplicate_pairs=len(truth.duplicate_pairs),
        duplicates_detected=duplicates_detected,
        malformed_expected=expected,
        quarantined=dict(report.quarantined),
    )


def run_demo(
    settings: Settings,
    options: DemoOptions,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> DemoResult:
    """Generate the stream, replay it in simulated micro-batches, index it, and compare with the truth."""
    progress = on_progress or (lambda _stage, _done, _total: None)
    stream = generate_stream(
        seed=options.seed, days=options.days, skus=options.skus, reviews_per_day=options.reviews_per_day
    )
    settings.ensure_home()
    stream_file = settings.home / "demo_stream.jsonl"
    write_jsonl(stream, stream_file)

    clock = SimulatedClock(stream.start)
    loop = build_loop(settings, clock=clock)
    engine = build_alert_engine(settings)
    started = time.perf_counter()
    replay = replay_with_alerts(
        loop,
        clock,
        engine,
        stream.events,
        batch_minutes=options.batch_minutes,
        on_batch=lambda done, total_batches: progress("score", done, total_batches),
    )
    seconds = time.perf_counter() - started
    total, batches = replay.report, replay.batches

    index_stats = None
    if options.index:
        index_stats = index_pending_reviews(settings, loop.db, on_progress=lambda d, t: progress("index", d, t))

    triage_report: QueueReport | None = None
    pending: list[PendingApproval] = []
    if options.triage:
        progress("triage", 0, 1)
        triage_report, pending = _run_triage(settings, loop.db, clock, options)
        progress("triage", 1, 1)
        # the agent's incidents become alert groups for their owners, delivered through the outbox
        AlertScheduler(loop.db, engine, clock=clock.now).evaluate(clock.now())

    with loop.db.session() as session:
        status = loop_status(session)
        clusters = top_negative_clusters(session, limit=10)
        reasons = route_reason_counts(session)
        alerts = summarize_alerts(session, clock.now())
    return DemoResult(
        options=options,
        stream_file=stream_file,
        events=len(stream.events),
        batches=batches,
        seconds=seconds,
        report=total.as_dict(),
        escalation_reasons=reasons,
        clusters=clusters,
        status=status,
        index=index_stats,
        truth=_truth_check(loop.db, stream, total),
        triage=triage_report,
        pending_approvals=pending,
        alerts=alerts,
    )


def _run_triage(
    settings: Settings, db: Database, clock: SimulatedClock, options: DemoOptions
) -> tuple[QueueReport, list[PendingApproval]]:
    """Triage every escalated review (the agent), stopping at the approval gates a person must decide."""
    index = ReviewIndex.open(settings, ReviewEmbedder.from_settings(settings)) if options.index else None
    try:
        with open_triage_service(settings, db=db, index=index, clock=clock.now, use_llm=options.use_llm) as service:
            report = service.run(batch=20)
            return report, service.pending_approvals()
    finally:
        if index is not None:
            index.close()
