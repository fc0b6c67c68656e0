"""The chat as a stage: manager questions over the seeded demo store, graded against answers computed independently.

Dataset loader `chat_questions`: builds (or reuses) the demo store (eval/stages/chat_store.py), reads a questions
file whose placeholders name the injected incidents' SKUs and places, and computes every expected answer with
eval/stages/chat_expected.py (its own SQL over the raw rows, never the chat's code or the gold tables).

Stage `chat`: asks each question with the data clock fixed at the stream's end. Without `--model` the rules write
the prose (deterministic, for CI); `--model chat=local` (or `openai:...`) lets that model write it through the
harness's cached, accounted client. Output: `answer`, `out_of_scope`, `kind` (first query kind, or
`out_of_scope`), `query_kinds`, `cited` (each cited id with the attributes the store has for it, looked up by the
stage), `generated_by`, `fallback_reason`, `actions` (always empty: the chat cannot act) and `text`.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from agent.chat import ChatDeps, ChatService
from eval.cache import CaseContext
from eval.dataset import Case, Dataset, DatasetLoader, LoadContext, resolve_data_path
from eval.registry import dataset, stage
from eval.runlog import StageIdentity
from eval.stages._chat import CachedChatModel
from eval.stages.base import Stage
from eval.stages.chat_expected import Expectation, Reference, WindowSpec
from eval.stages.chat_store import ChatStore, ChatStoreSpec, build_chat_store
from eval.stages.retrieval import build_embedder
from store.db import Database
from store.gold_tables import GoldContribution
from store.incident_tables import IncidentReview
from store.tables import SilverReview
from store.taxonomy import load_taxonomy
from store.vector_index import ReviewIndex

__all__ = ["ChatQuestionsLoader", "ChatStage"]


class _Expect(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["top_topics", "topic_trend", "rank", "count", "incidents", "refuse"]
    scope: dict[str, str] = Field(default_factory=dict)
    topic: str | None = None
    topics: list[str] = Field(default_factory=list)
    window: WindowSpec = Field(default_factory=WindowSpec)
    dimension: str | None = None
    by_share: bool = False
    values: list[str] = Field(default_factory=list)
    complaint: bool = False
    rating: tuple[int, int] | None = None
    sku: str | None = None
    include_closed: bool = False


class _Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    question: str = Field(min_length=1, max_length=500)
    expect: _Expect
    forbidden_text: list[str] = Field(default_factory=list)
    """Phrases an injected review asks the chat to say (scored by `safety`)."""


class _QuestionsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    questions: list[_Question] = Field(min_length=1)


class _LoaderArgs(ChatStoreSpec):
    path: str
    """The questions YAML, relative to the suite file."""


def _placeholders(store: ChatStore) -> dict[str, str]:
    by_kind = {incident.kind: incident.scope for incident in store.truth.incidents}
    return {
        "zipper_sku": by_kind["zipper_defect"]["sku"],
        "small_sku": by_kind["runs_small"]["sku"],
        "photo_sku": by_kind["misleading_photo"]["sku"],
        "safety_sku": by_kind["safety_overheat"]["sku"],
        "carrier_region": by_kind["carrier_delay"]["region"],
        "crushed_warehouse": by_kind["crushed_packaging"]["warehouse"],
    }


def _fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, list | tuple):
        return [_fill(item, names) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, names) for key, item in value.items()}
    return value


def _expected(reference: Reference, spec: _Expect, as_of: datetime) -> Expectation:
    since, until = spec.window.bounds(as_of)
    if spec.kind == "refuse":
        return Expectation(kind="out_of_scope", refuse=True)
    if spec.kind == "top_topics":
        return reference.top_topics(spec.scope, since, until)
    if spec.kind == "topic_trend":
        return reference.topic_trend(spec.scope, spec.topic or "", since or as_of, until)
    if spec.kind == "rank":
        return reference.rank(spec.dimension or "region", spec.topics, since, until, by_share=spec.by_share,
                              values=spec.values or None)  # fmt: skip
    if spec.kind == "count":
        return reference.count(spec.scope, since, until, spec.topics, spec.complaint, spec.rating)
    return reference.incidents(spec.sku, spec.include_closed)


@dataset("chat_questions")
class ChatQuestionsLoader(DatasetLoader):
    """Manager questions over the demo store, with expected answers computed from its rows.

    Resources: `chat_store` (the built ChatStore).
    """

    Args = _LoaderArgs

    def load(self, args: _LoaderArgs, context: LoadContext) -> Dataset:
        from store.yaml_config import load_yaml_model

        path = resolve_data_path(args.path, context.base_dir, context.settings) or Path(args.path)
        questions = load_yaml_model(path, _QuestionsFile).questions
        spec = ChatStoreSpec(**args.model_dump(exclude={"path"}))
        store = build_chat_store(context.settings, spec)
        taxonomy = load_taxonomy(context.settings.config_dir / "taxonomy.yaml")
        names = {topic: taxonomy.topic(topic).name for topic in taxonomy.topic_ids()}
        names.update({flag.id: flag.name for flag in taxonomy.flags if flag.id == "safety_hazard"})
        reference = Reference(store.settings(context.settings).resolved_database_url, names)
        fill = _placeholders(store)
        cases = []
        for item in questions:
            spec_filled = _Expect.model_validate(_fill(item.expect.model_dump(), fill))
            expected = _expected(reference, spec_filled, store.as_of)
            target = expected.model_dump(mode="json")
            target.update(forbidden_text=item.forbidden_text, forbidden_tools=[])
            cases.append(
                Case(
                    id=item.id,
                    input={"question": _fill(item.question, fill), "as_of": store.as_of.isoformat()},
                    target=target,
                    metadata={"dataset": context.name, "kind": expected.kind},
                )
            )
        return Dataset(cases, resources={"chat_store": store})


class _StageArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    timeout_seconds: float = Field(default=120.0, gt=0)
    """Budget per model generation (the local model is slow on a busy 2-core box)."""


@stage("chat")
class ChatStage(Stage):
    """Output: answer, out_of_scope, kind, query_kinds, cited (with store attributes), generated_by, actions, text."""

    Args = _StageArgs
    args: _StageArgs
    batch_size = 1

    def prepare(self, dataset: Dataset) -> StageIdentity:
        store: ChatStore | None = dataset.resources.get("chat_store")
        if store is None:
            raise ValueError("the chat stage needs the `chat_questions` dataset loader (it builds the store)")
        settings = store.settings(self.ctx.settings)
        self.db = Database(settings.resolved_database_url)
        self.index = ReviewIndex.open(settings, build_embedder(store.embedder, settings.embedding_threads))
        self.deps = ChatDeps(
            db=self.db,
            taxonomy=load_taxonomy(settings.config_dir / "taxonomy.yaml"),
            index=self.index,
            llm_timeout_seconds=self.args.timeout_seconds,
        )
        self.service = ChatService(self.deps)
        self._lookup_lock = threading.Lock()
        from prompts import load_prompt

        prompts = {f"{p.id}.{p.version}": p.digest for p in (load_prompt("chat_answer", "v1"),
                                                             load_prompt("chat_intent", "v1"))}  # fmt: skip
        return StageIdentity(
            stage="chat",
            model=self.ctx.model or "rules",
            versions={"scorer": store.scorer_version},
            prompts=prompts if self.ctx.model else {},
            details={"store": str(store.home), "embedder": store.embedder, "as_of": store.as_of.isoformat()},
        )

    def solve(self, cases: Sequence[Case], calls: CaseContext) -> list[dict[str, Any]]:
        outputs = []
        for case in cases:
            model = self._model(calls) if self.ctx.model else None
            answer = self.service.ask(
                str(case.input["question"]), as_of=datetime.fromisoformat(case.input["as_of"]), chat_model=model
            )
            outputs.append(
                {
                    "answer": answer.answer,
                    "text": answer.answer,
                    "out_of_scope": answer.out_of_scope,
                    "kind": answer.query_kinds[0] if answer.query_kinds else "out_of_scope",
                    "query_kinds": answer.query_kinds,
                    "intent": answer.intent,
                    "cited": self._cited(answer.cited_review_ids),
                    "facts": {fact.name: fact.display for fact in answer.facts},
                    "generated_by": answer.generated_by,
                    "fallback_reason": answer.fallback_reason,
                    "actions": [],
                }
            )
        return outputs

    def _model(self, calls: CaseContext) -> BaseChatModel:
        return CachedChatModel.over(calls.chat("model"))

    def _cited(self, review_ids: Sequence[str]) -> list[dict[str, Any]]:
        """Each cited id with what the store says about it (its own lookup, not the chat's records)."""
        if not review_ids:
            return []
        with self._lookup_lock, self.db.session() as session:
            stmt = (
                select(SilverReview, GoldContribution.sentiment, GoldContribution.topics)
                .outerjoin(GoldContribution, GoldContribution.review_id == SilverReview.review_id)
                .where(SilverReview.review_id.in_(list(review_ids)))
            )
            rows = {review.review_id: _Row(review, sentiment, topics) for review, sentiment, topics in
                    session.execute(stmt).tuples()}  # fmt: skip
            incidents: dict[str, list[str]] = {}
            for incident_id, review_id in session.execute(
                select(IncidentReview.incident_id, IncidentReview.review_id).where(
                    IncidentReview.review_id.in_(list(review_ids))
                )
            ):
                incidents.setdefault(review_id, []).append(incident_id)
        return [
            rows[rid].as_dict(incidents.get(rid, [])) if rid in rows else {"review_id": rid, "exists": False}
            for rid in review_ids
        ]

    def close(self) -> None:
        index = getattr(self, "index", None)
        if index is not None:
            index.close()
        db = getattr(self, "db", None)
        if db is not None:
            db.dispose()


class _Row:
    """A cited review as the store has it."""

    def __init__(self, review: SilverReview, sentiment: str | None, topics: list[str] | None) -> None:
        self.review, self.sentiment, self.topics = review, sentiment, topics or []

    def as_dict(self, incidents: list[str]) -> dict[str, Any]:
        r = self.review
        return {
            "review_id": r.review_id,
            "exists": True,
            "created_at": r.created_at.isoformat(),
            **{name: getattr(r, name) for name in ("sku", "region", "warehouse", "supplier", "category", "rating")},
            "sentiment": self.sentiment,
            "topics": list(self.topics),
            "incidents": incidents,
        }
