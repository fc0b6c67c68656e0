"""CSV bulk import: a YAML column mapping, rows streamed as lossless JSON payloads, and the `csv:<mapping>` adapter."""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, NoReturn

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pipeline.adapters.base import (
    QuarantineError,
    build_event,
    describe_value,
    parse_timestamp,
    register_adapter_family,
)
from store.schemas import Channel, QuarantineReason, ReviewEvent
from store.settings import PROJECT_ROOT
from store.yaml_config import ConfigError, field_error, load_yaml_model

__all__ = [
    "MAPPINGS_DIR",
    "ROW_KEY",
    "CsvAdapter",
    "CsvClock",
    "CsvMapping",
    "load_csv_mapping",
    "read_csv_payloads",
]

MAPPINGS_DIR = PROJECT_ROOT / "config" / "mappings"
ROW_KEY = "__row__"
"""Payload key holding the 0-based data-row number (the header is not a row; blank lines are skipped)."""
EXTRA_KEY = "__extra__"
"""Payload key holding cells beyond the header's width, kept so the payload stays lossless."""

_MAPPING_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,55}$")

CanonicalField = Literal[
    "sku",
    "category",
    "rating",
    "title",
    "text",
    "created_at",
    "customer_id",
    "order_id",
    "region",
    "warehouse",
    "supplier",
    "order_value",
]
ConstantField = Literal["sku", "category", "region", "warehouse", "supplier"]
_STRING_FIELDS: tuple[str, ...] = ("customer_id", "order_id", "category", "region", "warehouse", "supplier")


