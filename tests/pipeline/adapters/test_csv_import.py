"""CSV import: mapping files, rows streamed as lossless payloads, the `csv:<mapping>` adapter, the real dataset."""

from __future__ import annotations

import collections
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipeline.adapters import (
    CsvAdapter,
    CsvMapping,
    QuarantineError,
    csv_import,
    load_csv_mapping,
    parse_payload,
    read_csv_payloads,
)
from store.schemas import Channel, QuarantineReason, ReviewEvent
from store.yaml_config import ConfigError

RECEIVED_AT = datetime(2026, 11, 3, tzinfo=UTC)
SOURCE = "csv:womens_clothing"
HEADER = ",Clothing ID,Age,Title,Review Text,Rating,Recommended IND,Positive Feedback Count,Division Name,"
HEADER += "Department Name,Class Name\n"
DATASET = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "womens_clothing_reviews.csv"


@pytest.fixture
def womens_clothing() -> CsvMapping:
    return load_csv_mapping("womens_clothing")


@pytest.fixture
def dataset() -> Path:
    if not DATASET.is_file():
        pytest.skip(f"shared dataset not found at {DATASET}")
    return DATASET


def write_csv(tmp_path: Path, text: str, name: str = "reviews.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def rows(path: Path, mapping: CsvMapping) -> list[dict[str, object]]:
    return [json.loads(payload) for payload in read_csv_payloads(path, mapping)]


def parse_rows(path: Path, mapping: CsvMapping) -> list[ReviewEvent | QuarantineReason]:
    results: list[ReviewEvent | QuarantineReason] = []
    for payload in read_csv_payloads(path, mapping):
        try:
            results.append(parse_payload(f"csv:{mapping.name}", payload, RECEIVED_AT))
        except QuarantineError as error:
            results.append(error.reason)
    return results


# --- mapping files ------------------------------------------------------------------------------------------


def test_womens_clothing_mapping_uses_a_synthetic_clock_and_prefixed_skus(womens_clothing: CsvMapping) -> None:
    assert womens_clothing.name == "womens_clothing"
    assert womens_clothing.id_column == ""
    assert womens_clothing.columns["text"] == "Review Text"
    assert womens_clothing.sku_prefix == "WC-"
    assert womens_clothing.clock is not None
    assert womens_clothing.clock.start == datetime(2026, 9, 1, tzinfo=UTC)
    assert womens_clothing.clock.step_seconds == 60


def write_mapping(tmp_path: Path, text: str, name: str = "shop.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_bad_clock_start_names_the_file_and_field(tmp_path: Path) -> None:
    path = write_mapping(tmp_path, "name: shop\ncolumns: {text: Body}\nclock:\n  start: someday\n  step_seconds: 60\n")
    with pytest.raises(ConfigError) as caught:
        load_csv_mapping(path)
    assert "shop.yaml:4" in str(caught.value)
    assert "clock.start" in str(caught.value)


def test_a_mapping_without_a_text_column_names_the_file_and_columns(tmp_path: Path) -> None:
    path = write_mapping(tmp_path, "name: shop\ncolumns:\n  title: Headline\ncreated_at_missing: true\n")
    with pytest.raises(ConfigError) as caught:
        load_csv_mapping(path)
    assert "shop.yaml" in str(caught.value)
    assert "created_at_missing: unknown field" in str(caught.value)
    text = "name: shop\ncolumns:\n  title: Headline\nclock: {start: 2026-01-01, step_seconds: 1}\n"
    path = write_mapping(tmp_path, text)
    with pytest.raises(ConfigError, match=r"shop\.yaml:2: columns: must map `text`"):
        load_csv_mapping(path)


def test_a_mapping_without_timestamps_or_clock_is_refused(tmp_path: Path) -> None:
    path = write_mapping(tmp_path, "name: shop\ncolumns: {text: Body}\n")
    with pytest.raises(ConfigError, match=r"shop\.yaml.*clock: no `created_at` column"):
        load_csv_mapping(path)


def test_an_unknown_canonical_field_is_named(tmp_path: Path) -> None:
    path = write_mapping(tmp_path, "name: shop\ncolumns: {text: Body, stars: Rating, created_at: When}\n")
    with pytest.raises(ConfigError, match=r"shop\.yaml:2: columns\.stars"):
        load_csv_mapping(path)


def test_a_mapping_whose_name_differs_from_its_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_import, "MAPPINGS_DIR", tmp_path)
    write_mapping(tmp_path, "name: other\ncolumns: {text: Body, created_at: When}\n", name="shop.yaml")
    with pytest.raises(ConfigError, match=r"shop\.yaml: name: is 'other'"):
        load_csv_mapping("shop")


def test_a_missing_mapping_file_names_the_path() -> None:
    with pytest.raises(ConfigError, match=r"no_such_mapping\.yaml"):
        load_csv_mapping("no_such_mapping")


# --- reading files as payloads ------------------------------------------------------------------------------


def test_each_row_becomes_a_lossless_json_object(tmp_path: Path, womens_clothing: CsvMapping) -> None:
    text = HEADER + '7,1077,60,Flaw,"Line one\nline ""two""",3,0,0,General,Dresses,Dresses\n'
    text += "\n8,1049,50,,Nice,5,1,2,,,\n"
    path = write_csv(tmp_path, "\ufeff" + text)
    first, second = rows(path, womens_clothing)
    assert first == {
        "": "7",
        "Clothing ID": "1077",
        "Age": "60",
        "Title": "Flaw",
        "Review Text": 'Line one\nline "two"',
        "Rating": "3",
        "Recommended IND": "0",
        "Positive Feedback Count": "0",
        "Division Name": "General",
        "Department Name": "Dresses",
        "Class Name": "Dresses",
        "__row__": 0,
    }
    assert second["__row__"] == 1  # the blank line is not a row
    assert second["Class Name"] == ""


def test_rows_map_to_events_through_the_mapping(tmp_path: Path, womens_clothing: CsvMapping) -> None:
    text = HEADER + "7,1077,60,Flaw,Zip broke,3,0,0,General,Dresses,Dresses\n8,1049,50,,Nice,5,1,2,,,"
    path = write_csv(tmp_path, text)
    first, second = parse_rows(path, womens_clothing)
    assert isinstance(first, ReviewEvent) and isinstance(second, ReviewEvent)
    assert (first.review_id, first.source, first.channel) == ("csv:womens_clothing:7", SOURCE, Channel.csv)
    assert (first.sku, first.category, first.rating) == ("WC-1077", "Dresses", 3)
    assert (first.title, first.text) == ("Flaw", "Zip broke")
    assert first.created_at == datetime(2026, 9, 1, tzinfo=UTC)
    assert second.created_at == datetime(2026, 9, 1, 0, 1, tzinfo=UTC)
    assert (second.title, second.category) == ("", None)
    assert first.raw["Age"] == "60"


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("7,1077,60,,,3,0,0,General,Dresses,Dresses", QuarantineReason.empty_text),
        ("7,1077,60,,   ,3,0,0,General,Dresses,Dresses", QuarantineReason.empty_text),
        ("7,1077,60,,Nice,6,0,0,General,Dresses,Dresses", QuarantineReason.wrong_type),
        ("7,1077,60,,Nice,four,0,0,General,Dresses,Dresses", QuarantineReason.wrong_type),
        ("7,1077,60,,Nice,3,0,0,General,Dresses,Dresses,surplus", QuarantineReason.wrong_type),
        (" ,1077,60,,Nice,3,0,0,General,Dresses,Dresses", QuarantineReason.missing_field),
        ("7,1077,60,,Nice", QuarantineReason.missing_field),
    ],
    ids=["empty-text", "blank-text", "rating-6", "rating-word", "extra-cell", "empty-id", "short-row"],
)
def test_bad_rows_quarantine_with_the_right_reason(
    tmp_path: Path, womens_clothing: CsvMapping, row: str, reason: QuarantineReason
) -> None:
    assert parse_rows(write_csv(tmp_path, HEADER + row + "\n"), womens_clothing) == [reason]


