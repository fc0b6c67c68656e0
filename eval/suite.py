"""Suite files: a dataset + the stage under test + scorers + thresholds, as YAML under eval/suites/.

Loaded with `store.yaml_config.load_yaml_model`, so a suite that does not validate fails with
`file:line: field: what is wrong`; the `args:` of every loader, stage and scorer are validated against the
registered class's `Args` model at load time, with the same precision.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from eval.registry import DATASETS, SCORERS, STAGES, Registry, RegistryError
from eval.scorers.base import Scorer
from store.yaml_config import ConfigError, field_error, load_yaml_model, text_matching

__all__ = [
    "SUITES_DIR",
    "BootstrapSpec",
    "DatasetSpec",
    "ScorerSpec",
    "StageSpec",
    "Suite",
    "SuiteFile",
    "Threshold",
    "find_suite",
    "list_suites",
    "load_suite",
]

SUITES_DIR = Path(__file__).resolve().parent / "suites"

_Name = Annotated[str, text_matching(r"[a-z][a-z0-9_]*", "a lowercase name like sentiment_f1 (a-z, 0-9, _)")]


def _nested_error(exc: ValidationError, *prefix: str | int) -> PydanticCustomError:
    """The first error of an `args` validation, blamed on its exact field below `prefix`."""
    err = exc.errors()[0]
    loc = tuple(part for part in err["loc"] if not (isinstance(part, str) and "[" in part))
    if err["type"] == "missing":
        message = "field required"
    elif err["type"] == "extra_forbidden":
        message = "unknown field; remove it or fix its spelling"
    else:
        message = str(err["msg"]).removeprefix("Value error, ")
        if "input" in err and not isinstance(err["input"], dict | list):
            message += f" (got {err['input']!r})"
    return field_error(message, *prefix, *loc)


def _validated_args(registry: Registry[Any], name: str, args: dict[str, Any], name_field: str) -> BaseModel:
    try:
        target = registry.get(name)
    except RegistryError as exc:
        raise field_error(str(exc), name_field) from None
    try:
        parsed: BaseModel = target.Args.model_validate(args)
    except ValidationError as exc:
        raise _nested_error(exc, "args") from None
    return parsed


class DatasetSpec(BaseModel):
    """Where the cases come from: a registered loader and its arguments."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    loader: str
    """Registered loader: jsonl, csv, demo_stream (see `reviewops eval list`)."""
    name: str | None = None
    """Tag stored in each case's metadata as `dataset` (default: the loader name); scorers can select by it."""
    args: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _args_fit_the_loader(self) -> DatasetSpec:
        _validated_args(DATASETS, self.loader, self.args, "loader")
        return self

    @property
    def tag(self) -> str:
        return self.name or self.loader


class StageSpec(BaseModel):
    """The stage under test: a registered stage adapter and its arguments."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    name: str
    """Registered stage: fast_scorer, router, retrieval (see `reviewops eval list`)."""
    args: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _args_fit_the_stage(self) -> StageSpec:
        _validated_args(STAGES, self.name, self.args, "name")
        return self


class ScorerSpec(BaseModel):
    """One scorer; its metrics are reported as `<name>.<metric>` (e.g. `sentiment.macro_f1`)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    scorer: str
    """Registered scorer: labels, calibration, routing, retrieval, match, judge, safety, usage."""
    name: _Name | None = None
    """Metric prefix, unique in the suite (default: the scorer name)."""
    args: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _args_fit_the_scorer(self) -> ScorerSpec:
        _validated_args(SCORERS, self.scorer, self.args, "scorer")
        return self

    @property
    def prefix(self) -> str:
        return self.name or self.scorer


class Threshold(BaseModel):
    """A gate on one metric: an absolute bound and/or a tolerated regression against the stored baseline."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    min: float | None = None
    """The metric must be at least this (higher is better)."""
    max: float | None = None
    """The metric must be at most this (lower is better)."""
    direction: Literal["higher", "lower"] | None = None
    """Which way is better, when no bound is given (baseline comparison only)."""
    tolerance: float | None = Field(default=None, ge=0.0)
    """Allowed regression against the baseline (absolute); default: the suite's `tolerance`."""

    @model_validator(mode="after")
    def _one_direction(self) -> Threshold:
        if self.min is not None and self.max is not None:
            raise field_error("give min or max, not both: one says higher is better, the other lower", "max")
        if self.min is None and self.max is None and self.direction is None:
            raise field_error("give min, max or direction (higher/lower) so the gate knows which way is worse", "min")
        return self

    @property
    def higher_is_better(self) -> bool:
        return self.min is not None or (self.max is None and self.direction == "higher")