class CsvClock(BaseModel):
    """A synthetic, deterministic clock for files without timestamps: `start + row * step_seconds`."""

    model_config = ConfigDict(extra="forbid")

    start: datetime
    """When row 0 was written; a timestamp without a zone is UTC."""
    step_seconds: int = Field(gt=0)
    """Seconds between consecutive rows."""

    @field_validator("start")
    @classmethod
    def _as_utc(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class CsvMapping(BaseModel):
    """How one CSV layout maps onto `ReviewEvent` fields; lives in `config/mappings/<name>.yaml`."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=_MAPPING_NAME.pattern)
    """Mapping name; payloads of this layout arrive as source `csv:<name>` and ids read `csv:<name>:<row id>`."""
    description: str = ""
    """What file this maps and anything synthetic about it."""
    columns: dict[CanonicalField, str]
    """Canonical field -> CSV header. `text` is required; the others are optional."""
    id_column: str | None = None
    """Header of the column holding the row's id; when absent the 0-based row number is the id."""
    sku_prefix: str = ""
    """Prepended to the SKU cell, e.g. `WC-` turns Clothing ID `1077` into `WC-1077`."""
    constants: dict[ConstantField, str] = Field(default_factory=dict)
    """Fixed values for fields the file has no column for (e.g. the region of a single-country export)."""
    clock: CsvClock | None = None
    """Synthetic clock, required when `columns` has no `created_at`."""

    @model_validator(mode="after")
    def _check_consistency(self) -> CsvMapping:
        if "text" not in self.columns:
            raise field_error("must map `text` to the CSV header of the review text", "columns")
        if "created_at" not in self.columns and self.clock is None:
            raise field_error("no `created_at` column is mapped, so a synthetic `clock` is required", "clock")
        for field in self.constants:
            if field in self.columns:
                raise field_error(f"{field!r} is both a column and a constant; keep one", "constants", field)
        return self


def load_csv_mapping(name_or_path: str | Path) -> CsvMapping:
    """Load a mapping by bare name (`config/mappings/<name>.yaml`) or by path; raises `ConfigError` if invalid."""
    if isinstance(name_or_path, Path) or "/" in name_or_path or name_or_path.endswith((".yaml", ".yml")):
        return load_yaml_model(Path(name_or_path), CsvMapping)
    if not _MAPPING_NAME.match(name_or_path):
        raise ConfigError.single(str(MAPPINGS_DIR), f"{name_or_path!r} is not a mapping name (letters, digits, _ -)")
    path = MAPPINGS_DIR / f"{name_or_path}.yaml"
    mapping = load_yaml_model(path, CsvMapping)
    if mapping.name != name_or_path:
        raise ConfigError.single(
            str(path), f"is {mapping.name!r} but the file is {path.name}; make them match", field="name"
        )
    return mapping


def read_csv_payloads(path: Path, mapping: CsvMapping) -> Iterator[bytes]:
    """Stream a CSV file as bronze payloads: per row the JSON of {header: cell, ..., "__row__": n}.

    Bytes that are not UTF-8 pass through unchanged, so such rows quarantine as `invalid_utf8`. A header that
    lacks a mapped column, repeats a name, or uses a reserved key raises ValueError before any row is read.
    """
    # surrogateescape keeps undecodable bytes so the payload is byte-exact; utf-8-sig drops an Excel BOM.
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return
        _check_header(path, header, mapping)
        width = len(header)
        row = 0
        try:
            for cells in reader:
                if not cells:
                    continue
                obj: dict[str, Any] = dict(zip(header, cells, strict=False))
                if len(cells) > width:
                    obj[EXTRA_KEY] = cells[width:]
                obj[ROW_KEY] = row
                yield json.dumps(obj, ensure_ascii=False).encode("utf-8", "surrogateescape")
                row += 1
        except csv.Error as exc:
            raise ValueError(f"{path}:{reader.line_num}: unreadable CSV ({exc}); fix the file and re-import") from None


def _check_header(path: Path, header: list[str], mapping: CsvMapping) -> None:
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise ValueError(f"{path}: header repeats column(s) {duplicates}; rows would lose cells. Rename them.")
    reserved = [name for name in header if name in (ROW_KEY, EXTRA_KEY)]
    if reserved:
        raise ValueError(f"{path}: header uses reserved name(s) {reserved}; rename them")
    wanted = list(mapping.columns.values()) + ([] if mapping.id_column is None else [mapping.id_column])
    missing = [name for name in wanted if name not in header]
    if missing:
        raise ValueError(
            f"{path}: header lacks column(s) {missing} that mapping {mapping.name!r} needs; "
            f"header is {header[:20]}. Fix the mapping or pick another one."
        )


class CsvAdapter:
    """Turns one CSV row payload into a `ReviewEvent` through a `CsvMapping`."""

    channel = Channel.csv

    def __init__(self, mapping: CsvMapping) -> None:
        self.mapping = mapping
        self.name = f"csv:{mapping.name}"
        self._columns: dict[str, str] = {str(field): header for field, header in mapping.columns.items()}
        self._clock_start = mapping.clock.start if mapping.clock else None
        self._clock_step = mapping.clock.step_seconds if mapping.clock else 0

    def to_event(self, obj: dict[str, Any], received_at: datetime) -> ReviewEvent:
        """Map a row object (header -> cell, plus `__row__`) onto a `ReviewEvent`."""
        row = obj.get(ROW_KEY)
        if row is None:
            _missing(f"{ROW_KEY}: required but absent or null")
        if type(row) is not int or row < 0:
            _wrong_type(f"{ROW_KEY}: expected a row number >= 0, got {describe_value(row)}")
        extra = obj.get(EXTRA_KEY)
        if extra is not None:
            count = len(extra) if isinstance(extra, list) else "some"
            _wrong_type(f"row {row}: {count} cell(s) beyond the header (a stray quote?)")
        fields: dict[str, Any] = {name: self._cell(obj, name, row).strip() or None for name in _STRING_FIELDS}
        for name, value in self.mapping.constants.items():
            fields[name] = value
        sku = self._cell(obj, "sku", row).strip()
        if sku:
            fields["sku"] = self.mapping.sku_prefix + sku
        if self.mapping.id_column is None:
            native_id = str(row)
        else:
            native_id = self._require(obj, self.mapping.id_column, row).strip()
            if not native_id:
                _missing(f"row {row}: id column {self.mapping.id_column!r} is empty")
        return build_event(
            review_id=f"{self.name}:{native_id}",
            source=self.name,
            channel=self.channel,
            rating=self._rating(obj, row),
            title=self._cell(obj, "title", row),
            text=self._cell(obj, "text", row),
            created_at=self._created_at(obj, row),
            received_at=received_at,
            order_value=self._order_value(obj, row),
            raw=obj,
            **fields,
        )

    def _require(self, obj: dict[str, Any], header: str, row: int) -> str:
        value = obj.get(header)
        if type(value) is str:
            return value
        if value is None:
            _missing(f"row {row}: column {header!r} is absent (short row?)")
        _wrong_type(f"row {row}: column {header!r}: expected a cell string, got {describe_value(value)}")

    def _cell(self, obj: dict[str, Any], field: str, row: int) -> str:
        header = self._columns.get(field)
        return "" if header is None else self._require(obj, header, row)

    def _rating(self, obj: dict[str, Any], row: int) -> int | None:
        cell = self._cell(obj, "rating", row).strip()
        if not cell:
            return None
        if cell.isdigit() and len(cell) == 1 and "1" <= cell <= "5":
            return int(cell)
        _wrong_type(f"row {row}: rating: expected a whole number 1-5, got {describe_value(cell)}")

    def _created_at(self, obj: dict[str, Any], row: int) -> datetime:
        cell = self._cell(obj, "created_at", row).strip()
        if cell:
            return parse_timestamp(cell, f"row {row}: created_at")
        if self._clock_start is None:
            _missing(f"row {row}: created_at is empty and the mapping has no clock")
        try:
            return self._clock_start + timedelta(seconds=row * self._clock_step)
        except OverflowError:
            _wrong_type(f"row {row}: row number puts the synthetic clock out of range")

    def _order_value(self, obj: dict[str, Any], row: int) -> float | None:
        cell = self._cell(obj, "order_value", row).strip()
        if not cell:
            return None
        try:
            value = float(cell)
        except ValueError:
            value = math.nan
        if math.isfinite(value) and value >= 0:
            return value
        _wrong_type(f"row {row}: order_value: expected an amount >= 0, got {describe_value(cell)}")


def _missing(detail: str) -> NoReturn:
    raise QuarantineError(QuarantineReason.missing_field, detail)


def _wrong_type(detail: str) -> NoReturn:
    raise QuarantineError(QuarantineReason.wrong_type, detail)


@register_adapter_family("csv", parameter="mapping")
def _csv_adapter_for(mapping_name: str) -> CsvAdapter:
    """The adapter for source `csv:<mapping_name>`; a mapping that does not exist is an unknown source."""
    if not _MAPPING_NAME.match(mapping_name) or not (MAPPINGS_DIR / f"{mapping_name}.yaml").is_file():
        raise QuarantineError(
            QuarantineReason.unknown_source,
            f"source 'csv:{mapping_name[:60]}': no mapping file config/mappings/{mapping_name[:60]}.yaml",
        )
    return CsvAdapter(load_csv_mapping(mapping_name))
