"""`reviewops approvals`: list the approval gates waiting for a person, and decide one (the paused graph resumes)."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from store.roles import ROLES
from store.settings import Settings

app = typer.Typer(help="Approval gates of the triage agent: list what waits, and decide.", no_args_is_help=True)
console = Console()


class Kind(StrEnum):
    approve = "approve"
    reject = "reject"
    edit = "edit"
    escalate = "escalate"


RoleName = StrEnum("RoleName", [(role, role) for role in ROLES])  # type: ignore[misc]
"""The roles of store/roles.py as CLI choices."""


def _short(value: Any, width: int) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"


@app.command("list")
def list_pending(
    as_json: Annotated[bool, typer.Option("--json", help="Print the full records as JSON.")] = False,
) -> None:
    """Every gate waiting for a decision: the proposed action, who may decide, until when, and why."""
    from agent.triage import open_triage_service

    with open_triage_service(Settings(), use_llm=False) as service:
        pending = service.pending_approvals()
    if as_json:
        typer.echo(json.dumps([p.model_dump(mode="json") for p in pending], indent=2, ensure_ascii=False))
        return
    if not pending:
        console.print("No approvals are pending.")
        return
    console.print(f"[bold]{len(pending)} pending approval(s)[/bold]")
    for item in pending:
        hypothesis = item.hypothesis or {}
        deadline = f"by {item.deadline:%Y-%m-%d %H:%M}Z, then {item.on_timeout}" if item.deadline else "no deadline"
        lines = [
            f"\n[bold]{item.approval_id}[/bold]  incident {item.incident_id}"
            + (f"  round {item.round}" if item.round else ""),
            f"  action      [bold]{item.tool}[/bold] ({item.playbook_id}.{item.action_id}): {escape(item.description)}",
            f"  args        {escape(_short(item.args, 400))}",
            f"  decide      {' or '.join([*item.roles, 'admin'])}, {deadline}",
            f"  hypothesis  {escape(str(hypothesis.get('summary', '(none)')))}",
            f"              cause {escape(str(hypothesis.get('root_cause')))}, "
            f"confidence {hypothesis.get('confidence')}, by {hypothesis.get('generated_by')}",
        ]
        lines += [f"  facts       {escape(line.removeprefix('- '))}" for line in item.facts.splitlines()]
        lines += [f"  evidence    {escape(e['review_id'])}: {escape(_short(e['text'], 100))}" for e in item.evidence]
        if item.args_error:
            lines.append(f"  [red]cannot run as planned: {escape(item.args_error)}; decide `edit` with --args[/red]")
        if not item.live:
            lines.append("  [yellow]not paused right now; `reviewops triage run` recovers it[/yellow]")
        for line in lines:
            console.print(line, highlight=False)


@app.command()
def decide(
    approval_id: Annotated[str, typer.Argument(help="The APR-... id from `reviewops approvals list`.")],
    kind: Annotated[Kind, typer.Argument(help="approve, reject, edit (with --args) or escalate.")],
    actor: Annotated[str, typer.Option(help="Who decides (recorded in the audit log).")],
    role: Annotated[RoleName, typer.Option(help="The role you decide in; the policy says which roles may.")],
    reason: Annotated[str | None, typer.Option(help="Why; required to reject.")] = None,
    args: Annotated[str | None, typer.Option(help="For edit: the new tool arguments as a JSON object.")] = None,
    topic: Annotated[
        str | None, typer.Option(help="Optional: the incident's real topic id, if the hypothesis got it wrong.")
    ] = None,
) -> None:
    """Decide one gate; the triage graph resumes with the decision (an approved action is delivered once)."""
    from agent.triage import AlreadyDecided, ApprovalNotFound, GateNotLive, InvalidDecision, open_triage_service
    from store.approval_policy import DecisionNotAllowed
    from tools import ToolArgsError

    parsed: dict[str, Any] | None = None
    if args is not None:
        try:
            parsed = json.loads(args)
        except json.JSONDecodeError as err:
            console.print(f"[red]--args is not valid JSON ({err.msg} at column {err.colno}); pass an object[/red]")
            raise typer.Exit(2) from err
        if not isinstance(parsed, dict):
            console.print("[red]--args must be a JSON object, e.g. '{\"sample_size\": 20}'[/red]")
            raise typer.Exit(2)
    with open_triage_service(Settings(), use_llm=False) as service:
        try:
            report = service.decide(
                approval_id, kind.value, actor=actor, role=role.value, reason=reason, args=parsed, topic=topic
            )
        except (ApprovalNotFound, AlreadyDecided, InvalidDecision, ToolArgsError) as err:
            console.print(f"[red]{err}[/red]")
            raise typer.Exit(2) from err
        except (DecisionNotAllowed, GateNotLive) as err:
            console.print(f"[red]{err}[/red]")
            raise typer.Exit(1) from err
    console.print(f"{report.approval_id}: {report.status} by {actor} ({role.value}); incident {report.incident_id}")
    for key, status in report.executed.items():
        console.print(f"  outbox {key}: {status}")
    console.print(f"triage thread: {report.thread_status}")
