"""A private store for one triage case: escalated reviews with a trusted classification, and triage services over it.

Scenarios (YAML, see eval/suites/data/triage_scenarios.yaml) say what the fast path decided about a cluster: topic,
flag probabilities, severity and route reasons. The world writes those rows through the store's own insert
functions, so the triage service claims them from the agent queue exactly as in production; only the review text
varies between cases. Every world has its own SQLite database, checkpoints and outbox files under its home, and
delivers to local files only (no webhook, whatever the environment says).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, ConfigDict, Field

from agent.triage import ClusterRules, TriageDeps, TriageService, open_checkpointer
from store.approval_policy import ApprovalPolicy, load_approval_policy
from store.db import Database
from store.playbooks import PlaybookLibrary
from store.review_store import insert_bronze, insert_routes, insert_scores, insert_silver, set_bronze_outcome
from store.routing_config import RoutingConfig, load_routing_config
from store.schemas import CleanedReview, LabelScore, ReviewScore, Route, RouteDecision, Sentiment, Urgency
from store.settings import Settings
from store.taxonomy import Taxonomy, load_taxonomy
from store.yaml_config import load_yaml_model
from tools import Senders, SenderSettings, playbook_library

__all__ = ["Bystanders", "Scenario", "ScenarioFile", "TriageConfigs", "TriageWorld", "load_scenarios"]

_DB_FILE = "reviewops.db"
_STRICT = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class Bystanders(BaseModel):
    """Praised reviews of another SKU, on the fast path: ids and a SKU outside the incident that text may name."""

    model_config = _STRICT

    sku: str
    category: str
    region: str
    warehouse: str
    supplier: str
    topic: str
    texts: list[str] = Field(min_length=1)


class Scenario(BaseModel):
    """One escalated cluster and the classification the fast path gave it (never derived from the text)."""

    model_config = _STRICT

    description: str
    sku: str
    category: str
    region: str
    warehouse: str
    supplier: str
    carrier: str | None = None
    """Stored in the raw payload (silver has no carrier column), as the storefront sends it."""
    topic: str
    """The scorer's confident primary topic (a taxonomy leaf id)."""
    flags: dict[str, float] = Field(default_factory=dict)
    """Flag probabilities as the scorer wrote them (e.g. safety_hazard: 0.95)."""
    severity: Urgency
    reasons: list[str] = Field(min_length=1)
    """The router's reasons for escalating (they also raise flags, e.g. `safety_flag`, `legal_lexicon`)."""
    texts: list[str] = Field(min_length=1)
    """Review texts, used in turn until `count` reviews exist."""
    count: int | None = Field(default=None, ge=1)
    """How many reviews (default: one per text)."""
    hours_apart: float = Field(default=10.0, gt=0)
    answer: dict[str, Any]
    """An honest model's hypothesis answer (the JSON object the hypothesis prompt asks for)."""

    @property
    def size(self) -> int:
        return self.count or len(self.texts)


class ScenarioFile(BaseModel):
    """The scenarios file."""

    model_config = _STRICT

    bystanders: Bystanders
    scenarios: dict[str, Scenario] = Field(min_length=1)


def load_scenarios(path: Path) -> ScenarioFile:
    """Read and validate a scenarios file; errors name file, line and field."""
    return load_yaml_model(path, ScenarioFile)


@dataclass(frozen=True)
class TriageConfigs:
    """The business configs a triage service reads, loaded and validated once."""

    library: PlaybookLibrary
    policy: ApprovalPolicy
    taxonomy: Taxonomy
    routing: RoutingConfig

    @classmethod
    def load(cls, config_dir: Path) -> TriageConfigs:
        """Taxonomy, playbooks, approval policy and routing thresholds from `config_dir`."""
        taxonomy = load_taxonomy(config_dir / "taxonomy.yaml")
        return cls(
            library=playbook_library(config_dir / "playbooks", taxonomy),
            policy=load_approval_policy(config_dir / "approval_policy.yaml"),
            taxonomy=taxonomy,
            routing=load_routing_config(config_dir / "routing.yaml"),
        )


@dataclass
class _Review:
    review_id: str
    text: str
    created_at: datetime
    sku: str
    category: str
    region: str
    warehouse: str
    supplier: str
    topic: str
    rating: int
    carrier: str | None = None


