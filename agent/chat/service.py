"""The chat service: answer one manager question at a time over the store, with a model or by rules."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableConfig

from agent.chat.deps import ChatDeps
from agent.chat.graph import compile_chat_graph
from agent.chat.records import ChatAnswer
from agent.llm import LLMSettings
from agent.triage.factory import LazyChatModel
from store.db import Database
from store.embeddings import ReviewEmbedder, TextEmbedder
from store.settings import Settings
from store.taxonomy import load_taxonomy
from store.vector_index import INDEX_OPEN_ERRORS, ReviewIndex

__all__ = ["MAX_QUESTION_CHARS", "ChatResponder", "ChatService", "QuestionError", "open_chat_service"]

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 500
_UNSET: Any = object()


class QuestionError(ValueError):
    """The question is empty or too long to be a question."""


class ChatService:
    """Answers questions with the compiled chat graph over `deps`; safe to call from several threads."""

    def __init__(self, deps: ChatDeps) -> None:
        self.deps = deps
        self.graph = compile_chat_graph(deps)

    def ask(
        self, question: str, *, as_of: datetime | None = None, chat_model: BaseChatModel | None = _UNSET
    ) -> ChatAnswer:
        """The answer to `question`; `as_of` fixes the data clock, `chat_model` overrides the configured model
        (None: rules only). Raises QuestionError for an empty or over-long question."""
        text = " ".join(question.split())
        if not text:
            raise QuestionError("the question is empty; ask e.g. 'What are the top complaints this week?'")
        if len(text) > MAX_QUESTION_CHARS:
            raise QuestionError(f"the question has {len(text)} characters; ask in at most {MAX_QUESTION_CHARS}")
        config: RunnableConfig = {"configurable": {"chat_model": chat_model}} if chat_model is not _UNSET else {}
        started = time.perf_counter()
        state = self.graph.invoke({"question": text, "as_of": as_of.isoformat() if as_of else ""}, config)
        answer = ChatAnswer.model_validate(state["answer"])
        return answer.model_copy(update={"seconds": round(time.perf_counter() - started, 3)})


class ChatResponder:
    """Answers questions for a long-running process (the API): the model and embedder are made once, the Chroma
    index is opened for each question and closed after it, so an indexer in another process is never blocked for
    long; questions are answered one at a time (the local model serves one request at a time anyway)."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        embedder: Callable[[], TextEmbedder] | None = None,
        llm_settings: LLMSettings | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.llm_settings = llm_settings or LLMSettings()
        self.taxonomy = load_taxonomy(settings.config_dir / "taxonomy.yaml")
        self._make_embedder = embedder or (lambda: ReviewEmbedder.from_settings(settings))
        self._embedder: TextEmbedder | None = None
        self._model = LazyChatModel(self.llm_settings)
        self._lock = threading.Lock()

    def _open_index(self) -> ReviewIndex | None:
        try:
            if self._embedder is None:
                self._embedder = self._make_embedder()
            return ReviewIndex.open(self.settings, self._embedder)
        except INDEX_OPEN_ERRORS as err:  # the index ranks evidence; without it the store orders it
            logger.warning("no review index for the chat (%s); evidence comes from the store", err)
            return None

    def ask(self, question: str, *, as_of: datetime | None = None, use_llm: bool = True) -> ChatAnswer:
        """The answer to `question` (see `ChatService.ask`); `use_llm=False` answers by rules."""
        with self._lock:
            index = self._open_index()
            try:
                deps = ChatDeps(
                    db=self.db,
                    taxonomy=self.taxonomy,
                    index=index,
                    chat_model=self._model if use_llm else (lambda: None),
                    llm_timeout_seconds=self.llm_settings.timeout_seconds,
                )
                return ChatService(deps).ask(question, as_of=as_of)
            finally:
                if index is not None:
                    index.close()


@contextmanager
def open_chat_service(
    settings: Settings,
    *,
    db: Database | None = None,
    chat_model: BaseChatModel | Callable[[], BaseChatModel | None] | None = None,
    use_llm: bool = True,
    index: ReviewIndex | None = None,
    llm_settings: LLMSettings | None = None,
) -> Iterator[ChatService]:
    """A chat service over `settings` (taxonomy from `settings.config_dir`); closes what it opened on exit.

    `chat_model` overrides the configured provider (tests pass fakes); `use_llm=False` answers by rules only. The
    caller owns `index` (one Chroma client per directory and process): pass the one it opened, or None.
    """
    database = db or Database.from_settings(settings)
    llm = llm_settings or LLMSettings()
    if isinstance(chat_model, BaseChatModel):
        model = chat_model
        make_model: Callable[[], BaseChatModel | None] = lambda: model  # noqa: E731
    elif chat_model is not None:
        make_model = chat_model
    elif use_llm:
        make_model = LazyChatModel(llm)
    else:
        make_model = lambda: None  # noqa: E731
    deps = ChatDeps(
        db=database,
        taxonomy=load_taxonomy(settings.config_dir / "taxonomy.yaml"),
        index=index,
        chat_model=make_model,
        llm_timeout_seconds=llm.timeout_seconds,
    )
    try:
        yield ChatService(deps)
    finally:
        if db is None:
            database.dispose()
