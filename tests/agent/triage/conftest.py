"""A small store of scored, routed reviews and a triage service over it, on SQLite or PostgreSQL."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from agent.triage import TriageService, open_triage_service
from store.db import Database
from store.outbox_tables import OutboxRow
from store.settings import Settings
from store.tables import RouteDecisionRow
from tests.fake_chat import Script as Script  # re-exported for the tests beside this conftest
from tests.fake_chat import fake_model as fake_model
from tests.review_rows import add_review

REPO_ROOT_FOR_SUBPROCESS = Path(__file__).resolve().parents[3]
T0 = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
ZIPPER_TEXTS = [
    "The zipper broke after two days.",
    "Zipper pull came right off in my hand.",
    "The zip split open from the bottom on the second wear.",
    "Zip teeth came apart halfway up.",
    "The zipper slider snapped off the first time I used it.",
    "Main zip jammed and then the teeth separated.",
    "The zipper tore away from the fabric.",
]
DEFECT_ANSWER = {
    "topic": "product_quality.defect",
    "root_cause": "supplier_batch_defect",
    "evidence": ["R1", "R2"],
    "severity": "high",
    "confidence": 0.8,
    "summary": "Zippers on JKT-0125 break within days; one supplier batch looks faulty.",
}


def answer(**overrides: Any) -> str:
    """A hypothesis answer as the model would write it (JSON text)."""
    return json.dumps({**DEFECT_ANSWER, **overrides})


@dataclass
class World:
    """A private REVIEWOPS_HOME with a migrated database; builds reviews and opens triage services over them."""

    settings: Settings
    db: Database
    checkpoint: str
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def add_review(
        self,
        text: str,
        *,
        created_at: datetime,
        sku: str | None = "JKT-0125",
        topic: str | None = "product_quality.defect",
        route: str = "agent",
        severity: str = "medium",
        reasons: tuple[str, ...] = ("low_sentiment_confidence(0.41<0.50)",),
        sentiment: str = "negative",
        rating: int | None = 1,
        flags: dict[str, float] | None = None,
        region: str | None = "EU-West",
        warehouse: str | None = "WH-ROT",
        supplier: str | None = "SUP-7",
        category: str | None = "Jackets",
        carrier: str | None = None,
    ) -> str:
        review_id = f"storefront:{next(self.counter)}"
        payload = {"review_id": review_id, "body": text, "order": {"carrier": carrier} if carrier else None}
        raw = json.dumps(payload).encode()
        with self.db.session() as session:
            add_review(
                session, review_id, created_at, sku=sku, category=category, region=region, warehouse=warehouse,
                supplier=supplier, rating=rating, sentiment=sentiment, topics=(topic,) if topic else (),
                flags=flags or {}, text=text, payload=raw,
            )  # fmt: skip
            session.add(
                RouteDecisionRow(
                    review_id=review_id,
                    route=route,
                    severity=severity,
                    reasons=list(reasons),
                    scorer_version="test",
                    routing_version="test",
                    routed_at=created_at,
                    queue_status="queued" if route == "agent" else None,
                )
            )
        return review_id

    def zipper_cluster(self, count: int = 6, *, start: datetime = T0, sku: str = "JKT-0125") -> list[str]:
        """`count` escalated zipper complaints on one SKU over the days before `start`."""
        return [
            self.add_review(ZIPPER_TEXTS[i % len(ZIPPER_TEXTS)], created_at=start - timedelta(hours=10 * i), sku=sku)
            for i in range(count)
        ]

    def safety_report(self, text: str = "The charger got so hot it melted the plug.", sku: str = "CHG-0091") -> str:
        return self.add_review(
            text, created_at=T0, sku=sku, topic="product_quality.defect", severity="high",
            reasons=("safety_flag",), flags={"safety_hazard": 0.95}, category="Electronics", supplier="SUP-2",
        )  # fmt: skip

    @contextmanager
    def service(self, model: Any = None, **options: Any) -> Iterator[TriageService]:
        """A fresh service over the same database and checkpoints, as a new process would build it."""
        chat = model if model is not None else fake_model(answer())
        with open_triage_service(self.settings, chat_model=chat, checkpoint=self.checkpoint, **options) as service:
            yield service

    def outbox(self) -> list[OutboxRow]:
        with self.db.session() as session:
            return list(session.scalars(select(OutboxRow).order_by(OutboxRow.id)))

    def delivered(self, receiver: str) -> list[dict[str, Any]]:
        """The lines the local file receiver got."""
        path = self.settings.home / "outbox" / f"{receiver}.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines()]


def make_world(tmp_path: Path, database_url: str | None = None) -> World:
    """A world under `tmp_path/home`: SQLite store and checkpoints (the CLI defaults), or PostgreSQL for both."""
    home = tmp_path / "home"
    home.mkdir()
    settings = Settings(home=home, database_url=database_url, shared_csv=tmp_path / "none.csv")
    db = Database.from_settings(settings)
    checkpoint = database_url or f"sqlite:///{(home / 'triage_checkpoints.sqlite').resolve()}"
    return World(settings=settings, db=db, checkpoint=checkpoint)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """A SQLite world."""
    built = make_world(tmp_path)
    yield built
    built.db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """A world on SQLite (store + checkpoints), and again on PostgreSQL (store + checkpoints)."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    built = make_world(tmp_path, url)
    yield built
    built.db.dispose()


Decide = Callable[..., Any]
