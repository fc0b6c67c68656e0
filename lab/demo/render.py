"""Rich renderings of a demo run for the CLI; no logic beyond formatting."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from agent.triage.approvals import PendingApproval
from api.views import kv_table, render_status
from lab.demo.run import DemoResult

__all__ = ["render_demo"]


def render_demo(console: Console, result: DemoResult) -> None:
    opts = result.options
    console.rule("[bold]ReviewOps demo")
    console.print(
        f"Stream: {result.events} payloads over {opts.days} simulated days, {opts.skus} SKUs, seed {opts.seed} "
        f"-> {result.stream_file}"
    )
    console.print(
        f"Fast path: {result.batches} micro-batches of {opts.batch_minutes} simulated minutes "
        f"in {result.seconds:.1f} s ({result.events / max(result.seconds, 1e-9):,.0f} payloads/s)"
    )
    render_status(console, result.status)
    if result.escalation_reasons:
        console.print(kv_table("Why reviews went to the triage agent", result.escalation_reasons, "reason"))
    clusters = Table(title="Top SKU x topic clusters of negative reviews", title_justify="left")
    for column in ("SKU", "topic", "negative", "share of SKU", "escalated", "first", "last"):
        clusters.add_column(column)
    for c in result.clusters:
        clusters.add_row(
            c.sku,
            c.topic,
            str(c.negative_reviews),
            f"{100 * c.share_of_sku_reviews:.0f}%",
            str(c.escalated),
            c.first_at.strftime("%b %d %H:%M"),
            c.last_at.strftime("%b %d %H:%M"),
        )
    console.print(clusters)
    if result.index is not None:
        console.print(
            f"Vector index: {result.index.indexed} reviews embedded and stored in Chroma in "
            f"{result.index.seconds:.1f} s ({result.index.rate:.0f}/s); {result.index.total_in_index} in the index"
        )
    t = result.truth
    checks = Table(title="Checks against the stream's ground truth", title_justify="left")
    checks.add_column("check")
    checks.add_column("result")
    checks.add_row("safety reports escalated", f"{t.safety_escalated}/{t.safety_reviews}")
    checks.add_row("PII strings left in silver text", f"{len(t.pii_leaks)} (of {t.pii_reviews} reviews with PII)")
    checks.add_row("cross-channel duplicates caught", f"{t.duplicates_detected}/{t.duplicate_pairs}")
    checks.add_row(
        "malformed payloads expected", ", ".join(f"{k}={v}" for k, v in sorted(t.malformed_expected.items()))
    )
    checks.add_row("quarantined", ", ".join(f"{k}={v}" for k, v in sorted(t.quarantined.items())))
    console.print(checks)
    if result.triage is not None:
        render_triage(console, result)
    if result.alerts is not None:
        render_alerts(console, result)


def render_alerts(console: Console, result: DemoResult) -> None:
    summary = result.alerts
    assert summary is not None
    table = Table(title="Alerts that fired (grouped; notifications under REVIEWOPS_HOME/alerts/)", title_justify="left")
    # Short stacked cells leave the "why" column most of an 80-column terminal.
    table.add_column("sent, to, severity", no_wrap=True)
    table.add_column("why", overflow="fold")
    table.add_column("playbook, incident", no_wrap=True)
    for group in summary.groups:
        table.add_row(
            f"{group.first_sent_at:%b %d %H:%M}\n{group.receiver}\n{group.severity}",
            escape(group.summary[:160]),
            f"{group.playbook or '-'}\n{group.incident_id or '-'}",
        )
    console.print(table)
    clock = summary.clock
    console.print(
        f"Loop clock over {clock.incidents} incidents: first action p50 "
        + (f"{p50:.1f} h" if (p50 := clock.first_action.p50_hours) is not None else "- (nothing approved yet)")
        + f"; {clock.promise_breaches} past the {clock.promise_hours:.0f} h promise without an action "
        "(approve with `reviewops approvals decide`)."
    )


def render_triage(console: Console, result: DemoResult) -> None:
    report = result.triage
    assert report is not None
    first = sorted(report.first_gate_seconds)
    timing = f"; escalation to first gate p50 {first[len(first) // 2]:.1f} s" if first else ""
    console.print(
        f"\n[bold]Triage agent[/bold]: {report.claimed} escalated reviews -> "
        + ", ".join(f"{k}={v}" for k, v in sorted(report.outcomes.items()))
        + f"; {len(report.incidents_opened)} incidents opened{timing}"
    )
    by_incident: dict[str, list[PendingApproval]] = {}
    for item in result.pending_approvals:
        by_incident.setdefault(item.incident_id, []).append(item)
    table = Table(title="Incidents waiting for approval (reviewops approvals list / decide)", title_justify="left")
    for column in ("incident", "hypothesis", "evidence", "proposed actions -> who decides"):
        table.add_column(column, overflow="fold")
    for incident_id, items in by_incident.items():
        hypothesis = items[0].hypothesis or {}
        summary = str(hypothesis.get("summary") or hypothesis.get("root_cause") or "")
        generated = hypothesis.get("generated_by", "")
        evidence = ", ".join(str(e.get("review_id", "")) for e in items[0].evidence[:3])
        actions = "\n".join(f"{i.tool} ({i.approval_id}) -> {'/'.join(i.roles)}" for i in items)
        table.add_row(incident_id, f"{summary[:160]} [{generated}]", evidence, actions)
    console.print(table)
