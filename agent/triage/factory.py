"""Build a ready triage service from settings: configs, database, checkpointer, senders and a lazy chat model."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from langchain_core.language_models import BaseChatModel

from agent.llm import LLMConfigError, LLMError, LLMSettings, make_chat_model
from agent.triage.checkpointer import CheckpointSettings, checkpoint_url, open_checkpointer
from agent.triage.context import ClusterRules
from agent.triage.deps import TriageDeps
from agent.triage.service import TriageService, TriageSettings
from store.approval_policy import load_approval_policy
from store.db import Database
from store.embeddings import TextEmbedder
from store.routing_config import load_routing_config
from store.settings import Settings
from store.taxonomy import load_taxonomy
from store.vector_index import ReviewIndex
from tools import Senders, SenderSettings, playbook_library
from tools.senders import Sender

__all__ = ["LazyChatModel", "open_triage_service"]

logger = logging.getLogger(__name__)


class LazyChatModel:
    """Makes the configured chat model on first use (the local server starts then); after a failure, None (rules)."""

    def __init__(self, settings: LLMSettings) -> None:
        self.settings = settings
        self._model: BaseChatModel | None = None
        self.error: Exception | None = None

    def __call__(self) -> BaseChatModel | None:
        if self._model is None and self.error is None:
            try:
                self._model = make_chat_model(self.settings)
            except (LLMError, LLMConfigError) as err:
                logger.warning("no chat model (%s); hypotheses fall back to rules", err)
                self.error = err
        return self._model


@contextmanager
def open_triage_service(
    settings: Settings,
    *,
    db: Database | None = None,
    chat_model: BaseChatModel | Callable[[], BaseChatModel | None] | None = None,
    use_llm: bool = True,
    index: ReviewIndex | None = None,
    embedder: TextEmbedder | None = None,
    senders: Callable[[str], Sender] | None = None,
    clock: Callable[[], datetime] | None = None,
    checkpoint: str | None = None,
    triage_settings: TriageSettings | None = None,
    after_enqueue: Callable[[Sequence[int]], None] | None = None,
    wall_clock: Callable[[], datetime] | None = None,
) -> Iterator[TriageService]:
    """A triage service over `settings` (configs from `settings.config_dir`); closes what it opened on exit.

    `chat_model` overrides the configured provider (tests pass fakes); `use_llm=False` writes rules hypotheses only.
    The caller owns `index` (one Chroma writer per directory): pass the one the process already has, or None.
    """
    database = db or Database.from_settings(settings)
    taxonomy = load_taxonomy(settings.config_dir / "taxonomy.yaml")
    routing = load_routing_config(settings.config_dir / "routing.yaml")
    own_senders = Senders(SenderSettings(home=settings.home)) if senders is None else None
    if isinstance(chat_model, BaseChatModel):
        model = chat_model
        make_model: Callable[[], BaseChatModel | None] = lambda: model  # noqa: E731
    elif chat_model is not None:
        make_model = chat_model
    elif use_llm:
        make_model = LazyChatModel(LLMSettings())
    else:
        make_model = lambda: None  # noqa: E731
    url = checkpoint or checkpoint_url(CheckpointSettings(home=settings.home, database_url=settings.database_url))
    deps = TriageDeps(
        db=database,
        library=playbook_library(settings.config_dir / "playbooks", taxonomy),
        policy=load_approval_policy(settings.config_dir / "approval_policy.yaml"),
        taxonomy=taxonomy,
        senders=senders or own_senders,  # type: ignore[arg-type]
        chat_model=make_model,
        index=index,
        embedder=embedder or (index.embedder if index is not None else None),
        rules=ClusterRules(
            min_topic_confidence=routing.min_topic_confidence,
            flag_thresholds={"safety_hazard": routing.flag_thresholds["safety_hazard"]},
        ),
        after_enqueue=after_enqueue,
    )
    if clock is not None:
        deps.clock = clock
    try:
        with open_checkpointer(url) as saver:
            extra = {"wall_clock": wall_clock} if wall_clock is not None else {}
            service_settings = triage_settings or TriageSettings()
            if service_settings.model_topics is None:  # a capable model configured: let it place what the cascade left
                capable = chat_model is None and use_llm and LLMSettings().provider != "local"
                service_settings = service_settings.model_copy(update={"model_topics": capable})
            yield TriageService(deps, saver, routing, service_settings, **extra)
    finally:
        if own_senders is not None:
            own_senders.close()
        if db is None:
            database.dispose()
