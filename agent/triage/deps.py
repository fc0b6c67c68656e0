"""What the triage graph's nodes use, gathered in one object the service builds once (tests pass fakes)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from langchain_core.language_models import BaseChatModel
from sqlalchemy.orm import Session

from agent.triage.context import ClusterRules
from store.approval_policy import ApprovalPolicy
from store.db import Database
from store.embeddings import TextEmbedder
from store.incidents import TRANSITIONS, IncidentState, get_incident, transition
from store.playbooks import Playbook, PlaybookLibrary
from store.taxonomy import Taxonomy
from store.vector_index import ReviewIndex
from tools.senders import Sender

__all__ = ["ACTOR", "DEFAULT_WINDOW_HOURS", "TriageDeps", "advance_incident", "candidate_playbooks"]

logger = logging.getLogger(__name__)

ACTOR = "agent:triage"
DEFAULT_WINDOW_HOURS = 168


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class TriageDeps:
    """Stores, configs and services the nodes call; `chat_model()` may return None (rules) or raise LLMError."""

    db: Database
    library: PlaybookLibrary
    policy: ApprovalPolicy
    taxonomy: Taxonomy
    senders: Callable[[str], Sender]
    chat_model: Callable[[], BaseChatModel | None] = lambda: None
    index: ReviewIndex | None = None
    embedder: TextEmbedder | None = None
    clock: Callable[[], datetime] = _utcnow
    rules: ClusterRules = field(default_factory=ClusterRules)
    max_evidence: int = 8
    few_shot: int = 2
    llm_timeout_seconds: float = 60.0
    llm_backoff_seconds: float = 0.5
    after_enqueue: Callable[[Sequence[int]], None] | None = None
    """Called after an action's outbox row is committed, before delivery (tests simulate a crash there)."""
    incident_locks: dict[str, threading.Lock] = field(default_factory=dict)
    _locks_guard: threading.Lock = field(default_factory=threading.Lock)

    def incident_lock(self, incident_id: str) -> threading.Lock:
        """A lock per incident: the actions of one incident run in parallel threads but write one incident row."""
        with self._locks_guard:
            return self.incident_locks.setdefault(incident_id, threading.Lock())


def candidate_playbooks(library: PlaybookLibrary, topic: str, flags: Collection[str] = ()) -> list[Playbook]:
    """Playbooks for an incident's topic (a leaf id, or a flag id) and flags, flag matches (safety) first."""
    leaf = topic if "." in topic else None
    try:
        return library.for_topic(leaf, flags)
    except KeyError:
        logger.warning("no playbook lookup for topic %r flags %s", topic, sorted(flags))
        return []


def advance_incident(
    session: Session, incident_id: str, target: IncidentState, now: datetime, note: str | None = None
) -> None:
    """Move the incident to `target` unless it is there already (nodes re-run after a crash or a resume) or the
    machine does not allow it from where a person has taken it (e.g. closed by hand): the graph never fights them."""
    current = IncidentState(get_incident(session, incident_id).state)
    if current is target:
        return
    if target not in TRANSITIONS[current]:
        logger.warning(
            "incident %s is %s; triage leaves it there instead of moving it to %s", incident_id, current, target
        )
        return
    transition(session, incident_id, target, ACTOR, now, note=note)
