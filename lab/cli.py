"""The `reviewops demo` and `reviewops bench` commands, plugged into the product CLI (entry point `reviewops.cli`).

They live here, beside the demo stream and the benchmarks they run, so the product never imports simulation or
measurement code; pyproject.toml registers `register` under the `reviewops.cli` entry-point group.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from store.settings import Settings

__all__ = ["register"]

console = Console()


def _settings() -> Settings:
    return Settings()


def register(app: typer.Typer) -> None:
    """Add `demo` and `bench` to the `reviewops` command line."""
    app.command()(demo)
    app.command()(bench)


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
    from lab.demo.render import render_demo
    from lab.demo.run import DemoOptions, reset_local_state, run_demo

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


def bench(
    limit: Annotated[int | None, typer.Option(help="Only the first N CSV rows.")] = None,
    repeats: Annotated[int, typer.Option(help="Timed repetitions; the median is reported.")] = 3,
    embed_sample: Annotated[int, typer.Option(help="Reviews to embed for the indexing-rate figure (0: skip).")] = 512,
) -> None:
    """Benchmark the fast path on the real CSV and print throughput, RSS, quality and routing figures."""
    from lab.bench.fast_path import run_bench

    run_bench(_settings(), console, limit=limit, repeats=repeats, embed_sample=embed_sample)
