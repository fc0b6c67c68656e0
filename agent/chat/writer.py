"""Write the answer: assemble facts and citations from the query results, then let a model write at most three
sentences over them (the `chat_answer` prompt), or write them by rules.

The model's answer schema carries the grounding check as a validator: a number, date or id that is not among the
facts, or a citation of a review that was not given, fails validation, `generate_structured` sends the errors back
for one repair, and a second failure falls back to the rules' sentences (`generated_by: rules`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, ConfigDict, create_model, field_validator

from agent.chat.facts import facts_text
from agent.chat.grounding import GroundingCheck, cited_labels, grounding_problems, split_sentences
from agent.chat.records import Citation, Fact, QueryResult
from agent.llm import StructuredResult, bounded_text, generate_structured
from prompts import load_prompt

__all__ = ["ANSWER_MAX_CHARS", "ANSWER_PROMPT", "Draft", "assemble", "prose_schema", "write_with_model"]


ANSWER_PROMPT = ("chat_answer", "v1")
MODEL_FACTS = 8
"""Facts shown to the model: the first ones of each result (the headline); a 135M model loses the thread beyond."""
ANSWER_MAX_CHARS = 420
MAX_SENTENCES = 3
_MARKER = re.compile(r"\s*\[\[e(\d+)\]\]")


@dataclass(frozen=True)
class Draft:
    """Everything an answer is written over: facts, labelled citations and the rules' own sentences."""

    facts: list[Fact]
    citations: list[Citation]
    """Evidence labelled `R1`..`Rn`, the reviews a model may cite."""
    rules_text: str
    """At most three sentences written by code, citing as `[R1]`."""

    def facts_text(self) -> str:
        return facts_text(self.facts)

    def review_lines(self) -> list[str]:
        return [f"{citation.label}: {citation.snippet}" for citation in self.citations]

    def cited(self, text: str) -> list[Citation]:
        """The citations `text` cites, in label order of first citation."""
        by_label = {citation.label: citation for citation in self.citations}
        return [by_label[label] for label in cited_labels(text) if label in by_label]


def assemble(results: Sequence[QueryResult], max_citations: int = 4) -> Draft:
    """Facts of every result, their evidence labelled in order (at most `max_citations`), the rules' sentences."""
    facts: list[Fact] = []
    citations: list[Citation] = []
    sentences: list[str] = []
    seen: dict[str, str] = {}
    for result in results:
        facts += result.facts
        local: dict[int, str] = {}
        for position, evidence in enumerate(result.evidence):
            if evidence.review_id in seen:
                local[position] = seen[evidence.review_id]
            elif len(citations) < max_citations:
                label = f"R{len(citations) + 1}"
                citations.append(evidence.model_copy(update={"label": label}))
                seen[evidence.review_id] = local[position] = label
        sentences += [_cite(sentence, local) for sentence in result.sentences]
    text = " ".join(sentences[:MAX_SENTENCES])
    return Draft(facts=facts, citations=citations, rules_text=text)


def _cite(sentence: str, labels: dict[int, str]) -> str:
    """Replace `[[eN]]` markers with `[R..]` labels; markers of evidence left out (over the cap) disappear."""

    def label(match: re.Match[str]) -> str:
        position = int(match.group(1))
        return f" [{labels[position]}]" if position in labels else ""

    return _MARKER.sub(label, sentence)


def prose_schema(check: GroundingCheck) -> type[BaseModel]:
    """`{answer: str}` whose validator rejects anything not grounded in `check`'s facts and reviews."""

    def grounded(cls: type[BaseModel], value: str) -> str:
        text = " ".join(value.split())
        if problems := grounding_problems(text, check):
            raise ValueError("; ".join(problems))
        return text

    fields: dict[str, Any] = {"answer": (bounded_text(ANSWER_MAX_CHARS), ...)}
    validators = {"grounded": field_validator("answer")(grounded)}
    schema: type[BaseModel] = create_model(
        "ChatProse", __config__=ConfigDict(extra="forbid"), __validators__=validators, **fields
    )
    return schema


def write_with_model(
    llm: BaseChatModel,
    question: str,
    draft: Draft,
    *,
    timeout_seconds: float = 60.0,
    backoff_seconds: float = 0.5,
) -> tuple[str, StructuredResult[Any]]:
    """The model's grounded answer and its generation record; raises `LLMError` when it gives none (after repair)."""
    prompt = load_prompt(*ANSWER_PROMPT)
    check = GroundingCheck(
        facts=facts_text(draft.facts[:MODEL_FACTS]),
        question=question,
        labels=[citation.label for citation in draft.citations],
        reviews=[citation.snippet for citation in draft.citations],
        max_sentences=MAX_SENTENCES,
    )
    variables = {
        "question": question,
        "facts": check.facts or "(none)",
        "reviews": draft.review_lines() or "(none)",
    }
    result = generate_structured(
        llm, prompt, variables, prose_schema(check), timeout_seconds=timeout_seconds, backoff_seconds=backoff_seconds
    )
    text = " ".join(split_sentences(str(result.value.model_dump()["answer"]))[:MAX_SENTENCES])
    return text, result
