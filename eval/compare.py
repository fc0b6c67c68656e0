"""Compare two runs: per-metric deltas with paired bootstrap intervals, and the cases whose verdict flipped.

Intervals are paired: both runs' metrics are recomputed on the same resample of the cases they share (matched by
case id), so the interval is about the change, not about either run's noise separately.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from eval.runlog import CaseRecord, RunDir, SuiteSummary
from eval.stats import paired_delta_intervals
from eval.suite import SuiteFile, load_suite

__all__ = ["Comparison", "FlippedCase", "MetricDelta", "SuiteComparison", "compare_runs", "format_comparison"]

MAX_CHANGED_SHOWN = 25
MAX_FLIPS_SHOWN = 40


class MetricDelta(BaseModel):
    """One metric in both runs; `low`/`high` bound `b - a` (paired bootstrap), when computed."""

    metric: str
    a: float
    b: float
    delta: float
    low: float | None = None
    high: float | None = None
    headline: bool = False


class FlippedCase(BaseModel):
    """A case that passed in one run and failed in the other."""

    case_id: str
    before: bool
    after: bool
    why: str = Field(description="The failing run's explanation.")


class SuiteComparison(BaseModel):
    """One suite in both runs."""

    suite: str
    model_a: str | None
    model_b: str | None
    shared_cases: int
    deltas: list[MetricDelta]
    flipped: list[FlippedCase]
    notes: list[str] = Field(default_factory=list)


class Comparison(BaseModel):
    """Run B against run A."""

    run_a: str
    run_b: str
    suites: list[SuiteComparison]


def _spec(run: RunDir, suite: str) -> SuiteFile:
    return load_suite(run.suite_dir(suite) / f"{suite}.yaml").spec


def _why(record: CaseRecord) -> str:
    if record.error:
        return record.error
    return "; ".join(f"{name}: {s.explanation}" for name, s in record.scores.items() if s.passed is False)


def _paired_intervals(
    run_a: RunDir, run_b: RunDir, suite: str, shared: list[str], headline: list[str], resamples: int, seed: int
) -> dict[str, tuple[float, float]]:
    spec_a, spec_b = _spec(run_a, suite), _spec(run_b, suite)
    records_a = {r.case_id: r for r in run_a.read_cases(suite)}
    records_b = {r.case_id: r for r in run_b.read_cases(suite)}
    clean = [cid for cid in shared if records_a[cid].error is None and records_b[cid].error is None]
    scorers_a = {s.name: s for s in spec_a.build_scorers()}
    found: dict[str, tuple[float, float]] = {}
    for scorer_b in spec_b.build_scorers():
        scorer_a = scorers_a.get(scorer_b.name)
        names = [m.split(".", 1)[1] for m in headline if m.split(".", 1)[0] == scorer_b.name]
        if scorer_a is None or not names:
            continue
        fn_a = scorer_a.metric_fn([records_a[cid].scores[scorer_a.name] for cid in clean])
        fn_b = scorer_b.metric_fn([records_b[cid].scores[scorer_b.name] for cid in clean])
        confidence = spec_b.bootstrap.confidence
        for name, interval in paired_delta_intervals(
            fn_a, fn_b, len(clean), names, resamples, confidence, seed
        ).items():
            found[f"{scorer_b.name}.{name}"] = interval
    return found


def _compare_suite(
    run_a: RunDir, run_b: RunDir, a: SuiteSummary, b: SuiteSummary, resamples: int, seed: int
) -> SuiteComparison:
    records_a = {r.case_id: r for r in run_a.read_cases(a.suite)}
    records_b = {r.case_id: r for r in run_b.read_cases(b.suite)}
    shared = [cid for cid in records_b if cid in records_a]
    notes = []
    if len(shared) < max(len(records_a), len(records_b)):
        notes.append(
            f"{len(shared)} shared cases (A has {len(records_a)}, B has {len(records_b)}); intervals use those"
        )
    headline = list(dict.fromkeys([*b.headline, *a.headline]))
    intervals = _paired_intervals(run_a, run_b, b.suite, shared, headline, resamples, seed) if shared else {}
    deltas = []
    for name in [*headline, *(m for m in b.metrics if m not in headline)]:
        if name in a.metrics and name in b.metrics:
            low, high = intervals.get(name, (None, None))
            deltas.append(
                MetricDelta(
                    metric=name,
                    a=a.metrics[name],
                    b=b.metrics[name],
                    delta=b.metrics[name] - a.metrics[name],
                    low=low,
                    high=high,
                    headline=name in headline,
                )
            )
    flipped = []
    for cid in shared:
        before, after = records_a[cid].passed, records_b[cid].passed
        if before is not None and after is not None and before != after:
            failing = records_b[cid] if not after else records_a[cid]
            flipped.append(FlippedCase(case_id=cid, before=before, after=after, why=_why(failing)))
    return SuiteComparison(
        suite=b.suite,
        model_a=a.identity.model if a.identity else None,
        model_b=b.identity.model if b.identity else None,
        shared_cases=len(shared),
        deltas=deltas,
        flipped=flipped,
        notes=notes,
    )


def compare_runs(run_a: Path, run_b: Path, resamples: int = 1000, seed: int = 0) -> Comparison:
    """Compare every suite both runs completed; B is the new run, A the reference."""
    dir_a, dir_b = RunDir(run_a), RunDir(run_b)
    summary_a, summary_b = dir_a.read_summary(), dir_b.read_summary()
    by_name = {s.suite: s for s in summary_a.suites}
    suites = []
    for b in summary_b.suites:
        a = by_name.get(b.suite)
        if a is None or a.status != "completed" or b.status != "completed":
            continue
        suites.append(_compare_suite(dir_a, dir_b, a, b, resamples, seed))
    return Comparison(run_a=summary_a.run_id, run_b=summary_b.run_id, suites=suites)


def _interval(delta: MetricDelta) -> str:
    return f"[{delta.low:+.4f}, {delta.high:+.4f}]" if delta.low is not None and delta.high is not None else ""


def format_comparison(comparison: Comparison) -> str:
    """Markdown: headline deltas with intervals, other metrics that changed, then the flipped cases."""
    lines = [f"# {comparison.run_b} vs {comparison.run_a}", ""]
    if not comparison.suites:
        lines.append("No suite completed in both runs.")
    for suite in comparison.suites:
        lines += [f"## {suite.suite}", f"model {suite.model_a} -> {suite.model_b}; {suite.shared_cases} shared cases"]
        lines += [f"- note: {note}" for note in suite.notes]
        lines += ["", "| metric | A | B | Δ | 95% CI of Δ |", "| --- | ---: | ---: | ---: | --- |"]
        changed = [d for d in suite.deltas if not d.headline and abs(d.delta) > 1e-12]
        for d in [*(d for d in suite.deltas if d.headline), *changed[:MAX_CHANGED_SHOWN]]:
            lines.append(f"| {d.metric} | {d.a:.4f} | {d.b:.4f} | {d.delta:+.4f} | {_interval(d)} |")
        if len(changed) > MAX_CHANGED_SHOWN:
            lines.append(f"| … {len(changed) - MAX_CHANGED_SHOWN} more changed metrics | | | | |")
        worse = [f for f in suite.flipped if not f.after]
        better = [f for f in suite.flipped if f.after]
        lines += ["", f"Flipped cases: {len(worse)} pass -> fail, {len(better)} fail -> pass"]
        for flip in [*worse, *better][:MAX_FLIPS_SHOWN]:
            arrow = "pass -> FAIL" if not flip.after else "fail -> pass"
            lines.append(f"- {flip.case_id}: {arrow}" + (f" ({flip.why[:160]})" if flip.why else ""))
        lines.append("")
    return "\n".join(lines) + "\n"
