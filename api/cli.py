"""The `reviewops` command line: demo, ingest, train, status, bench, db."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from api.cli_alerts import app as alerts_app
from api.cli_approvals import app as approvals_app
from api.cli_chat import chat as chat_command
from api.cli_eval import app as eval_app
from api.cli_incidents import app as incidents_app
from api.cli_triage import app as triage_app
from store.settings import Settings

app = typer.Typer(help="ReviewOps: customer reviews to operational action inside 72 hours.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema commands.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(eval_app, name="eval", help="Offline eval suites: run, compare, gate.")
app.add_typer(triage_app, name="triage", help="The triage agent over escalated reviews.")
app.add_typer(approvals_app, name="approvals", help="Approval gates: list what waits, decide.")
app.add_typer(alerts_app, name="alerts", help="Trend/anomaly alerts: run detection, list, silence, feedback.")
app.add_typer(incidents_app, name="incidents", help="Incidents: list, show, close, escalate, search postmortems.")
app.command("chat")(chat_command)
console = Console()


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log at INFO level.")] = False) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    # Offline by construction: nothing may fetch model weights at run time.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _settings() -> Settings:
    return Settings()


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="Stream seed; the same seed gives the same stream.")] = 7,
    days: Annotated[int, typer.Option(help="Simulated days.")] = 14,
    skus: Annotated[int, typer.Option(help="Number of SKUs.")] = 120,
    reviews_per_day: Annotated[int, typer.Option(help="Average reviews per day.")] = 220,
    keep_state: Annotated[
        bool, typer.Option("--keep-state", help="Keep the existing db/index (re-ingest is then a no-op).")
    ] = False,
    index: Annotated[bool, typer.Option(help="Embed reviews into the Chroma index after scoring.")] = True,
    triage: Annotated[bool, typer.Option(help="Run the triage agent on the escalated reviews.")] = True,
    llm: Annotated[bool, typer.Option(help="Let the local model write hypotheses (else rules only).")] = True,
) -> None:
    """Replay a seeded multi-channel review stream through ingest, clean, score, route and index."""
    from api.views import render_demo
    from pipeline.demo_run import DemoOptions, reset_local_state, run_demo

    settings = _settings()
    if not keep_state:
        reset_local_state(settings)
    options = DemoOptions(
        seed=seed, days=days, skus=skus, reviews_per_day=reviews_per_day, index=index, triage=triage, use_llm=llm
    )
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def on_progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                label = {
                    "score": "ingest+clean+score+route",
                    "index": "embed+index",
                    "triage": "triage agent (local LLM)",
                }.get(stage, stage)
                tasks[stage] = progress.add_task(label, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        console.print("Preparing (the first run trains the fast scorer; about a minute)...")
        result = run_demo(settings, options, on_progress=on_progress)
    render_demo(console, result)
    console.print(f"\nState is in {settings.home.resolve()}; try `reviewops status`.")


@app.command()
def ingest(
    file: Annotated[Path, typer.Option("--file", "-f", exists=True, dir_okay=False, help="JSONL or CSV file.")],
    source: Annotated[
        str | None, typer.Option(help="Source of every line of a JSONL file (else lines are envelopes).")
    ] = None,
    mapping: Annotated[str | None, typer.Option(help="CSV column mapping name (config/mappings/NAME.yaml).")] = None,
) -> None:
    """Import a JSONL or CSV file through the loop. Re-importing the same file changes nothing."""
    from pipeline.factory import build_loop
    from pipeline.file_ingest import batched, iter_file_payloads
    from pipeline.loop import BatchReport

    settings = _settings()
    loop = build_loop(settings)
    total = BatchReport()
    try:
        for batch in batched(iter_file_payloads(file, source=source, mapping=mapping), settings.batch_size):
            total += loop.process(batch)
    except ValueError as err:
        console.print(f"[red]error:[/red] {err}")
        raise typer.Exit(2) from err
    console.print(total.as_dict())


@app.command()
def train() -> None:
    """Rebuild the fast scorer from the seed set, the real CSV's train split and human labels in the db."""
    from agent.scorer import evaluate_heldout, format_report, load_current
    from pipeline.factory import retrain, shared_csv_path
    from store.db import Database

    settings = _settings()
    result = retrain(settings, Database.from_settings(settings))
    console.print(f"trained scorer {result.version} -> {result.artifact_dir}")
    report = evaluate_heldout(
        load_current(settings.models_dir), settings.seed_dir / "labeled_reviews.jsonl", shared_csv_path(settings)
    )
    console.print(format_report(report))


@app.command()
def status() -> None:
    """Counts per stage, quarantine reasons, routes and stage lags from the store."""
    from datetime import UTC, datetime

    from api.views import render_loop_clock, render_status
    from store.db import Database
    from store.loop_clock import loop_clock
    from store.status import loop_status

    db = Database.from_settings(_settings())
    with db.session() as session:
        render_status(console, loop_status(session))
        render_loop_clock(console, loop_clock(session, datetime.now(UTC)))


@app.command()
def bench(
    limit: Annotated[int | None, typer.Option(help="Only the first N CSV rows.")] = None,
    repeats: Annotated[int, typer.Option(help="Timed repetitions; the median is reported.")] = 3,
    embed_sample: Annotated[int, typer.Option(help="Reviews to embed for the indexing-rate figure (0: skip).")] = 512,
) -> None:
    """Benchmark the fast path on the real CSV and print throughput, RSS, quality and routing figures."""
    from pipeline.bench import run_bench

    run_bench(_settings(), console, limit=limit, repeats=repeats, embed_sample=embed_sample)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply schema migrations to the configured database."""
    from store.db import Database

    settings = _settings()
    Database.from_settings(settings, migrate=True)
    console.print(f"database at {settings.resolved_database_url} is at the newest revision")


if __name__ == "__main__":
    app()
