"""The `reviewops` command line: ingest, train, status, db and the product's sub-apps.

Commands that live outside the product (the demo stream and the benchmarks, in `lab/`) plug in through the
`reviewops.cli` entry-point group, so the product never imports simulation or measurement code.
"""

from __future__ import annotations

import logging
import os
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from api.cli_alerts import app as alerts_app
from api.cli_approvals import app as approvals_app
from api.cli_chat import chat as chat_command
from api.cli_incidents import app as incidents_app
from api.cli_triage import app as triage_app
from store.settings import Settings

app = typer.Typer(help="ReviewOps: customer reviews to operational action inside 72 hours.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema commands.", no_args_is_help=True)
app.add_typer(db_app, name="db")
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


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply schema migrations to the configured database."""
    from store.db import Database

    settings = _settings()
    Database.from_settings(settings, migrate=True)
    console.print(f"database at {settings.resolved_database_url} is at the newest revision")


def _plug_in(app: typer.Typer) -> None:
    """Add the commands other installed packages register under the `reviewops.cli` entry-point group."""
    for entry in entry_points(group="reviewops.cli"):
        entry.load()(app)


_plug_in(app)

if __name__ == "__main__":
    app()
