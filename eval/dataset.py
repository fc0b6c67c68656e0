"""Cases (the samples a suite runs) and the dataset loaders that read them: JSONL, CSV with a column mapping, and
the seeded demo stream with its injected ground truth."""

from __future__ import annotations

import csv
import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from agent.scorer import csv_split, seed_split
from agent.scorer.dataset import food_split
from eval.registry import dataset
from store.settings import PROJECT_ROOT, Settings

__all__ = [
    "Case",
    "ColumnSpec",
    "CsvLoader",
    "Dataset",
    "DatasetError",
    "DatasetLoader",
    "DemoStreamLoader",
    "JsonlLoader",
    "LoadContext",
    "resolve_data_path",
]


class DatasetError(ValueError):
    """A dataset file or row could not be read; the message names the file, line and field."""


class Case(BaseModel):
    """One sample: what goes into the stage under test, what it should produce, and where it came from."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    id: str = Field(min_length=1)
    """Unique within the suite; results, resume and run comparisons match cases by it."""
    input: dict[str, Any] = Field(default_factory=dict)
    """What the stage reads (review text, order value, question ...)."""
    target: dict[str, Any] = Field(default_factory=dict)
    """The expected answer scorers compare the stage's output with."""
    metadata: dict[str, Any] = Field(default_factory=dict)
    """Provenance (`dataset` names the source) and grouping keys; never shown to the stage."""


@dataclass
class Dataset:
    """The cases of one suite, plus shared resources a stage may need (e.g. the whole stream as a corpus)."""

    cases: list[Case]
    resources: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None
    """Why there are no cases (data absent and `skip_if_missing`), or None."""


@dataclass(frozen=True)
class LoadContext:
    """Where a dataset source is read from: the suite's folder, the source's tag and the run's settings."""

    base_dir: Path
    """The suite file's folder; relative paths start here."""
    name: str
    """The source's tag, stored as `metadata.dataset` on its cases."""
    settings: Settings


class DatasetLoader(ABC):
    """Reads cases from one source; `Args` validates its `args:` block in the suite file."""

    Args: ClassVar[type[BaseModel]]

    @abstractmethod
    def load(self, args: Any, context: LoadContext) -> Dataset:
        """Read the cases of this source."""


def resolve_data_path(text: str, base_dir: Path, settings: Settings | None = None) -> Path | None:
    """A dataset path: relative to the suite file, `${repo}/...`, or `${shared_csv}` (None when that is absent)."""
    if text in ("${shared_csv}", "${shared_food_csv}"):
        from pipeline.factory import shared_csv_path, shared_food_csv_path
        from store.settings import get_settings

        find = shared_csv_path if text == "${shared_csv}" else shared_food_csv_path
        return find(settings or get_settings())
    if text.startswith("${repo}/"):
        return PROJECT_ROOT / text.removeprefix("${repo}/")
    path = Path(text)
    return path if path.is_absolute() else (base_dir / path).resolve()


def _fields(spec: list[str] | dict[str, str]) -> dict[str, str]:
    return {name: name for name in spec} if isinstance(spec, list) else dict(spec)


class _JsonlArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    path: str
    """JSONL file, relative to the suite file (or `${repo}/...`)."""
    id: str = "id"
    """Field holding the case id."""
    where: dict[str, Any] = Field(default_factory=dict)
    """Keep rows whose field equals this value (or is one of a list of values)."""
    input: list[str] | dict[str, str] = Field(default_factory=list)
    """Input fields: a list of row fields, or `case field: row field`."""
    target: list[str] | dict[str, str] = Field(default_factory=list)
    """Target fields, the same way."""
    metadata: list[str] | dict[str, str] = Field(default_factory=list)
    """Metadata fields, the same way."""
    set_input: dict[str, Any] = Field(default_factory=dict)
    """Constant input values added to every case (e.g. an order value)."""


def _keep(row: Mapping[str, Any], where: Mapping[str, Any]) -> bool:
    for key, wanted in where.items():
        allowed = wanted if isinstance(wanted, list) else [wanted]
        if row.get(key) not in allowed:
            return False
    return True


def _pick(row: Mapping[str, Any], spec: dict[str, str], where: str, section: str) -> dict[str, Any]:
    missing = [source for source in spec.values() if source not in row]
    if missing:
        raise DatasetError(f"{where}: {section} field {missing[0]!r} is missing from the row (has {sorted(row)})")
    return {name: row[source] for name, source in spec.items()}


