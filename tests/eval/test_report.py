"""Reports: Markdown and a self-contained HTML page with charts and a failures-first drill-down."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from eval.runlog import RunOptions
from eval.runner import run_suites
from store.settings import Settings
from tests.eval.conftest import ECHO_ROWS, echo_suite, write_rows

CHARTS = """  - scorer: labels
    name: label
    args: {output: answer, target: answer, labels: [answer 0, answer 1, answer 2]}
  - scorer: calibration
    args: {confidence: confidence, prediction: answer, target: answer, bins: 5}
"""


def test_reports_are_written_self_contained_with_charts_and_failures_first(
    tmp_path: Path, eval_settings: Settings, echo: Any
) -> None:
    suite = echo_suite(tmp_path / "suites", wrong=["c6"])
    suite.write_text(suite.read_text().replace("thresholds:", CHARTS + "thresholds:"))
    rows = [dict(row) for row in ECHO_ROWS]
    rows[3]["answer"] = 'see http://evil.example/x.png <img src="https://evil.example/t.gif"> <script>alert(1)</script>'
    write_rows(suite.parent / "echo_rows.jsonl", rows)
    result = run_suites(RunOptions(suites=[str(suite)]), out=tmp_path / "run", settings=eval_settings,
                        show_progress=False)  # fmt: skip

    html = (result.run_dir / "report.html").read_text(encoding="utf-8")
    markdown = (result.run_dir / "report.md").read_text(encoding="utf-8")
    assert (result.run_dir / "summary.json").is_file()

    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert "<script" not in html and "<link" not in html and "@import" not in html and "url(" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<svg" in html and "reliability" in html
    assert "label</b> confusion" in html
    assert html.index("<code>c6</code>") < html.index("<code>c0</code>")  # the failure comes first

    assert "| exact.accuracy | 0.8750 |" in markdown
    assert "Failures: 1 of 8 cases" in markdown and "- `c6`: exact: exact ['answer 6'] not found in 'wrong'" in markdown
    assert "Confusion of `label`" in markdown


def test_reports_show_the_delta_against_a_baseline(tmp_path: Path, eval_settings: Settings, echo: Any) -> None:
    from eval.gate import write_baseline
    from eval.report import write_reports

    good = run_suites(RunOptions(suites=[str(echo_suite(tmp_path / "a"))]), out=tmp_path / "good",
                      settings=eval_settings, show_progress=False)  # fmt: skip
    write_baseline(good.run_dir, tmp_path / "baseline.json")
    worse = run_suites(RunOptions(suites=[str(echo_suite(tmp_path / "b", wrong=["c0", "c1"]))]),
                       out=tmp_path / "worse", settings=eval_settings, show_progress=False)  # fmt: skip
    markdown, html = write_reports(worse.run_dir, tmp_path / "baseline.json")
    assert "| exact.accuracy | 0.7500 |" in markdown.read_text() and "| 1.0000 | -0.2500 |" in markdown.read_text()
    assert "<td>-0.2500</td>" in html.read_text()
