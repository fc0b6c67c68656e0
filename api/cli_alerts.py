"""`reviewops alerts ...`: evaluate rules, list alerts with their precision, silence, give feedback, rebuild gold."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from store.db import Database
from store.settings import Settings

app = typer.Typer(help="Alerts: evaluate, list, silence, feedback, rebuild gold.", no_args_is_help=True)
silence_app = typer.Typer(help="Mute alerts matching labels for a while.", no_args_is_help=True)
app.add_typer(silence_app, name="silence")
console = Console()


def _now(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO time; use e.g. 2026-11-08T12:00:00Z") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _database(settings: Settings) -> Database:
    return Database.from_settings(settings)


@app.command()
def run(
    now: Annotated[str | None, typer.Option(help="Evaluate as of this ISO time (default: now, UTC).")] = None,
) -> None:
    """Evaluate every rule over gold once: open incidents, check monitored incidents, then deliver the notifications
    (and any other due outbox row) to the owners' receivers."""
    from pipeline.alerts import build_alert_scheduler

    settings = Settings()
    at = _now(now)
    db = _database(settings)
    done = build_alert_scheduler(settings, db).evaluate(at)
    report, outcomes = done.report, done.monitoring
    console.print(
        f"{at:%Y-%m-%d %H:%M}Z: {report.candidates} candidates, {report.firing} firing "
        f"({len(report.new_alerts)} new, {len(report.resolved_alerts)} resolved), muted {report.muted or 0}, "
        f"{report.seconds * 1000:.0f} ms"
    )
    for sent in report.notifications:
        console.print(f"  {sent.status:<8} {sent.reason:<8} -> {sent.receiver:<28} {sent.group_key}")
    for incident_id in report.incidents_opened:
        console.print(f"  opened {incident_id}")
    for outcome in outcomes:
        numbers = f"{outcome.rate:.3f} vs {outcome.baseline_rate:.3f}"
        console.print(f"  monitoring {outcome.incident_id}: {outcome.decision} ({numbers})")
    console.print(
        f"Outbox: {len(done.delivered)} delivered, {len(done.undelivered)} failed or dead; receivers not listed in "
        f"config/alert_routing.yaml write to {settings.home / 'alerts'}/"
    )


@app.command("list")
def list_alerts(
    state: Annotated[str, typer.Option(help="firing, resolved or all.")] = "firing",
    limit: Annotated[int, typer.Option(help="Most recent alerts to show.")] = 50,
) -> None:
    """Alerts with their numbers, incident and feedback; then precision per rule and per topic."""
    from pipeline.alerts import alert_precision
    from store.alert_tables import AlertFeedbackRow, AlertRow

    if state not in ("firing", "resolved", "all"):
        raise typer.BadParameter(f"--state must be firing, resolved or all, not {state!r}")
    db = _database(Settings())
    with db.session() as session:
        stmt = select(AlertRow).order_by(AlertRow.id.desc()).limit(limit)
        if state != "all":
            stmt = stmt.where(AlertRow.state == state)
        alerts = session.scalars(stmt).all()
        verdicts = dict(
            session.execute(select(AlertFeedbackRow.alert_id, AlertFeedbackRow.verdict).order_by(AlertFeedbackRow.id))
            .tuples()
            .all()
        )
        precision = alert_precision(session)
    table = Table(
        "id", "state", "severity", "rule", "scope", "topic", "since", "numbers", "incident", "muted", "feedback"
    )
    for row in alerts:
        ev = row.evidence
        numbers = f"{ev.get('observed')}/{ev.get('reviews')}"
        if ev.get("baseline_rate") is not None:
            numbers += f" vs {ev['baseline_rate']:.1%}"
        table.add_row(
            str(row.id), row.state, row.severity, row.rule, f"{row.scope_kind}={row.scope}", row.topic,
            f"{row.starts_at:%m-%d %H:%M}", numbers, row.incident_id or "", row.suppressed_by or "",
            verdicts.get(row.id, ""),
        )  # fmt: skip
    console.print(table)
    for title, rows in (("rule", precision.by_rule), ("topic", precision.by_topic)):
        summary = Table(
            title, "alerts", "rated", "useful", "noise", "precision", "noisy", title=f"Precision by {title}"
        )
        for p in rows:
            shown = "" if p.precision is None else f"{p.precision:.0%}"
            summary.add_row(
                p.key, str(p.alerts), str(p.rated), str(p.useful), str(p.noise), shown, "yes" if p.noisy else ""
            )
        console.print(summary)


