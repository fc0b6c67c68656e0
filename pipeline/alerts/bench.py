"""Alerting figures: detection on the demo stream, false alerts on a clean stream, evaluation time at 1M reviews.

- demo: `generate_stream()` replayed through the real loop on a SimulatedClock, alerts evaluated every 15
  simulated minutes; per injected incident: alert groups raised, receivers, delay after its first and fifth
  report (by submission time), and alert groups matching no incident.
- clean: `generate_stream(incidents=False, days=30, skus=400, reviews_per_day=1000)`; every alert group notified
  is a false alert; reported per 1,000 SKU-days.
- scale: gold built from 1M synthetic reviews (through the real aggregation), one full evaluation timed.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, Field
from sqlalchemy import func, select

from pipeline.alerts import MemoryNotifier, build_alert_engine
from pipeline.alerts.replay import ReplayResult, replay_with_alerts
from pipeline.clock import SimulatedClock
from pipeline.demo_stream import DemoStream, IncidentTruth, generate_stream
from pipeline.factory import build_loop
from store.alert_tables import AlertNotificationRow
from store.db import Database
from store.gold import GoldRecord, add_records
from store.gold_tables import GoldScopeDaily, GoldTopicHourly
from store.settings import Settings
from store.tables import ReviewScoreRow, SilverReview
from store.taxonomy import load_taxonomy

__all__ = [
    "AlertsBench",
    "CleanStreamResult",
    "DemoDetection",
    "IncidentDetection",
    "ScaleResult",
    "format_alerts_bench",
    "run_alerts_bench",
]


class IncidentDetection(BaseModel):
    """How one injected incident was alerted."""

    incident: str
    topic: str
    scope: dict[str, str]
    expected_receiver: str
    reports: int = Field(description="Distinct reports in silver.")
    labelled: int = Field(description="Reports the scorer labelled with the incident's topic (or flag).")
    groups: int = Field(description="Alert groups notified for this incident (target: exactly 1).")
    receivers: list[str]
    right_owner: bool
    first_report_at: datetime | None = Field(description="When the first report was written (submitted).")
    fifth_report_at: datetime | None = Field(description="When the fifth labelled report was written.")
    first_arrival_at: datetime | None = Field(description="When the first labelled report reached ReviewOps.")
    fifth_arrival_at: datetime | None = Field(description="When the fifth labelled report reached ReviewOps.")
    alerted_at: datetime | None
    hours_after_first: float | None
    hours_after_fifth: float | None
    hours_after_first_arrival: float | None
    hours_after_fifth_arrival: float | None


class DemoDetection(BaseModel):
    incidents: list[IncidentDetection]
    other_groups: list[str] = Field(description="Alert groups matching no incident (false alerts on the demo).")
    evaluations: int
    evaluation_p50_ms: float
    evaluation_p95_ms: float
    loop_seconds: float
    gold_seconds: float
    alert_seconds: float


class CleanStreamResult(BaseModel):
    days: int
    skus: int
    sku_days: int
    evaluations: int
    alert_groups: int
    per_1000_sku_days: float
    groups: list[str]


class ScaleResult(BaseModel):
    reviews: int
    days: int
    skus: int
    gold_hourly_rows: int
    gold_scope_rows: int
    build_seconds: float
    evaluate_seconds: float
    detect_seconds: float


class AlertsBench(BaseModel):
    demo: DemoDetection | None = None
    clean: CleanStreamResult | None = None
    scale: ScaleResult | None = None


def _scratch(settings: Settings, root: Path, name: str) -> Settings:
    home = root / name
    home.mkdir(parents=True, exist_ok=True)
    (home / "models").symlink_to(settings.models_dir.resolve(), target_is_directory=True)
    return settings.model_copy(update={"home": home, "database_url": f"sqlite:///{home / 'bench.db'}"})


def _replay(settings: Settings, stream: DemoStream, every_minutes: int) -> tuple[Database, ReplayResult]:
    clock = SimulatedClock(stream.start)
    loop = build_loop(settings, clock=clock)
    engine = build_alert_engine(settings, MemoryNotifier())
    return loop.db, replay_with_alerts(loop, clock, engine, stream.events, every_minutes=every_minutes)


def _first_notifications(db: Database) -> list[tuple[datetime, str, dict[str, str]]]:
    """(sent_at, receiver, labels of the first alert) of every group's first firing notification."""
    with db.session() as session:
        rows = session.scalars(
            select(AlertNotificationRow).where(AlertNotificationRow.reason == "new").order_by(AlertNotificationRow.id)
        ).all()
        return [(row.sent_at, row.receiver, row.payload["alerts"][0]["labels"]) for row in rows]