def test_an_empty_rating_cell_is_no_rating(tmp_path: Path, womens_clothing: CsvMapping) -> None:
    path = write_csv(tmp_path, HEADER + "7,1077,60,,Nice,,0,0,General,Dresses,Dresses\n")
    (event,) = parse_rows(path, womens_clothing)
    assert isinstance(event, ReviewEvent) and event.rating is None


def test_non_utf8_bytes_survive_into_the_payload_and_quarantine(tmp_path: Path, womens_clothing: CsvMapping) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(HEADER.encode() + b"7,1077,60,,Caf\xe9 dress,3,0,0,General,Dresses,Dresses\n")
    (payload,) = read_csv_payloads(path, womens_clothing)
    assert b"Caf\xe9 dress" in payload
    assert parse_rows(path, womens_clothing) == [QuarantineReason.invalid_utf8]


def test_a_header_without_the_mapped_columns_is_refused(tmp_path: Path, womens_clothing: CsvMapping) -> None:
    path = write_csv(tmp_path, "id,Body\n1,hello\n")
    with pytest.raises(ValueError, match=r"reviews\.csv: header lacks column\(s\) \['Clothing ID'"):
        list(read_csv_payloads(path, womens_clothing))


def test_a_repeated_header_is_refused(tmp_path: Path, womens_clothing: CsvMapping) -> None:
    path = write_csv(tmp_path, HEADER.rstrip("\n") + ",Age\n")
    with pytest.raises(ValueError, match=r"repeats column\(s\) \['Age'\]"):
        list(read_csv_payloads(path, womens_clothing))


