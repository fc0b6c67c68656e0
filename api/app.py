"""FastAPI service: ingest webhooks, loop status and Prometheus metrics. Routes stay thin."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from starlette.concurrency import run_in_threadpool

from pipeline.factory import build_loop
from pipeline.file_ingest import FilePayload
from pipeline.loop import ReviewLoop
from pipeline.metrics import StoreStatusCollector
from store.db import Database
from store.settings import Settings
from store.status import LoopStatus, loop_status

__all__ = ["Role", "create_app"]

Role = str  # viewer < ingest < approver < admin
_RANK = {"viewer": 0, "ingest": 1, "approver": 2, "admin": 3}


class _Service:
    """Lazily built loop (the scorer loads once) and a lock: one writer per process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = Database.from_settings(settings)
        self._loop: ReviewLoop | None = None
        self.lock = threading.Lock()

    def loop(self) -> ReviewLoop:
        if self._loop is None:
            self._loop = build_loop(self.settings, db=self.db)
        return self._loop

    def status(self) -> LoopStatus:
        with self.db.session() as session:
            return loop_status(session)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; API keys and roles come from `Settings.api_keys` (`key:role,...`)."""
    settings = settings or Settings()
    service = _Service(settings)
    keys = settings.parsed_api_keys()
    app = FastAPI(title="ReviewOps", version="0.1.0", description="Customer reviews to operational action.")
    registry = CollectorRegistry()
    registry.register(StoreStatusCollector(service.status))

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

    @app.get("/metrics")
    def metrics() -> Response:
        body = generate_latest(REGISTRY) + generate_latest(registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    app.state.service = service
    return app
