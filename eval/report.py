"""Reports of a run: Markdown and a self-contained HTML page (inline CSS and SVG, no external URL).

Each suite shows its headline metrics with intervals, threshold verdicts and the baseline delta, then its
charts (confusion matrices, reliability diagram, tables), then a per-case drill-down with failures first.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from eval.gate import BaselineFile, load_baseline
from eval.runlog import CaseRecord, RunDir, RunInfo, SuiteSummary

__all__ = ["BASELINES_DIR", "DEFAULT_BASELINE", "render_html", "render_markdown", "write_reports"]

BASELINES_DIR = Path(__file__).resolve().parent / "baselines"
DEFAULT_BASELINE = BASELINES_DIR / "default.json"
MAX_FAILURES_SHOWN = 300
MAX_PASSES_SHOWN = 50
MAX_FAILURES_MD = 15


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f}" if float(value).is_integer() and abs(value) >= 2 else f"{value:.4f}"


def _rows(summary: SuiteSummary, baseline: BaselineFile | None) -> list[dict[str, str]]:
    """Headline metric rows: value, interval, threshold verdict, baseline and delta."""
    reference = baseline.suites.get(summary.suite) if baseline is not None else None
    verdicts: dict[str, list[str]] = {}
    for check in summary.thresholds:
        verdicts.setdefault(check.metric, []).append(("ok " if check.passed else "FAIL ") + check.message)
    rows = []
    for name in summary.headline:
        value = summary.metrics.get(name)
        interval = summary.intervals.get(name)
        base = reference.metrics.get(name) if reference is not None else None
        rows.append(
            {
                "metric": name,
                "value": _fmt(value),
                "interval": f"[{interval.low:.4f}, {interval.high:.4f}]" if interval else "—",
                "threshold": "; ".join(verdicts.get(name, [])) or "—",
                "baseline": _fmt(base),
                "delta": f"{value - base:+.4f}" if value is not None and base is not None else "—",
                "failed": "FAIL" if any(v.startswith("FAIL") for v in verdicts.get(name, [])) else "",
            }
        )
    return rows


def _ordered_cases(records: Sequence[CaseRecord]) -> tuple[list[CaseRecord], int]:
    failures = [r for r in records if r.passed is False]
    others = [r for r in records if r.passed is not False]
    shown = failures[:MAX_FAILURES_SHOWN] + others[:MAX_PASSES_SHOWN]
    return shown, len(records) - len(shown)


def _status(summary: SuiteSummary) -> str:
    if summary.status == "skipped":
        return "skipped"
    return "FAIL" if any(not t.passed for t in summary.thresholds) else "pass"


def _other_metrics(summary: SuiteSummary) -> list[tuple[str, float]]:
    return [(k, v) for k, v in summary.metrics.items() if k not in summary.headline]


# ---------------------------------------------------------------- Markdown


def render_markdown(
    info: RunInfo,
    summaries: Sequence[SuiteSummary],
    baseline: BaselineFile | None,
    records: dict[str, list[CaseRecord]] | None = None,
) -> str:
    """The run as Markdown: overview table, then per suite headline metrics, charts as tables, failures."""
    git = info.git
    lines = [
        f"# Eval run {info.run_id}",
        "",
        f"- created {info.created_at:%Y-%m-%d %H:%M:%S} UTC; git {git.revision or 'unknown'}"
        + (" (dirty)" if git.dirty else ""),
        f"- seed {info.options.seed}; limit {info.options.limit or 'none'}; "
        f"models {info.options.models or 'defaults'}; "
        f"judge {info.options.judge_model or 'none'}; cache {'on' if info.options.use_cache else 'refreshed'}",
        f"- baseline {baseline.run_id if baseline else 'none'}",
        "",
        "| suite | status | model | cases | failed | errors |",
        "| --- | --- | --- | ---: | ---: | ---: |",
    ]
    for s in summaries:
        model = s.identity.model if s.identity else "—"
        lines.append(f"| {s.suite} | {_status(s)} | {model} | {s.cases} | {s.failed_cases} | {s.errors} |")
    for s in summaries:
        lines += ["", f"## {s.suite} — {_status(s)}", "", s.description, ""]
        if s.status == "skipped":
            lines.append(f"Skipped: {s.skipped_reason}")
            continue
        lines += ["| metric | value | 95% CI | threshold | baseline | Δ |", "| --- | ---: | --- | --- | ---: | ---: |"]
        for row in _rows(s, baseline):
            lines.append(
                f"| {row['metric']} | {row['value']} | {row['interval']} | {row['threshold']} | {row['baseline']} "
                f"| {row['delta']} |"
            )
        for name, detail in s.details.items():
            lines += _markdown_detail(name, detail)
        failures = [r for r in (records or {}).get(s.suite, []) if r.passed is False]
        if failures:
            lines += [
                "",
                f"Failures: {len(failures)} of {s.cases} cases (first {min(len(failures), MAX_FAILURES_MD)})",
                "",
            ]
            lines += [f"- `{r.case_id}`: {_why(r)[:200]}" for r in failures[:MAX_FAILURES_MD]]
    return "\n".join(lines) + "\n"


def _why(record: CaseRecord) -> str:
    if record.error:
        return f"error: {record.error}"
    return "; ".join(f"{name}: {s.explanation}" for name, s in record.scores.items() if s.passed is False)


def _markdown_detail(name: str, detail: Any) -> list[str]:
    kind = detail.get("kind") if isinstance(detail, dict) else None
    if kind == "confusion":
        labels = detail["labels"]
        out = ["", f"Confusion of `{name}` (rows: target, columns: output)", "", "| | " + " | ".join(labels) + " |"]
        out.append("| --- " * (len(labels) + 1) + "|")
        out += [
            f"| {label} | " + " | ".join(map(str, row)) + " |"
            for label, row in zip(labels, detail["matrix"], strict=True)
        ]
        return out
    if kind == "table":
        out = ["", f"{detail['title']}", "", "| " + " | ".join(detail["columns"]) + " |"]
        out.append("| --- " * len(detail["columns"]) + "|")
        return out + ["| " + " | ".join(map(str, row)) + " |" for row in detail["rows"]]
    return []


# ---------------------------------------------------------------- HTML

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d1d1f;max-width:1200px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}
th:first-child,td:first-child{text-align:left}.fail{background:#fde2e1}.pass{background:#e3f5e1}
.badge{padding:1px 6px;border-radius:4px;font-weight:600}.b-fail{background:#d93025;color:#fff}
.b-pass{background:#188038;color:#fff}.b-skipped{background:#888;color:#fff}
pre{background:#f6f8fa;padding:6px;white-space:pre-wrap;word-break:break-word;font-size:12px}
details{margin:2px 0}summary{cursor:pointer}.muted{color:#666}.charts{display:flex;flex-wrap:wrap;gap:24px}
"""