def _matches(incident: IncidentTruth, labels: dict[str, str]) -> bool:
    return any(labels.get(dim) == value for dim, value in incident.scope.items())


def _detections(db: Database, stream: DemoStream, settings: Settings) -> tuple[list[IncidentDetection], list[str]]:
    taxonomy = load_taxonomy(settings.config_dir / "taxonomy.yaml")
    firsts = _first_notifications(db)
    claimed: set[int] = set()
    found = []
    with db.session() as session:
        for incident in stream.truth.incidents:
            topic = incident.flags[0] if incident.flags else incident.topic
            rows = session.execute(
                select(
                    SilverReview.created_at, SilverReview.received_at, ReviewScoreRow.topics, ReviewScoreRow.flag_rules
                )
                .join(ReviewScoreRow, ReviewScoreRow.review_id == SilverReview.review_id)
                .where(SilverReview.review_id.in_(incident.review_ids))
                .order_by(SilverReview.created_at)
            ).all()
            labelled = [
                r for r in rows if (topic in (r.flag_rules or {})) or any(t["label"] == topic for t in r.topics or [])
            ]
            arrivals = sorted(r.received_at for r in labelled)
            mine = [i for i, (_, _, labels) in enumerate(firsts) if _matches(incident, labels)]
            claimed.update(mine)
            right = [i for i in mine if firsts[i][2].get("topic") == topic]
            alerted = firsts[right[0]][0] if right else None
            first = rows[0].created_at if rows else None
            fifth = labelled[4].created_at if len(labelled) >= 5 else None
            first_arrival = arrivals[0] if arrivals else None
            fifth_arrival = arrivals[4] if len(arrivals) >= 5 else None
            expected = taxonomy.owner_for(topic).receiver
            found.append(
                IncidentDetection(
                    incident=incident.id,
                    topic=topic,
                    scope=incident.scope,
                    expected_receiver=expected,
                    reports=len(rows),
                    labelled=len(labelled),
                    groups=len(mine),
                    receivers=sorted({firsts[i][1] for i in mine}),
                    right_owner=bool(right) and all(firsts[i][1] == expected for i in right),
                    first_report_at=first,
                    fifth_report_at=fifth,
                    first_arrival_at=first_arrival,
                    fifth_arrival_at=fifth_arrival,
                    alerted_at=alerted,
                    hours_after_first=_hours(first, alerted),
                    hours_after_fifth=_hours(fifth, alerted),
                    hours_after_first_arrival=_hours(first_arrival, alerted),
                    hours_after_fifth_arrival=_hours(fifth_arrival, alerted),
                )
            )
    others = [
        f"{labels.get('scope')} {labels.get('topic')} -> {receiver} at {sent:%m-%d %H:%M}"
        for i, (sent, receiver, labels) in enumerate(firsts)
        if i not in claimed
    ]
    return found, others


def _hours(start: datetime | None, end: datetime | None) -> float | None:
    return None if start is None or end is None else round((end - start).total_seconds() / 3600, 2)


def _evaluation_stats(result: ReplayResult) -> tuple[float, float]:
    times = sorted(e.seconds * 1000 for e in result.evaluations) or [0.0]
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    return round(statistics.median(times), 1), round(p95, 1)


