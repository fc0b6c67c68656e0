"""`reviewops triage`: run the triage agent over the escalation queue until each incident waits for approval."""

from __future__ import annotations

import logging
import statistics
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from store.settings import Settings

app = typer.Typer(
    help="The triage agent: escalations -> incidents -> hypotheses -> approval gates.", no_args_is_help=True
)
console = Console()
log = logging.getLogger(__name__)


@app.callback()
def triage() -> None:
    """The triage agent (a command group, so `reviewops triage run` reads the same mounted or alone)."""


@app.command()
def run(
    limit: Annotated[int | None, typer.Option(help="At most this many queued escalations (default: all).")] = None,
    batch: Annotated[int, typer.Option(help="Escalations taken per pass, in queue order.")] = 50,
    llm: Annotated[bool, typer.Option(help="Write hypotheses with the configured model (else rules only).")] = True,
    index: Annotated[bool, typer.Option(help="Retrieve similar reviews from the Chroma index.")] = True,
) -> None:
    """Recover interrupted work, time out overdue gates, then triage queued escalations and alert incidents."""
    from agent.triage import open_triage_service
    from store.embeddings import ReviewEmbedder
    from store.vector_index import ReviewIndex

    settings = Settings()
    review_index = None
    if index:
        try:  # one Chroma writer per directory: another process holding it must not stop triage
            review_index = ReviewIndex.open(settings, ReviewEmbedder.from_settings(settings))
        except Exception as err:
            log.warning("no similar-review index (%s); using the store's clusters", err)
            console.print(f"[yellow]index unavailable ({type(err).__name__}); evidence comes from the store[/yellow]")
    try:
        with open_triage_service(settings, use_llm=llm, index=review_index) as service:
            report = service.run(limit, batch=batch)
            pending = service.pending_approvals()
    finally:
        if review_index is not None:
            review_index.close()
    table = Table(title=f"Triage: {report.claimed} escalation(s) taken from the queue")
    table.add_column("outcome")
    table.add_column("reviews", justify="right")
    for outcome, count in sorted(report.outcomes.items(), key=lambda item: -item[1]):
        table.add_row(outcome, str(count))
    console.print(table)
    console.print(f"incidents opened: {len(report.incidents_opened)}; graph runs: {report.threads_run}"
                  f" ({report.threads_failed} failed); approvals pending: {len(pending)}")  # fmt: skip
    if report.first_gate_seconds:
        seconds = report.first_gate_seconds
        console.print(f"escalation to approval gate: p50 {statistics.median(seconds):.1f} s, max {max(seconds):.1f} s")
    if pending:
        console.print("See them with `reviewops approvals list`.")
