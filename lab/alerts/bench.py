"""Alerting figures: detection and delays on streams with injected incidents, false alerts on a clean stream, and
evaluation time at 1M reviews.

- demo: `generate_stream()` replayed through the real loop on a SimulatedClock (the loop keeps gold current; alerts
  evaluated and delivered through the outbox every 15 simulated minutes); per injected incident: alert groups,
  receivers, and the delay after its first report, its 5th report, and its first statistically distinguishable
  moment (lab/alerts/oracle.py); alert groups matching no incident are false alerts.
- clean: `generate_stream(incidents=False, days=30, skus=400, reviews_per_day=1000)`; every alert group notified is a
  false alert; reported per 1,000 SKU-days.
- scale: gold built from 1M synthetic reviews (through the real aggregation), one full evaluation timed.
`--rules FILE` runs the same figures with another alert_rules.yaml (how the SKU-vs-category rule was evaluated).
"""

from __future__ import annotations

import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, Field
from sqlalchemy import func, select

from lab.alerts.grading import IncidentDetection, grade_incidents
from lab.alerts.replay import replay_with_alerts
from lab.demo.stream import generate_stream
from pipeline.alerts import build_alert_engine
from pipeline.alerts.rules import load_alert_rules
from pipeline.alerts.schedule import AlertScheduler
from pipeline.clock import SimulatedClock
from pipeline.factory import build_loop
from store.db import Database
from store.gold import GoldRecord, add_records
from store.gold_tables import GoldScopeDaily, GoldTopicHourly
from store.settings import Settings
from store.taxonomy import load_taxonomy

__all__ = [
    "AlertsBench",
    "DelaySummary",
    "ScaleResult",
    "StreamDetection",
    "StreamSpec",
    "bench_scale",
    "format_alerts_bench",
    "format_stream",
    "run_alerts_bench",
    "run_stream",
]

DEMO = {"seed": 7, "days": 14, "skus": 120, "reviews_per_day": 220, "incidents": True}
CLEAN = {"seed": 7, "days": 30, "skus": 400, "reviews_per_day": 1000, "incidents": False}
DELAYS = {
    "after_first_arrival": "hours_after_first_arrival",
    "after_fifth_arrival": "hours_after_fifth_arrival",
    "after_fifth_labelled": "hours_after_fifth_labelled",
    "after_distinguishable": "hours_after_distinguishable",
}
"""Delay name -> IncidentDetection field, summarised over the incidents a rate rule watches."""


class StreamSpec(BaseModel):
    """A generated stream (lab.demo.stream.generate_stream arguments) and how it is replayed."""

    seed: int = 7
    days: int = Field(default=14, ge=1)
    skus: int = Field(default=120, ge=1)
    reviews_per_day: int = Field(default=220, ge=1)
    incidents: bool = True
    batch_minutes: int = Field(default=15, ge=1)
    """Micro-batches of received time; each is followed by an evaluation."""
    every_minutes: int = Field(default=15, ge=1)
    """Evaluations at least this often in quiet stretches: the scoring cycle."""


class DelaySummary(BaseModel):
    """One delay over the incidents a rate rule watches: median, worst, how many had it."""

    p50: float | None
    max: float | None
    n: int


class StreamDetection(BaseModel):
    """What alerting did on one replayed stream, graded against its ground truth."""

    spec: StreamSpec
    sku_days: int
    incidents: list[IncidentDetection]
    false_groups: list[str] = Field(description="Alert groups matching no injected incident.")
    delays: dict[str, DelaySummary]
    safety_hours: float | None = Field(description="Safety incident: hours from its first report's arrival.")
    evaluations: int
    evaluation_p50_ms: float
    evaluation_p95_ms: float
    loop_seconds: float
    alert_seconds: float
    delivered: int
    undelivered: int

    @property
    def per_1000_sku_days(self) -> float:
        """False alert groups per 1,000 SKU-days."""
        return round(1000 * len(self.false_groups) / max(self.sku_days, 1), 3)

    @property
    def safety_cycles(self) -> float | None:
        """The safety delay in scoring cycles (target: at most 1)."""
        if self.safety_hours is None:
            return None
        return round(self.safety_hours / (self.spec.every_minutes / 60), 2)


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
    rules_file: str | None = None
    demo: StreamDetection | None = None
    clean: StreamDetection | None = None
    scale: ScaleResult | None = None