class BootstrapSpec(BaseModel):
    """Bootstrap percentile intervals on the headline metrics (seeded by the run's `--seed`)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    resamples: int = Field(default=1000, ge=0)
    """0 turns intervals off."""
    confidence: float = Field(default=0.95, gt=0.0, lt=1.0)


class SuiteFile(BaseModel):
    """A suite: dataset(s), the stage under test, scorers, thresholds and the gate's tolerance."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    name: _Name
    """Must equal the file name without `.yaml`; runs and baselines refer to the suite by it."""
    description: str = Field(min_length=1)
    """One or two sentences: what is measured and why it matters (shown in reports)."""
    tags: list[str] = Field(default_factory=list)
    """Free labels; `ci` marks the fast deterministic suites CI runs through the gate, `slow` the others."""
    stage: StageSpec
    dataset: DatasetSpec | None = None
    """One dataset source; use `datasets` for several (their cases are concatenated)."""
    datasets: list[DatasetSpec] = Field(default_factory=list)
    scorers: list[ScorerSpec] = Field(min_length=1)
    thresholds: dict[str, Threshold] = Field(default_factory=dict)
    """Metric name (`<scorer name>.<metric>`) -> its gate. Thresholded metrics are headline metrics."""
    headline: list[str] = Field(default_factory=list)
    """More headline metrics (bootstrap intervals, shown first) beyond the thresholded ones."""
    tolerance: float = Field(default=0.02, ge=0.0)
    """Default allowed regression against the baseline for every thresholded metric."""
    max_errors: int = Field(default=0, ge=0)
    """Cases whose stage or scorer raised; more than this fails the gate."""
    bootstrap: BootstrapSpec = Field(default_factory=BootstrapSpec)

    @model_validator(mode="after")
    def _consistent(self) -> SuiteFile:
        if (self.dataset is None) == (not self.datasets):
            raise field_error("give exactly one of dataset (one source) or datasets (a list)", "dataset")
        tags = [spec.tag for spec in self.all_datasets()]
        for index, tag in enumerate(tags):
            if tags.index(tag) != index:
                raise field_error(f"two datasets are tagged {tag!r}; give each a distinct name", "datasets", index)
        prefixes: list[str] = []
        for index, spec in enumerate(self.scorers):
            if spec.prefix in prefixes:
                raise field_error(f"scorer name {spec.prefix!r} is used twice; set a distinct name", "scorers", index)
            prefixes.append(spec.prefix)
        for key in self.thresholds:
            if key.split(".", 1)[0] not in prefixes:
                raise field_error(
                    f"metric {key!r} does not start with a scorer name ({', '.join(prefixes)})", "thresholds", key
                )
        for index, key in enumerate(self.headline):
            if key.split(".", 1)[0] not in prefixes:
                raise field_error(
                    f"metric {key!r} does not start with a scorer name ({', '.join(prefixes)})", "headline", index
                )
        return self

    def all_datasets(self) -> list[DatasetSpec]:
        """The dataset sources in order."""
        return [self.dataset] if self.dataset is not None else list(self.datasets)

    def headline_metrics(self) -> list[str]:
        """Thresholded metrics first, then the extra headline ones, without repeats."""
        return list(dict.fromkeys([*self.thresholds, *self.headline]))

    def build_scorers(self) -> list[Scorer]:
        """One scorer instance per `scorers` entry, named by its metric prefix."""
        built: list[Scorer] = []
        for spec in self.scorers:
            scorer_class = SCORERS.get(spec.scorer)
            built.append(scorer_class(spec.prefix, scorer_class.Args.model_validate(spec.args)))
        return built


@dataclass(frozen=True)
class Suite:
    """A validated suite file and where it was read from."""

    spec: SuiteFile
    path: Path
    text: str

    @property
    def name(self) -> str:
        return self.spec.name


def load_suite(path: Path) -> Suite:
    """Read and validate one suite file; raise ConfigError naming file, line and field on any problem."""
    spec = load_yaml_model(path, SuiteFile)
    if spec.name != path.stem:
        raise ConfigError.single(
            str(path),
            f"is {spec.name!r} but the file is {path.name}; rename one so they match",
            line=None,
            field="name",
        )
    return Suite(spec=spec, path=path.resolve(), text=path.read_text(encoding="utf-8"))


def find_suite(name_or_path: str, suites_dir: Path = SUITES_DIR) -> Path:
    """A suite file from a name (`scorer_seed_heldout` -> eval/suites/scorer_seed_heldout.yaml) or a path."""
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") or candidate.is_file():
        if not candidate.is_file():
            raise FileNotFoundError(f"suite file {candidate} not found")
        return candidate
    path = suites_dir / f"{name_or_path}.yaml"
    if not path.is_file():
        known = ", ".join(p.stem for p in sorted(suites_dir.glob("*.yaml"))) or "none"
        raise FileNotFoundError(f"no suite named {name_or_path!r} in {suites_dir}; known suites: {known}")
    return path


def list_suites(suites_dir: Path = SUITES_DIR) -> list[Path]:
    """Every suite file in `suites_dir`, by name."""
    return sorted(suites_dir.glob("*.yaml"))
