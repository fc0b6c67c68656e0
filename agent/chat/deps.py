"""What the chat graph's nodes use, gathered in one object the service builds once (tests pass fakes)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from langchain_core.language_models import BaseChatModel

from store.db import Database
from store.gold import GoldConfig
from store.taxonomy import Taxonomy
from store.vector_index import ReviewIndex

__all__ = ["ChatDeps"]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class ChatDeps:
    """The store, taxonomy and index the chat reads, and the model it may ask; `chat_model()` may return None."""

    db: Database
    taxonomy: Taxonomy
    index: ReviewIndex | None = None
    """The Chroma index to rank representative reviews with; None orders them from the store."""
    chat_model: Callable[[], BaseChatModel | None] = lambda: None
    gold: GoldConfig = field(default_factory=GoldConfig)
    """What gold counts a review under; the chat's topic words cover the flags it counts."""
    clock: Callable[[], datetime] = _utcnow
    """Wall clock, used as the data clock only when the store is empty."""
    llm_timeout_seconds: float = 60.0
    llm_backoff_seconds: float = 0.5
    max_citations: int = 4
    index_lock: threading.Lock = field(default_factory=threading.Lock)
