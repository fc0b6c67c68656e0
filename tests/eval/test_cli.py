"""`reviewops eval`: list, run (with resume and model options), gate exit codes, run lookup by id or `latest`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from eval.cli import _parse_models, app
from tests.eval.conftest import echo_suite


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("REVIEWOPS_HOME", str(home))
    monkeypatch.setenv("COLUMNS", "250")  # rich tables would fold long names at 80 columns
    return home


def test_list_shows_the_suites_and_registries(home: Path) -> None:
    result = CliRunner().invoke(app, ["list"])
    assert result.exit_code == 0, result.output
    for name in ("scorer_seed_heldout", "router_must_escalate", "retrieval_incidents", "scorer_csv_stars"):
        assert name in result.output
    (scorers,) = [line for line in result.output.splitlines() if line.startswith("scorers: ")]
    listed = scorers.removeprefix("scorers: ").split(", ")
    assert listed == sorted(listed)
    assert {"calibration", "judge", "labels", "match", "retrieval", "routing", "safety", "usage"} <= set(listed)


def test_run_prints_headline_metrics_and_the_report_path(tmp_path: Path, home: Path, echo: Any) -> None:
    suite = echo_suite(tmp_path / "suites", wrong=["c3"])
    result = CliRunner().invoke(app, ["run", str(suite), "--seed", "4", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "exact.accuracy" in result.output and "0.8750" in result.output
    assert "report:" in result.output and "report.html" in result.output
    runs = list((home / "eval" / "runs").iterdir())
    assert len(runs) == 1 and (runs[0] / "report.html").is_file()

    gate = CliRunner().invoke(app, ["gate", "latest", "--baseline", str(tmp_path / "b.json"), "--update"])
    assert gate.exit_code == 0 and "baseline" in gate.output
    by_id = CliRunner().invoke(app, ["gate", runs[0].name, "--baseline", str(tmp_path / "b.json")])
    assert by_id.exit_code == 0, by_id.output


def test_run_reports_a_bad_suite_file_without_a_traceback(tmp_path: Path, home: Path) -> None:
    bad = tmp_path / "bad_suite.yaml"
    bad.write_text("name: bad_suite\ndescription: x\nstage: {name: nope}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(bad)])
    assert result.exit_code == 2
    assert "bad_suite.yaml:3: stage.name: unknown stage 'nope'" in result.output


def test_gate_on_an_unknown_run_is_a_usage_error(home: Path) -> None:
    result = CliRunner().invoke(app, ["gate", "no-such-run", "--baseline", "x.json"])
    assert result.exit_code == 2


def test_model_options_apply_to_one_stage_or_every_stage() -> None:
    assert _parse_models(["retrieval=minilm", "/models/fs-1"]) == {"retrieval": "minilm", "*": "/models/fs-1"}
