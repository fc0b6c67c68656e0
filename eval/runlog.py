"""The run directory: everything needed to reproduce and audit an eval run, as JSON files.

```
<run>/run.json                      RunInfo: options, seed, git revision + dirty flag, packages, prompt versions
<run>/summary.json                  RunSummary: every suite's metrics, intervals and threshold results
<run>/report.md, <run>/report.html
<run>/suites/<suite>/suite.yaml     the suite file exactly as run
<run>/suites/<suite>/identity.json  StageIdentity: model identity and versions of the stage under test
<run>/suites/<suite>/cases.jsonl    one CaseRecord per line, appended as cases finish (resume skips them)
<run>/suites/<suite>/summary.json   SuiteSummary
<run>/models/                       a scorer trained for this run, when none was found
```
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import platform
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from eval.cache import Usage

__all__ = [
    "PACKAGES",
    "CaseRecord",
    "CaseScore",
    "GitInfo",
    "MetricInterval",
    "RunDir",
    "RunInfo",
    "RunOptions",
    "RunSummary",
    "StageIdentity",
    "SuiteSummary",
    "ThresholdResult",
    "git_info",
    "package_versions",
    "prompt_versions",
]

PACKAGES = (
    "reviewops",
    "numpy",
    "scipy",
    "scikit-learn",
    "pydantic",
    "chromadb",
    "sentence-transformers",
    "torch",
    "langchain-core",
    "langchain-openai",
    "langchain-ollama",
    "langgraph",
    "xllamacpp",
)
"""Packages whose versions every run records (absent ones are recorded as null)."""


class RunOptions(BaseModel):
    """What was asked for: the suites and every knob that can change a result."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    suites: list[str]
    """Suite names (or paths) in the order given."""
    models: dict[str, str] = Field(default_factory=dict)
    """Model under test per stage name (`*` for every stage), from `--model [stage=]spec`."""
    judge_model: str | None = None
    """Judge model spec for LLM-as-judge scorers, separate from the model under test."""
    limit: int | None = Field(default=None, ge=1)
    """Run a seeded sample of at most this many cases per suite (dataset order kept)."""
    seed: int = 0
    """Seeds the `--limit` sample, bootstrap resampling and any sampling stage."""
    use_cache: bool = True
    """False (`--no-cache`) calls models again and overwrites the cached answers."""
    max_workers: int = Field(default=2, ge=1)
    """Cases (batches) run in parallel."""

    def model_for(self, stage: str) -> str | None:
        """The model spec given for `stage`, else the one given for every stage, else None."""
        return self.models.get(stage, self.models.get("*"))


class GitInfo(BaseModel):
    """The code a run used; `dirty` means uncommitted changes were present (the revision alone is not enough)."""

    revision: str | None = None
    dirty: bool | None = None
    branch: str | None = None


class RunInfo(BaseModel):
    """The run's header: what was asked, with which code, packages and prompts."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    run_id: str
    created_at: datetime
    finished_at: datetime | None = None
    """Set when every suite has finished; a run without it was interrupted and can be resumed."""
    resumed_at: list[datetime] = Field(default_factory=list)
    """Each time the run was continued from its folder (same options and git revision)."""
    options: RunOptions
    git: GitInfo
    python: str
    platform: str
    packages: dict[str, str | None]
    prompt_versions: dict[str, str]
    """`<prompt id>.<version>` -> first 12 hex digits of the file's sha256, for every file in prompts/."""
    argv: list[str] = Field(default_factory=list)


class StageIdentity(BaseModel):
    """Which model and versions produced a suite's outputs (a scorer version, an embedder, a chat model)."""

    stage: str
    model: str
    """One-line model identity, e.g. `fs-13feff70f5ba` or `hashing-v1-256`."""
    versions: dict[str, str] = Field(default_factory=dict)
    """Other versions that shape the output (routing config, taxonomy, lexicon, code)."""
    prompts: dict[str, str] = Field(default_factory=dict)
    """Prompt refs the stage rendered -> digest."""
    details: dict[str, Any] = Field(default_factory=dict)
    """Anything else worth recording (where a model was loaded from, whether it was trained for this run)."""


class CaseScore(BaseModel):
    """One scorer's verdict on one case: the values its metrics aggregate, and pass/fail where that is defined."""

    value: dict[str, Any] = Field(default_factory=dict)
    passed: bool | None = None
    """False marks a failure in the report's drill-down; None when the scorer has no per-case verdict."""
    explanation: str = ""


class CaseRecord(BaseModel):
    """Everything about one case in one run: input, target, output, scores, errors, latency and LLM usage."""

    index: int
    """Position in the (limited) dataset; reports list cases in this order."""
    case_id: str
    input: dict[str, Any]
    target: dict[str, Any]
    metadata: dict[str, Any]
    output: dict[str, Any] | None = None
    error: str | None = None
    latency_ms: float = 0.0
    """Wall time of the stage for this case (a batch's time split evenly over its cases)."""
    usage: Usage = Field(default_factory=Usage)
    """LLM use of the stage under test for this case."""
    scorer_usage: Usage = Field(default_factory=Usage)
    """LLM use of the scorers (judge votes) for this case: the eval's cost, not the system's."""
    scores: dict[str, CaseScore] = Field(default_factory=dict)

    @property
    def passed(self) -> bool | None:
        """False if errored or any scorer failed it; True if some scorer passed it; None if none judged it."""
        if self.error is not None:
            return False
        verdicts = [s.passed for s in self.scores.values() if s.passed is not None]
        return all(verdicts) if verdicts else None