@app.command()
def feedback(
    alert_id: Annotated[int, typer.Argument(help="Alert id from `reviewops alerts list`.")],
    verdict: Annotated[str, typer.Argument(help="useful or noise.")],
    by: Annotated[str, typer.Option(help="Who is judging.")] = "owner",
    note: Annotated[str | None, typer.Option(help="Why.")] = None,
) -> None:
    """Mark an alert useful or noise; precision per rule and topic is shown by `alerts list`."""
    from pipeline.alerts import record_feedback

    if verdict not in ("useful", "noise"):
        raise typer.BadParameter(f"verdict must be useful or noise, not {verdict!r}")
    db = _database(Settings())
    try:
        with db.session() as session:
            record_feedback(session, alert_id, verdict, by, datetime.now(UTC), note)  # type: ignore[arg-type]
    except KeyError as exc:
        console.print(f"[red]{exc.args[0]}[/red]")
        raise typer.Exit(1) from None
    console.print(f"alert {alert_id}: {verdict}")


@app.command("rebuild-gold")
def rebuild_gold_command() -> None:
    """Recompute every gold aggregate from silver + scores (after changing what gold counts, or to repair it)."""
    from store.gold import rebuild_gold

    db = _database(Settings())
    with db.session() as session:
        counted = rebuild_gold(session)
    console.print(f"gold rebuilt from {counted} scored reviews")


@silence_app.command("add")
def silence_add(
    match: Annotated[list[str], typer.Option("--match", "-m", help='Matcher, repeatable: sku="JKT-0125".')],
    reason: Annotated[str, typer.Option(help="Why the alerts are muted.")],
    by: Annotated[str, typer.Option(help="Who creates the silence.")],
    duration: Annotated[str, typer.Option(help="How long: 30m, 4h, 2d.")] = "24h",
    now: Annotated[str | None, typer.Option(help="Start time (ISO, default now).")] = None,
) -> None:
    """Mute notifications of alerts matching every matcher, until the silence expires."""
    from pipeline.alerts import add_silence
    from pipeline.alerts.routing import parse_duration

    try:
        length = parse_duration(duration)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    db = _database(Settings())
    try:
        with db.session() as session:
            silence = add_silence(session, match, by, reason, _now(now), length)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    console.print(f"silence {silence.id}: {' '.join(silence.matchers)} until {silence.ends_at:%Y-%m-%d %H:%M}Z")


@silence_app.command("list")
def silence_list(
    include_expired: Annotated[bool, typer.Option("--all", help="Include expired silences.")] = False,
) -> None:
    """Silences in force (or all of them)."""
    from pipeline.alerts import list_silences

    db = _database(Settings())
    with db.session() as session:
        silences = list_silences(session, datetime.now(UTC), include_expired)
    table = Table("id", "matchers", "by", "reason", "from", "until")
    for s in silences:
        table.add_row(
            str(s.id),
            " ".join(s.matchers),
            s.created_by,
            s.reason,
            f"{s.starts_at:%m-%d %H:%M}",
            f"{s.ends_at:%m-%d %H:%M}",
        )
    console.print(table)


@silence_app.command("expire")
def silence_expire(silence_id: Annotated[int, typer.Argument(help="Silence id from `alerts silence list`.")]) -> None:
    """End a silence now."""
    from pipeline.alerts import expire_silence

    db = _database(Settings())
    try:
        with db.session() as session:
            silence = expire_silence(session, silence_id, datetime.now(UTC))
    except KeyError as exc:
        console.print(f"[red]{exc.args[0]}[/red]")
        raise typer.Exit(1) from None
    console.print(f"silence {silence.id} ended at {silence.ends_at:%Y-%m-%d %H:%M}Z")
