"""The regression gate: every thresholded metric within its bound and no worse than the baseline beyond tolerance.

A baseline file (eval/baselines/*.json) stores the headline metrics of a reference run per suite. `gate` fails
(non-zero exit) when, in any completed suite of the run: a metric is missing, a bound is violated, a metric
regressed more than its tolerance against the baseline, or more cases errored than `max_errors`. Skipped suites
(data absent) pass with a note; suites missing from the baseline are checked against their bounds only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field

from eval.runlog import RunDir, SuiteSummary, ThresholdResult
from eval.suite import SuiteFile, load_suite

__all__ = [
    "BaselineFile",
    "BaselineSuite",
    "GateReport",
    "SuiteGate",
    "check_thresholds",
    "format_gate",
    "gate_run",
    "load_baseline",
    "write_baseline",
]

_EPSILON = 1e-9


class BaselineSuite(BaseModel):
    """One suite's reference values."""

    model: str | None = None
    """Identity of the model that produced them (a different model is allowed, and noted)."""
    metrics: dict[str, float]


class BaselineFile(BaseModel):
    """Reference headline metrics per suite, written from a run with `reviewops eval gate RUN --update`."""

    created_at: datetime
    run_id: str
    git_revision: str | None = None
    note: str = ""
    suites: dict[str, BaselineSuite]


class SuiteGate(BaseModel):
    """The gate's checks on one suite."""

    suite: str
    status: str
    checks: list[ThresholdResult] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)


class GateReport(BaseModel):
    """The gate's verdict on a run."""

    run_id: str
    baseline: str | None
    suites: list[SuiteGate]

    @property
    def passed(self) -> bool:
        return all(suite.passed for suite in self.suites)


def check_thresholds(spec: SuiteFile, summary: SuiteSummary, baseline: BaselineSuite | None) -> list[ThresholdResult]:
    """Bounds, baseline regressions and the error budget of one completed suite."""
    results: list[ThresholdResult] = []
    if summary.errors > spec.max_errors:
        results.append(
            ThresholdResult(
                metric="errors",
                check="errors",
                value=float(summary.errors),
                limit=float(spec.max_errors),
                passed=False,
                message=f"{summary.errors} case(s) errored (max_errors {spec.max_errors}); see cases.jsonl",
            )
        )
    for metric, threshold in spec.thresholds.items():
        value = summary.metrics.get(metric)
        if value is None:
            results.append(
                ThresholdResult(
                    metric=metric,
                    check="missing",
                    value=None,
                    limit=None,
                    passed=False,
                    message="metric was not produced; check the name against the suite's scorers",
                )
            )
            continue
        bound = threshold.min if threshold.min is not None else threshold.max
        if bound is not None:
            ok = value >= bound - _EPSILON if threshold.min is not None else value <= bound + _EPSILON
            sign = ">=" if threshold.min is not None else "<="
            results.append(
                ThresholdResult(
                    metric=metric,
                    check="threshold",
                    value=value,
                    limit=bound,
                    passed=ok,
                    message=f"{value:.4f} {sign} {bound:g}" + ("" if ok else " violated"),
                )
            )
        if baseline is not None and metric in baseline.metrics:
            base = baseline.metrics[metric]
            tolerance = spec.tolerance if threshold.tolerance is None else threshold.tolerance
            limit = base - tolerance if threshold.higher_is_better else base + tolerance
            ok = value >= limit - _EPSILON if threshold.higher_is_better else value <= limit + _EPSILON
            delta = value - base
            results.append(
                ThresholdResult(
                    metric=metric,
                    check="baseline",
                    value=value,
                    limit=limit,
                    passed=ok,
                    message=f"{delta:+.4f} vs baseline {base:.4f} (tolerance {tolerance:g})"
                    + ("" if ok else " regressed"),
                )
            )
    return results


def load_baseline(path: Path) -> BaselineFile:
    """Read a baseline file; a malformed one raises naming the file."""
    try:
        return BaselineFile.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        raise FileNotFoundError(
            f"baseline {path} not found; write one with `reviewops eval gate RUN --update`"
        ) from None
    except ValueError as exc:
        raise ValueError(f"{path}: not a valid baseline file: {exc}") from None


def _suite_spec(run: RunDir, suite: str) -> SuiteFile:
    return load_suite(run.suite_dir(suite) / f"{suite}.yaml").spec


def gate_run(run_dir: Path, baseline_path: Path | None) -> GateReport:
    """Check every suite of a finished run against its thresholds and the baseline."""
    run = RunDir(run_dir)
    summary = run.read_summary()
    baseline = load_baseline(baseline_path) if baseline_path is not None else None
    gates: list[SuiteGate] = []
    for suite in summary.suites:
        gate = SuiteGate(suite=suite.suite, status=suite.status)
        if suite.status == "skipped":
            gate.notes.append(f"skipped: {suite.skipped_reason}")
            gates.append(gate)
            continue
        reference = baseline.suites.get(suite.suite) if baseline is not None else None
        if baseline is not None and reference is None:
            gate.notes.append("not in the baseline: checked against its bounds only")
        model = suite.identity.model if suite.identity else None
        if reference is not None and reference.model and model and reference.model != model:
            gate.notes.append(f"model differs from the baseline's: {reference.model} -> {model}")
        gate.checks = check_thresholds(_suite_spec(run, suite.suite), suite, reference)
        gates.append(gate)
    return GateReport(run_id=summary.run_id, baseline=str(baseline_path) if baseline_path else None, suites=gates)


def write_baseline(run_dir: Path, path: Path, note: str = "") -> BaselineFile:
    """Store the headline metrics of every completed suite of a run as the new baseline.

    Suites the run did not complete keep their entries from the existing file, so updating the baseline from a run
    of one suite never drops the others.
    """
    run = RunDir(run_dir)
    info, summary = run.read_info(), run.read_summary()
    suites = dict(load_baseline(path).suites) if path.exists() else {}
    suites |= {
        s.suite: BaselineSuite(
            model=s.identity.model if s.identity else None,
            metrics={name: s.metrics[name] for name in s.headline if name in s.metrics},
        )
        for s in summary.suites
        if s.status == "completed"
    }
    baseline = BaselineFile(
        created_at=datetime.now(UTC), run_id=summary.run_id, git_revision=info.git.revision, note=note, suites=suites
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(baseline.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return baseline


def format_gate(report: GateReport) -> str:
    """The gate's verdict as Markdown: one line per check, failures marked."""
    verdict = "PASSED" if report.passed else "FAILED"
    lines = [f"# Gate {verdict}: run {report.run_id}", f"baseline: {report.baseline or 'none'}", ""]
    for suite in report.suites:
        lines.append(f"## {suite.suite} ({suite.status}): {'pass' if suite.passed else 'FAIL'}")
        lines += [f"- note: {note}" for note in suite.notes]
        for check in suite.checks:
            mark = "ok  " if check.passed else "FAIL"
            lines.append(f"- {mark} {check.metric} [{check.check}]: {check.message}")
        lines.append("")
    return "\n".join(lines)
