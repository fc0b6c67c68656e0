"""`reviewops incidents ...`: list and show incidents, move them through their lifecycle, search postmortems."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from store.db import Database
from store.settings import Settings

app = typer.Typer(help="Incidents: list, show, close, escalate, search postmortems.", no_args_is_help=True)
console = Console()


class Lifecycle(StrEnum):
    active = "active"
    closed = "closed"
    all = "all"


class Closing(StrEnum):
    resolved = "resolved"
    noise = "noise"


def _fmt(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d %H:%M}Z" if at else "-"


@app.command("list")
def list_command(
    state: Annotated[Lifecycle, typer.Option(help="active, closed or all.")] = Lifecycle.active,
    sku: Annotated[str | None, typer.Option(help="Only this SKU.")] = None,
    topic: Annotated[str | None, typer.Option(help="Only this topic (or its subtopics).")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Incidents most recently changed first: state, severity, owner, playbook and SLA."""
    from store.incident_views import list_incidents

    now = datetime.now(UTC)
    with Database.from_settings(Settings()).session() as session:
        rows = list_incidents(session, now, state.value, sku=sku, topic=topic, limit=limit)
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2, ensure_ascii=False))
        return
    if not rows:
        console.print(f"No {state.value} incidents.")
        return
    # Three short lines per incident so that 80 columns are enough; the playbook, evidence and history are in
    # `incidents show <id>`.
    table = Table(box=box.SIMPLE_HEAD, show_lines=True, pad_edge=False)
    table.add_column("incident", no_wrap=True)
    table.add_column("topic, scope, owner", overflow="fold", min_width=31)
    table.add_column("reviews", justify="right")
    table.add_column("action due", no_wrap=True)
    for r in rows:
        scope = " ".join(f"{k}={v}" for k, v in sorted(r.scope.items()))
        due = _fmt(r.sla_due_at).replace(" ", "\n", 1) + ("\n[red]late[/red]" if r.sla_breached else "")
        table.add_row(
            f"{r.incident_id}\n{r.state}\n{r.severity}",
            escape(f"{r.topic}\n{scope}\n{r.owner}"),
            str(r.review_count),
            due,
        )
    console.print(table)


@app.command()
def show(
    incident_id: Annotated[str, typer.Argument(help="Incident id, e.g. INC-1a2b3c4d5e.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """One incident: hypothesis, clock stamps, transitions, evidence reviews and postmortem."""
    from store.incident_views import incident_detail

    try:
        with Database.from_settings(Settings()).session() as session:
            detail = incident_detail(session, incident_id, datetime.now(UTC))
    except KeyError as exc:
        console.print(f"[red]{escape(str(exc.args[0]))}[/red]")
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(detail.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return
    scope = " ".join(f"{k}={v}" for k, v in sorted(detail.scope.items()))
    console.print(f"[bold]{detail.incident_id}[/bold]  {detail.state}  {detail.severity}  {detail.topic}  {scope}")
    console.print(f"  owner {detail.owner}; playbook {detail.playbook_id or '-'}; {detail.review_count} reviews")
    if detail.hypothesis:
        console.print(escape(f"  hypothesis ({detail.hypothesis_generated_by}): {detail.hypothesis}"))
    stamps = {
        "first review": detail.first_review_at,
        "opened": detail.opened_at,
        "alerted": detail.alerted_at,
        "triaged": detail.triaged_at,
        "approved": detail.approved_at,
        "executed": detail.executed_at,
        "resolved": detail.resolved_at,
    }
    console.print("  clock: " + "; ".join(f"{name} {_fmt(at)}" for name, at in stamps.items()))
    console.print(f"  first action due {_fmt(detail.sla_due_at)}" + (" — late" if detail.sla_breached else ""))
    for t in detail.transitions:
        note = f": {t.note}" if t.note else ""
        console.print(escape(f"  {_fmt(t.at)} {t.from_state or '-'} -> {t.to_state} by {t.actor}{note}"))
    for review in detail.evidence:
        console.print(escape(f"  [{review.review_id}] {review.snippet}"))
    if detail.postmortem:
        console.print(escape(f"  postmortem: {detail.postmortem.outcome}"))


def _move(incident_id: str, to_state: str, by: str, note: str) -> None:
    from store.incidents import IllegalTransition, transition

    try:
        with Database.from_settings(Settings()).session() as session:
            incident = transition(session, incident_id, to_state, by, datetime.now(UTC), note=note)
            state = incident.state
    except (KeyError, IllegalTransition) as exc:
        console.print(f"[red]{escape(str(exc.args[0]))}[/red]")
        raise typer.Exit(1) from None
    console.print(f"{incident_id}: {state}")


@app.command()
def close(
    incident_id: Annotated[str, typer.Argument(help="Incident id.")],
    note: Annotated[str, typer.Option(help="The resolution note (required): what fixed it, or why it was noise.")],
    by: Annotated[str, typer.Option(help="Who closes it.")],
    as_: Annotated[Closing, typer.Option("--as", help="resolved (writes the postmortem) or noise.")] = Closing.resolved,
) -> None:
    """Close an incident as resolved or as noise; a note is required and resolving writes the postmortem."""
    _move(incident_id, "resolved" if as_ is Closing.resolved else "closed_noise", by, note)


@app.command()
def escalate(
    incident_id: Annotated[str, typer.Argument(help="Incident id.")],
    note: Annotated[str, typer.Option(help="Why it is escalated.")],
    by: Annotated[str, typer.Option(help="Who escalates it.")],
) -> None:
    """Escalate an incident (it keeps its owner and clock)."""
    _move(incident_id, "escalated", by, note)


@app.command()
def postmortems(
    query: Annotated[str, typer.Argument(help="Words that must all appear, e.g. 'zipper supplier'.")],
    limit: Annotated[int, typer.Option(help="At most this many.")] = 20,
) -> None:
    """Search postmortems (what triggered, what was done, what changed after), newest first."""
    from store.incident_views import postmortem_search

    with Database.from_settings(Settings()).session() as session:
        found = postmortem_search(session, query, limit)
    if not found:
        console.print(f"No postmortem mentions all of: {query}")
        return
    for pm in found:
        before = "-" if pm.metric_before is None else f"{pm.metric_before:.3f}"
        after = "-" if pm.metric_after is None else f"{pm.metric_after:.3f}"
        console.print(f"[bold]{pm.incident_id}[/bold] {_fmt(pm.created_at)}  metric {before} -> {after}")
        console.print(escape(f"  trigger: {pm.trigger}"))
        console.print(escape(f"  outcome: {pm.outcome}"))