def _scratch(settings: Settings, root: Path, name: str, rules_file: Path | None) -> Settings:
    """Private home and database under `root`, sharing the trained scorer; `rules_file` replaces alert_rules.yaml."""
    home = root / name
    home.mkdir(parents=True, exist_ok=True)
    (home / "models").symlink_to(settings.models_dir.resolve(), target_is_directory=True)
    update: dict[str, object] = {"home": home, "database_url": f"sqlite:///{home / 'bench.db'}"}
    if rules_file is not None:
        config = home / "config"
        shutil.copytree(settings.config_dir, config)
        shutil.copyfile(rules_file, config / "alert_rules.yaml")
        update["config_dir"] = config
    return settings.model_copy(update=update)


def _summary(values: list[float]) -> DelaySummary:
    if not values:
        return DelaySummary(p50=None, max=None, n=0)
    return DelaySummary(p50=round(statistics.median(values), 2), max=round(max(values), 2), n=len(values))


def run_stream(settings: Settings, spec: StreamSpec, db: Database | None = None) -> StreamDetection:
    """Generate the stream, replay it through the loop and the alert scheduler in `settings`' home (or `db`, already
    migrated), and grade it."""
    stream = generate_stream(
        seed=spec.seed, days=spec.days, skus=spec.skus, reviews_per_day=spec.reviews_per_day, incidents=spec.incidents
    )
    clock = SimulatedClock(stream.start)
    loop = build_loop(settings, clock=clock, db=db)
    engine = build_alert_engine(settings)
    scheduler = AlertScheduler(loop.db, engine, clock=clock.now, sleep=lambda _seconds: None)
    result = replay_with_alerts(
        loop, clock, scheduler, stream.events, batch_minutes=spec.batch_minutes, every_minutes=spec.every_minutes
    )
    taxonomy = load_taxonomy(settings.config_dir / "taxonomy.yaml")
    rules = load_alert_rules(settings.config_dir / "alert_rules.yaml", taxonomy)
    incidents, others = grade_incidents(loop.db, stream.truth.incidents, stream.truth.review_topics, rules, taxonomy)
    loop.db.dispose()
    rated = [i for i in incidents if i.rule is not None and i.rule in {r.id for r in rules.rules if r.kind == "rate"}]
    delays = {
        name: _summary([v for i in rated if (v := getattr(i, field)) is not None]) for name, field in DELAYS.items()
    }
    safety = [i.hours_after_first_arrival for i in incidents if i.topic == "safety_hazard"]
    times = sorted(e.seconds * 1000 for e in result.evaluations) or [0.0]
    return StreamDetection(
        spec=spec,
        sku_days=spec.days * spec.skus,
        incidents=incidents,
        false_groups=[first.describe() for first in others],
        delays=delays,
        safety_hours=safety[0] if safety else None,
        evaluations=len(result.evaluations),
        evaluation_p50_ms=round(statistics.median(times), 1),
        evaluation_p95_ms=round(times[min(len(times) - 1, int(0.95 * len(times)))], 1),
        loop_seconds=round(result.loop_seconds, 1),
        alert_seconds=round(result.alert_seconds, 1),
        delivered=result.delivered,
        undelivered=result.undelivered,
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
    scratch = _scratch(settings, root, "scale", None)
    db = Database.from_settings(scratch)
    end = datetime(2026, 12, 1, tzinfo=UTC)
    started = time.perf_counter()
    with db.session() as session:
        add_records(session, _synthetic_records(reviews, days, skus, end))
    build = time.perf_counter() - started
    engine = build_alert_engine(scratch)
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
    clean_spec: StreamSpec | None = None,
    rules_file: Path | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> AlertsBench:
    """Run the selected parts in scratch homes under a temporary directory (the trained scorer is shared)."""
    note = on_stage or (lambda _stage: None)
    result = AlertsBench(rules_file=str(rules_file) if rules_file else None)
    with tempfile.TemporaryDirectory(prefix="reviewops-alerts-bench-") as tmp:
        root = Path(tmp)
        if demo:
            note("demo stream")
            result.demo = run_stream(_scratch(settings, root, "demo", rules_file), StreamSpec(**DEMO))
        if clean:
            note("clean stream")
            result.clean = run_stream(_scratch(settings, root, "clean", rules_file), clean_spec or StreamSpec(**CLEAN))
        if scale:
            note("scale")
            result.scale = bench_scale(settings, root, reviews=scale_reviews)
    return result


def _h(value: float | None) -> str:
    return "-" if value is None else f"{value:+.2f} h"


def format_stream(title: str, d: StreamDetection) -> list[str]:
    """One stream's figures as text lines."""
    spec = d.spec
    lines = [
        f"{title}: seed {spec.seed}, {spec.days} days, {spec.skus} SKUs, {spec.reviews_per_day}/day, "
        f"evaluations every {spec.every_minutes} simulated minutes ({d.evaluations}: p50 {d.evaluation_p50_ms} ms, "
        f"p95 {d.evaluation_p95_ms} ms); loop {d.loop_seconds} s, alerts {d.alert_seconds} s; "
        f"outbox: {d.delivered} delivered, {d.undelivered} not"
    ]
    for i in d.incidents:
        lines.append(
            f"  {i.incident:<26} groups={i.groups} owner={'ok' if i.right_owner else 'WRONG'} "
            f"({', '.join(i.receivers) or '-'}) rule {i.rule}; labelled {i.labelled}/{i.reports}; alert after: "
            f"1st arrival {_h(i.hours_after_first_arrival)}, 5th arrival {_h(i.hours_after_fifth_arrival)}, "
            f"5th labelled {_h(i.hours_after_fifth_labelled)}, distinguishable {_h(i.hours_after_distinguishable)}"
            + (f" (p0 {i.background_rate})" if i.background_rate is not None else "")
        )
    for name, summary in d.delays.items():
        lines.append(f"  delay {name}: p50 {_h(summary.p50)}, max {_h(summary.max)} over {summary.n} incidents")
    if d.safety_hours is not None:
        lines.append(f"  safety: {_h(d.safety_hours)} after the first report arrived = {d.safety_cycles} cycles")
    lines.append(
        f"  false alert groups: {len(d.false_groups)} in {d.sku_days:,} SKU-days = {d.per_1000_sku_days} per 1,000 "
        f"{d.false_groups}"
    )
    return lines


def format_alerts_bench(bench: AlertsBench) -> str:
    """The figures as plain text lines."""
    lines: list[str] = [f"rules: {bench.rules_file or 'config/alert_rules.yaml'}"]
    if bench.demo is not None:
        lines += format_stream("Demo stream", bench.demo)
    if bench.clean is not None:
        lines += format_stream("Clean stream", bench.clean)
    if bench.scale is not None:
        s = bench.scale
        lines.append(
            f"Scale: {s.reviews:,} reviews over {s.days} days, {s.skus} SKUs -> "
            f"{s.gold_hourly_rows:,} hourly gold rows, "
            f"{s.gold_scope_rows:,} scope rows (built in {s.build_seconds} s); one evaluation {s.evaluate_seconds} s "
            f"(detectors {s.detect_seconds} s)"
        )
    return "\n".join(lines)
