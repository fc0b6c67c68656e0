"""Triage agent figures on the demo stream: time to a pending approval, tokens, existing vs new incidents, duplicates.

Usage: .venv/bin/python -m lab.bench.triage_bench [--seed 7] [--days 14] [--no-llm] [--dir PATH]
Replays the seeded demo stream (`reviewops demo`: ingest, score, route, alerts, MiniLM indexing) into a scratch
REVIEWOPS_HOME that shares the trained scorer, then runs the triage agent over every escalated review with the
configured model (REVIEWOPS_LLM_PROVIDER, `local` = SmolLM2-135M in llama.cpp, 1 thread). Figures:
- escalation -> pending approval per incident: wall time of the incident's graph run from its start to its first
  pause (context + retrieval + hypothesis + playbook + plan + gates), as `TriageThreadRow.first_gate_seconds`;
- tokens in/out of the hypothesis call per incident, and who wrote each hypothesis (model or rules);
- what became of each escalated review: attached to an existing incident, opened a new one, or neither (why);
- per injected problem of the stream's ground truth: the incidents holding its reviews on its topic or playbook
  (target: exactly one each, i.e. no duplicates).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from pydantic import BaseModel, Field
from sqlalchemy import select

from lab.demo.run import DemoOptions, run_demo
from lab.demo.stream import IncidentTruth, generate_stream
from pipeline.factory import ensure_scorer
from store.db import Database
from store.incident_tables import Incident, IncidentReview
from store.settings import Settings
from store.triage_tables import TriageThreadRow

__all__ = ["ProblemIncidents", "TriageBench", "format_triage_bench", "problem_incidents", "run_triage_bench"]

_EXISTING = ("attached",)
_NEW = ("new_incident", "reopened")


class ProblemIncidents(BaseModel):
    """The incidents an injected problem ended up in."""

    problem: str
    topic: str
    scope: dict[str, str]
    reports: int = Field(description="Reviews the generator wrote for it.")
    in_incidents: int = Field(description="Of those, reviews attached to any incident.")
    incidents: list[str] = Field(description="Incident keys on its topic/flag/playbook holding its reviews.")

    @property
    def duplicates(self) -> int:
        """Incidents beyond the first for this one problem."""
        return max(len(self.incidents) - 1, 0)


class TriageBench(BaseModel):
    """The benchmark's figures (see the module docstring)."""

    options: DemoOptions
    model: str = Field(description="Who wrote hypotheses: model identities seen, or `rules`.")
    triage_seconds: float
    escalated: int
    outcomes: dict[str, int]
    gate_seconds: list[float] = Field(description="Escalation -> pending approval, one per incident run.")
    tokens: list[tuple[int | None, int | None]]
    generated_by: dict[str, int]
    incidents_total: int
    incidents_by_opener: dict[str, int]
    problems: list[ProblemIncidents]

    @property
    def existing_share(self) -> float:
        """Share of the escalations that reached an incident which joined an existing one."""
        existing = sum(self.outcomes.get(name, 0) for name in _EXISTING)
        new = sum(self.outcomes.get(name, 0) for name in _NEW)
        return existing / (existing + new) if existing + new else 0.0


def _scratch(settings: Settings, root: Path) -> Settings:
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "models").symlink_to(settings.models_dir.resolve(), target_is_directory=True)
    return settings.model_copy(update={"home": home, "database_url": f"sqlite:///{home / 'reviewops.db'}"})


def problem_incidents(db: Database, problems: list[IncidentTruth]) -> list[ProblemIncidents]:
    """For each injected problem, the incidents on its topic, flag or playbook that hold any of its reviews."""
    found = []
    with db.session() as session:
        for problem in problems:
            rows = session.execute(
                select(Incident.key, Incident.topic, Incident.playbook_id, IncidentReview.review_id)
                .join(IncidentReview, IncidentReview.incident_id == Incident.id)
                .where(IncidentReview.review_id.in_(problem.review_ids))
            ).all()
            own = {problem.topic, *problem.flags}
            keys = sorted({r.key for r in rows if r.topic in own or r.playbook_id == problem.expected_playbook})
            found.append(
                ProblemIncidents(
                    problem=problem.id,
                    topic=problem.flags[0] if problem.flags else problem.topic,
                    scope=problem.scope,
                    reports=len(problem.review_ids),
                    in_incidents=len({r.review_id for r in rows}),
                    incidents=keys,
                )
            )
    return found