def test_an_empty_file_has_no_payloads(tmp_path: Path, womens_clothing: CsvMapping) -> None:
    assert rows(write_csv(tmp_path, ""), womens_clothing) == []


# --- mappings with timestamps, constants and row-number ids -------------------------------------------------

SHOP = CsvMapping(
    name="shop_export",
    columns={
        "text": "Body",
        "created_at": "When",
        "rating": "Stars",
        "customer_id": "Customer",
        "order_id": "Order",
        "warehouse": "WH",
        "order_value": "Value",
    },
    constants={"region": "DE", "supplier": "SUP-1"},
)


def shop_event(**cells: object) -> ReviewEvent:
    row: dict[str, Any] = {"Body": "ok", "When": "2026-11-01T08:00:00+01:00", "Stars": "4", "Customer": "C-1"}
    row |= {"Order": "O-1", "WH": "WH-BER", "Value": "19.90", "__row__": 3}
    row.update(cells)
    return CsvAdapter(SHOP).to_event(row, RECEIVED_AT)


def test_a_mapping_with_timestamps_constants_and_row_number_ids() -> None:
    event = shop_event()
    assert event.review_id == "csv:shop_export:3"
    assert event.created_at == datetime(2026, 11, 1, 7, 0, tzinfo=UTC)
    assert (event.customer_id, event.order_id, event.warehouse, event.order_value) == ("C-1", "O-1", "WH-BER", 19.9)
    assert (event.region, event.supplier, event.rating, event.sku) == ("DE", "SUP-1", 4, None)


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ({"When": "not a time"}, QuarantineReason.wrong_type),
        ({"When": ""}, QuarantineReason.missing_field),
        ({"Value": "-1"}, QuarantineReason.wrong_type),
        ({"Value": "nan"}, QuarantineReason.wrong_type),
        ({"Stars": 4}, QuarantineReason.wrong_type),
        ({"__row__": "3"}, QuarantineReason.wrong_type),
        ({"__row__": None}, QuarantineReason.missing_field),
    ],
)
def test_bad_cells_in_a_timestamped_mapping(cells: dict[str, object], reason: QuarantineReason) -> None:
    with pytest.raises(QuarantineError) as caught:
        shop_event(**cells)
    assert caught.value.reason is reason


def test_the_clock_is_start_plus_row_times_step(womens_clothing: CsvMapping) -> None:
    row: dict[str, Any] = {"": "9", "Clothing ID": "1", "Title": "", "Review Text": "x", "Rating": "5"}
    row |= {"Class Name": "", "__row__": 1440}
    event = CsvAdapter(womens_clothing).to_event(row, RECEIVED_AT)
    assert event.created_at == datetime(2026, 9, 1, tzinfo=UTC) + timedelta(days=1)


def test_a_mapping_in_config_mappings_is_a_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_import, "MAPPINGS_DIR", tmp_path)
    text = "name: tmp_shop_source\ncolumns: {text: Body, created_at: When}\n"
    write_mapping(tmp_path, text, name="tmp_shop_source.yaml")
    payload = json.dumps({"Body": "fine", "When": "2026-11-01T00:00:00Z", "__row__": 0}).encode()
    event = parse_payload("csv:tmp_shop_source", payload, RECEIVED_AT)
    assert event.review_id == "csv:tmp_shop_source:0"


# --- the real dataset ---------------------------------------------------------------------------------------


def test_the_real_womens_clothing_file_imports_completely(dataset: Path, womens_clothing: CsvMapping) -> None:
    results = parse_rows(dataset, womens_clothing)
    assert len(results) == 23_486
    reasons = collections.Counter(result for result in results if isinstance(result, QuarantineReason))
    # Measured on the file: Review Text is empty in exactly 845 rows and nothing else is wrong.
    assert reasons == {QuarantineReason.empty_text: 845}
    events = [result for result in results if isinstance(result, ReviewEvent)]
    assert len(events) == 23_486 - 845
    assert all(event.sku and event.sku.startswith("WC-") and event.rating in range(1, 6) for event in events)
    # Class Name is empty in 14 rows; 13 of them have review text, so they arrive without a category.
    assert sum(event.category is None for event in events) == 13
    assert len({event.review_id for event in events}) == len(events)
    assert events[-1].created_at == datetime(2026, 9, 1, tzinfo=UTC) + timedelta(minutes=23_485)
