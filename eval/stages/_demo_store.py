"""The seeded demo stream run through the real loop into a private store, and the agent's incidents found in it.

This is what `reviewops demo` does, minus the alert engine and the micro-batch replay: the stream's payloads go
through ingest, cleaning, the fast scorer and the router one simulated day at a time (on a fixed clock, so a re-run
stores identical rows), clean reviews are indexed, and the triage service takes the agent queue 20 at a time at the
stream's end with rules hypotheses (no model), opening the incidents the agent would open. For each injected
incident the stage then finds the agent incident holding most of its reports and the triage thread's start state.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from agent.scorer import FastScorer
from agent.triage import ClusterRules, TriageDeps, TriageService, open_checkpointer
from eval.stages._triage_world import TriageConfigs
from lab.demo.stream import DemoStream, IncidentTruth
from pipeline.adapters import IngestLimits
from pipeline.clean import Cleaner, load_cleaning_config
from pipeline.indexing import index_pending_reviews
from pipeline.loop import ReviewLoop
from store.db import Database
from store.embeddings import TextEmbedder
from store.incident_tables import IncidentReview
from store.settings import Settings
from store.triage_tables import TriageThreadRow
from store.vector_index import ReviewIndex
from tools import Senders, SenderSettings

__all__ = ["AgentIncident", "DemoStore", "open_demo_store"]


class _FixedClock:
    """A clock the store moves by hand (the loop stamps rows with it): identical rows on every run."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


@dataclass(frozen=True)
class AgentIncident:
    """The agent's incident for one injected incident, and the start state of its first triage thread."""

    incident_id: str
    overlap: int
    """How many of the injected incident's reports are attached to it."""
    start: dict[str, Any]
    """thread_id, incident (IncidentFacts), trigger_review_ids and context (TriageContext), as the thread began."""


@dataclass
class DemoStore:
    """The private store, its index and the triage wiring the stage re-runs hypotheses with."""

    db: Database
    deps: TriageDeps
    end: datetime
    counts: dict[str, Any] = field(default_factory=dict)
    _threads: dict[str, dict[str, Any]] = field(default_factory=dict)
    _members: dict[str, set[str]] = field(default_factory=dict)

    def incident_for(self, truth: IncidentTruth) -> AgentIncident | None:
        """The agent incident holding most reports of `truth` (ties: the first opened), or None when none holds any."""
        reports = set(truth.review_ids)
        scored = [(len(members & reports), incident) for incident, members in self._members.items()]
        scored = [(n, incident) for n, incident in scored if n > 0 and incident in self._threads]
        if not scored:
            return None
        overlap, incident_id = max(scored, key=lambda item: item[0])
        return AgentIncident(incident_id=incident_id, overlap=overlap, start=self._threads[incident_id])


def _replay(loop: ReviewLoop, clock: _FixedClock, stream: DemoStream) -> Counter[str]:
    """Feed the stream one simulated day at a time, each day's batch stamped at the day's end."""
    routed: Counter[str] = Counter()
    day = timedelta(days=1)
    start = stream.start
    while start < stream.end:
        batch = [e for e in stream.events if start <= e.received_at < start + day]
        clock.at = min(start + day, stream.end)
        if batch:
            routed.update(loop.process(batch).routed)
        start += day
    return routed


@contextmanager
def open_demo_store(
    stream: DemoStream,
    settings: Settings,
    scorer: FastScorer,
    configs: TriageConfigs,
    embedder: TextEmbedder | None,
) -> Iterator[DemoStore]:
    """Build the store under `settings.home` (a private SQLite file and Chroma directory) and triage it by rules."""
    settings = settings.model_copy(update={"database_url": None, "chroma_mode": "persistent"})
    db = Database.from_settings(settings)
    clock = _FixedClock(stream.start)
    with ExitStack() as stack:
        stack.callback(db.dispose)
        loop = ReviewLoop(
            db=db,
            scorer=scorer,
            cleaner=Cleaner(load_cleaning_config(settings.config_dir / "cleaning.yaml")),
            taxonomy=configs.taxonomy,
            routing=configs.routing,
            limits=IngestLimits.from_settings(settings),
            clock=clock,
        )
        routed = _replay(loop, clock, stream)
        index = None
        if embedder is not None:
            indexed = index_pending_reviews(settings, db, embedder)
            index = stack.enter_context(ReviewIndex.open(settings, embedder))
        senders = Senders(
            SenderSettings(home=settings.home, config_dir=settings.config_dir, webhooks={}, outbox_fallback="file")
        )
        stack.callback(senders.close)
        deps = TriageDeps(
            db=db,
            library=configs.library,
            policy=configs.policy,
            taxonomy=configs.taxonomy,
            senders=senders,
            index=index,
            embedder=embedder,
            clock=lambda: stream.end,
            rules=ClusterRules(
                min_topic_confidence=configs.routing.min_topic_confidence,
                flag_thresholds={"safety_hazard": configs.routing.flag_thresholds["safety_hazard"]},
            ),
        )
        saver = stack.enter_context(open_checkpointer(f"sqlite:///{(settings.home / 'checkpoints.sqlite').resolve()}"))
        service = TriageService(deps, saver, configs.routing)
        report = service.run(batch=20)
        store = DemoStore(db=db, deps=deps, end=stream.end)
        store.counts = {
            "routed": dict(routed),
            "indexed": indexed.indexed if embedder is not None else 0,
            "triage_outcomes": report.outcomes,
            "incidents_opened": len(report.incidents_opened),
        }
        _collect(store, service)
        yield store


def _collect(store: DemoStore, service: TriageService) -> None:
    with store.db.session() as session:
        first_threads: dict[str, str] = {}
        for row in session.scalars(select(TriageThreadRow).order_by(TriageThreadRow.runs, TriageThreadRow.thread_id)):
            first_threads.setdefault(row.incident_id, row.thread_id)
        links: Sequence[tuple[str, str]] = (
            session.execute(select(IncidentReview.incident_id, IncidentReview.review_id)).tuples().all()
        )
    for incident_id, review_id in links:
        store._members.setdefault(incident_id, set()).add(review_id)
    for incident_id, thread_id in first_threads.items():
        values = service.graph.get_state(service.config(thread_id)).values
        if values.get("context"):
            store._threads[incident_id] = {
                key: values[key] for key in ("thread_id", "incident", "trigger_review_ids", "context")
            }