@dataset("jsonl")
class JsonlLoader(DatasetLoader):
    """One JSON object per line; fields are mapped into input, target and metadata."""

    Args = _JsonlArgs

    def load(self, args: _JsonlArgs, context: LoadContext) -> Dataset:
        path = resolve_data_path(args.path, context.base_dir, context.settings)
        if path is None or not path.is_file():
            raise DatasetError(f"{path or args.path}: dataset file not found (path {args.path!r} in the suite file)")
        cases: list[Case] = []
        with path.open(encoding="utf-8") as lines:
            for line_no, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                where = f"{path}:{line_no}"
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DatasetError(f"{where}: not valid JSON ({exc.msg})") from None
                if not isinstance(row, dict):
                    raise DatasetError(f"{where}: expected one JSON object per line")
                if not _keep(row, args.where):
                    continue
                if args.id not in row:
                    raise DatasetError(f"{where}: id field {args.id!r} is missing from the row")
                cases.append(
                    Case(
                        id=str(row[args.id]),
                        input={**_pick(row, _fields(args.input), where, "input"), **args.set_input},
                        target=_pick(row, _fields(args.target), where, "target"),
                        metadata={"dataset": context.name, **_pick(row, _fields(args.metadata), where, "metadata")},
                    )
                )
        return Dataset(cases)


class ColumnSpec(BaseModel):
    """A CSV column, optionally with its cell values mapped (e.g. stars to a sentiment label)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    column: str
    """Header of the column."""
    map: dict[str, Any] | None = None
    """Cell value (as text) -> case value; a cell not in the map is an error."""
    type: Literal["str", "int", "float"] = "str"
    """How to read the cell when there is no map; an empty cell becomes null."""


class _SplitSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    by: Literal["csv_row_index", "seed_id", "food_row"]
    """`csv_row_index`: agent.scorer.csv_split of an integer column; `seed_id`: agent.scorer.seed_split of an id;
    `food_row`: agent.scorer.dataset.food_split of the food CSV's `row` column."""
    column: str
    """Column the split is computed from."""
    keep: Literal["train", "heldout"] = "heldout"


class _CsvArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    path: str
    """CSV file, relative to the suite file, `${repo}/...`, or `${shared_csv}` (the real reviews CSV)."""
    skip_if_missing: bool = False
    """Skip the suite cleanly (instead of failing) when the file is absent."""
    id_column: str
    """Column holding a unique row id; the case id is `id_prefix` + its value."""
    id_prefix: str = ""
    input: dict[str, str | ColumnSpec]
    target: dict[str, str | ColumnSpec] = Field(default_factory=dict)
    split: _SplitSpec | None = None
    """Keep only one side of a fixed train/held-out split."""
    require: list[str] = Field(default_factory=list)
    """Input fields that must be non-empty; other rows are skipped (as the pipeline drops empty reviews)."""
    sample_percent: int = Field(default=100, ge=1, le=100)
    """Keep a fixed pseudo-random share of the rows (by a hash of the case id): a small CI sample of a big split."""


def _cell(row: Mapping[str, str], spec: str | ColumnSpec, where: str) -> Any:
    spec = ColumnSpec(column=spec) if isinstance(spec, str) else spec
    if spec.column not in row:
        raise DatasetError(f"{where}: column {spec.column!r} is not in the header ({sorted(row)})")
    raw = (row[spec.column] or "").strip()
    if spec.map is not None:
        if raw not in spec.map:
            raise DatasetError(f"{where}: column {spec.column!r} value {raw!r} is not in its map {sorted(spec.map)}")
        return spec.map[raw]
    if not raw:
        return None if spec.type != "str" else ""
    try:
        return int(raw) if spec.type == "int" else float(raw) if spec.type == "float" else raw
    except ValueError:
        raise DatasetError(f"{where}: column {spec.column!r} value {raw!r} is not a {spec.type}") from None


def _sample_bucket(case_id: str) -> int:
    return int(hashlib.sha256(f"sample:{case_id}".encode()).hexdigest()[:8], 16) % 100


def _in_split(split: _SplitSpec, row: Mapping[str, str], where: str) -> bool:
    value = (row.get(split.column) or "").strip()
    if split.by == "seed_id":
        return seed_split(value) == split.keep
    try:
        return (food_split if split.by == "food_row" else csv_split)(int(value)) == split.keep
    except ValueError:
        raise DatasetError(f"{where}: split column {split.column!r} value {value!r} is not a row index") from None


