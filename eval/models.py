"""Chat models for LLM stages and judges, from a `provider[:model]` spec (`--model`, `--judge-model`).

`local`, `openai` and `ollama` are built by agent.llm's `make_chat_model` (the same code path as the agent:
`local` starts or reuses SmolLM2 in a llama.cpp server; endpoint, key and timeouts come from REVIEWOPS_LLM_*).
Other providers register with `@eval.registry.chat_model("name")`.
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel

from eval.registry import CHAT_MODELS, chat_model

__all__ = ["build_chat_model"]


def build_chat_model(spec: str) -> BaseChatModel:
    """The chat model a spec names, e.g. `local`, `openai:gpt-4o-mini`, `ollama:llama3.2`."""
    provider, _, name = spec.partition(":")
    model: BaseChatModel = CHAT_MODELS.get(provider)(name)
    return model


def _agent_model(provider: str, name: str) -> BaseChatModel:
    from agent.llm import LLMSettings, make_chat_model

    settings = LLMSettings()
    settings = settings.model_copy(update={"provider": provider, "model": name or settings.model})
    return make_chat_model(settings)


@chat_model("local")
def _local(name: str) -> BaseChatModel:
    return _agent_model("local", name)


@chat_model("openai")
def _openai(name: str) -> BaseChatModel:
    return _agent_model("openai", name)


@chat_model("ollama")
def _ollama(name: str) -> BaseChatModel:
    return _agent_model("ollama", name)
