"""Rich renderings of results for the CLI; no logic beyond formatting."""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Console
from rich.table import Table

from store.loop_clock import LoopClock
from store.status import LoopStatus

__all__ = ["duration_text", "kv_table", "render_loop_clock", "render_status", "share_text"]


def kv_table(title: str, rows: Mapping[str, object], key: str = "", value: str = "count") -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(key or "what")
    table.add_column(value, justify="right")
    for k, v in rows.items():
        table.add_row(str(k), str(v))
    return table


def share_text(part: int, whole: int) -> str:
    return f"{part} ({100 * part / whole:.1f}%)" if whole else str(part)


def duration_text(seconds: float) -> str:
    """A duration as ms, s, min or h, whichever reads best."""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def render_status(console: Console, status: LoopStatus) -> None:
    silver_total = sum(status.silver_by_status.values())
    routed_total = sum(status.routed_by_route.values())
    stages = {
        "bronze payloads": status.bronze,
        "quarantined": sum(status.quarantine_by_reason.values()),
        "silver reviews": silver_total,
        **{f"  silver {k}": v for k, v in sorted(status.silver_by_status.items())},
        "scored": status.scored,
        **{f"  routed {k}": share_text(v, routed_total) for k, v in sorted(status.routed_by_route.items())},
        **{f"  agent queue {k}": v for k, v in sorted(status.agent_queue_by_status.items())},
        **{f"  scored by {k}": share_text(v, status.scored) for k, v in sorted(status.scored_by_stage.items())},
        **{
            f"  language {lang}": ", ".join(f"{route} {n}" for route, n in sorted(routes.items()))
            for lang, routes in sorted(status.routes_by_language.items(), key=lambda item: -sum(item[1].values()))[:12]
        },
        "not yet indexed": status.unindexed,
        "newest review received": status.newest_received_at.isoformat() if status.newest_received_at else "-",
    }
    console.print(kv_table("Loop stages", stages, "stage"))
    if status.quarantine_by_reason:
        console.print(kv_table("Quarantine reasons", dict(sorted(status.quarantine_by_reason.items())), "reason"))
    if status.lags:
        lags = Table(title="Stage lags (latest routed reviews)", title_justify="left")
        for column in ("stage", "reviews", "p50", "p95", "max"):
            lags.add_column(column, justify="left" if column == "stage" else "right")
        for lag in status.lags:
            lags.add_row(
                lag.stage,
                str(lag.count),
                duration_text(lag.p50_seconds),
                duration_text(lag.p95_seconds),
                duration_text(lag.max_seconds),
            )
        console.print(lags)


def render_loop_clock(console: Console, clock: LoopClock) -> None:
    """Per-incident loop stages (submitted -> ... -> resolved) in hours, and the 72-hour promise."""
    if not clock.incidents:
        return
    table = Table(title=f"The loop's clock over {clock.incidents} incidents (hours)", title_justify="left")
    for column in ("stage", "incidents", "p50", "p95", "max"):
        table.add_column(column, justify="left" if column == "stage" else "right")

    def hours(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}"

    for stats in [*clock.stages, clock.first_action, clock.whole_loop]:
        row = (hours(stats.p50_hours), hours(stats.p95_hours), hours(stats.max_hours))
        table.add_row(stats.stage, str(stats.count), *row)
    console.print(table)
    console.print(
        f"{clock.promise_breaches} incidents past the {clock.promise_hours:.0f} h promise without a first action; "
        f"{clock.sla_breaches} past their severity SLA; {clock.at_risk} at risk."
    )
