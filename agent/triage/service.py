"""The triage service: take the agent queue into incidents, run each incident's graph to its approval gates, list
pending approvals, apply decisions (people's and timeouts') by resuming the paused graph, and recover after crashes.

One graph thread per incident run, id `incident:<incident key>` (`#<n>` for a re-run after the incident reopened),
so the same cluster always resumes the same thread. A thread is driven under a lease in `triage_threads`, so two
processes never run one thread at once; a decision recorded while another process holds the lease is picked up by
that process (or by `recover()`), never lost.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.types import Command
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from agent.llm import LLMError
from agent.triage import approvals as approval_ops
from agent.triage.deps import TriageDeps
from agent.triage.gates import decided_unresumed, mark_resumed
from agent.triage.graph import compile_triage_graph
from agent.triage.intake import (
    Escalation,
    claim_queued,
    classify,
    incident_facts,
    incident_flags,
    place,
    requeue_unprocessed,
    with_topic,
)
from agent.triage.topic_labeler import label_topic, topic_menu
from store.incident_tables import Incident, IncidentReview
from store.incidents import get_incident
from store.routing_config import RoutingConfig
from store.tables import SilverReview
from store.triage_tables import TriageReviewRow, TriageThreadRow

__all__ = ["QueueReport", "TriageService", "TriageSettings", "thread_id_for"]

logger = logging.getLogger(__name__)


class TriageSettings(BaseSettings):
    """Knobs of the triage service (`REVIEWOPS_TRIAGE_*`)."""

    model_config = SettingsConfigDict(env_prefix="REVIEWOPS_TRIAGE_", env_file=".env", extra="ignore")

    queue_batch: int = Field(default=500, ge=1, description="Queued reviews taken per `run` when no limit is given.")
    lease_seconds: float = Field(
        default=300.0, gt=0, description="How long one worker may hold a thread; a killed worker's lease expires."
    )
    attach_limit: int = Field(default=200, ge=0, description="Cluster reviews attached to a newly opened incident.")
    model_topics: bool | None = Field(
        default=None,
        description="Let the chat model place escalations the cascade gave no topic (one enumerated leaf or none). "
        "Unset: on for an `openai`/`ollama` provider, off for the packaged 135M model (measured below the cascade).",
    )


class QueueReport(BaseModel):
    """What one pass over the queue did."""

    claimed: int = 0
    outcomes: dict[str, int] = Field(default_factory=dict)
    """Reviews per outcome: new_incident, reopened, attached, below_threshold, no_topic, no_scope."""
    model_topics: int = 0
    """Escalations without a cascade topic that the chat model placed on a leaf."""
    incidents_opened: list[str] = Field(default_factory=list)
    threads_run: int = 0
    threads_failed: int = 0
    first_gate_seconds: list[float] = Field(default_factory=list)
    """Wall time of each fresh run from its start to its first pause (gates) or end."""
    tokens: list[tuple[int | None, int | None]] = Field(default_factory=list)
    """(input, output) tokens per fresh run's hypothesis."""

    def add(self, other: QueueReport) -> None:
        """Fold another pass's numbers into this report."""
        self.claimed += other.claimed
        self.model_topics += other.model_topics
        self.outcomes = dict(Counter(self.outcomes) + Counter(other.outcomes))
        self.incidents_opened += other.incidents_opened
        self.threads_run += other.threads_run
        self.threads_failed += other.threads_failed
        self.first_gate_seconds += other.first_gate_seconds
        self.tokens += other.tokens


def thread_id_for(key: str, run: int = 1) -> str:
    """The graph thread of an incident's `run`-th triage: a pure function of the incident key."""
    return f"incident:{key}" if run <= 1 else f"incident:{key}#{run}"


def _wall_clock() -> datetime:
    return datetime.now(UTC)


_MAX_STEPS = 20


@dataclass(frozen=True)
class _Step:
    input: Any
    """A fresh state, a `Command(resume={interrupt id: decision})`, or None to continue from the checkpoint."""
    resumed: list[str]
    """Approval ids whose decisions this step hands to the graph."""


