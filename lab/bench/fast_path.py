"""`reviewops bench`: fast-path throughput on the real CSV, memory, embedding rate, quality and routing figures."""

from __future__ import annotations

import contextlib
import resource
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from agent.scorer import evaluate_heldout, format_report
from lab.demo.run import micro_batches
from lab.demo.stream import generate_stream
from pipeline.adapters import IngestLimits, QuarantineError, parse_payload
from pipeline.clock import SimulatedClock
from pipeline.factory import build_loop, ensure_scorer, shared_csv_path
from pipeline.file_ingest import FilePayload, iter_file_payloads
from pipeline.loop import BatchReport
from store.db import Database
from store.settings import Settings
from store.tables import RouteDecisionRow

__all__ = ["run_bench"]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _scratch_settings(settings: Settings, root: Path, name: str) -> Settings:
    """Settings with a private database under `root`, sharing the trained models of `settings`."""
    home = root / name
    home.mkdir(parents=True, exist_ok=True)
    models = settings.models_dir.resolve()
    scratch = settings.model_copy(update={"home": home, "database_url": f"sqlite:///{home / 'bench.db'}"})
    (home / "models").symlink_to(models, target_is_directory=True)
    return scratch


def _run_fast_path(settings: Settings, payloads: Sequence[FilePayload]) -> tuple[float, BatchReport]:
    loop = build_loop(settings)
    report = BatchReport()
    started = time.perf_counter()
    for start in range(0, len(payloads), settings.batch_size):
        report += loop.process(payloads[start : start + settings.batch_size])
    seconds = time.perf_counter() - started
    loop.db.dispose()
    return seconds, report


def _stream_routing(settings: Settings, incidents: bool) -> tuple[float, float | None]:
    """(share of clean reviews routed to the agent, safety recall or None) on a generated stream."""
    stream = generate_stream(seed=11, days=7, skus=120, reviews_per_day=220, incidents=incidents)
    clock = SimulatedClock(stream.start)
    loop = build_loop(settings, clock=clock)
    report = BatchReport()
    for batch in micro_batches(stream.events, 15):
        clock.advance_to(batch[-1].received_at)
        report += loop.process(batch)
    share = report.routed.get("agent", 0) / max(sum(report.routed.values()), 1)
    recall = None
    if stream.truth.safety_review_ids:
        with loop.db.session() as session:
            hit = session.scalars(
                select(RouteDecisionRow.review_id).where(
                    RouteDecisionRow.route == "agent",
                    RouteDecisionRow.review_id.in_(stream.truth.safety_review_ids),
                )
            ).all()
        recall = len(hit) / len(stream.truth.safety_review_ids)
    loop.db.dispose()
    return share, recall


def _embedding_rate(settings: Settings, texts: Sequence[str]) -> float:
    from store.embeddings import ReviewEmbedder

    embedder = ReviewEmbedder.from_settings(settings)
    embedder.embed(texts[:16])  # load + warm up outside the timing
    started = time.perf_counter()
    embedder.embed(texts)
    return len(texts) / (time.perf_counter() - started)


def run_bench(
    settings: Settings, console: Console, limit: int | None = None, repeats: int = 3, embed_sample: int = 512
) -> None:
    """Print the benchmark figures; the throughput is the median of `repeats` runs on fresh databases."""
    csv_path = shared_csv_path(settings)
    if csv_path is None:
        console.print("[red]the real CSV (../shared/data/womens_clothing_reviews.csv) is not here; nothing to bench")
        return
    settings.ensure_home()
    ensure_scorer(settings, Database.from_settings(settings))

    started = time.perf_counter()
    payloads = list(iter_file_payloads(csv_path, mapping="womens_clothing"))[:limit]
    read_seconds = time.perf_counter() - started

    limits = IngestLimits(
        max_text_chars=settings.max_text_chars, max_clock_skew_seconds=settings.max_clock_skew_seconds
    )
    parse_times = []
    for _ in range(repeats):
        started = time.perf_counter()
        for p in payloads:
            with contextlib.suppress(QuarantineError):  # quarantine outcomes are part of the baseline work
                parse_payload(p.source, p.payload, p.received_at, limits)
        parse_times.append(time.perf_counter() - started)

    runs: list[float] = []
    last: BatchReport | None = None
    with tempfile.TemporaryDirectory(prefix="reviewops-bench-") as tmp:
        for i in range(repeats):
            seconds, last = _run_fast_path(_scratch_settings(settings, Path(tmp), f"run{i}"), payloads)
            runs.append(seconds)
        normal_share, _ = _stream_routing(_scratch_settings(settings, Path(tmp), "normal"), incidents=False)
        demo_share, safety_recall = _stream_routing(_scratch_settings(settings, Path(tmp), "demo"), incidents=True)

    n = len(payloads)
    median = statistics.median(runs)
    parse_median = statistics.median(parse_times)
    table = Table(title=f"Fast path on the real CSV ({n:,} rows, {repeats} runs, batch {settings.batch_size})")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_row("read CSV into payloads", f"{read_seconds:.2f} s")
    table.add_row("baseline: parse+validate only (median)", f"{n / parse_median:,.0f} payloads/s")
    table.add_row("ingest+clean+score+route, SQLite (median)", f"{n / median:,.0f} reviews/s")
    table.add_row("  runs (s)", ", ".join(f"{r:.2f}" for r in runs))
    table.add_row("  end-to-end time / parse-only time", f"{median / parse_median:.1f}x")
    if last is not None:
        table.add_row("  outcome of last run", str(last.as_dict()))
    table.add_row("routed to agent, normal stream (no incidents)", f"{100 * normal_share:.1f}%")
    table.add_row("routed to agent, demo stream (with incidents)", f"{100 * demo_share:.1f}%")
    if safety_recall is not None:
        table.add_row("safety recall on the demo stream", f"{safety_recall:.3f}")
    if embed_sample:
        texts = []
        for p in payloads:
            with contextlib.suppress(QuarantineError):
                texts.append(parse_payload(p.source, p.payload, p.received_at, limits).text)
            if len(texts) == embed_sample:
                break
        table.add_row(
            f"embedding for the index ({len(texts)} reviews, separate stage)",
            f"{_embedding_rate(settings, texts):,.0f} reviews/s",
        )
    table.add_row("peak RSS of this process", f"{_peak_rss_mb():,.0f} MB")
    console.print(table)
    report = evaluate_heldout(
        ensure_scorer(settings, Database.from_settings(settings)), settings.seed_dir / "labeled_reviews.jsonl", csv_path
    )
    console.print(format_report(report))