def _badge(status: str) -> str:
    return f'<span class="badge b-{escape(status.lower())}">{escape(status)}</span>'


def _table(columns: Sequence[str], rows: Sequence[Sequence[Any]], row_class: Sequence[str] = ()) -> str:
    head = "".join(f"<th>{escape(str(c))}</th>" for c in columns)
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{row_class[i]}"' if i < len(row_class) and row_class[i] else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _confusion_html(name: str, detail: dict[str, Any]) -> str:
    labels, matrix = detail["labels"], detail["matrix"]
    peak = max((max(row) for row in matrix), default=0) or 1
    head = "".join(f"<th>{escape(label)}</th>" for label in labels)
    rows = []
    for label, row in zip(labels, matrix, strict=True):
        cells = []
        for j, count in enumerate(row):
            hue = "120,60%" if labels[j] == label else "0,70%"
            alpha = 0.08 + 0.7 * count / peak if count else 0
            cells.append(f'<td style="background:hsla({hue},50%,{alpha:.2f})">{count}</td>')
        rows.append(f"<tr><th>{escape(label)}</th>{''.join(cells)}</tr>")
    title = f"<b>{escape(name)}</b> confusion (rows: target, columns: output)"
    return f"<div>{title}<table><tr><th></th>{head}</tr>{''.join(rows)}</table></div>"


