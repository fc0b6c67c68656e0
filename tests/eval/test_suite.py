"""Suite files: shipped suites validate, and a broken suite fails naming its file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.suite import SUITES_DIR, find_suite, list_suites, load_suite
from store.yaml_config import ConfigError

GOOD = """name: {name}
description: A small suite.
stage:
  name: retrieval
  args: {{k: 5}}
dataset:
  loader: demo_stream
  args: {{days: 2, cases: incident_reports}}
scorers:
  - scorer: retrieval
    args: {{k: 5}}
thresholds:
  retrieval.mrr: {{min: 0.1}}
"""


def _write(tmp_path: Path, text: str, name: str = "my_suite") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text.format(name=name), encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_suite(path)
    return str(caught.value)


def test_every_shipped_suite_validates_and_is_named_after_its_file() -> None:
    paths = list_suites()
    assert {p.stem for p in paths} >= {
        "scorer_seed_heldout",
        "scorer_csv_stars",
        "router_must_escalate",
        "retrieval_incidents",
    }
    for path in paths:
        assert load_suite(path).name == path.stem


def test_a_valid_suite_loads(tmp_path: Path) -> None:
    suite = load_suite(_write(tmp_path, GOOD))
    assert suite.spec.headline_metrics() == ["retrieval.mrr"]
    assert suite.spec.all_datasets()[0].tag == "demo_stream"


def test_bad_stage_argument_names_file_line_and_field(tmp_path: Path) -> None:
    message = _error(_write(tmp_path, GOOD.replace("args: {{k: 5}}\ndataset", "args: {{k: 0}}\ndataset")))
    assert message.startswith(f"{tmp_path / 'my_suite.yaml'}:5: stage.args.k:")
    assert "greater than or equal to 1" in message


def test_unknown_stage_argument_is_reported_where_it_is(tmp_path: Path) -> None:
    message = _error(_write(tmp_path, GOOD.replace("args: {{k: 5}}\ndataset", "args: {{kk: 5}}\ndataset")))
    assert "my_suite.yaml:5: stage.args.kk: unknown field" in message


def test_unknown_scorer_lists_the_registered_ones(tmp_path: Path) -> None:
    message = _error(_write(tmp_path, GOOD.replace("- scorer: retrieval", "- scorer: retreival")))
    assert "my_suite.yaml:10: scorers[0].scorer: unknown scorer 'retreival'" in message
    assert "labels" in message and "routing" in message


def test_dataset_loader_arguments_are_validated(tmp_path: Path) -> None:
    message = _error(_write(tmp_path, GOOD.replace("cases: incident_reports", "cases: everything")))
    assert "my_suite.yaml:8: dataset.args.cases:" in message


def test_threshold_on_a_metric_no_scorer_makes_is_rejected(tmp_path: Path) -> None:
    message = _error(_write(tmp_path, GOOD.replace("retrieval.mrr:", "ranking.mrr:")))
    assert "my_suite.yaml:13: thresholds.ranking.mrr:" in message


def test_threshold_needs_a_direction(tmp_path: Path) -> None:
    message = _error(_write(tmp_path, GOOD.replace("{{min: 0.1}}", "{{tolerance: 0.1}}")))
    assert "my_suite.yaml:13: thresholds.retrieval.mrr.min: give min, max or direction" in message


def test_unknown_top_level_field_is_named(tmp_path: Path) -> None:
    message = _error(_write(tmp_path, GOOD + "treshold: 3\n"))
    assert "my_suite.yaml:14: treshold: unknown field" in message


def test_suite_name_must_match_its_file(tmp_path: Path) -> None:
    path = tmp_path / "other_name.yaml"
    path.write_text(GOOD.format(name="my_suite"), encoding="utf-8")
    assert "name: is 'my_suite' but the file is other_name.yaml" in _error(path)


def test_dataset_and_datasets_are_exclusive(tmp_path: Path) -> None:
    text = GOOD.replace("dataset:\n", "datasets:\n  - loader: jsonl\n    args: {{path: x.jsonl}}\ndataset:\n")
    assert "dataset: give exactly one of dataset" in _error(_write(tmp_path, text))


def test_find_suite_by_name_or_path(tmp_path: Path) -> None:
    assert find_suite("retrieval_incidents") == SUITES_DIR / "retrieval_incidents.yaml"
    path = _write(tmp_path, GOOD)
    assert find_suite(str(path)) == path
    with pytest.raises(FileNotFoundError, match=r"known suites: .*router_must_escalate"):
        find_suite("no_such_suite")