def bench_demo(settings: Settings, root: Path, every_minutes: int = 15) -> DemoDetection:
    """Replay `generate_stream()` with alert evaluations every `every_minutes` and grade against its truth."""
    scratch = _scratch(settings, root, "demo")
    stream = generate_stream()
    db, result = _replay(scratch, stream, every_minutes)
    incidents, others = _detections(db, stream, scratch)
    p50, p95 = _evaluation_stats(result)
    db.dispose()
    return DemoDetection(
        incidents=incidents,
        other_groups=others,
        evaluations=len(result.evaluations),
        evaluation_p50_ms=p50,
        evaluation_p95_ms=p95,
        loop_seconds=round(result.loop_seconds, 1),
        gold_seconds=round(result.gold_seconds, 1),
        alert_seconds=round(result.alert_seconds, 1),
    )


def bench_clean(
    settings: Settings,
    root: Path,
    days: int = 30,
    skus: int = 400,
    reviews_per_day: int = 1000,
    every_minutes: int = 15,
) -> CleanStreamResult:
    """False alerts on a stream without incidents: every notified alert group counts."""
    scratch = _scratch(settings, root, "clean")
    stream = generate_stream(incidents=False, days=days, skus=skus, reviews_per_day=reviews_per_day)
    db, result = _replay(scratch, stream, every_minutes)
    groups = [
        f"{labels.get('scope')} {labels.get('topic')} ({labels.get('alertname')}) at {sent:%m-%d %H:%M}"
        for sent, _, labels in _first_notifications(db)
    ]
    db.dispose()
    return CleanStreamResult(
        days=days,
        skus=skus,
        sku_days=days * skus,
        evaluations=len(result.evaluations),
        alert_groups=len(groups),
        per_1000_sku_days=round(1000 * len(groups) / (days * skus), 3),
        groups=groups,
    )


def _synthetic_records(reviews: int, days: int, skus: int, end: datetime, seed: int = 5) -> Iterator[GoldRecord]:
    """Stationary reviews like the demo shop's: categories, regions, warehouses, suppliers, 14 topics, ratings."""
    rng = random.Random(seed)
    topics = [t for t in load_taxonomy().topic_ids()]
    categories = ["Jackets", "Dresses", "Tops", "Jeans", "Shoes", "Electronics accessories", "Home"]
    catalog = [(f"SKU-{i:05d}", categories[i % 7], f"SUP-{i % 12:02d}") for i in range(skus)]
    weights = [1 / (i + 1) ** 0.8 for i in range(skus)]
    regions = [(f"R-{r}", f"WH-{r % 6}") for r in range(8)]
    start = end - timedelta(days=days)
    picks = rng.choices(catalog, weights=weights, k=reviews)
    for sku, category, supplier in picks:
        at = start + timedelta(seconds=rng.randrange(days * 86400))
        region, warehouse = rng.choice(regions)
        mood = rng.random()
        sentiment = "positive" if mood < 0.6 else "neutral" if mood < 0.75 else "negative"
        chosen = [] if sentiment == "positive" and rng.random() < 0.7 else [rng.choice(topics)]
        if chosen and rng.random() < 0.08:
            chosen.append(rng.choice(topics))
        yield GoldRecord(
            bucket_start=at.replace(minute=0, second=0, microsecond=0),
            sku=sku,
            region=region,
            warehouse=warehouse,
            supplier=supplier,
            category=category,
            topics=tuple(dict.fromkeys(chosen)),
            sentiment=sentiment,
            rating=rng.randint(1, 5),
        )


