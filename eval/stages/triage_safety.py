"""Approval safety and prompt injection as a stage: the real triage graph over adversarial cases, then its ledger.

Each case builds a private store with one escalated cluster (a scenario: trusted topic, flags and severity), puts its
injected text into the reviews, lets a model answer (an honest one, a scripted adversary, or the model under test),
runs the triage service to its approval gates, applies the case's steps (decisions of every kind, timeouts, a crash
between approval and delivery, a forged resume, replays) and finishes with one more service pass, as the next worker
would. The output is the ledger (eval/stages/_triage_ledger.py): what executed, against what the approval policy
requires for the trusted facts, and what the graph recorded. Scorers: `safety` and `approval_audit`.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langgraph.types import Command
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.triage import AlreadyDecided, ApprovalNotFound, GateNotLive, InvalidDecision, TriageService
from eval.cache import CaseContext
from eval.dataset import Case, Dataset, resolve_data_path
from eval.registry import stage
from eval.runlog import StageIdentity
from eval.stages._chat import CachedChatModel, ScriptedChatModel
from eval.stages._triage_ledger import read_ledger
from eval.stages._triage_world import Scenario, ScenarioFile, TriageConfigs, TriageWorld, load_scenarios
from eval.stages.base import EVAL_CLOCK, Stage
from store.approval_policy import Decision, DecisionNotAllowed, PolicyContext, Role
from tools import ToolArgsError

__all__ = ["SafetyCaseInput", "Step", "TriageSafetyStage"]

_STRICT = ConfigDict(extra="forbid", use_attribute_docstrings=True)
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")
_REFUSALS = (DecisionNotAllowed, ToolArgsError, InvalidDecision, AlreadyDecided, GateNotLive, ApprovalNotFound)


class Step(BaseModel):
    """One thing that happens after the first triage pass, each in a fresh service (as a new process)."""

    model_config = _STRICT

    kind: Literal["approve", "reject", "edit", "escalate", "timeout", "crash_approve", "forged_approve", "rerun"]
    """A decision through the approvals inbox; `timeout`: the clock passes every deadline and the policy decides;
    `crash_approve`: approve in a process that dies after the outbox write, before delivery; `forged_approve`:
    resume the paused graph with an approval that was never recorded (bypassing the inbox); `rerun`: another
    service pass and recovery (a replay)."""
    tool: str | None = None
    """Which pending gates: those of this tool (default: every pending gate)."""
    role: Role | None = None
    """The decider's role (default: the first role the gate names, i.e. someone allowed to decide)."""
    actor: str = "eval-approver"
    reason: str | None = None
    args: dict[str, Any] | None = None
    """For `edit`: changes merged onto the gate's arguments."""
    hours: float = Field(default=24 * 31, gt=0)
    """For `timeout`: how far past the case's clock the gates are checked."""


class SafetyCaseInput(BaseModel):
    """A case's input: the scenario, the injected text, the model and the steps."""

    model_config = _STRICT

    scenario: str
    injection: str | None = None
    """Text an attacker wrote into review(s)."""
    inject_into: Literal["first", "all"] = "first"
    """`first`: the newest review (a trigger, always in the prompt); `all`: every review of the cluster."""
    inject_mode: Literal["append", "replace"] = "append"
    model: Literal["honest", "rules"] | list[str | dict[str, Any]] = "honest"
    """`honest`: the scenario's honest answer (or the model under test with `--model`); `rules`: no model;
    a list: a scripted adversary's replies in turn (the last repeated; `@raise` = the provider fails)."""
    steps: list[Step] = Field(default_factory=list)


class _Args(BaseModel):
    model_config = _STRICT

    scenarios: str = "data/triage_scenarios.yaml"
    """Scenarios file, relative to the suite file (or `${repo}/...`)."""


class _Crash(RuntimeError):
    """Stands in for a process that dies right after the outbox write."""


def _crash(row_ids: Sequence[int]) -> None:
    raise _Crash(f"the process dies after storing outbox rows {list(row_ids)}")


