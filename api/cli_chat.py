"""`reviewops chat "QUESTION"`: answer a manager's question with numbers from the data and cited reviews."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from agent.chat import ChatAnswer, QuestionError
from store.settings import Settings

__all__ = ["chat"]

console = Console()
log = logging.getLogger(__name__)


def _as_of(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO time; use e.g. 2026-11-15T00:00:00Z") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def chat(
    question: Annotated[str, typer.Argument(help="The question, e.g. 'What are the top complaints this week?'")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole answer object as JSON.")] = False,
    llm: Annotated[bool, typer.Option(help="Let the configured model write the prose (else rules only).")] = True,
    index: Annotated[bool, typer.Option(help="Rank cited reviews by similarity in the Chroma index.")] = True,
    as_of: Annotated[
        str | None, typer.Option(help="Data clock (ISO time) the windows end at; default: the newest review.")
    ] = None,
) -> None:
    """Answer a question about the reviews: numbers computed from the data, cited reviews, at most three sentences."""
    from agent.chat import open_chat_service
    from store.embeddings import ReviewEmbedder
    from store.vector_index import ReviewIndex

    settings = Settings()
    review_index = None
    if index:
        try:  # one Chroma client per directory: another process holding it must not stop the answer
            review_index = ReviewIndex.open(settings, ReviewEmbedder.from_settings(settings))
        except Exception as err:
            log.warning("no review index (%s); cited reviews come from the store", err)
    try:
        with open_chat_service(settings, use_llm=llm, index=review_index) as service:
            answer = service.ask(question, as_of=_as_of(as_of))
    except QuestionError as err:
        console.print(f"[red]error:[/red] {err}")
        raise typer.Exit(2) from err
    finally:
        if review_index is not None:
            review_index.close()
    if as_json:
        typer.echo(answer.model_dump_json(indent=2))
        return
    _render(answer)


def _render(answer: ChatAnswer) -> None:
    console.print(escape(answer.answer))
    for citation in answer.citations:
        stars = f"{citation.rating}★ " if citation.rating is not None else ""
        when = f"{citation.created_at:%Y-%m-%d} " if citation.created_at else ""
        console.print(f"  [dim]{citation.label}[/dim] {escape(citation.review_id)} {stars}{when}"
                      f"[italic]{escape(citation.snippet)}[/italic]")  # fmt: skip
    for caveat in answer.caveats:
        console.print(f"[yellow]note:[/yellow] {escape(caveat)}")
    written = answer.generated_by
    if answer.fallback_reason:
        console.print(f"[dim]rules wrote this: {escape(answer.fallback_reason)}[/dim]")
    queries = ", ".join(answer.query_kinds) or "none"
    console.print(
        f"[dim]{answer.intent} · queries: {queries} · written by {escape(written)} · {answer.seconds:.1f} s · "
        f"data as of {answer.as_of:%Y-%m-%d %H:%M} UTC[/dim]"
    )
