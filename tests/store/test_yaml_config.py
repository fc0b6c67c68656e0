"""Specification of the shared YAML config loader: models validate, and every error names file, line and field."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, model_validator

from store.yaml_config import ConfigError, ConfigVersion, field_error, load_yaml_model, parse_yaml_model


class Owner(BaseModel):
    model_config = ConfigDict(extra="forbid")
    team: str
    receiver: str


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    size: int
    owner: Owner | None = None


class Catalog(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: ConfigVersion
    items: list[Item]

    @model_validator(mode="after")
    def _unique_ids(self) -> Catalog:
        seen: set[str] = set()
        for index, item in enumerate(self.items):
            if item.id in seen:
                raise field_error(f"duplicate item id {item.id!r}", "items", index, "id")
            seen.add(item.id)
        return self


GOOD = """\
version: "1.0"
items:
  - id: a
    size: 1
  - id: b
    size: 2
    owner:
      team: qa
      receiver: jira:QA
"""


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in tmp_path, so error messages show the file as `catalog.yaml` (paths are shown relative to the cwd)."""
    monkeypatch.chdir(tmp_path)


def write(tmp_path: Path, text: str, name: str = "catalog.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(tmp_path: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_yaml_model(write(tmp_path, text), Catalog)
    return info.value


def test_valid_file_loads_into_the_model(tmp_path: Path) -> None:
    catalog = load_yaml_model(write(tmp_path, GOOD), Catalog)
    assert catalog.version == "1.0"
    assert catalog.items[1].owner == Owner(team="qa", receiver="jira:QA")


def test_missing_nested_field_names_file_line_and_dotted_path(tmp_path: Path) -> None:
    error = load_error(tmp_path, GOOD.replace("      receiver: jira:QA\n", ""))
    assert str(error) == "catalog.yaml:7: items[1].owner.receiver: field required"
    assert [(i.line, i.field) for i in error.issues] == [(7, "items[1].owner.receiver")]


def test_wrong_type_names_the_line_of_the_value_and_the_bad_value(tmp_path: Path) -> None:
    error = load_error(tmp_path, GOOD.replace("size: 2", "size: big"))
    (issue,) = error.issues
    assert (issue.line, issue.field) == (6, "items[1].size")
    assert "expected a valid integer" in issue.message
    assert "got 'big'" in issue.message


def test_unknown_field_is_reported_at_its_own_line(tmp_path: Path) -> None:
    error = load_error(tmp_path, GOOD.replace("      team: qa", "      teem: qa"))
    # The missing field is blamed on its parent mapping (`owner:`), the unknown one on its own line.
    assert [(i.line, i.field) for i in error.issues] == [(7, "items[1].owner.team"), (8, "items[1].owner.teem")]
    assert "unknown field" in str(error)


def test_every_validation_error_is_listed_one_per_line_in_file_order(tmp_path: Path) -> None:
    text = GOOD.replace("size: 1", "size: one").replace("size: 2", "size: two")
    lines = str(load_error(tmp_path, text)).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("catalog.yaml:4: items[0].size: expected a valid integer")
    assert lines[1].startswith("catalog.yaml:6: items[1].size: expected a valid integer")


def test_model_validator_can_blame_the_exact_nested_field(tmp_path: Path) -> None:
    error = load_error(tmp_path, GOOD.replace("id: b", "id: a"))
    (issue,) = error.issues
    assert (issue.line, issue.field) == (5, "items[1].id")
    assert issue.message == "duplicate item id 'a'"


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    error = load_error(tmp_path, GOOD.replace("  - id: b", "  - id: [b"))
    (issue,) = error.issues
    assert issue.line is not None and issue.line >= 5
    assert "YAML syntax error" in issue.message


def test_duplicate_mapping_key_is_an_error_instead_of_a_silent_overwrite(tmp_path: Path) -> None:
    error = load_error(tmp_path, GOOD.replace("    size: 1\n", "    size: 1\n    size: 3\n"))
    (issue,) = error.issues
    assert (issue.line, issue.field) == (5, "items[0].size")
    assert "first on line 4" in issue.message


def test_missing_file_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_yaml_model(tmp_path / "absent.yaml", Catalog)


@pytest.mark.parametrize(
    ("text", "got"), [("- a\n- b\n", "a list"), ("", "an empty document"), ("just text\n", "a str")]
)
def test_top_level_must_be_a_mapping(tmp_path: Path, text: str, got: str) -> None:
    error = load_error(tmp_path, text)
    assert f"the top level must be a mapping of fields, got {got}" in str(error)


def test_unquoted_version_number_is_rejected_with_a_hint_to_quote_it(tmp_path: Path) -> None:
    error = load_error(tmp_path, GOOD.replace('version: "1.0"', "version: 1.10"))
    (issue,) = error.issues
    assert (issue.line, issue.field) == (1, "version")
    assert issue.message.startswith('expected a quoted string such as "2026.11"')


def test_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_bytes(GOOD.encode() + b"# caf\xe9\n")
    with pytest.raises(ConfigError, match=r"^catalog.yaml:10: file is not valid UTF-8"):
        load_yaml_model(path, Catalog)


def test_path_is_shown_relative_to_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    path = write(tmp_path / "config", GOOD.replace("size: 2", "size: big"))
    with pytest.raises(ConfigError, match=r"^config/catalog.yaml:6: items\[1\].size: "):
        load_yaml_model(path, Catalog)


def test_yaml_anchors_and_merge_keys_still_load() -> None:
    text = 'version: "1.0"\nitems:\n  - &base {id: a, size: 1}\n  - <<: *base\n    id: b\n'
    catalog = parse_yaml_model(text, Catalog)
    assert [(i.id, i.size) for i in catalog.items] == [("a", 1), ("b", 1)]


def test_parse_yaml_model_names_the_given_source() -> None:
    with pytest.raises(ConfigError) as info:
        parse_yaml_model('version: "1.0"\nitemz: []\n', Catalog, source="inline")
    assert str(info.value).splitlines() == [
        "inline:1: items: field required",
        "inline:2: itemz: unknown field; remove it or fix its spelling",
    ]


def test_config_error_is_a_value_error_that_survives_pickling(tmp_path: Path) -> None:
    error = load_error(tmp_path, GOOD.replace("size: 2", "size: big"))
    assert isinstance(error, ValueError)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.issues, str(copy)) == (error.issues, str(error))