class TriageService:
    """Drives triage threads over a compiled graph; see the module docstring for the guarantees."""

    def __init__(
        self,
        deps: TriageDeps,
        checkpointer: Any,
        routing: RoutingConfig,
        settings: TriageSettings | None = None,
        *,
        wall_clock: Callable[[], datetime] = _wall_clock,
    ) -> None:
        self.deps = deps
        self.graph = compile_triage_graph(deps, checkpointer)
        self.routing = routing
        self.settings = settings or TriageSettings()
        self.model_topics = bool(self.settings.model_topics)
        self._wall_clock = wall_clock

    # --- the queue -------------------------------------------------------------------------------------------

    def run(self, limit: int | None = None, *, batch: int | None = None) -> QueueReport:
        """One service pass: recover crashed work, apply gate timeouts, triage queued escalations (up to `limit`,
        all of them when None, `batch` at a time in queue order), then incidents the alert engine opened."""
        self.recover()
        self.expire_gates()
        report = QueueReport()
        size = batch or self.settings.queue_batch
        while limit is None or report.claimed < limit:
            step = self.process_queue(size if limit is None else min(size, limit - report.claimed))
            report.add(step)
            if step.claimed == 0:
                break
        for incident_id in self._untriaged_incidents():
            self._triage(incident_id, [], frozenset(), report)
        return report

    def process_queue(self, limit: int | None = None) -> QueueReport:
        """Claim queued escalations, place them in incidents and run each new incident's graph to its gates."""
        report = QueueReport()
        with self.deps.db.session() as session:
            claimed = claim_queued(session, limit or self.settings.queue_batch)
        report.claimed = len(claimed)
        if not claimed:
            return report
        with self.deps.db.session() as session:
            escalations = classify(session, claimed, self.deps.library, self.routing)
            if self.model_topics:
                escalations, report.model_topics = self._place_by_model(session, escalations)
        groups: dict[str, list[Escalation]] = defaultdict(list)
        for item in escalations:
            groups[item.key or f"unkeyed:{item.review_id}"].append(item)
        outcomes: Counter[str] = Counter()
        for group in groups.values():
            with self.deps.db.session() as session:
                placement = place(
                    session, group, library=self.deps.library, taxonomy=self.deps.taxonomy,
                    rules=self.deps.rules, now=self.deps.clock(), attach_limit=self.settings.attach_limit,
                )  # fmt: skip
            outcomes[placement.outcome] += len(placement.review_ids)
            if placement.outcome in ("new_incident", "reopened") and placement.incident_id:
                report.incidents_opened.append(placement.incident_id)
            if placement.incident_id is not None:
                self._triage(placement.incident_id, placement.review_ids, placement.flags, report)
        report.outcomes = dict(outcomes)
        return report

    def _place_by_model(self, session: Session, escalations: list[Escalation]) -> tuple[list[Escalation], int]:
        """Ask the chat model for a leaf for each escalation without a topic; keep it unplaced on any failure."""
        unplaced = [item.review_id for item in escalations if item.topic is None]
        llm = self.deps.chat_model() if unplaced else None
        if llm is None:
            return escalations, 0
        rows = session.execute(
            select(SilverReview.review_id, SilverReview.title, SilverReview.text).where(
                SilverReview.review_id.in_(unplaced)
            )
        ).all()
        reviews = {review_id: (title, text) for review_id, title, text in rows}
        menu = topic_menu(self.deps.taxonomy)
        placed, result = 0, []
        for item in escalations:
            if item.topic is None and item.review_id in reviews:
                title, text = reviews[item.review_id]
                try:
                    choice = label_topic(
                        llm, title or "", text, menu,
                        timeout_seconds=self.deps.llm_timeout_seconds, backoff_seconds=self.deps.llm_backoff_seconds,
                    )  # fmt: skip
                except LLMError as err:
                    logger.warning("model topic for %s failed: %s", item.review_id, err)
                    choice = None
                if choice is not None and choice.topic is not None:
                    item = with_topic(item, choice.topic, self.deps.library)
                    placed += 1
            result.append(item)
        return result, placed

    def _untriaged_incidents(self) -> list[str]:
        """Open incidents without a triage thread (opened by the alert engine, or before a crash)."""
        with self.deps.db.session() as session:
            threaded = select(TriageThreadRow.incident_id)
            stmt = select(Incident.id).where(Incident.state == "open", Incident.id.not_in(threaded))
            return list(session.scalars(stmt.order_by(Incident.opened_at)))

    def _triage(self, incident_id: str, trigger_ids: list[str], flags: frozenset[str], report: QueueReport) -> None:
        """Start the incident's graph if it has no run yet (or was reopened); continue a crashed run."""
        with self.deps.db.session() as session:
            incident = get_incident(session, incident_id)
            latest = session.scalars(
                select(TriageThreadRow)
                .where(TriageThreadRow.incident_id == incident_id)
                .order_by(TriageThreadRow.runs.desc(), TriageThreadRow.started_at.desc())
            ).first()
            unstarted = latest is not None and self.thread_status(latest.thread_id) == "new"
            if latest is not None and latest.status in ("running", "failed") and not unstarted:
                thread_id, fresh = latest.thread_id, None
            elif latest is None or unstarted or (latest.status == "done" and incident.state == "open"):
                run = 1 if latest is None else latest.runs + (0 if unstarted else 1)
                thread_id = thread_id_for(incident.key, run)
                triggers = trigger_ids or _newest_reviews(session, incident_id)
                if not triggers:
                    logger.warning("incident %s has no reviews to triage from; skipped", incident_id)
                    return
                flags = flags or incident_flags(session, incident_id, self.routing)
                try:
                    facts = incident_facts(incident, sorted(flags), self.deps.taxonomy)
                except KeyError as err:  # e.g. an alert incident on a topic the taxonomy no longer has
                    logger.warning("incident %s cannot be triaged: %s", incident_id, err)
                    return
                fresh = {
                    "thread_id": thread_id,
                    "incident": facts.model_dump(mode="json"),
                    "trigger_review_ids": triggers,
                }
                self._touch_thread(session, thread_id, incident_id, run)
                session.execute(
                    update(TriageReviewRow)
                    .where(TriageReviewRow.review_id.in_(triggers), TriageReviewRow.thread_id.is_(None))
                    .values(thread_id=thread_id)
                    .execution_options(synchronize_session=False)
                )
            else:
                return  # waiting for approvals, or done and still being handled: new reviews were only attached
        status = self.drive(thread_id, fresh)
        report.threads_run += 1
        report.threads_failed += status == "failed"
        if fresh is not None:
            with self.deps.db.session() as session:
                row = session.get(TriageThreadRow, thread_id)
                if row is not None and row.first_gate_seconds is not None:
                    report.first_gate_seconds.append(row.first_gate_seconds)
                    report.tokens.append((row.input_tokens, row.output_tokens))

    def _touch_thread(self, session: Session, thread_id: str, incident_id: str, run: int) -> None:
        now = self._wall_clock()
        values = {"thread_id": thread_id, "incident_id": incident_id, "status": "running", "runs": run,
                  "started_at": now, "updated_at": now}  # fmt: skip
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        session.execute(insert(TriageThreadRow).values(**values).on_conflict_do_nothing(index_elements=["thread_id"]))

    # --- driving one thread ----------------------------------------------------------------------------------

    def config(self, thread_id: str) -> RunnableConfig:
        """The LangGraph run config of a thread."""
        return {"configurable": {"thread_id": thread_id}}

    def drive(self, thread_id: str, fresh_input: dict[str, Any] | None = None) -> str:
        """Run the thread: start it, or apply recorded decisions, or continue after a crash; returns its status."""
        if not self._acquire(thread_id):
            logger.info("thread %s is being driven by another worker; it will apply any recorded decision", thread_id)
            return "busy"
        started = time.perf_counter()
        status, error = "failed", None
        try:
            step = _Step(fresh_input, []) if fresh_input is not None else self._next_step(thread_id, resume=True)
            for _ in range(_MAX_STEPS):
                if step is None:
                    break
                self.graph.invoke(step.input, self.config(thread_id))
                if step.resumed:
                    with self.deps.db.session() as session:
                        mark_resumed(session, step.resumed, self.deps.clock())
                if fresh_input is not None:
                    self._record_first_pause(thread_id, time.perf_counter() - started)
                    fresh_input = None
                step = self._next_step(thread_id)
            status = self.thread_status(thread_id)
        except Exception as err:  # a failing node leaves the thread resumable from its last checkpoint
            logger.exception("triage thread %s failed; `recover()` continues it from its last checkpoint", thread_id)
            error = f"{type(err).__name__}: {err}"[:2000]
        finally:
            self._release(thread_id, status, error)
        return status

    def _next_step(self, thread_id: str, *, resume: bool = False) -> _Step | None:
        """What to feed the thread next: recorded decisions for its live interrupts, None to continue a crashed run,
        or nothing to do (None)."""
        snapshot = self.graph.get_state(self.config(thread_id))
        live = {i.value.get("approval_id"): i.id for i in snapshot.interrupts if isinstance(i.value, dict)}
        with self.deps.db.session() as session:
            waiting = decided_unresumed(session, thread_id)
            consumed = [g.approval_id for g in waiting if g.approval_id not in live]
            mark_resumed(session, consumed, self.deps.clock())  # taken by a run that crashed after resuming
            ready = [g for g in waiting if g.approval_id in live]
        if ready:
            return _Step(
                Command(resume={live[g.approval_id]: g.decision for g in ready}), [g.approval_id for g in ready]
            )
        crashed = not snapshot.interrupts or any(task.error is not None for task in snapshot.tasks)
        if resume and snapshot.next and crashed:
            return _Step(None, [])  # a node failed or the process died mid-run: continue from the checkpoint
        return None

    def thread_status(self, thread_id: str) -> str:
        """`awaiting_approval` (interrupts pending), `running` (more to do), `done`, or `new` (no checkpoint)."""
        snapshot = self.graph.get_state(self.config(thread_id))
        if not snapshot.values:
            return "new"
        if snapshot.interrupts:
            return "awaiting_approval"
        return "running" if snapshot.next else "done"

    def _record_first_pause(self, thread_id: str, seconds: float) -> None:
        values = self.graph.get_state(self.config(thread_id)).values
        generation = values.get("generation") or {}
        with self.deps.db.session() as session:
            row = session.get(TriageThreadRow, thread_id)
            if row is not None and row.first_gate_seconds is None:
                row.first_gate_seconds = round(seconds, 3)
                row.generated_by = (values.get("hypothesis") or {}).get("generated_by")
                row.input_tokens = generation.get("input_tokens")
                row.output_tokens = generation.get("output_tokens")

    def _acquire(self, thread_id: str) -> bool:
        now = self._wall_clock()
        with self.deps.db.session() as session:
            if session.get(TriageThreadRow, thread_id) is None:
                incident_id = self._incident_of_thread(session, thread_id)
                self._touch_thread(session, thread_id, incident_id, 1)
            result = session.execute(
                update(TriageThreadRow)
                .where(
                    TriageThreadRow.thread_id == thread_id,
                    (TriageThreadRow.lease_until.is_(None)) | (TriageThreadRow.lease_until < now),
                )
                .values(lease_until=now + timedelta(seconds=self.settings.lease_seconds), status="running")
                .execution_options(synchronize_session=False)
            )
            return getattr(result, "rowcount", 0) == 1

    def _incident_of_thread(self, session: Session, thread_id: str) -> str:
        key = thread_id.removeprefix("incident:").split("#", 1)[0]
        incident_id = session.scalar(select(Incident.id).where(Incident.key == key))
        if incident_id is None:
            raise KeyError(f"thread {thread_id!r} names no known incident key {key!r}")
        return incident_id

    def _release(self, thread_id: str, status: str, error: str | None) -> None:
        with self.deps.db.session() as session:
            row = session.get(TriageThreadRow, thread_id)
            if row is not None:
                row.lease_until, row.status, row.error = None, status, error
                row.updated_at = self._wall_clock()

    # --- recovery and timeouts -------------------------------------------------------------------------------

    def recover(self) -> list[str]:
        """Finish what a crash interrupted: requeue half-taken reviews, resume decided gates, continue failed runs."""
        now = self._wall_clock()
        with self.deps.db.session() as session:
            requeued = requeue_unprocessed(session)
            if requeued:
                logger.info("requeued %d escalations a stopped worker had taken", requeued)
            threads = set(session.scalars(
                select(TriageThreadRow.thread_id).where(
                    TriageThreadRow.status.in_(("running", "failed")),
                    (TriageThreadRow.lease_until.is_(None)) | (TriageThreadRow.lease_until < now),
                )
            ))  # fmt: skip
            threads |= {gate.thread_id for gate in decided_unresumed(session)}
        driven = []
        for thread_id in sorted(threads):
            if self.thread_status(thread_id) == "new":  # died before its first checkpoint: start it again
                with self.deps.db.session() as session:
                    incident_id = self._incident_of_thread(session, thread_id)
                self._triage(incident_id, [], frozenset(), QueueReport())
                driven.append(thread_id)
            elif self.drive(thread_id) != "busy":
                driven.append(thread_id)
        return driven

    def expire_gates(self, now: datetime | None = None) -> list[str]:
        """Apply the policy's `on_timeout` outcome to every gate past its deadline; returns their approval ids."""
        return approval_ops.expire_gates(self, now or self.deps.clock())

    # --- approvals (see agent/triage/approvals.py) -------------------------------------------------------------

    def pending_approvals(self) -> list[approval_ops.PendingApproval]:
        """Every gate waiting for a decision, with its proposed action, hypothesis and evidence."""
        return approval_ops.pending_approvals(self)

    def decide(self, approval_id: str, kind: str, **decision: Any) -> approval_ops.DecisionReport:
        """Apply a person's decision (approve, edit, reject, escalate) to a gate; see `approvals.decide`."""
        return approval_ops.decide(self, approval_id, kind, **decision)


def _newest_reviews(session: Session, incident_id: str, limit: int = 3) -> list[str]:
    stmt = (
        select(IncidentReview.review_id)
        .where(IncidentReview.incident_id == incident_id)
        .order_by(IncidentReview.attached_at.desc(), IncidentReview.review_id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))