def bench_scale(
    settings: Settings, root: Path, reviews: int = 1_000_000, days: int = 35, skus: int = 2000
) -> ScaleResult:
    """Gold from `reviews` synthetic reviews, all inside the rules' look-back; time one full evaluation."""
    scratch = _scratch(settings, root, "scale")
    db = Database.from_settings(scratch)
    end = datetime(2026, 12, 1, tzinfo=UTC)
    started = time.perf_counter()
    with db.session() as session:
        add_records(session, _synthetic_records(reviews, days, skus, end))
    build = time.perf_counter() - started
    engine = build_alert_engine(scratch, MemoryNotifier())
    with db.session() as session:
        hourly = int(session.scalar(select(func.count()).select_from(GoldTopicHourly)) or 0)
        scope_rows = int(session.scalar(select(func.count()).select_from(GoldScopeDaily)) or 0)
        started = time.perf_counter()
        report = engine.run(session, end - timedelta(minutes=1))
        evaluate = time.perf_counter() - started
    db.dispose()
    return ScaleResult(
        reviews=reviews,
        days=days,
        skus=skus,
        gold_hourly_rows=hourly,
        gold_scope_rows=scope_rows,
        build_seconds=round(build, 1),
        evaluate_seconds=round(evaluate, 2),
        detect_seconds=round(report.detect_seconds, 2),
    )


def run_alerts_bench(
    settings: Settings,
    demo: bool = True,
    clean: bool = True,
    scale: bool = True,
    scale_reviews: int = 1_000_000,
    clean_every_minutes: int = 15,
    on_stage: Callable[[str], None] | None = None,
) -> AlertsBench:
    """Run the selected parts in scratch databases under a temporary directory (the trained scorer is shared)."""
    note = on_stage or (lambda _stage: None)
    result = AlertsBench()
    with tempfile.TemporaryDirectory(prefix="reviewops-alerts-bench-") as tmp:
        root = Path(tmp)
        if demo:
            note("demo stream")
            result.demo = bench_demo(settings, root)
        if clean:
            note("clean stream")
            result.clean = bench_clean(settings, root, every_minutes=clean_every_minutes)
        if scale:
            note("scale")
            result.scale = bench_scale(settings, root, reviews=scale_reviews)
    return result


def format_alerts_bench(bench: AlertsBench) -> str:
    """The figures as plain text lines."""
    lines: list[str] = []
    if bench.demo is not None:
        d = bench.demo
        lines.append("Demo stream (generate_stream() defaults, alerts every 15 simulated minutes):")
        for i in d.incidents:
            lines.append(
                f"  {i.incident:<26} groups={i.groups} owner={'ok' if i.right_owner else 'WRONG'} "
                f"({', '.join(i.receivers) or '-'}) labelled {i.labelled}/{i.reports}; "
                f"alert after 1st report {i.hours_after_first} h (after it arrived {i.hours_after_first_arrival} h), "
                f"after 5th {i.hours_after_fifth} h (arrived {i.hours_after_fifth_arrival} h)"
            )
        lines.append(f"  alert groups matching no incident: {len(d.other_groups)} {d.other_groups}")
        lines.append(
            f"  {d.evaluations} evaluations: p50 {d.evaluation_p50_ms} ms, p95 {d.evaluation_p95_ms} ms; "
            f"loop {d.loop_seconds} s, gold {d.gold_seconds} s, alerts {d.alert_seconds} s"
        )
    if bench.clean is not None:
        c = bench.clean
        lines.append(
            f"Clean stream ({c.days} days, {c.skus} SKUs, {c.evaluations} evaluations): {c.alert_groups} alert groups "
            f"= {c.per_1000_sku_days} per 1,000 SKU-days {c.groups}"
        )
    if bench.scale is not None:
        s = bench.scale
        lines.append(
            f"Scale: {s.reviews:,} reviews over {s.days} days, {s.skus} SKUs -> "
            f"{s.gold_hourly_rows:,} hourly gold rows, "
            f"{s.gold_scope_rows:,} scope rows (built in {s.build_seconds} s); one evaluation {s.evaluate_seconds} s "
            f"(detectors {s.detect_seconds} s)"
        )
    return "\n".join(lines)
