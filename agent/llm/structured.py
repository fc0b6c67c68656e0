"""Structured generation: JSON-schema constrained decoding, pydantic validation, one repair turn, bounded retries.

A 135M model parses reliably only when the schema leaves it little room: ids and options are `Literal[...]`
of exactly the values given (`literal_of`, `enum_model`) and every free string has a `max_length`
(`bounded_text`). The schema goes to the server as a grammar (llama.cpp / OpenAI `response_format`,
Ollama `format`); the answer is still validated here, and one invalid answer is sent back with the
validation errors once. Transport failures are retried with backoff inside one overall time budget; when
no model answers, `LLMUnavailable` tells the caller to fall back to its rules.
"""

from __future__ import annotations

import contextvars
import logging
import re
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, Generic, Literal, TypeVar

import httpx
import ollama
import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_ollama import ChatOllama
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_any,
    stop_before_delay,
    wait_exponential,
)

from agent.llm.settings import Provider
from prompts import Prompt

__all__ = [
    "LLMError",
    "LLMTimeout",
    "LLMUnavailable",
    "StructuredOutputInvalid",
    "StructuredResult",
    "bind_json_schema",
    "bounded_text",
    "enum_model",
    "generate_structured",
    "is_transport_error",
    "literal_of",
    "parse_structured",
    "strict_json_schema",
    "unbounded_string_fields",
]

logger = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)
_SCHEMA_NAME = re.compile(r"[^A-Za-z0-9_-]")
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")
# What "the model did not answer" looks like once retries are spent; `is_transport_error` picks the retryable ones.
_PROVIDER_ERRORS = (openai.APIError, ollama.ResponseError, ollama.RequestError, httpx.HTTPError, OSError)


class LLMError(RuntimeError):
    """Base for every way a structured generation can fail; callers catch it to degrade to rules."""


class LLMUnavailable(LLMError):
    """No model answered: connection refused, timeouts, 5xx or a provider error, after all retries."""

    def __init__(self, message: str, *, model: str, attempts: int) -> None:
        super().__init__(message)
        self.model = model
        self.attempts = attempts


class LLMTimeout(TimeoutError):
    """One model call did not return within the remaining time budget."""


class StructuredOutputInvalid(LLMError):
    """The model answered, but not with a valid object, even after the repair turn."""

    def __init__(self, message: str, *, model: str, raw_texts: list[str], errors: list[str]) -> None:
        super().__init__(message)
        self.model = model
        self.raw_texts = raw_texts
        self.errors = errors


class StructuredResult(BaseModel, Generic[T]):
    """A validated answer plus what produced it, for logs, incident records and eval runs."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    value: T
    """The validated object."""
    raw_text: str
    """The model's final answer exactly as received."""
    attempts: int
    """Model calls made: transport retries and the repair turn included."""
    repaired: bool
    """True when the first answer was invalid and the repair turn fixed it."""
    input_tokens: int | None
    """Prompt tokens over all calls, when the provider reports usage."""
    output_tokens: int | None
    """Generated tokens over all calls, when the provider reports usage."""
    latency_seconds: float
    """Wall time of the whole generation."""
    prompt_id: str
    prompt_version: str
    prompt_digest: str
    model: str
    """Model identity, e.g. `local:SmolLM2-135M-Instruct.Q4_1`."""
    schema_name: str

    def metadata(self) -> dict[str, Any]:
        """Everything except the value: what to store beside an output."""
        return self.model_dump(exclude={"value"})


def literal_of(options: Sequence[str]) -> Any:
    """`Literal[...]` of exactly these options (order kept, duplicates dropped), for ids the model may pick."""
    unique = tuple(dict.fromkeys(options))
    if not unique:
        raise ValueError("literal_of() needs at least one option; with nothing to choose from, skip the model call")
    return Literal[unique]


def bounded_text(max_length: int) -> Any:
    """A `str` type capped at `max_length` characters (the grammar stops the model there too)."""
    return Annotated[str, Field(max_length=max_length)]


def enum_model(name: str, field: str, options: Sequence[str], *, description: str | None = None) -> type[BaseModel]:
    """A one-field model `{field: one of options}`, e.g. the playbook choice among the playbooks offered."""
    fields: dict[str, Any] = {field: (literal_of(options), Field(description=description))}
    return create_model(name, __config__=ConfigDict(extra="forbid"), **fields)