def _reliability_svg(name: str, detail: dict[str, Any]) -> str:
    size, pad = 260, 30
    inner = size - 2 * pad
    parts = [
        f'<svg width="{size}" height="{size}" role="img" aria-label="reliability diagram of {escape(name)}">',
        f'<rect x="{pad}" y="{pad}" width="{inner}" height="{inner}" fill="#fafafa" stroke="#999"/>',
        f'<line x1="{pad}" y1="{pad + inner}" x2="{pad + inner}" y2="{pad}" stroke="#bbb" stroke-dasharray="4"/>',
    ]
    for b in detail["bins"]:
        if not b["count"]:
            continue
        x = pad + b["lower"] * inner
        width = (b["upper"] - b["lower"]) * inner
        height = b["accuracy"] * inner
        parts.append(
            f'<rect x="{x:.1f}" y="{pad + inner - height:.1f}" width="{width - 1:.1f}" height="{height:.1f}" '
            f'fill="#4a78c2" opacity="0.75"><title>{b["lower"]:.2f}-{b["upper"]:.2f}: n={b["count"]}, '
            f"accuracy {b['accuracy']:.2f}, confidence {b['confidence']:.2f}</title></rect>"
        )
        cy = pad + inner - b["confidence"] * inner
        parts.append(f'<circle cx="{x + width / 2:.1f}" cy="{cy:.1f}" r="2.5" fill="#d93025"/>')
    parts += [
        f'<text x="{size / 2}" y="{size - 6}" font-size="11" text-anchor="middle">confidence</text>',
        f'<text x="10" y="{size / 2}" font-size="11" transform="rotate(-90 10 {size / 2})" '
        'text-anchor="middle">accuracy</text>',
        "</svg>",
    ]
    caption = f"<b>{escape(name)}</b> reliability: bars = accuracy per bin, dots = mean confidence"
    return f"<div>{caption}<br>{''.join(parts)}</div>"


def _detail_html(name: str, detail: Any) -> str:
    kind = detail.get("kind") if isinstance(detail, dict) else None
    if kind == "confusion":
        return _confusion_html(name, detail)
    if kind == "reliability":
        return _reliability_svg(name, detail)
    if kind == "multilabel_confusion":
        rows = [[r["label"], r["tp"], r["fp"], r["fn"], r["tn"]] for r in detail["per_label"]]
        return f"<div><b>{escape(name)}</b> per label{_table(['label', 'tp', 'fp', 'fn', 'tn'], rows)}</div>"
    if kind == "table":
        return f"<div><b>{escape(detail['title'])}</b>{_table(detail['columns'], detail['rows'])}</div>"
    return ""


def _case_html(record: CaseRecord) -> str:
    verdict = {True: "pass", False: "FAIL", None: "—"}[record.passed]
    notes = [f"{name}: {s.explanation}" for name, s in record.scores.items() if s.explanation]
    if record.error:
        notes.insert(0, f"error: {record.error}")
    text = record.input.get("text") or record.input.get("question") or ""
    head = (
        f"{_badge(verdict) if verdict != '—' else ''} <code>{escape(record.case_id)}</code> {escape(str(text)[:140])}"
    )
    body = {
        "why": notes,
        "input": record.input,
        "target": record.target,
        "output": record.output,
        "latency_ms": record.latency_ms,
    }
    return f"<details><summary>{head}</summary><pre>{escape(json.dumps(body, indent=2, default=str))}</pre></details>"