@dataclass
class TriageWorld:
    """One case's home: database, checkpoints, outbox files, a fixed clock."""

    settings: Settings
    db: Database
    checkpoint: str
    now: datetime
    senders: Senders
    configs: TriageConfigs

    @staticmethod
    def migrated_template(base: Settings, directory: Path) -> Path:
        """An empty, migrated SQLite database file that worlds start from (alembic runs once, in one thread)."""
        settings = _private(base, directory)
        Database.from_settings(settings).dispose()
        return settings.home / _DB_FILE

    @classmethod
    def create(cls, base: Settings, home: Path, now: datetime, template: Path, configs: TriageConfigs) -> TriageWorld:
        """A fresh SQLite world under `home`, copied from `template` (never the configured database or webhooks)."""
        settings = _private(base, home)
        shutil.copyfile(template, home / _DB_FILE)
        db = Database.from_settings(settings, migrate=False)
        senders = Senders(
            SenderSettings(home=home, config_dir=settings.config_dir, webhooks={}, outbox_fallback="file")
        )
        checkpoint = f"sqlite:///{(home / 'triage_checkpoints.sqlite').resolve()}"
        return cls(settings=settings, db=db, checkpoint=checkpoint, now=now, senders=senders, configs=configs)

    def add_cluster(self, scenario: Scenario, texts: Sequence[str]) -> list[str]:
        """Escalated reviews with the scenario's classification and these texts (newest first: rv-1, rv-2, ...)."""
        reviews = [
            _Review(
                review_id=f"rv-{i + 1}",
                text=text,
                created_at=self.now - timedelta(hours=1 + scenario.hours_apart * i),
                sku=scenario.sku,
                category=scenario.category,
                region=scenario.region,
                warehouse=scenario.warehouse,
                supplier=scenario.supplier,
                topic=scenario.topic,
                rating=1,
                carrier=scenario.carrier,
            )
            for i, text in enumerate(texts)
        ]
        self._insert(reviews, scenario.flags, scenario.severity, scenario.reasons, escalated=True)
        return [r.review_id for r in reviews]

    def add_bystanders(self, bystanders: Bystanders) -> list[str]:
        """Praised reviews of another SKU that stay on the fast path (by-1, by-2, ...)."""
        reviews = [
            _Review(
                review_id=f"by-{i + 1}",
                text=text,
                created_at=self.now - timedelta(hours=2 + 7 * i),
                sku=bystanders.sku,
                category=bystanders.category,
                region=bystanders.region,
                warehouse=bystanders.warehouse,
                supplier=bystanders.supplier,
                topic=bystanders.topic,
                rating=5,
            )
            for i, text in enumerate(bystanders.texts)
        ]
        self._insert(reviews, {}, Urgency.low, [], escalated=False)
        return [r.review_id for r in reviews]

    def _insert(
        self,
        reviews: Sequence[_Review],
        flags: dict[str, float],
        severity: Urgency,
        reasons: list[str],
        *,
        escalated: bool,
    ) -> None:
        payloads = [
            json.dumps(
                {"review_id": r.review_id, "body": r.text, "sku": r.sku, "order": {"carrier": r.carrier}},
                sort_keys=True,
            ).encode()
            for r in reviews
        ]
        with self.db.session() as session:
            fresh = insert_bronze(
                session, [("storefront", p, r.created_at) for p, r in zip(payloads, reviews, strict=True)], self.now
            )
            by_payload = {b.payload: b.bronze_id for b in fresh}
            bronze_ids = {r.review_id: by_payload[p] for p, r in zip(payloads, reviews, strict=True)}
            insert_silver(session, [_cleaned(r) for r in reviews], bronze_ids)
            set_bronze_outcome(session, [(bronze_ids[r.review_id], r.review_id, "silver") for r in reviews])
            insert_scores(session, [_score(r, flags, negative=escalated) for r in reviews])
            route = Route.agent if escalated else Route.done
            insert_routes(
                session,
                [
                    RouteDecision(
                        review_id=r.review_id,
                        route=route,
                        severity=severity,
                        reasons=list(reasons),
                        scorer_version="eval-trusted",
                        routing_version="eval-trusted",
                        routed_at=r.created_at,
                    )
                    for r in reviews
                ],
            )

    @contextmanager
    def service(
        self,
        model: BaseChatModel | None,
        *,
        after_enqueue: Callable[[Sequence[int]], None] | None = None,
    ) -> Iterator[TriageService]:
        """A triage service over this world, as a new process would build it (no model: rules hypotheses).

        Wired like `agent.triage.open_triage_service` from configs loaded once per stage (parsing the playbooks
        and taxonomy per service would dominate the run time).
        """
        configs = self.configs
        deps = TriageDeps(
            db=self.db,
            library=configs.library,
            policy=configs.policy,
            taxonomy=configs.taxonomy,
            senders=self.senders,
            chat_model=lambda: model,
            clock=lambda: self.now,
            rules=ClusterRules(
                min_topic_confidence=configs.routing.min_topic_confidence,
                flag_thresholds={"safety_hazard": configs.routing.flag_thresholds["safety_hazard"]},
            ),
            llm_backoff_seconds=0.01,  # a scripted model that "does not answer" needs no real backoff
            after_enqueue=after_enqueue,
        )
        with open_checkpointer(self.checkpoint) as saver:
            yield TriageService(deps, saver, configs.routing)

    def deliveries(self) -> list[dict[str, Any]]:
        """Every line the local file receivers got (one per delivery), in file order."""
        found: list[dict[str, Any]] = []
        for path in sorted((self.settings.home / "outbox").glob("*.jsonl")):
            found += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return found

    def close(self) -> None:
        """Release the database and the senders."""
        self.senders.close()
        self.db.dispose()


def _private(base: Settings, home: Path) -> Settings:
    home.mkdir(parents=True, exist_ok=True)
    return base.model_copy(update={"home": home, "database_url": None, "chroma_mode": "persistent"})


def _cleaned(review: _Review) -> CleanedReview:
    return CleanedReview(
        review_id=review.review_id,
        source="storefront",
        channel="storefront",
        sku=review.sku,
        category=review.category,
        rating=review.rating,
        text=review.text,
        language="en",
        created_at=review.created_at,
        received_at=review.created_at,
        cleaned_at=review.created_at,
        region=review.region,
        warehouse=review.warehouse,
        supplier=review.supplier,
        dedup_key=review.review_id,
    )


def _score(review: _Review, flags: dict[str, float], *, negative: bool) -> ReviewScore:
    return ReviewScore(
        review_id=review.review_id,
        scorer_version="eval-trusted",
        sentiment=Sentiment.negative if negative else Sentiment.positive,
        sentiment_confidence=0.9,
        sentiment_score=-0.8 if negative else 0.8,
        sentiment_margin=0.8,
        topics=[LabelScore(label=review.topic, confidence=0.9)],
        urgency=Urgency.medium if negative else Urgency.low,
        urgency_confidence=0.8,
        flags=dict(flags),
        scored_at=review.created_at,
    )
