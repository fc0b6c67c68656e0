"""When the rules are unsure what a question asks, a model picks one of the enumerated intents (constrained output).

The schema is `{intent: Literal[...]}` of the options offered (the rules' tied candidates, or every intent plus
`out_of_scope` when no cue matched), so the model cannot invent an intent, a tool or an argument.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel

from agent.chat.records import INTENTS, Intent
from agent.llm import StructuredResult, enum_model, generate_structured
from prompts import load_prompt

__all__ = ["INTENT_DESCRIPTIONS", "INTENT_PROMPT", "intent_options", "pick_intent"]

INTENT_PROMPT = ("chat_intent", "v1")
_ALL: tuple[Intent, ...] = INTENTS  # type: ignore[assignment]
INTENT_DESCRIPTIONS: dict[str, str] = {
    "top_topics": "which complaint topics are most common (for the shop, a SKU or a place)",
    "topic_trend": "how one complaint topic is trending: its share now against before",
    "compare_places": "compare regions, warehouses, suppliers or categories on complaints",
    "top_skus": "which SKUs or products get the most complaints",
    "incidents": "incidents being handled: their state, owner and the 72-hour clock",
    "count_reviews": "how many reviews match a topic, rating or sentiment",
    "find_reviews": "show example reviews about something",
    "out_of_scope": "not about the review data, or asks to take an action",
}


def intent_options(candidates: Sequence[Intent]) -> list[Intent]:
    """The rules' tied candidates plus `out_of_scope`, or every intent when the rules had none."""
    options: list[Intent] = list(dict.fromkeys(candidates)) if len(candidates) > 1 else list(_ALL)
    if "out_of_scope" not in options:
        options.append("out_of_scope")
    return options


def pick_intent(
    llm: BaseChatModel,
    question: str,
    options: Sequence[Intent],
    *,
    timeout_seconds: float = 60.0,
    backoff_seconds: float = 0.5,
) -> tuple[Intent, StructuredResult[Any]]:
    """The model's choice among `options`; raises `LLMError` when it gives none."""
    schema = enum_model("ChatIntent", "intent", list(options), description="the kind of question")
    lines = "\n".join(f"- {option}: {INTENT_DESCRIPTIONS[option]}" for option in options)
    result = generate_structured(
        llm,
        load_prompt(*INTENT_PROMPT),
        {"question": question, "intents": lines},
        schema,
        timeout_seconds=timeout_seconds,
        backoff_seconds=backoff_seconds,
    )
    chosen: Intent = result.value.model_dump()["intent"]
    return chosen, result
