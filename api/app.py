"""FastAPI service: ingest webhooks, reviews and labels, incidents, alert feedback, approvals, loop status and
Prometheus metrics. Routes stay thin.

No `from __future__ import annotations` here: FastAPI must evaluate route annotations where the per-app
dependencies (API keys) are in scope.
"""

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, HTTPException, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from agent.chat import ChatAnswer, ChatResponder, QuestionError
from agent.triage import open_triage_service
from agent.triage.approvals import AlreadyDecided, ApprovalNotFound, InvalidDecision
from pipeline.alerts import AlertScheduleSettings, alert_precision, build_alert_scheduler, record_feedback
from pipeline.alerts.summary import AlertsCollector, AlertsSummary, summarize_alerts
from pipeline.factory import build_loop
from pipeline.file_ingest import FilePayload
from pipeline.loop import ReviewLoop
from pipeline.metrics import StoreStatusCollector
from store.approval_policy import DecisionNotAllowed
from store.db import Database
from store.incident_views import (
    IncidentDetail,
    IncidentSummary,
    PostmortemView,
    StateFilter,
    incident_detail,
    list_incidents,
    postmortem_search,
)
from store.incidents import IllegalTransition, IncidentState, transition
from store.review_views import HumanLabelIn, ReviewDetail, ReviewNotFound, add_human_label, review_detail
from store.roles import RANK, Role
from store.settings import Settings
from store.status import LoopStatus, loop_status
from store.taxonomy import load_taxonomy

__all__ = ["ChatBody", "DecisionBody", "create_app"]


class DecisionBody(BaseModel):
    """A person's decision on one approval gate."""

    kind: Literal["approve", "reject", "edit", "escalate"]
    reason: str | None = None
    args: dict[str, Any] | None = None
    actor: str | None = Field(default=None, description="Who decides; defaults to the API key's prefix.")


class ChatBody(BaseModel):
    """A manager's question for the chat."""

    question: str = Field(min_length=1, max_length=500)
    as_of: datetime | None = Field(default=None, description="Data clock the windows end at; default: newest review.")
    use_llm: bool = Field(default=True, description="Let the configured model write the prose (else rules only).")


class TransitionBody(BaseModel):
    """Move an incident to another lifecycle state."""

    to_state: IncidentState
    note: str | None = Field(default=None, max_length=4000, description="Required when closing.")
    actor: str | None = Field(default=None, description="Who moves it; defaults to the API key's prefix.")


class FeedbackBody(BaseModel):
    """An owner's verdict on an alert."""

    verdict: Literal["useful", "noise"]
    note: str | None = Field(default=None, max_length=2000)
    actor: str | None = Field(default=None, description="Who judges; defaults to the API key's prefix.")


# Reading needs viewer; ingest needs ingest; deciding needs a deciding role, and the approval policy then says
# which deciding roles may decide which gate (an approver cannot approve what is reserved for qa_lead or legal).
_RANK = RANK


