"""LLM calls for eval runs: an on-disk cache keyed by model + prompt + parameters, and per-case usage accounting.

A re-run of a suite answers every call from the cache, so it is free and gives identical outputs; `--no-cache`
refreshes the entries (calls the model again and overwrites them). One file per key, written atomically, so
parallel workers and interrupted runs never leave a half-written entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, messages_to_dict
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["CACHE_FORMAT", "CaseContext", "ChatClient", "LLMCache", "Usage", "model_identity"]

CACHE_FORMAT = 1
"""Bump when the key or entry layout changes; old entries are then simply not found."""


class Usage(BaseModel):
    """LLM use attributed to one case: calls made and answered from cache, tokens and the models' own latency."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    llm_calls: int = 0
    """Calls that reached a model in this run (not answered from the cache)."""
    cached_calls: int = 0
    """Calls answered from the cache."""
    input_tokens: int = 0
    """Prompt tokens of every call, cached or not (what the system costs, not what this run spent)."""
    output_tokens: int = 0
    llm_latency_ms: float = 0.0
    """Model time of every call; a cached call reports the latency recorded when it was made."""

    def add(self, other: Usage) -> None:
        """Accumulate `other` into this record."""
        for name in type(self).model_fields:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def model_identity(model: BaseChatModel) -> dict[str, Any]:
    """What identifies a chat model for caching and run logs: its type, identifying parameters and endpoint."""
    identity: dict[str, Any] = {"type": model._llm_type, **model._identifying_params}
    for attribute in ("openai_api_base", "base_url", "temperature", "max_tokens", "seed"):
        value = getattr(model, attribute, None)
        if value is not None:
            identity.setdefault(attribute, value)
    return json.loads(json.dumps(identity, sort_keys=True, default=str))


class _Entry(BaseModel):
    format: int = CACHE_FORMAT
    key: str
    model: dict[str, Any]
    params: dict[str, Any]
    sample: int
    content: str | list[Any]
    response_metadata: dict[str, Any] = Field(default_factory=dict)
    usage: dict[str, int] = Field(default_factory=dict)
    latency_ms: float = 0.0


class LLMCache:
    """Cached model answers under `directory`; `read=False` (`--no-cache`) ignores old entries but writes new ones."""

    def __init__(self, directory: Path, read: bool = True) -> None:
        self.directory = directory
        self.read = read

    @staticmethod
    def key(model: dict[str, Any], messages: Sequence[BaseMessage], params: dict[str, Any], sample: int) -> str:
        """sha256 over the model identity, the exact messages, the call parameters and the sample index."""
        material = {
            "format": CACHE_FORMAT,
            "model": model,
            "messages": [{"type": m["type"], "content": m["data"]["content"]} for m in messages_to_dict(messages)],
            "params": params,
            "sample": sample,
        }
        return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode("utf-8")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> _Entry | None:
        """The stored entry for `key`, or None (also when reading is off or the file is unreadable)."""
        if not self.read:
            return None
        path = self._path(key)
        try:
            return _Entry.model_validate_json(path.read_bytes())
        except (OSError, ValueError):
            return None

    def put(self, entry: _Entry) -> None:
        """Store `entry` atomically (write a temporary file, then rename)."""
        path = self._path(entry.key)
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        staging.write_text(entry.model_dump_json(indent=1), encoding="utf-8")
        os.replace(staging, path)


_USAGE_LOCK = threading.Lock()


class ChatClient:
    """One chat model seen through the cache, charging every call to the given usage records (case, run total)."""

    def __init__(self, model: BaseChatModel, cache: LLMCache | None, *usages: Usage) -> None:
        self.model = model
        self.identity = model_identity(model)
        self.cache = cache
        self.usages = usages

    def invoke(self, messages: Sequence[BaseMessage], *, sample: int = 0, **params: Any) -> AIMessage:
        """Answer `messages`; `sample` tells repeated draws apart (k judge votes), `params` go to the model."""
        key = LLMCache.key(self.identity, messages, params, sample)
        entry = self.cache.get(key) if self.cache is not None else None
        call = Usage(cached_calls=1) if entry is not None else Usage(llm_calls=1)
        if entry is None:
            started = time.perf_counter()
            answer = self.model.invoke(list(messages), **params)
            latency = (time.perf_counter() - started) * 1000
            usage = dict(answer.usage_metadata or {}) if isinstance(answer, AIMessage) else {}
            entry = _Entry(
                key=key,
                model=self.identity,
                params=params,
                sample=sample,
                content=answer.content,
                response_metadata=json.loads(json.dumps(answer.response_metadata, default=str)),
                usage={k: int(v) for k, v in usage.items() if isinstance(v, int)},
                latency_ms=round(latency, 3),
            )
            if self.cache is not None:
                self.cache.put(entry)
        call.input_tokens = entry.usage.get("input_tokens", 0)
        call.output_tokens = entry.usage.get("output_tokens", 0)
        call.llm_latency_ms = entry.latency_ms
        with _USAGE_LOCK:
            for usage_record in self.usages:
                usage_record.add(call)
        return AIMessage(content=entry.content, response_metadata=entry.response_metadata)


class CaseContext:
    """What a stage or scorer may use besides the case: chat models by role, cached and charged to the case."""

    def __init__(self, chat: Callable[[str], ChatClient] | None = None, seed: int = 0) -> None:
        self._chat = chat
        self.seed = seed

    def chat(self, role: str) -> ChatClient:
        """The chat client for `role` (`model` under test, `judge`); raises when the run has no such model."""
        if self._chat is None:
            raise LookupError(f"no {role!r} model was configured; pass --model/--judge-model or set it in the suite")
        return self._chat(role)
