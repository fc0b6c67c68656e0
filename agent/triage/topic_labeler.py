"""A model places an escalated review the scoring cascade could not place: one taxonomy leaf (enumerated), or none.

Used only when a capable model is configured (`REVIEWOPS_TRIAGE_MODEL_TOPICS`, on by default for an `openai` or
`ollama` provider, off for the packaged 135M model, which measured below the cascade: docs/decisions.md,
"Understanding", item 7). The schema is `{topic: Literal[leaf ids..., "none"]}`, so the model can only choose among
the published taxonomy's leaves; the review is untrusted data inside the prompt and cannot widen that choice. The
label only decides which incident key the review is grouped under; every action still waits for its approvals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.language_models import BaseChatModel

from agent.llm import StructuredResult, enum_model, generate_structured
from prompts import load_prompt
from store.taxonomy import Taxonomy

__all__ = ["NO_TOPIC", "TOPIC_LABEL_PROMPT", "ModelTopic", "label_topic", "topic_menu"]

TOPIC_LABEL_PROMPT = ("topic_label", "v1")
NO_TOPIC = "none"
_MAX_REVIEW_CHARS = 1200


@dataclass(frozen=True)
class ModelTopic:
    """The model's choice for one review: a leaf id, or None for `none`; with the generation's metadata."""

    topic: str | None
    metadata: dict[str, Any]


def topic_menu(taxonomy: Taxonomy) -> list[tuple[str, str]]:
    """(leaf id, one line on what it covers) for every leaf, in taxonomy order."""
    menu = []
    for leaf in taxonomy.topic_ids():
        topic = taxonomy.topic(leaf)
        keywords = ", ".join(topic.keywords[:4])
        menu.append((leaf, f"{topic.name}: {topic.description}" + (f" (e.g. {keywords})" if keywords else "")))
    return menu


def label_topic(
    llm: BaseChatModel,
    title: str,
    text: str,
    menu: Sequence[tuple[str, str]],
    *,
    timeout_seconds: float = 60.0,
    backoff_seconds: float = 0.5,
) -> ModelTopic:
    """The model's leaf for one review among `menu`; raises `LLMError` when it gives no valid answer."""
    options = [leaf for leaf, _ in menu] + [NO_TOPIC]
    schema = enum_model("ReviewTopic", "topic", options, description="the topic id, or none")
    lines = "\n".join(f"- {leaf}: {about}" for leaf, about in menu)
    review = (f"{title}. {text}" if title else text)[:_MAX_REVIEW_CHARS]
    result: StructuredResult[Any] = generate_structured(
        llm,
        load_prompt(*TOPIC_LABEL_PROMPT),
        {"review": review, "topics": lines},
        schema,
        timeout_seconds=timeout_seconds,
        backoff_seconds=backoff_seconds,
    )
    chosen = str(result.value.model_dump()["topic"])
    return ModelTopic(None if chosen == NO_TOPIC else chosen, result.metadata())