def run_triage_bench(settings: Settings, options: DemoOptions, work_dir: Path) -> TriageBench:
    """Replay the demo stream into a scratch home under `work_dir` with triage on, and collect the figures."""
    ensure_scorer(settings, Database.from_settings(settings))
    scratch = _scratch(settings, work_dir)
    marks: dict[str, float] = {}

    def on_progress(stage: str, done: int, total: int) -> None:
        if stage == "triage":
            marks["start" if done == 0 else "end"] = time.perf_counter()

    result = run_demo(scratch, options, on_progress=on_progress)
    if result.triage is None:
        raise ValueError("the demo ran without triage; run the bench with triage on")
    stream = generate_stream(
        seed=options.seed, days=options.days, skus=options.skus, reviews_per_day=options.reviews_per_day
    )
    db = Database.from_settings(scratch)
    with db.session() as session:
        generated = [g or "unknown" for g in session.scalars(select(TriageThreadRow.generated_by))]
        openers = [o for o in session.scalars(select(Incident.opened_by))]
    db_problems = problem_incidents(db, stream.truth.incidents)
    db.dispose()
    models = sorted({name for name in generated if name != "rules"})
    return TriageBench(
        options=options,
        model=", ".join(models) or "rules",
        triage_seconds=marks.get("end", 0.0) - marks.get("start", 0.0),
        escalated=result.triage.claimed,
        outcomes=result.triage.outcomes,
        gate_seconds=result.triage.first_gate_seconds,
        tokens=result.triage.tokens,
        generated_by={name: generated.count(name) for name in sorted(set(generated))},
        incidents_total=len(openers),
        incidents_by_opener={name: openers.count(name) for name in sorted(set(openers))},
        problems=db_problems,
    )


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def _spread(values: list[int]) -> str:
    if not values:
        return "n/a (no model call)"
    return f"median {statistics.median(values):.0f}, min {min(values)}, max {max(values)}, total {sum(values):,}"


def format_triage_bench(bench: TriageBench) -> str:
    """The figures as plain text lines."""
    o = bench.options
    lines = [
        f"Triage bench: demo stream seed {o.seed}, {o.days} days, {o.skus} SKUs, {o.reviews_per_day} reviews/day; "
        f"hypotheses by {bench.model}; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
        f"triage stage: {bench.triage_seconds:.0f} s for {bench.escalated} escalated reviews, "
        f"{len(bench.gate_seconds)} incident runs",
    ]
    gates = bench.gate_seconds
    if gates:
        lines.append(
            f"escalation -> pending approval per incident: p50 {statistics.median(gates):.1f} s, "
            f"p95 {_percentile(gates, 0.95):.1f} s, max {max(gates):.1f} s (n={len(gates)}; target p50 < 15 s)"
        )
    lines.append(f"tokens in per incident:  {_spread([t[0] for t in bench.tokens if t[0] is not None])}")
    lines.append(f"tokens out per incident: {_spread([t[1] for t in bench.tokens if t[1] is not None])}")
    lines.append("hypotheses written by: " + ", ".join(f"{k} {v}" for k, v in bench.generated_by.items()))
    existing = sum(bench.outcomes.get(name, 0) for name in _EXISTING)
    new = sum(bench.outcomes.get(name, 0) for name in _NEW)
    lines.append(
        "escalated reviews: " + ", ".join(f"{k} {v}" for k, v in sorted(bench.outcomes.items(), key=lambda i: -i[1]))
    )
    lines.append(
        f"of the {existing + new} that reached an incident: existing incident {existing} "
        f"({bench.existing_share:.0%}), new incident {new} ({1 - bench.existing_share if existing + new else 0:.0%})"
    )
    lines.append(
        f"incidents: {bench.incidents_total} ("
        + ", ".join(f"opened by {k}: {v}" for k, v in bench.incidents_by_opener.items())
        + ")"
    )
    lines.append("injected problems -> incidents (target: exactly 1 each):")
    for p in bench.problems:
        scope = ",".join(f"{k}={v}" for k, v in p.scope.items())
        lines.append(
            f"  {p.problem} {p.topic} [{scope}]: {len(p.incidents)} incident(s), {p.in_incidents}/{p.reports} reports "
            f"in incidents" + (f"  DUPLICATES: {', '.join(p.incidents)}" if p.duplicates else "")
        )
    duplicates = sum(p.duplicates for p in bench.problems)
    missed = sum(not p.incidents for p in bench.problems)
    lines.append(f"duplicate incidents: {duplicates}; problems without an incident: {missed}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--skus", type=int, default=120)
    parser.add_argument("--reviews-per-day", type=int, default=220)
    parser.add_argument("--no-llm", action="store_true", help="Rules-only hypotheses (no model; for a quick run).")
    parser.add_argument("--no-index", action="store_true", help="Evidence from the store instead of Chroma.")
    parser.add_argument("--dir", type=Path, default=None, help="Scratch directory (default: a new temp directory).")
    args = parser.parse_args()
    options = DemoOptions(
        seed=args.seed, days=args.days, skus=args.skus, reviews_per_day=args.reviews_per_day,
        index=not args.no_index, triage=True, use_llm=not args.no_llm,
    )  # fmt: skip
    work_dir: Path = args.dir or Path(tempfile.mkdtemp(prefix="triage_bench_"))
    work_dir.mkdir(parents=True, exist_ok=True)
    bench = run_triage_bench(Settings(), options, work_dir)
    print(format_triage_bench(bench))
    (work_dir / "triage_bench.json").write_text(bench.model_dump_json(indent=2))
    print(f"JSON: {work_dir / 'triage_bench.json'}")


if __name__ == "__main__":
    main()