class _Service:
    """Lazily built loop (the scorer loads once) and a lock: one writer per process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = Database.from_settings(settings)
        self._loop: ReviewLoop | None = None
        self._topic_ids: list[str] | None = None
        self.lock = threading.Lock()

    def loop(self) -> ReviewLoop:
        if self._loop is None:
            self._loop = build_loop(self.settings, db=self.db)
        return self._loop

    def alerts(self) -> AlertsSummary:
        with self.db.session() as session:
            return summarize_alerts(session, datetime.now(UTC))

    def status(self) -> LoopStatus:
        with self.db.session() as session:
            return loop_status(session)

    def topic_ids(self) -> list[str]:
        if self._topic_ids is None:
            self._topic_ids = load_taxonomy(self.settings.config_dir / "taxonomy.yaml").topic_ids()
        return self._topic_ids


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; API keys and roles come from `Settings.api_keys` (`key:role,...`)."""
    settings = settings or Settings()
    service = _Service(settings)
    keys = settings.parsed_api_keys()
    # Alerts are evaluated inside the service every REVIEWOPS_ALERTS_INTERVAL_SECONDS (the loop keeps gold current
    # per batch); the scheduler shares the one-writer lock with ingest and approvals.
    schedule = AlertScheduleSettings()
    alerts = build_alert_scheduler(settings, service.db, schedule=schedule, lock=service.lock)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if schedule.in_service:
            alerts.start()
        yield
        alerts.stop()

    app = FastAPI(
        title="ReviewOps", version="0.1.0", description="Customer reviews to operational action.", lifespan=lifespan
    )
    registry = CollectorRegistry()
    registry.register(StoreStatusCollector(service.status))
    registry.register(AlertsCollector(service.alerts))

    def require(role: Role) -> Any:
        def check(x_api_key: Annotated[str | None, Header()] = None) -> str:
            granted = keys.get(x_api_key or "")
            if granted is None:
                raise HTTPException(401, "missing or unknown X-API-Key")
            if _RANK[granted] < _RANK[role]:
                raise HTTPException(403, f"this key has role {granted!r}; {role!r} or higher is needed")
            return granted

        return Depends(check)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/ingest/{source}", dependencies=[require("ingest")])
    async def ingest(source: str, request: Request) -> dict[str, object]:
        """Store one raw payload from `source` exactly as received and run it through the fast path."""
        body = await request.body()
        raw = FilePayload(source=source, payload=body, received_at=datetime.now(UTC))

        def run() -> dict[str, object]:
            with service.lock:
                return service.loop().process([raw]).as_dict()

        return await run_in_threadpool(run)

    @app.get("/status", dependencies=[require("viewer")])
    def status() -> LoopStatus:
        return service.status()

    @app.get("/reviews/{review_id:path}", dependencies=[require("viewer")])
    def review(review_id: str) -> ReviewDetail:
        """One cleaned (masked) review with its score, route, incidents and human labels."""
        try:
            with service.db.session() as session:
                return review_detail(session, review_id)
        except ReviewNotFound as err:
            raise HTTPException(404, str(err)) from err

    @app.post("/labels/{review_id:path}", dependencies=[require("approver")])
    def label(review_id: str, body: HumanLabelIn) -> dict[str, Any]:
        """Correct the scorer's labels for a review; `reviewops train` learns from stored human labels."""
        try:
            with service.db.session() as session:
                label_id = add_human_label(session, review_id, body, service.topic_ids(), datetime.now(UTC))
        except ReviewNotFound as err:
            raise HTTPException(404, str(err)) from err
        except ValueError as err:
            raise HTTPException(422, str(err)) from err
        return {"label_id": label_id, "review_id": review_id}

    @app.get("/incidents", dependencies=[require("viewer")])
    def incidents(
        state: StateFilter = "active", sku: str | None = None, topic: str | None = None, limit: int = 100
    ) -> list[IncidentSummary]:
        """Incidents most recently changed first, by lifecycle (active, closed, all), SKU and topic."""
        with service.db.session() as session:
            return list_incidents(session, datetime.now(UTC), state, sku=sku, topic=topic, limit=min(limit, 500))

    @app.get("/incidents/{incident_id}", dependencies=[require("viewer")])
    def incident(incident_id: str) -> IncidentDetail:
        """One incident: hypothesis, clock stamps, transitions, evidence reviews and postmortem."""
        try:
            with service.db.session() as session:
                return incident_detail(session, incident_id, datetime.now(UTC))
        except KeyError as err:
            raise HTTPException(404, str(err.args[0])) from err

    @app.post("/incidents/{incident_id}/transitions")
    def move_incident(
        incident_id: str,
        body: TransitionBody,
        role: Annotated[str, require("approver")],
        x_api_key: Annotated[str | None, Header()] = None,
    ) -> IncidentDetail:
        """Move an incident through its lifecycle; closing (resolved, closed_noise) needs a resolution note."""
        actor = body.actor or f"api-key:{(x_api_key or '')[:4]}…"
        try:
            with service.lock, service.db.session() as session:
                transition(session, incident_id, body.to_state, actor, datetime.now(UTC), note=body.note)
                session.flush()
                return incident_detail(session, incident_id, datetime.now(UTC))
        except KeyError as err:
            raise HTTPException(404, str(err.args[0])) from err
        except IllegalTransition as err:
            raise HTTPException(409, str(err)) from err

    @app.get("/postmortems", dependencies=[require("viewer")])
    def postmortems(q: str, limit: int = 20) -> list[PostmortemView]:
        """Postmortems whose text contains every word of `q`, newest first."""
        with service.db.session() as session:
            return postmortem_search(session, q, min(limit, 100))

    @app.post("/alerts/{alert_id}/feedback")
    def alert_feedback(
        alert_id: int,
        body: FeedbackBody,
        role: Annotated[str, require("approver")],
        x_api_key: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        """An owner marks an alert useful or noise; precision per rule and topic follows from these."""
        actor = body.actor or f"api-key:{(x_api_key or '')[:4]}…"
        try:
            with service.db.session() as session:
                record_feedback(session, alert_id, body.verdict, actor, datetime.now(UTC), body.note)
                precision = alert_precision(session)
        except KeyError as err:
            raise HTTPException(404, str(err.args[0])) from err
        return {"alert_id": alert_id, "verdict": body.verdict, "precision": precision.model_dump(mode="json")}

    @app.get("/approvals", dependencies=[require("viewer")])
    def approvals() -> list[dict[str, Any]]:
        """Every approval gate waiting for a decision, with the proposed action, hypothesis and evidence."""
        with open_triage_service(settings, db=service.db, use_llm=False) as triage:
            return [p.model_dump(mode="json") for p in triage.pending_approvals()]

    @app.post("/approvals/{approval_id}")
    def decide(
        approval_id: str,
        body: DecisionBody,
        role: Annotated[str, require("approver")],
        x_api_key: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        """Approve, edit, reject or escalate a gate as the caller's role; the paused graph resumes."""
        actor = body.actor or f"api-key:{(x_api_key or '')[:4]}…"
        try:
            with service.lock, open_triage_service(settings, db=service.db, use_llm=False) as triage:
                report = triage.decide(
                    approval_id, body.kind, actor=actor, role=role, reason=body.reason, args=body.args
                )
        except ApprovalNotFound as err:
            raise HTTPException(404, str(err)) from err
        except DecisionNotAllowed as err:
            raise HTTPException(403, str(err)) from err
        except (AlreadyDecided, InvalidDecision, ValueError) as err:
            raise HTTPException(409, str(err)) from err
        return report.model_dump(mode="json")

    chat = ChatResponder(settings, service.db)

    @app.post("/chat", dependencies=[require("viewer")])
    def ask(body: ChatBody) -> ChatAnswer:
        """Answer a question with numbers computed from the data and cited reviews; read-only, never acts."""
        try:
            return chat.ask(body.question, as_of=body.as_of, use_llm=body.use_llm)
        except QuestionError as err:
            raise HTTPException(422, str(err)) from err

    @app.get("/metrics")
    def metrics() -> Response:
        body = generate_latest(REGISTRY) + generate_latest(registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    app.state.service = service
    app.state.alerts = alerts
    return app
