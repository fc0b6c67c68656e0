"""Run suites: load cases, prepare the stage, solve and score cases in parallel (bounded), log, summarize, report.

Every finished case is appended to `<run>/suites/<suite>/cases.jsonl` at once, so an interrupted run resumes
where it stopped (`--out <run dir>` again): cases already there are skipped, the rest run, summaries are rebuilt.
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from langchain_core.language_models import BaseChatModel
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from eval.cache import CaseContext, ChatClient, LLMCache, Usage, model_identity
from eval.dataset import Case, Dataset, LoadContext
from eval.gate import check_thresholds
from eval.models import build_chat_model
from eval.registry import DATASETS, STAGES
from eval.runlog import (
    CaseRecord,
    MetricInterval,
    RunDir,
    RunInfo,
    RunOptions,
    RunSummary,
    StageIdentity,
    SuiteSummary,
    environment,
    git_info,
    package_versions,
    prompt_versions,
)
from eval.scorers.base import Scorer
from eval.stages.base import Stage, StageContext
from eval.stats import bootstrap_intervals
from eval.suite import Suite, find_suite, load_suite
from store.settings import PROJECT_ROOT, Settings, get_settings

__all__ = ["RunResult", "load_cases", "run_suites", "summarize_suite"]


@dataclass
class RunResult:
    """Where a run was written, its summary, and the LLM calls this invocation made or took from the cache."""

    run_dir: Path
    summary: RunSummary
    llm_calls: int
    cached_calls: int


class _Models:
    """Chat models by role, resolved on first use: injected ones first, then the specs from the options."""

    def __init__(self, injected: Mapping[str, BaseChatModel], specs: Mapping[str, str | None]) -> None:
        self._models = dict(injected)
        self._specs = specs
        self._lock = threading.Lock()
        self.used: dict[str, dict[str, object]] = {}

    def get(self, role: str) -> BaseChatModel:
        with self._lock:
            if role not in self._models:
                spec = self._specs.get(role)
                if not spec:
                    flag = "--judge-model" if role == "judge" else "--model"
                    raise LookupError(f"no {role!r} chat model configured; pass {flag} provider[:name]")
                self._models[role] = build_chat_model(spec)
            self.used.setdefault(role, model_identity(self._models[role]))
            return self._models[role]


def load_cases(suite: Suite, settings: Settings) -> Dataset:
    """Every case of every dataset source of `suite`, ids checked unique; skipped if any source is absent."""
    merged = Dataset(cases=[])
    for spec in suite.spec.all_datasets():
        loader = DATASETS.get(spec.loader)()
        context = LoadContext(base_dir=suite.path.parent, name=spec.tag, settings=settings)
        part = loader.load(loader.Args.model_validate(spec.args), context)
        if part.skipped:
            return Dataset(cases=[], skipped=part.skipped)
        merged.cases.extend(part.cases)
        merged.resources.update(part.resources)
    seen: set[str] = set()
    for case in merged.cases:
        if case.id in seen:
            raise ValueError(f"suite {suite.name}: case id {case.id!r} appears twice; ids must be unique per suite")
        seen.add(case.id)
    return merged


def _sample(cases: list[Case], limit: int | None, seed: int) -> list[Case]:
    if limit is None or limit >= len(cases):
        return cases
    keep = sorted(random.Random(seed).sample(range(len(cases)), limit))
    return [cases[i] for i in keep]


def summarize_suite(
    suite: Suite, scorers: Sequence[Scorer], records: Sequence[CaseRecord], identity: StageIdentity | None, seed: int
) -> SuiteSummary:
    """Metrics over the cases that ran cleanly, bootstrap intervals on headline metrics, and threshold checks."""
    spec = suite.spec
    ok = [r for r in records if r.error is None]
    metrics: dict[str, float] = {}
    details: dict[str, object] = {}
    intervals: dict[str, MetricInterval] = {}
    headline = spec.headline_metrics()
    for scorer in scorers:
        scores = [r.scores[scorer.name] for r in ok]
        metric_fn = scorer.metric_fn(scores)
        metrics.update({f"{scorer.name}.{k}": v for k, v in metric_fn(np.arange(len(scores))).items()})
        details[scorer.name] = scorer.details(scores)
        wanted = [name.split(".", 1)[1] for name in headline if name.split(".", 1)[0] == scorer.name]
        found = bootstrap_intervals(
            metric_fn, len(scores), wanted, spec.bootstrap.resamples, spec.bootstrap.confidence, seed
        )
        for name, (low, high) in found.items():
            intervals[f"{scorer.name}.{name}"] = MetricInterval(
                low=low, high=high, confidence=spec.bootstrap.confidence, resamples=spec.bootstrap.resamples
            )
    verdicts = [r.passed for r in records]
    summary = SuiteSummary(
        suite=spec.name,
        description=spec.description,
        stage=spec.stage.name,
        status="completed",
        identity=identity,
        cases=len(records),
        errors=len(records) - len(ok),
        passed_cases=sum(v is True for v in verdicts),
        failed_cases=sum(v is False for v in verdicts),
        headline=headline,
        metrics=metrics,
        intervals=intervals,
        details=details,
    )
    summary.thresholds = check_thresholds(spec, summary, None)
    return summary


def _charging(chat: Callable[[str, Usage], ChatClient], usage: Usage) -> Callable[[str], ChatClient]:
    """Chat clients by role whose calls are charged to `usage`."""
    return lambda role: chat(role, usage)


def _solve_batch(
    stage: Stage,
    scorers: Sequence[Scorer],
    batch: Sequence[tuple[int, Case]],
    chat: Callable[[str, Usage], ChatClient],
    seed: int,
) -> list[CaseRecord]:
    usage = Usage()
    started = time.perf_counter()
    cases = [case for _, case in batch]
    try:
        outputs: list[dict[str, object]] | None = stage.solve(cases, CaseContext(_charging(chat, usage), seed))
        if outputs is None or len(outputs) != len(cases):
            raise RuntimeError(f"stage returned {len(outputs or [])} outputs for {len(cases)} cases")
        error = None
    except Exception as exc:  # recorded per case; the run goes on and the gate counts errors
        outputs, error = None, f"stage {type(exc).__name__}: {exc}"
    share = (time.perf_counter() - started) * 1000 / len(batch)
    records = []
    for position, (index, case) in enumerate(batch):
        record = CaseRecord(
            index=index,
            case_id=case.id,
            input=case.input,
            target=case.target,
            metadata=case.metadata,
            output=outputs[position] if outputs is not None else None,
            error=error,
            latency_ms=round(share, 3),
            usage=usage if len(batch) == 1 else Usage(),
        )
        if error is None:
            scorer_usage = Usage()
            context = CaseContext(_charging(chat, scorer_usage), seed)
            for scorer in scorers:
                try:
                    record.scores[scorer.name] = scorer.score(record, context)
                except Exception as exc:
                    record.error = f"scorer {scorer.name} {type(exc).__name__}: {exc}"
                    break
            record.scorer_usage = scorer_usage
        records.append(record)
    return records


@contextmanager
def _progress(console: Console | None, enabled: bool) -> Iterator[Progress]:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console or Console(stderr=True), disable=not enabled, transient=False) as bar:
        yield bar


def _run_cases(
    run: RunDir,
    suite: Suite,
    stage: Stage,
    scorers: Sequence[Scorer],
    todo: list[tuple[int, Case]],
    chat: Callable[[str, Usage], ChatClient],
    options: RunOptions,
    progress: Progress,
) -> None:
    size = max(1, type(stage).batch_size)
    batches = [todo[i : i + size] for i in range(0, len(todo), size)]
    task = progress.add_task(suite.name, total=len(todo))
    path = run.cases_file(suite.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    run.drop_torn_line(suite.name)
    with path.open("a", encoding="utf-8") as log, ThreadPoolExecutor(max_workers=options.max_workers) as pool:
        pending: set[Future[list[CaseRecord]]] = set()
        order: dict[Future[list[CaseRecord]], int] = {}
        queue = iter(batches)
        try:
            while True:
                while len(pending) < options.max_workers * 2 and (batch := next(queue, None)) is not None:
                    future = pool.submit(_solve_batch, stage, scorers, batch, chat, options.seed)
                    order[future] = len(order)
                    pending.add(future)
                if not pending:
                    break
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                # Log every finished batch, in submission order, before re-raising a failure (an interrupt in one
                # worker must not lose the cases another worker already finished).
                failure: BaseException | None = None
                for future in sorted(done, key=order.__getitem__):
                    try:
                        records = future.result()
                    except BaseException as exc:  # re-raised below, once the finished batches are logged
                        failure = failure or exc
                        continue
                    for record in records:
                        log.write(record.model_dump_json() + "\n")
                        progress.advance(task)
                    log.flush()
                if failure is not None:
                    raise failure
        except BaseException:
            for future in pending:
                future.cancel()
            raise


def _run_suite(
    run: RunDir,
    suite: Suite,
    options: RunOptions,
    settings: Settings,
    injected: Mapping[str, BaseChatModel],
    cache: LLMCache,
    usage: Usage,
    progress: Progress,
) -> SuiteSummary:
    suite_dir = run.suite_dir(suite.name)
    copy = suite_dir / f"{suite.name}.yaml"
    if copy.is_file() and copy.read_text(encoding="utf-8") != suite.text:
        raise ValueError(
            f"{suite.path} changed since this run started ({copy} differs); start a new run instead of resuming"
        )
    suite_dir.mkdir(parents=True, exist_ok=True)
    copy.write_text(suite.text, encoding="utf-8")
    started = time.perf_counter()
    dataset = load_cases(suite, settings)
    if dataset.skipped is not None:
        summary = SuiteSummary(
            suite=suite.name,
            description=suite.spec.description,
            stage=suite.spec.stage.name,
            status="skipped",
            skipped_reason=dataset.skipped,
        )
        run.write_suite_summary(summary)
        return summary
    cases = list(enumerate(_sample(dataset.cases, options.limit, options.seed)))
    scorers = suite.spec.build_scorers()
    wanted = {case.id for _, case in cases}
    done = {r.case_id for r in run.read_cases(suite.name) if r.case_id in wanted}
    todo = [(i, case) for i, case in cases if case.id not in done]
    identity = run.read_identity(suite.name)
    models = _Models(injected, {"model": options.model_for(suite.spec.stage.name), "judge": options.judge_model})
    if todo or identity is None:
        stage_class = STAGES.get(suite.spec.stage.name)
        work_dir = run.path / "work" / suite.name
        context = StageContext(
            run_dir=run.path,
            work_dir=work_dir,
            settings=settings,
            seed=options.seed,
            suite_dir=suite.path.parent,
            model=options.model_for(suite.spec.stage.name),
        )
        stage: Stage = stage_class(stage_class.Args.model_validate(suite.spec.stage.args), context)
        try:
            identity = stage.prepare(dataset)
            for scorer in scorers:
                identity.prompts.update(scorer.prompt_versions())
            run.write_identity(suite.name, identity)

            def chat(role: str, charged: Usage) -> ChatClient:
                return ChatClient(models.get(role), cache, charged, usage)

            _run_cases(run, suite, stage, scorers, todo, chat, options, progress)
        finally:
            stage.close()
            shutil.rmtree(work_dir, ignore_errors=True)
            with contextlib.suppress(OSError):
                work_dir.parent.rmdir()  # only when no other suite's scratch folder is left
        if models.used:
            identity.details["chat_models"] = dict(models.used)
            run.write_identity(suite.name, identity)
    records = [r for r in run.read_cases(suite.name) if r.case_id in wanted]
    summary = summarize_suite(suite, scorers, records, identity, options.seed)
    summary.seconds = round(time.perf_counter() - started, 3)
    run.write_suite_summary(summary)
    return summary


def _new_run_id(options: RunOptions) -> str:
    digest = hashlib.sha256(options.model_dump_json().encode("utf-8")).hexdigest()[:6]
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{digest}"


def _open_run(out: Path | None, options: RunOptions, settings: Settings, argv: Sequence[str]) -> tuple[RunDir, RunInfo]:
    if out is not None and RunDir(out).exists():
        run = RunDir(out)
        info = run.read_info()
        ignored = {"max_workers", "use_cache"}
        if info.options.model_dump(exclude=ignored) != options.model_dump(exclude=ignored):
            raise ValueError(
                f"{out} holds a run with other options ({info.options.model_dump(exclude=ignored)}); "
                "resume it with the same suites, --model, --limit and --seed, or choose another --out"
            )
        revision = git_info(PROJECT_ROOT).revision
        if info.git.revision != revision:
            raise ValueError(
                f"{out} was started at git revision {info.git.revision} but the code is now at {revision}; "
                "results from two revisions must not mix: choose another --out"
            )
        info.resumed_at.append(datetime.now(UTC))
        run.write_info(info)
        return run, info
    run_id = _new_run_id(options)
    run = RunDir(out or settings.home / "eval" / "runs" / run_id)
    python, platform_name = environment()
    info = RunInfo(
        run_id=run_id if out is None else out.name,
        created_at=datetime.now(UTC),
        options=options,
        git=git_info(PROJECT_ROOT),
        python=python,
        platform=platform_name,
        packages=package_versions(),
        prompt_versions=prompt_versions(PROJECT_ROOT / "prompts"),
        argv=list(argv),
    )
    run.write_info(info)
    return run, info


def run_suites(
    options: RunOptions,
    *,
    out: Path | None = None,
    settings: Settings | None = None,
    chat_models: Mapping[str, BaseChatModel] | None = None,
    cache_dir: Path | None = None,
    console: Console | None = None,
    show_progress: bool = True,
    argv: Sequence[str] | None = None,
) -> RunResult:
    """Run every suite of `options` into `out` (a new run, or the interrupted run already there) and report."""
    from eval.report import write_reports

    settings = settings or get_settings()
    suites = [load_suite(find_suite(name)) for name in options.suites]
    run, info = _open_run(out, options, settings, sys.argv if argv is None else argv)
    cache = LLMCache(cache_dir or settings.home / "eval" / "cache", read=options.use_cache)
    usage = Usage()
    summaries = []
    with _progress(console, show_progress) as progress:
        for suite in suites:
            summaries.append(_run_suite(run, suite, options, settings, chat_models or {}, cache, usage, progress))
    summary = RunSummary(run_id=info.run_id, suites=summaries)
    run.write_summary(summary)
    info.finished_at = datetime.now(UTC)
    run.write_info(info)
    write_reports(run.path)
    return RunResult(run_dir=run.path, summary=summary, llm_calls=usage.llm_calls, cached_calls=usage.cached_calls)
