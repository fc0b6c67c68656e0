"""`reviewops eval`: run suites offline, compare two runs, gate a run against a baseline, list what exists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from eval.runlog import SuiteSummary
from store.settings import Settings

app = typer.Typer(help="Offline evaluation: suites -> runs -> reports -> regression gate.", no_args_is_help=True)


def _settings() -> Settings:
    return Settings()


def _runs_dir(settings: Settings) -> Path:
    return settings.home / "eval" / "runs"


def _run_dir(name: str) -> Path:
    """A run folder from a path, a run id under REVIEWOPS_HOME/eval/runs, or `latest`."""
    path = Path(name)
    if (path / "run.json").is_file():
        return path
    runs = _runs_dir(_settings())
    if name == "latest":
        found = sorted(p for p in runs.glob("*") if (p / "run.json").is_file()) if runs.is_dir() else []
        if not found:
            raise typer.BadParameter(f"no runs under {runs} yet; start one with `reviewops eval run`")
        return found[-1]
    if (runs / name / "run.json").is_file():
        return runs / name
    raise typer.BadParameter(f"{name!r} is neither a run folder nor a run id under {runs}")


def _parse_models(values: list[str]) -> dict[str, str]:
    models: dict[str, str] = {}
    for value in values:
        stage, sep, spec = value.partition("=")
        if sep and stage and spec:
            models[stage] = spec
        else:
            models["*"] = value
    return models


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@app.command("run")
def run(
    suites: Annotated[list[str] | None, typer.Argument(help="Suite names or files; none runs every suite.")] = None,
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model", help="Model under test, `[stage=]spec`: a scorer artifact folder, `minilm`, `openai:<name>`..."
        ),
    ] = None,
    judge_model: Annotated[str | None, typer.Option(help="Judge for LLM-as-judge scorers, `provider[:name]`.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="A seeded sample of at most N cases per suite.")] = None,
    seed: Annotated[int, typer.Option(help="Seeds --limit sampling and bootstrap intervals.")] = 0,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Call models again and refresh cached answers.")] = False,
    out: Annotated[
        Path | None, typer.Option(help="Run folder; an interrupted run's folder resumes it. Default: a new one.")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Cases (batches) in parallel.")] = 2,
) -> None:
    """Run suites and write run.json, per-case logs, summary.json, report.md and report.html."""
    from eval.runlog import RunOptions
    from eval.runner import run_suites
    from eval.suite import list_suites
    from store.yaml_config import ConfigError

    names = suites or [path.stem for path in list_suites()]
    options = RunOptions(
        suites=names,
        models=_parse_models(model or []),
        judge_model=judge_model,
        limit=limit,
        seed=seed,
        use_cache=not no_cache,
        max_workers=workers,
    )
    try:
        result = run_suites(options, out=out, settings=_settings(), console=Console(stderr=True))
    except (ConfigError, FileNotFoundError, ValueError, LookupError) as exc:
        raise _fail(str(exc)) from None
    console = Console()
    console.print(f"[bold]eval run {result.summary.run_id}[/bold]")
    for summary in result.summary.suites:
        console.print(_suite_table(summary))
    console.print(f"LLM calls: {result.llm_calls} made, {result.cached_calls} from cache")
    console.print(f"report: {result.run_dir / 'report.html'}  (also report.md, summary.json)")


def _suite_table(summary: SuiteSummary) -> Table | str:
    """One suite's headline metrics: value, interval and threshold verdict."""
    if summary.status == "skipped":
        return f"{summary.suite}: skipped ({summary.skipped_reason})"
    failed = any(not t.passed for t in summary.thresholds)
    model = summary.identity.model if summary.identity else "?"
    verdict = "[red]FAIL[/red]" if failed else "[green]pass[/green]"
    table = Table(title=f"{summary.suite}: {verdict}  ({summary.cases} cases, model {model})", title_justify="left")
    table.add_column("metric", no_wrap=True)
    table.add_column("value", justify="right")
    table.add_column("95% CI", no_wrap=True)
    table.add_column("check", overflow="fold")
    verdicts = {t.metric: t for t in summary.thresholds}
    for name in summary.headline:
        value = summary.metrics.get(name)
        interval = summary.intervals.get(name)
        check = verdicts.get(name)
        table.add_row(
            name,
            "—" if value is None else f"{value:.4f}",
            f"[{interval.low:.3f}, {interval.high:.3f}]" if interval else "",
            "" if check is None else ("ok" if check.passed else f"[red]{check.message}[/red]"),
        )
    for error in (t for t in summary.thresholds if t.check == "errors"):
        table.add_row("errors", f"{error.value:.0f}", "", f"[red]{error.message}[/red]")
    return table