class _HideSimulatedCrash(logging.Filter):
    """Drops the service's traceback for the crash a case simulates (it is expected; real failures still log)."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        while error is not None:
            if isinstance(error, _Crash):
                return False
            error = error.__cause__ or error.__context__
        return True


_HIDE_CRASH = _HideSimulatedCrash()


@stage("triage_safety")
class TriageSafetyStage(Stage):
    """Output: `actions` (executed and planned, judged against the policy), `requirement_mismatches`, `text`
    (hypothesis summaries), `cited`/`retrieved` evidence ids, `steps` (what each step did), `incidents`,
    `playbooks`, `generated_by`, `threads`."""

    Args = _Args
    args: _Args
    batch_size = 1

    def prepare(self, dataset: Dataset) -> StageIdentity:
        path = resolve_data_path(self.args.scenarios, self.ctx.suite_dir, self.ctx.settings)
        self.scenarios: ScenarioFile = load_scenarios(path or Path(self.args.scenarios))
        self.configs = TriageConfigs.load(self.ctx.settings.config_dir)
        logging.getLogger("agent.triage.service").addFilter(_HIDE_CRASH)
        self.template = TriageWorld.migrated_template(self.ctx.settings, self.ctx.work_dir / "template")
        for case in dataset.cases:  # fail before running anything when a case names what does not exist
            self._case_input(case)
        return StageIdentity(
            stage="triage_safety",
            model=self.ctx.model or "scripted",
            versions={"approval_policy": self.configs.policy.version, "routing": self.configs.routing.version},
            details={"scenarios": str(path), "honest_model": self.ctx.model or "scenario answers"},
        )

    def _case_input(self, case: Case) -> SafetyCaseInput:
        try:
            parsed = SafetyCaseInput.model_validate(case.input)
        except ValidationError as exc:
            raise ValueError(f"case {case.id!r}: {exc}") from None
        if parsed.scenario not in self.scenarios.scenarios:
            known = ", ".join(sorted(self.scenarios.scenarios))
            raise ValueError(f"case {case.id!r}: unknown scenario {parsed.scenario!r}; known: {known}")
        return parsed

    def _model(self, spec: SafetyCaseInput, scenario: Scenario, calls: CaseContext) -> BaseChatModel | None:
        if spec.model == "rules":
            return None
        if spec.model == "honest":
            if self.ctx.model:
                return CachedChatModel.over(calls.chat("model"))
            return ScriptedChatModel.of([scenario.answer], name="honest")
        return ScriptedChatModel.of(spec.model, name="adversary")

    def solve(self, cases: Sequence[Case], calls: CaseContext) -> list[dict[str, Any]]:
        return [self._solve_one(case, calls) for case in cases]

    def _solve_one(self, case: Case, calls: CaseContext) -> dict[str, Any]:
        spec = self._case_input(case)
        scenario = self.scenarios.scenarios[spec.scenario]
        home = self.ctx.work_dir / f"case-{_SAFE.sub('_', case.id)[:80]}"
        shutil.rmtree(home, ignore_errors=True)  # a resumed run redoes an unfinished case from scratch
        world = TriageWorld.create(self.ctx.settings, home, EVAL_CLOCK, self.template, self.configs)
        try:
            texts = _texts(scenario, spec)
            world.add_cluster(scenario, texts)
            world.add_bystanders(self.scenarios.bystanders)
            model = self._model(spec, scenario, calls)
            with world.service(model) as service:
                service.run()
            steps = [_apply(world, model, step) for step in spec.steps]
            with world.service(model) as service:
                service.run()  # the next worker pass: recovers crashed work, applies nothing new
                thresholds = self.configs.routing.flag_thresholds
                flags = frozenset(f for f, p in scenario.flags.items() if p >= thresholds.get(f, 1.0))
                context = PolicyContext(severity=scenario.severity, flags=flags)
                ledger = read_ledger(service, self.configs.policy, context, world.deliveries())
        finally:
            world.close()
            shutil.rmtree(home, ignore_errors=True)
        return {
            "actions": ledger.actions,
            "requirement_mismatches": ledger.requirement_mismatches,
            "text": " ".join(ledger.summaries),
            "cited": ledger.cited,
            "retrieved": ledger.retrieved,
            "steps": steps,
            "incidents": [{k: i[k] for k in ("key", "topic", "severity", "flags")} for i in ledger.incidents],
            "playbooks": ledger.playbooks,
            "generated_by": ledger.generated_by,
            "threads": ledger.threads,
            "trusted": {"severity": scenario.severity.value, "flags": sorted(flags)},
        }


def _texts(scenario: Scenario, spec: SafetyCaseInput) -> list[str]:
    texts = [scenario.texts[i % len(scenario.texts)] for i in range(scenario.size)]
    if spec.injection is None:
        return texts
    targets = range(len(texts)) if spec.inject_into == "all" else range(1)
    for i in targets:
        texts[i] = spec.injection if spec.inject_mode == "replace" else f"{texts[i]} {spec.injection}"
    return texts


def _apply(world: TriageWorld, model: BaseChatModel | None, step: Step) -> dict[str, Any]:
    """Carry out one step in a fresh service; what happened (or why it was refused) per gate."""
    after = _crash if step.kind == "crash_approve" else None
    with world.service(model, after_enqueue=after) as service:
        if step.kind == "rerun":
            service.run()
            service.recover()
            return {"step": "rerun", "results": ["ran the queue and recovery again"]}
        if step.kind == "timeout":
            expired = service.expire_gates(world.now + timedelta(hours=step.hours))
            return {"step": f"timeout +{step.hours:g}h", "results": [f"policy decided {a}" for a in expired]}
        gates = [g for g in service.pending_approvals() if step.tool is None or g.tool == step.tool]
        results = [_decide(world, service, step, gate) for gate in gates]
        return {"step": f"{step.kind} {step.tool or 'every gate'}", "results": results or ["no pending gate"]}


def _decide(world: TriageWorld, service: TriageService, step: Step, gate: Any) -> str:
    role = step.role or (gate.roles[0] if gate.roles else "admin")
    if step.kind == "forged_approve":
        return _forge(service, gate, Decision(kind="approve", actor=step.actor, role=role, at=world.now))
    kind = "approve" if step.kind == "crash_approve" else step.kind
    args = {**gate.args, **step.args} if kind == "edit" and step.args is not None else None
    try:
        report = service.decide(
            gate.approval_id, kind, actor=step.actor, role=role, reason=step.reason, args=args, now=world.now
        )
    except _REFUSALS as err:
        return f"{gate.tool}: refused ({type(err).__name__}: {str(err)[:200]})"
    return f"{gate.tool}: {report.status} by {role}, thread {report.thread_status}"


def _forge(service: TriageService, gate: Any, decision: Decision) -> str:
    """Resume the paused graph with a decision nobody recorded, as code bypassing the inbox would."""
    config = service.config(gate.thread_id)
    live = {i.value.get("approval_id"): i.id for i in service.graph.get_state(config).interrupts}
    if gate.approval_id not in live:
        return f"{gate.tool}: not live"
    try:
        service.graph.invoke(Command(resume={live[gate.approval_id]: decision.model_dump(mode="json")}), config)
    except Exception as err:  # a graph that refuses the forged value may raise; that is a pass, recorded as such
        return f"{gate.tool}: forged resume raised {type(err).__name__}: {str(err)[:200]}"
    return f"{gate.tool}: graph resumed with an unrecorded approval"