@dataset("csv")
class CsvLoader(DatasetLoader):
    """A CSV file with a header; columns are mapped into input and target, optionally one side of a split."""

    Args = _CsvArgs

    def load(self, args: _CsvArgs, context: LoadContext) -> Dataset:
        path = resolve_data_path(args.path, context.base_dir, context.settings)
        if path is None or not path.is_file():
            if args.skip_if_missing:
                return Dataset([], skipped=f"{args.path} is not available ({path or 'not configured'})")
            raise DatasetError(f"{path or args.path}: CSV not found; set skip_if_missing: true to skip instead")
        cases: list[Case] = []
        with path.open(encoding="utf-8", newline="") as handle:
            for line_no, row in enumerate(csv.DictReader(handle), start=2):
                where = f"{path}:{line_no}"
                if args.split is not None and not _in_split(args.split, row, where):
                    continue
                inputs = {key: _cell(row, spec, where) for key, spec in args.input.items()}
                if any(not inputs.get(key) for key in args.require):
                    continue
                case_id = f"{args.id_prefix}{_cell(row, args.id_column, where)}"
                if args.sample_percent < 100 and _sample_bucket(case_id) >= args.sample_percent:
                    continue
                cases.append(
                    Case(
                        id=case_id,
                        input=inputs,
                        target={key: _cell(row, spec, where) for key, spec in args.target.items()},
                        metadata={"dataset": context.name},
                    )
                )
        return Dataset(cases)


class _DemoStreamArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    seed: int = 7
    """Stream seed; the same arguments give the same stream."""
    days: int = Field(default=14, ge=1)
    skus: int = Field(default=120, ge=1)
    reviews_per_day: int = Field(default=220, ge=1)
    incidents: bool = True
    """False gives everyday chatter only (a normal stream)."""
    cases: Literal["reviews", "incident_reports"] = "reviews"
    """`reviews`: every clean review; `incident_reports`: only reviews that report an injected incident."""


@dataclass(frozen=True)
class _CleanStream:
    reviews: tuple[Any, ...]
    """CleanedReview of every payload that parsed and cleaned as `clean` (not spam, not a duplicate)."""
    truth: Any


@lru_cache(maxsize=4)
def _clean_stream(
    seed: int, days: int, skus: int, reviews_per_day: int, incidents: bool, cleaning: Path
) -> _CleanStream:
    """The stream parsed and cleaned as the loop would (PII masked, spam and duplicates removed); cached per process."""
    from lab.demo.stream import generate_stream
    from pipeline.adapters import QuarantineError, parse_payload
    from pipeline.clean import Cleaner, load_cleaning_config
    from store.schemas import ReviewStatus

    stream = generate_stream(seed=seed, days=days, skus=skus, reviews_per_day=reviews_per_day, incidents=incidents)
    events = []
    for event in stream.events:
        try:
            events.append(parse_payload(event.source, event.payload, event.received_at))
        except QuarantineError:
            continue
    cleaner = Cleaner(load_cleaning_config(cleaning))
    cleaned = cleaner.clean_batch(events, now=stream.end)
    return _CleanStream(tuple(c for c in cleaned if c.status is ReviewStatus.clean), stream.truth)


@dataset("demo_stream")
class DemoStreamLoader(DatasetLoader):
    """The seeded demo stream (lab.demo.stream) after parsing and cleaning, graded by its own ground truth.

    Resources: `reviews` (every clean CleanedReview, the corpus) and `truth` (DemoTruth).
    """

    Args = _DemoStreamArgs

    def load(self, args: _DemoStreamArgs, context: LoadContext) -> Dataset:
        cleaning = context.settings.config_dir / "cleaning.yaml"
        stream = _clean_stream(args.seed, args.days, args.skus, args.reviews_per_day, args.incidents, cleaning)
        truth = stream.truth
        incident_of = {rid: incident.id for incident in truth.incidents for rid in incident.review_ids}
        kind_of = {incident.id: incident.kind for incident in truth.incidents}
        clean_ids = {review.review_id for review in stream.reviews}
        members = {
            incident.id: [rid for rid in incident.review_ids if rid in clean_ids] for incident in truth.incidents
        }
        safety = set(truth.safety_review_ids)
        cases: list[Case] = []
        for review in stream.reviews:
            incident = incident_of.get(review.review_id)
            if args.cases == "incident_reports" and incident is None:
                continue
            target: dict[str, Any] = {
                "topic": truth.review_topics.get(review.review_id),
                "incident": incident,
                "safety": review.review_id in safety,
            }
            if incident is not None:
                target["relevant"] = [rid for rid in members[incident] if rid != review.review_id]
            cases.append(
                Case(
                    id=review.review_id,
                    input=review.model_dump(mode="json"),
                    target=target,
                    metadata={"dataset": context.name, "kind": kind_of.get(incident or "", "chatter")},
                )
            )
        return Dataset(cases, resources={"reviews": list(stream.reviews), "truth": truth})