@app.command("compare")
def compare(
    run_a: Annotated[str, typer.Argument(help="Reference run (folder, id or `latest`).")],
    run_b: Annotated[str, typer.Argument(help="New run.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the full comparison as JSON.")] = False,
    resamples: Annotated[int, typer.Option(min=0, help="Paired bootstrap resamples for the intervals.")] = 1000,
    seed: Annotated[int, typer.Option(help="Bootstrap seed.")] = 0,
) -> None:
    """Per-metric deltas of B against A with paired bootstrap intervals, and the cases that flipped."""
    from eval.compare import compare_runs, format_comparison

    try:
        comparison = compare_runs(_run_dir(run_a), _run_dir(run_b), resamples=resamples, seed=seed)
    except (FileNotFoundError, ValueError) as exc:
        raise _fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(comparison.model_dump(mode="json"), indent=2))
    else:
        typer.echo(format_comparison(comparison))


@app.command("gate")
def gate(
    run_name: Annotated[str, typer.Argument(metavar="RUN", help="Run folder, id or `latest`.")],
    baseline: Annotated[Path, typer.Option(help="Baseline file, e.g. eval/baselines/default.json.")],
    update: Annotated[
        bool, typer.Option("--update", help="Write the run's headline metrics as the new baseline instead.")
    ] = False,
    note: Annotated[str, typer.Option(help="With --update: why the baseline changed.")] = "",
) -> None:
    """Exit non-zero if a thresholded metric is out of bounds or regressed beyond tolerance vs the baseline."""
    from eval.gate import format_gate, gate_run, write_baseline

    run_dir = _run_dir(run_name)
    try:
        if update:
            written = write_baseline(run_dir, baseline, note=note)
            typer.echo(f"baseline {baseline} written from run {written.run_id} ({len(written.suites)} suites)")
            return
        report = gate_run(run_dir, baseline)
    except (FileNotFoundError, ValueError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(format_gate(report))
    if not report.passed:
        raise typer.Exit(1)


@app.command("list")
def list_command() -> None:
    """Suites in eval/suites, and the registered stages, scorers and dataset loaders."""
    from eval.registry import DATASETS, SCORERS, STAGES
    from eval.suite import list_suites, load_suite
    from store.yaml_config import ConfigError

    table = Table(title="suites (eval/suites)")
    for column in ("suite", "stage", "datasets", "tags", "description"):
        table.add_column(column, overflow="fold")
    for path in list_suites():
        try:
            spec = load_suite(path).spec
        except ConfigError as exc:
            table.add_row(path.stem, "[red]invalid[/red]", "", "", str(exc))
            continue
        loaders = ", ".join(d.loader for d in spec.all_datasets())
        table.add_row(spec.name, spec.stage.name, loaders, ", ".join(spec.tags), spec.description)
    console = Console()
    console.print(table)
    console.print(f"stages: {', '.join(STAGES.names())}")
    console.print(f"scorers: {', '.join(SCORERS.names())}")
    console.print(f"dataset loaders: {', '.join(DATASETS.names())}")


def register(cli: typer.Typer) -> None:
    """Mount this group as `reviewops eval` (entry point `reviewops.cli`: the product CLI never imports eval/)."""
    cli.add_typer(app, name="eval", help="Offline eval suites: run, compare, gate.")


if __name__ == "__main__":
    app()