def _suite_html(summary: SuiteSummary, records: Sequence[CaseRecord], baseline: BaselineFile | None) -> str:
    status = _status(summary)
    parts = [f'<h2 id="{escape(summary.suite)}">{escape(summary.suite)} {_badge(status)}</h2>']
    parts.append(f"<p>{escape(summary.description)}</p>")
    if summary.status == "skipped":
        return "".join(parts) + f"<p>Skipped: {escape(summary.skipped_reason or '')}</p>"
    identity = summary.identity
    if identity is not None:
        versions = ", ".join(f"{k} {v}" for k, v in identity.versions.items())
        parts.append(f'<p class="muted">model {escape(identity.model)}; {escape(versions)}</p>')
    rows = _rows(summary, baseline)
    table_rows = [[r["metric"], r["value"], r["interval"], r["threshold"], r["baseline"], r["delta"]] for r in rows]
    classes = ["fail" if r["failed"] else "pass" if r["threshold"] != "—" else "" for r in rows]
    parts.append(_table(["metric", "value", "95% CI", "threshold", "baseline", "Δ"], table_rows, classes))
    for check in summary.thresholds:
        if check.check == "errors":
            parts.append(f'<p class="fail">{escape(check.message)}</p>')
    charts = "".join(_detail_html(name, detail) for name, detail in summary.details.items())
    parts.append(f'<div class="charts">{charts}</div>')
    others = _other_metrics(summary)
    if others:
        parts.append(
            f"<details><summary>All {len(others)} other metrics</summary>"
            f"{_table(['metric', 'value'], [[k, _fmt(v)] for k, v in others])}</details>"
        )
    shown, hidden = _ordered_cases(records)
    failures = sum(r.passed is False for r in records)
    parts.append(f"<h3>Cases: {failures} failed of {len(records)} (failures first)</h3>")
    parts += [_case_html(r) for r in shown]
    if hidden:
        parts.append(f'<p class="muted">{hidden} more cases in suites/{escape(summary.suite)}/cases.jsonl</p>')
    return "".join(parts)


def render_html(
    info: RunInfo,
    summaries: Sequence[SuiteSummary],
    records: dict[str, list[CaseRecord]],
    baseline: BaselineFile | None,
) -> str:
    """The run as one self-contained HTML page."""
    overview = [
        [s.suite, _status(s), s.identity.model if s.identity else "—", s.cases, s.failed_cases, s.errors]
        for s in summaries
    ]
    classes = ["fail" if _status(s) == "FAIL" else "pass" if _status(s) == "pass" else "" for s in summaries]
    git = info.git
    meta = (
        f"created {info.created_at:%Y-%m-%d %H:%M:%S} UTC · git {git.revision or 'unknown'}"
        f"{' (dirty)' if git.dirty else ''} · seed {info.options.seed} · limit {info.options.limit or 'none'} · "
        f"baseline {baseline.run_id if baseline else 'none'}"
    )
    body = "".join(_suite_html(s, records.get(s.suite, []), baseline) for s in summaries)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Eval run {escape(info.run_id)}</title><style>{_CSS}</style></head><body>"
        f'<h1>Eval run {escape(info.run_id)}</h1><p class="muted">{escape(meta)}</p>'
        f"{_table(['suite', 'status', 'model', 'cases', 'failed', 'errors'], overview, classes)}{body}</body></html>"
    )


def write_reports(run_dir: Path, baseline_path: Path | None = None) -> tuple[Path, Path]:
    """Write report.md and report.html into the run directory (against the default baseline when it exists)."""
    run = RunDir(run_dir)
    info, summary = run.read_info(), run.read_summary()
    path = baseline_path or (DEFAULT_BASELINE if DEFAULT_BASELINE.is_file() else None)
    baseline = load_baseline(path) if path is not None else None
    records = {s.suite: run.read_cases(s.suite) for s in summary.suites}
    markdown, html = run_dir / "report.md", run_dir / "report.html"
    markdown.write_text(render_markdown(info, summary.suites, baseline, records), encoding="utf-8")
    html.write_text(render_html(info, summary.suites, records, baseline), encoding="utf-8")
    return markdown, html
