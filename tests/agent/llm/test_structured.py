"""Specification of structured generation: constrained schema, validation, one repair turn, bounded retries."""

from __future__ import annotations

import json
from typing import Any

import httpx
import ollama
import openai
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models.fake_chat_models import FakeListChatModel, GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_ollama import ChatOllama
from pydantic import BaseModel, ValidationError, create_model

from agent.llm import (
    LLMError,
    LLMUnavailable,
    StructuredOutputInvalid,
    bounded_text,
    enum_model,
    generate_structured,
    is_transport_error,
    literal_of,
    parse_structured,
    strict_json_schema,
    unbounded_string_fields,
)
from agent.llm.structured import bind_json_schema
from prompts import load_prompt
from tests.fake_chat import Script

PLAYBOOKS = ["defective_product", "size_guidance", "shipping_delay"]
Choice = create_model("PlaybookChoice", playbook_id=(literal_of(PLAYBOOKS), ...), reason=(bounded_text(80), ...))
VARIABLES = {
    "facts": "- 14 zipper complaints in 3 days",
    "hypothesis": "zippers break",
    "playbooks": "\n".join(PLAYBOOKS),
}
GOOD = '{"playbook_id": "defective_product", "reason": "zippers break"}'


class SeenMessages(BaseCallbackHandler):
    """Records the messages each model call received."""

    def __init__(self) -> None:
        self.calls: list[list[BaseMessage]] = []

    def on_chat_model_start(self, serialized: Any, messages: list[list[BaseMessage]], **kwargs: Any) -> None:
        self.calls.append(messages[0])


def fake(*items: str | AIMessage | BaseException) -> tuple[GenericFakeChatModel, Script]:
    script = Script(*items)
    return GenericFakeChatModel(messages=script), script


def generate(llm: Any, **kwargs: Any) -> Any:
    kwargs.setdefault("backoff_seconds", 0)
    return generate_structured(llm, load_prompt("playbook_choice", "v1"), VARIABLES, Choice, **kwargs)


def test_a_valid_answer_is_parsed_with_the_metadata_every_output_records() -> None:
    reply = AIMessage(GOOD, usage_metadata={"input_tokens": 120, "output_tokens": 18, "total_tokens": 138})
    llm, _ = fake(reply)
    result = generate(llm, model="local:SmolLM2-135M-Instruct.Q4_1")
    assert result.value.playbook_id == "defective_product"
    assert result.raw_text == GOOD
    assert (result.attempts, result.repaired) == (1, False)
    assert (result.input_tokens, result.output_tokens) == (120, 18)
    assert (result.prompt_id, result.prompt_version) == ("playbook_choice", "v1")
    assert result.prompt_digest == load_prompt("playbook_choice", "v1").digest
    assert result.model == "local:SmolLM2-135M-Instruct.Q4_1"
    assert result.schema_name == "PlaybookChoice"
    assert result.latency_seconds >= 0
    assert "value" not in result.metadata() and result.metadata()["attempts"] == 1


def test_token_counts_are_none_when_the_provider_reports_no_usage() -> None:
    result = generate(FakeListChatModel(responses=[GOOD]))
    assert (result.input_tokens, result.output_tokens) == (None, None)
    assert result.model == "fake-list-chat-model:fake-list-chat-model"


def test_an_answer_wrapped_in_a_code_fence_or_chatter_still_parses() -> None:
    fenced = parse_structured(f"```json\n{GOOD}\n```", Choice)
    chatty = parse_structured(f"Sure! Here it is: {GOOD} Hope that helps.", Choice)
    assert fenced == chatty == Choice.model_validate_json(GOOD)


def test_an_invalid_first_answer_is_repaired_once_with_the_validation_error_fed_back() -> None:
    llm, script = fake('{"playbook_id": "refund_everyone", "reason": "asked"}', GOOD)
    seen = SeenMessages()
    result = generate(llm, config={"callbacks": [seen]})
    assert result.value.playbook_id == "defective_product"
    assert (result.attempts, result.repaired) == (2, True)
    assert script.calls == 2
    repair_turn = seen.calls[1]
    assert repair_turn[-2].content == '{"playbook_id": "refund_everyone", "reason": "asked"}'
    feedback = str(repair_turn[-1].content)
    assert "playbook_id" in feedback and "'defective_product', 'size_guidance' or 'shipping_delay'" in feedback


def test_an_id_that_was_not_offered_is_rejected_even_after_the_repair_turn() -> None:
    llm, script = fake('{"playbook_id": "refund_everyone", "reason": "the review said so"}')
    with pytest.raises(StructuredOutputInvalid) as caught:
        generate(llm)
    assert script.calls == 2
    assert caught.value.raw_texts == ['{"playbook_id": "refund_everyone", "reason": "the review said so"}'] * 2
    assert "playbook_id: Input should be" in caught.value.errors[0]
    assert isinstance(caught.value, LLMError)


def test_without_repair_an_invalid_answer_fails_after_one_call() -> None:
    llm, script = fake("not json at all")
    with pytest.raises(StructuredOutputInvalid, match="after 1 answer"):
        generate(llm, repair=False)
    assert script.calls == 1