def strict_json_schema(schema: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema made strict: every property required, no extra properties, no defaults."""
    return _tighten(schema.model_json_schema())


def _tighten(node: Any) -> Any:
    if isinstance(node, list):
        return [_tighten(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _tighten(value) for key, value in node.items() if key != "default"}
    if isinstance(out.get("properties"), dict):
        out["required"] = list(out["properties"])
        out["additionalProperties"] = False
    return out


def unbounded_string_fields(schema: type[BaseModel]) -> list[str]:
    """Paths of string fields with neither `max_length` nor a fixed set of values: the tiny model rambles there."""
    found: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if node.get("type") == "string" and not {"maxLength", "enum", "const", "pattern"} & node.keys():
                found.append(path or "<root>")
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else key)
        elif isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, f"{path}[{index}]")

    walk(schema.model_json_schema(), "")
    return found


@lru_cache(maxsize=256)
def _warn_if_unbounded(schema: type[BaseModel]) -> None:
    if loose := unbounded_string_fields(schema):
        logger.warning("schema %s has unbounded strings (%s); give them max_length", schema.__name__, ", ".join(loose))


def bind_json_schema(
    llm: BaseChatModel, schema: type[BaseModel], provider: Provider | None = None
) -> Runnable[Any, Any]:
    """`llm` with the schema attached as a decoding constraint: Ollama `format`, else OpenAI `response_format`."""
    json_schema = strict_json_schema(schema)
    if (provider or _provider_of(llm)) == "ollama":
        return llm.bind(format=json_schema)
    name = _SCHEMA_NAME.sub("_", schema.__name__)[:64]
    response_format = {"type": "json_schema", "json_schema": {"name": name, "schema": json_schema, "strict": True}}
    return llm.bind(response_format=response_format)


def parse_structured(text: str, schema: type[T]) -> T:
    """Validate a model answer against `schema`, tolerating code fences and chatter around one JSON object."""
    candidate = _FENCE.sub("", text.strip())
    start, end = candidate.find("{"), candidate.rfind("}")
    if start > 0 and end > start:
        candidate = candidate[start : end + 1]
    return schema.model_validate_json(candidate)


def is_transport_error(error: BaseException) -> bool:
    """True for failures worth retrying: connection errors, timeouts and 5xx answers, from any provider."""
    if isinstance(error, httpx.TransportError | openai.APIConnectionError | ConnectionError | TimeoutError):
        return True
    if isinstance(error, httpx.HTTPStatusError):
        return error.response.status_code >= 500
    if isinstance(error, openai.APIStatusError | ollama.ResponseError):
        return error.status_code >= 500
    return False


def generate_structured(
    llm: BaseChatModel,
    prompt: Prompt,
    variables: Mapping[str, object],
    schema: type[T],
    *,
    provider: Provider | None = None,
    model: str | None = None,
    retries: int = 2,
    timeout_seconds: float = 60.0,
    backoff_seconds: float = 0.5,
    repair: bool = True,
    config: RunnableConfig | None = None,
) -> StructuredResult[T]:
    """Ask `llm` for one `schema` object from `prompt` filled with `variables`; raises `LLMError` subclasses.

    `retries` bounds transport retries per model call; `timeout_seconds` bounds the whole generation.
    `provider` and `model` (the identity recorded) default to what `make_chat_model` tagged on `llm`.
    """
    _warn_if_unbounded(schema)
    identity = model or _identity_of(llm, provider)
    messages = prompt.render(**variables)
    bound = bind_json_schema(llm, schema, provider)
    started = time.monotonic()
    call = _ModelCall(bound, identity, retries, started + timeout_seconds, backoff_seconds, config)
    raw_texts: list[str] = []
    errors: list[str] = []
    for turn in range(2 if repair else 1):
        reply = call.send(messages)
        raw_texts.append(reply.text)
        try:
            value = parse_structured(reply.text, schema)
        except ValidationError as err:
            errors.append(reply.note or _describe(err))
            messages = [*messages, AIMessage(reply.text), HumanMessage(_repair_request(errors[-1]))]
            continue
        return StructuredResult[schema](  # type: ignore[valid-type]
            value=value,
            raw_text=reply.text,
            attempts=call.calls,
            repaired=turn > 0,
            input_tokens=call.input_tokens,
            output_tokens=call.output_tokens,
            latency_seconds=round(time.monotonic() - started, 3),
            prompt_id=prompt.id,
            prompt_version=prompt.version,
            prompt_digest=prompt.digest,
            model=identity,
            schema_name=schema.__name__,
        )
    raise StructuredOutputInvalid(
        f"{identity} gave no valid {schema.__name__} for prompt {prompt.id}.{prompt.version} "
        f"after {len(raw_texts)} answer(s): {' | '.join(errors)}",
        model=identity,
        raw_texts=raw_texts,
        errors=errors,
    )


@dataclass
class _Reply:
    text: str
    note: str | None = None  # why the answer is unusable when the provider already said so (cut off, filtered)


class _ModelCall:
    """Calls one bound model with tenacity retries inside a deadline, and adds up calls and token usage."""

    def __init__(
        self,
        bound: Runnable[Any, Any],
        identity: str,
        retries: int,
        deadline: float,
        backoff: float,
        config: RunnableConfig | None,
    ) -> None:
        self.bound, self.identity, self.retries, self.deadline = bound, identity, retries, deadline
        self.config = config
        self.calls = 0
        self.input_tokens: int | None = None
        self.output_tokens: int | None = None
        self._backoff = wait_exponential(multiplier=backoff, max=max(backoff * 16, 0.001))

    def send(self, messages: list[BaseMessage]) -> _Reply:
        retrying = Retrying(
            stop=stop_any(
                stop_after_attempt(self.retries + 1), stop_before_delay(max(0.0, self.deadline - time.monotonic()))
            ),
            wait=self._wait,
            retry=retry_if_exception(is_transport_error),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    self.calls += 1
                    return self._reply(self._invoke(messages))
        except openai.LengthFinishReasonError as err:
            return self._cut_off(err)
        except openai.ContentFilterFinishReasonError:
            return _Reply("", note="the provider's content filter stopped the answer")
        except _PROVIDER_ERRORS as err:  # OSError: ConnectionError, TimeoutError and socket errors
            raise self._unavailable(err) from err
        raise AssertionError("tenacity ended without a result or an error")  # pragma: no cover

    def _wait(self, state: RetryCallState) -> float:
        return max(0.0, min(self._backoff(state), self.deadline - time.monotonic()))

    def _invoke(self, messages: list[BaseMessage]) -> Any:
        """Run the call in a worker thread so a hung connection cannot outlive the deadline."""
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise LLMTimeout(f"{self.identity}: no time left in the budget for another call")
        outcome: dict[str, Any] = {}
        context = contextvars.copy_context()  # keeps LangChain callbacks and tracing attached to the caller

        def run() -> None:
            try:
                outcome["reply"] = context.run(self.bound.invoke, messages, self.config)
            except BaseException as err:  # handed to the caller's thread below
                outcome["error"] = err

        worker = threading.Thread(target=run, name="reviewops-llm-call", daemon=True)
        worker.start()
        worker.join(remaining)
        if worker.is_alive():
            raise LLMTimeout(f"{self.identity}: no answer within {remaining:.1f}s")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["reply"]

    def _reply(self, message: Any) -> _Reply:
        usage = getattr(message, "usage_metadata", None)
        if usage:
            self._count(usage.get("input_tokens"), usage.get("output_tokens"))
        return _Reply(message.text if isinstance(message, BaseMessage) else str(message))

    def _cut_off(self, err: openai.LengthFinishReasonError) -> _Reply:
        completion = err.completion
        if completion.usage is not None:
            self._count(completion.usage.prompt_tokens, completion.usage.completion_tokens)
        text = (completion.choices[0].message.content or "") if completion.choices else ""
        return _Reply(text, note="the answer was cut off at the token limit; answer shorter")

    def _count(self, tokens_in: int | None, tokens_out: int | None) -> None:
        if tokens_in is not None:
            self.input_tokens = (self.input_tokens or 0) + tokens_in
        if tokens_out is not None:
            self.output_tokens = (self.output_tokens or 0) + tokens_out

    def _unavailable(self, err: BaseException) -> LLMUnavailable:
        return LLMUnavailable(
            f"{self.identity} did not answer after {self.calls} attempt(s): {type(err).__name__}: {err}",
            model=self.identity,
            attempts=self.calls,
        )


def _describe(err: ValidationError) -> str:
    items = err.errors(include_url=False)[:4]
    return "; ".join(f"{'.'.join(str(p) for p in item['loc']) or 'answer'}: {item['msg']}" for item in items)


def _repair_request(problem: str) -> str:
    return f"That answer was invalid ({problem}). Reply again with only the corrected JSON object."


def _provider_of(llm: BaseChatModel) -> Provider | None:
    tagged = (llm.metadata or {}).get("llm_provider")
    if tagged in ("local", "openai", "ollama"):
        return tagged
    if isinstance(llm, ChatOllama):
        return "ollama"
    return "openai" if isinstance(llm, ChatOpenAI) else None


def _identity_of(llm: BaseChatModel, provider: Provider | None) -> str:
    if tagged := (llm.metadata or {}).get("model_identity"):
        return str(tagged)
    name = getattr(llm, "model_name", None) or getattr(llm, "model", None) or llm._llm_type
    return f"{provider or _provider_of(llm) or llm._llm_type}:{name}"
