"""One setting picks the chat model: `local` (llama.cpp subprocess), `openai` (any compatible endpoint), `ollama`.

`local` goes through `ChatOpenAI` against the local server, the same code path as a hosted model. The
OpenAI client's own retries are off (`max_retries=0`): `generate_structured` retries with tenacity instead.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import httpx
from langchain_core.language_models import BaseChatModel
from langchain_ollama import ChatOllama
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from agent.llm.local_server import LocalServerError, get_local_server
from agent.llm.settings import LLMSettings
from agent.llm.structured import LLMUnavailable

__all__ = ["DEFAULT_LOCAL_MODEL", "DEFAULT_OLLAMA_URL", "LLMConfigError", "make_chat_model", "model_identity"]

DEFAULT_LOCAL_MODEL = "SmolLM2-135M-Instruct.Q4_1"
DEFAULT_OLLAMA_URL = "http://127.0.0.1:11434"
_LOCAL_API_KEY = "local"  # llama.cpp ignores it, the OpenAI client insists on one


class LLMConfigError(ValueError):
    """The LLM settings cannot work as given (e.g. a hosted provider without a model name)."""


def model_identity(settings: LLMSettings) -> str:
    """A stable name for logs and eval records, e.g. `local:SmolLM2-135M-Instruct.Q4_1` or `ollama:llama3.2`."""
    if settings.provider == "local":
        path = settings.local_model_path
        return f"local:{path.stem if path is not None else DEFAULT_LOCAL_MODEL}"
    name = settings.model or "<unset>"
    if settings.provider == "openai" and settings.base_url:
        return f"openai:{name}@{urlsplit(settings.base_url).netloc or settings.base_url}"
    return f"{settings.provider}:{name}"


def make_chat_model(
    settings: LLMSettings | None = None, *, transport: httpx.BaseTransport | None = None
) -> BaseChatModel:
    """The chat model the settings describe; `local` starts (or reuses) the llama.cpp server first.

    `transport` replaces the HTTP transport (tests pass `httpx.MockTransport`); raises `LLMUnavailable`
    when the local server cannot start and `LLMConfigError` for settings that cannot work.
    """
    settings = settings or LLMSettings()
    if settings.provider == "local":
        return _local_model(settings, transport)
    if settings.provider == "openai":
        return _openai_model(settings, transport)
    return _ollama_model(settings, transport)


def _local_model(settings: LLMSettings, transport: httpx.BaseTransport | None) -> ChatOpenAI:
    try:
        server = get_local_server(
            settings.local_model_path,
            port=settings.local_port,
            threads=settings.local_threads,
            ctx=settings.local_ctx,
            log_dir=settings.resolved_log_dir(),
            startup_timeout=settings.local_startup_timeout_seconds,
        )
    except LocalServerError as err:
        raise LLMUnavailable(str(err), model=model_identity(settings), attempts=0) from err
    return ChatOpenAI(
        base_url=server.base_url,
        api_key=SecretStr(_LOCAL_API_KEY),
        model=server.alias,
        timeout=settings.timeout_seconds,
        max_retries=0,
        temperature=settings.temperature,
        max_tokens=settings.max_output_tokens,
        metadata=_tags(settings),
        # Never route 127.0.0.1 through an HTTP proxy from the environment.
        http_client=httpx.Client(transport=transport, trust_env=False, timeout=settings.timeout_seconds),
        http_async_client=httpx.AsyncClient(trust_env=False, timeout=settings.timeout_seconds),
    )


def _openai_model(settings: LLMSettings, transport: httpx.BaseTransport | None) -> ChatOpenAI:
    if not settings.model:
        raise LLMConfigError("REVIEWOPS_LLM_PROVIDER=openai needs REVIEWOPS_LLM_MODEL (e.g. gpt-4o-mini)")
    api_key = settings.api_key
    if api_key is None and not os.environ.get("OPENAI_API_KEY"):
        if not settings.base_url:
            raise LLMConfigError(
                "REVIEWOPS_LLM_PROVIDER=openai needs REVIEWOPS_LLM_API_KEY (or OPENAI_API_KEY), "
                "or REVIEWOPS_LLM_BASE_URL for a self-hosted endpoint that needs no key"
            )
        api_key = SecretStr("unused")  # vLLM / llama.cpp endpoints accept any key
    return ChatOpenAI(
        base_url=settings.base_url,
        api_key=api_key,
        model=settings.model,
        timeout=settings.timeout_seconds,
        max_retries=0,
        temperature=settings.temperature,
        max_tokens=settings.max_output_tokens,
        http_client=httpx.Client(transport=transport, timeout=settings.timeout_seconds) if transport else None,
        metadata=_tags(settings),
    )


def _ollama_model(settings: LLMSettings, transport: httpx.BaseTransport | None) -> ChatOllama:
    if not settings.model:
        raise LLMConfigError("REVIEWOPS_LLM_PROVIDER=ollama needs REVIEWOPS_LLM_MODEL (e.g. llama3.2)")
    return ChatOllama(
        base_url=settings.base_url or DEFAULT_OLLAMA_URL,
        model=settings.model,
        temperature=settings.temperature,
        num_predict=settings.max_output_tokens,
        client_kwargs={"timeout": settings.timeout_seconds},
        sync_client_kwargs={"transport": transport} if transport else {},
        metadata=_tags(settings),
    )


def _tags(settings: LLMSettings) -> dict[str, str]:
    # Read back by generate_structured, so results name the model without the caller repeating it.
    return {"model_identity": model_identity(settings), "llm_provider": settings.provider}
