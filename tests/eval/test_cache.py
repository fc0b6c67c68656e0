"""The LLM cache: keyed by model + prompt + parameters + draw; a hit is free and identical; refresh overwrites."""

from __future__ import annotations

from pathlib import Path

from langchain_core.messages import HumanMessage, SystemMessage

from eval.cache import ChatClient, LLMCache, Usage, model_identity
from tests.eval.conftest import CountingFakeChat


def test_a_second_identical_call_is_answered_from_disk(tmp_path: Path) -> None:
    model = CountingFakeChat(responses=["first", "second"])
    usage = Usage()
    client = ChatClient(model, LLMCache(tmp_path), usage)
    messages = [SystemMessage("sys"), HumanMessage("hello")]
    assert client.invoke(messages).content == "first"
    assert client.invoke(messages).content == "first"
    assert model.calls == 1
    assert (usage.llm_calls, usage.cached_calls) == (1, 1)


def test_prompt_parameters_draw_and_model_all_change_the_key(tmp_path: Path) -> None:
    model = CountingFakeChat(responses=["a", "b", "c", "d", "e"])
    client = ChatClient(model, LLMCache(tmp_path), Usage())
    client.invoke([HumanMessage("hello")])
    client.invoke([HumanMessage("hello!")])
    client.invoke([HumanMessage("hello")], temperature=0.7)
    client.invoke([HumanMessage("hello")], sample=1)
    assert model.calls == 4
    other = CountingFakeChat(responses=["z"])
    ChatClient(other, LLMCache(tmp_path), Usage()).invoke([HumanMessage("hello")])
    assert other.calls == 1  # a different model identity never reuses another model's answers
    assert model_identity(model) != model_identity(other)


def test_refresh_ignores_old_entries_and_overwrites_them(tmp_path: Path) -> None:
    ChatClient(CountingFakeChat(responses=["old"]), LLMCache(tmp_path), Usage()).invoke([HumanMessage("q")])
    fresh = CountingFakeChat(responses=["old"])  # same identity, so the same key
    answer = ChatClient(fresh, LLMCache(tmp_path, read=False), Usage()).invoke([HumanMessage("q")])
    assert fresh.calls == 1 and answer.content == "old"
    assert len(list(tmp_path.rglob("*.json"))) == 1


def test_usage_is_charged_to_every_record_given(tmp_path: Path) -> None:
    case, total = Usage(), Usage()
    client = ChatClient(CountingFakeChat(responses=["x"]), LLMCache(tmp_path), case, total)
    client.invoke([HumanMessage("q")])
    client.invoke([HumanMessage("q")])
    assert (case.llm_calls, case.cached_calls) == (total.llm_calls, total.cached_calls) == (1, 1)
    assert case.llm_latency_ms == total.llm_latency_ms > 0  # a cached call reports the recorded latency