class MetricInterval(BaseModel):
    """A bootstrap percentile interval around a metric."""

    low: float
    high: float
    confidence: float
    resamples: int


class ThresholdResult(BaseModel):
    """One gate check of one metric: against its threshold, or against the baseline minus tolerance."""

    metric: str
    check: Literal["threshold", "baseline", "errors", "missing"]
    value: float | None
    limit: float | None
    passed: bool
    message: str


class SuiteSummary(BaseModel):
    """A suite's results: headline metrics with intervals, every other metric, details for the report."""

    suite: str
    description: str = ""
    stage: str
    status: Literal["completed", "skipped"]
    skipped_reason: str | None = None
    identity: StageIdentity | None = None
    cases: int = 0
    errors: int = 0
    passed_cases: int = 0
    failed_cases: int = 0
    seconds: float = 0.0
    headline: list[str] = Field(default_factory=list)
    metrics: dict[str, float] = Field(default_factory=dict)
    intervals: dict[str, MetricInterval] = Field(default_factory=dict)
    details: dict[str, Any] = Field(default_factory=dict)
    """Scorer name -> charts' data (confusion matrices, reliability bins, per-group tables)."""
    thresholds: list[ThresholdResult] = Field(default_factory=list)
    """The suite's own thresholds checked on this run (the gate adds baseline checks)."""


class RunSummary(BaseModel):
    """All suites of a run."""

    run_id: str
    suites: list[SuiteSummary]


def git_info(root: Path) -> GitInfo:
    """Revision, dirty flag and branch of the checkout at `root`; all None outside a git checkout."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10, check=True)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip()

    revision = git("rev-parse", "HEAD")
    if revision is None:
        return GitInfo()
    status = git("status", "--porcelain")
    return GitInfo(
        revision=revision, dirty=bool(status) if status is not None else None, branch=git("branch", "--show-current")
    )


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str | None]:
    """Installed version of each package, None when it is not installed."""
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def prompt_versions(directory: Path) -> dict[str, str]:
    """`<file stem>` -> sha256[:12] of every prompt template (`*.md`) under `directory`."""
    if not directory.is_dir():
        return {}
    return {
        path.name.removesuffix(".md"): hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        for path in sorted(directory.glob("*.md"))
    }


def environment() -> tuple[str, str]:
    """The Python version and platform strings recorded on a run."""
    return sys.version.split()[0], platform.platform()


class RunDir:
    """Paths and JSON (de)serialization of one run directory."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def info_file(self) -> Path:
        return self.path / "run.json"

    @property
    def summary_file(self) -> Path:
        return self.path / "summary.json"

    def suite_dir(self, suite: str) -> Path:
        return self.path / "suites" / suite

    def cases_file(self, suite: str) -> Path:
        return self.suite_dir(suite) / "cases.jsonl"

    def exists(self) -> bool:
        return self.info_file.is_file()

    def read_info(self) -> RunInfo:
        if not self.exists():
            raise FileNotFoundError(f"{self.path} is not an eval run directory (no run.json); pass a run's folder")
        return RunInfo.model_validate_json(self.info_file.read_bytes())

    def write_info(self, info: RunInfo) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        _write_json(self.info_file, info.model_dump(mode="json"))

    def read_cases(self, suite: str) -> list[CaseRecord]:
        """Every complete record of `suite`; a torn last line (an interrupted append) is ignored."""
        path = self.cases_file(suite)
        if not path.is_file():
            return []
        records: dict[str, CaseRecord] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                record = CaseRecord.model_validate_json(line)
            except ValueError:
                continue
            records[record.case_id] = record
        return sorted(records.values(), key=lambda r: r.index)

    def drop_torn_line(self, suite: str) -> None:
        """Cut a last line left incomplete by a crash mid-append, so appending resumes on a fresh line."""
        path = self.cases_file(suite)
        if not path.is_file():
            return
        data = path.read_bytes()
        if data and not data.endswith(b"\n"):
            with path.open("r+b") as handle:
                handle.truncate(data.rfind(b"\n") + 1)

    def write_identity(self, suite: str, identity: StageIdentity) -> None:
        _write_json(self.suite_dir(suite) / "identity.json", identity.model_dump(mode="json"))

    def read_identity(self, suite: str) -> StageIdentity | None:
        path = self.suite_dir(suite) / "identity.json"
        return StageIdentity.model_validate_json(path.read_bytes()) if path.is_file() else None

    def write_suite_summary(self, summary: SuiteSummary) -> None:
        _write_json(self.suite_dir(summary.suite) / "summary.json", summary.model_dump(mode="json"))

    def read_suite_summary(self, suite: str) -> SuiteSummary:
        return SuiteSummary.model_validate_json((self.suite_dir(suite) / "summary.json").read_bytes())

    def write_summary(self, summary: RunSummary) -> None:
        _write_json(self.summary_file, summary.model_dump(mode="json"))

    def read_summary(self) -> RunSummary:
        if not self.summary_file.is_file():
            raise FileNotFoundError(
                f"{self.path} has no summary.json: the run did not finish; resume it with "
                f"`reviewops eval run ... --out {self.path}`"
            )
        return RunSummary.model_validate_json(self.summary_file.read_bytes())


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_suffix(path.suffix + ".tmp")
    staging.write_text(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8")
    staging.replace(path)