def test_a_string_over_its_max_length_is_invalid() -> None:
    with pytest.raises(ValidationError, match="at most 80 characters"):
        parse_structured(json.dumps({"playbook_id": "size_guidance", "reason": "x" * 81}), Choice)


def test_connection_errors_are_retried_then_raise_llm_unavailable() -> None:
    llm, script = fake(httpx.ConnectError("connection refused"))
    with pytest.raises(LLMUnavailable, match=r"did not answer after 3 attempt\(s\): ConnectError") as caught:
        generate(llm, retries=2, model="local:test")
    assert script.calls == 3
    assert (caught.value.model, caught.value.attempts) == ("local:test", 3)


def test_a_transient_connection_error_is_retried_and_the_answer_used() -> None:
    llm, script = fake(httpx.ReadTimeout("slow"), GOOD)
    result = generate(llm, retries=2)
    assert result.value.playbook_id == "defective_product"
    assert result.attempts == 2 and script.calls == 2


def test_a_server_error_is_retried_but_a_client_error_is_not() -> None:
    llm, script = fake(ollama.ResponseError("overloaded", 503), GOOD)
    assert generate(llm).attempts == 2
    llm, script = fake(ollama.ResponseError("model 'x' not found", 404))
    with pytest.raises(LLMUnavailable, match="not found"):
        generate(llm, retries=5)
    assert script.calls == 1


def test_a_model_slower_than_the_budget_raises_llm_unavailable_in_time() -> None:
    slow = FakeListChatModel(responses=[GOOD], sleep=2.0)
    with pytest.raises(LLMUnavailable, match="no answer within"):
        generate(slow, timeout_seconds=0.3, retries=3)


def test_programming_errors_are_not_swallowed_as_unavailability() -> None:
    llm, _ = fake(KeyError("bug"))
    with pytest.raises(KeyError):
        generate(llm)


@pytest.mark.parametrize(
    ("error", "retry"),
    [
        (httpx.ConnectError("refused"), True),
        (httpx.ReadTimeout("slow"), True),
        (ConnectionError("Failed to connect to Ollama"), True),
        (TimeoutError(), True),
        (ollama.ResponseError("boom", 500), True),
        (ollama.ResponseError("bad request", 400), False),
        (openai.APIConnectionError(request=httpx.Request("POST", "http://x")), True),  # type: ignore[arg-type]
        (openai.APITimeoutError(request=httpx.Request("POST", "http://x")), True),  # type: ignore[arg-type]
        (ValueError("bad schema"), False),
    ],
)
def test_only_transport_failures_count_as_retryable(error: BaseException, retry: bool) -> None:
    assert is_transport_error(error) is retry


def test_openai_compatible_models_get_the_schema_as_a_strict_response_format() -> None:
    bound = bind_json_schema(FakeListChatModel(responses=[GOOD]), Choice)
    response_format = bound.kwargs["response_format"]  # type: ignore[attr-defined]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "PlaybookChoice"
    assert response_format["json_schema"]["strict"] is True
    assert response_format["json_schema"]["schema"] == strict_json_schema(Choice)


def test_ollama_models_get_the_schema_as_format() -> None:
    bound = bind_json_schema(ChatOllama(model="llama3.2"), Choice)
    assert bound.kwargs == {"format": strict_json_schema(Choice)}  # type: ignore[attr-defined]


def test_the_strict_schema_enumerates_ids_bounds_strings_and_forbids_extras() -> None:
    class Evidence(BaseModel):
        review_id: literal_of(["r1", "r2"])  # type: ignore[valid-type]
        quote: bounded_text(60)  # type: ignore[valid-type]
        weight: float = 1.0

    Hypothesis = create_model("Hypothesis", evidence=(list[Evidence], ...), summary=(bounded_text(200), ...))
    schema = strict_json_schema(Hypothesis)
    evidence = schema["$defs"]["Evidence"]
    assert evidence["required"] == ["review_id", "quote", "weight"]  # defaults do not make a field optional
    assert evidence["additionalProperties"] is False and schema["additionalProperties"] is False
    assert evidence["properties"]["review_id"]["enum"] == ["r1", "r2"]
    assert evidence["properties"]["quote"]["maxLength"] == 60
    assert "default" not in json.dumps(schema)


def test_enum_model_accepts_exactly_the_options_given() -> None:
    Pick = enum_model("Pick", "tool", ["open_ticket", "post_message", "open_ticket"])
    assert Pick.model_validate({"tool": "post_message"}).tool == "post_message"  # type: ignore[attr-defined]
    assert strict_json_schema(Pick)["properties"]["tool"]["enum"] == ["open_ticket", "post_message"]
    with pytest.raises(ValidationError):
        Pick.model_validate({"tool": "refund_everyone"})
    with pytest.raises(ValidationError):
        Pick.model_validate({"tool": "open_ticket", "args": {}})


def test_an_empty_option_list_is_refused_rather_than_asking_the_model_anyway() -> None:
    with pytest.raises(ValueError, match="at least one option"):
        literal_of([])


def test_unbounded_strings_are_pointed_out() -> None:
    Loose = create_model("Loose", topic=(literal_of(["a"]), ...), summary=(str, ...), note=(bounded_text(10), ...))
    assert unbounded_string_fields(Loose) == ["properties.summary"]
    assert unbounded_string_fields(Choice) == []
