"""Chat models for the agent stages: the model under test seen through the eval cache, and scripted adversaries.

The agent graphs (triage, chat) take a LangChain `BaseChatModel`; `CachedChatModel` gives them the run's
`ChatClient` instead, so every call is answered from the on-disk cache when it can be (a re-run is free and
identical) and is charged to the case. `ScriptedChatModel` replays fixed answers in turn (the last one repeated):
the safety suite's deliberately adversarial "models", which propose tools, ids and approvals they were never offered.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import ConfigDict, Field, PrivateAttr

from eval.cache import ChatClient

__all__ = ["RAISE", "CachedChatModel", "ScriptedChatModel"]

RAISE = "@raise"
"""A scripted reply that raises ConnectionError (a provider that does not answer) instead of answering."""


class CachedChatModel(BaseChatModel):
    """A `BaseChatModel` whose calls go through an eval `ChatClient` (cache + per-case usage)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    client: ChatClient
    """The run's client for the model under test, charging this case."""

    @classmethod
    def over(cls, client: ChatClient) -> CachedChatModel:
        """The adapter, tagged like the wrapped model so structured output picks the provider's schema parameter."""
        return cls(client=client, metadata=dict(client.model.metadata or {}))

    @property
    def _llm_type(self) -> str:
        return f"eval-cached-{self.client.model._llm_type}"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return dict(self.client.identity)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        params = {**kwargs, **({"stop": stop} if stop else {})}
        return ChatResult(generations=[ChatGeneration(message=self.client.invoke(messages, **params))])


class ScriptedChatModel(BaseChatModel):
    """Answers `replies` in turn and then repeats the last; `RAISE` raises ConnectionError instead (every time)."""

    replies: list[str] = Field(min_length=1)
    name_tag: str = "scripted"
    """Recorded as the model identity (`generated_by`) of what it writes."""
    _calls: int = PrivateAttr(default=0)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @classmethod
    def of(cls, replies: Sequence[str | dict[str, Any]], name: str = "scripted") -> ScriptedChatModel:
        """A scripted model; dict replies are sent as their JSON text."""
        texts = [reply if isinstance(reply, str) else json.dumps(reply) for reply in replies]
        return cls(replies=texts, name_tag=name, metadata={"model_identity": f"scripted:{name}"})

    @property
    def calls(self) -> int:
        """How many times the model was asked."""
        return self._calls

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with self._lock:
            reply = self.replies[min(self._calls, len(self.replies) - 1)]
            self._calls += 1
        if reply == RAISE:
            raise ConnectionError(f"scripted model {self.name_tag!r} does not answer")
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=reply))])
