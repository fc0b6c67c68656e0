"""The root-cause hypothesis: a model picks among enumerated options and writes prose over assembled facts.

The answer schema is built per incident: `topic` and `root_cause` are `Literal`s of the ids offered, evidence is a
list of review labels (`R1`..`Rn`, one per retrieved review) and the summary is length-bounded. A cited label that
was not given fails validation and gets one repair turn (`generate_structured`); if the model is unavailable or
still invalid, an evidence-only hypothesis marked `generated_by: rules` is built from the same facts.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, ConfigDict, Field, create_model

from agent.llm import LLMError, bounded_text, generate_structured, literal_of
from agent.triage.state import GenerationStats, Hypothesis, TriageContext
from prompts import Prompt, load_prompt
from store.playbooks import RootCause

__all__ = [
    "HYPOTHESIS_PROMPT",
    "RULES",
    "SUMMARY_MAX_CHARS",
    "facts_text",
    "hypothesis_schema",
    "hypothesize",
    "rules_hypothesis",
]

logger = logging.getLogger(__name__)

HYPOTHESIS_PROMPT = ("hypothesis", "v2")
RULES = "rules"
SUMMARY_MAX_CHARS = 240
MAX_CITED = 4
_REVIEW_CHARS = 200


_SENTENCE = re.compile(r"[^.!?]+[.!?](?=\s)")
_FIELD_ECHO = re.compile(r"\b(severity|confidence|cognizab\w*|root_cause|evidence|topic)\s*[:=]", re.IGNORECASE)
_WORD = re.compile(r"[a-z][a-z'-]+")
_TOKEN = re.compile(r"[a-z0-9]+")
QUOTE_WORDS = 5
"""A summary repeating this many consecutive words of a review quotes it (and is replaced by the rules summary)."""
_COMMON_WORDS = (  # too common to show that a summary is about this incident
    "this that with from have been were they their there what when which will would about after before "
    "because into over under very also than then them these those such only just more most much many "
    "some other being product incident issue customers customer reviews review report reports"
)
_STOPWORDS = frozenset(_COMMON_WORDS.split())


def _label(position: int) -> str:
    return f"R{position + 1}"


def hypothesis_schema(topics: Sequence[str], root_causes: Sequence[str], labels: Sequence[str]) -> type[BaseModel]:
    """The answer model for one incident: enumerated topic, root cause and review labels, bounded summary."""
    fields: dict[str, Any] = {
        "topic": (literal_of(topics), ...),
        "root_cause": (literal_of(root_causes), ...),
        "evidence": (list[literal_of(labels)], Field(min_length=1, max_length=MAX_CITED)),  # type: ignore[misc]
        "severity": (Literal["low", "medium", "high"], ...),
        "confidence": (float, Field(ge=0.0, le=1.0)),
        "summary": (bounded_text(SUMMARY_MAX_CHARS), ...),
    }
    return create_model("HypothesisAnswer", __config__=ConfigDict(extra="forbid"), **fields)


def facts_text(context: TriageContext) -> str:
    """The cluster as short fact lines, assembled by code from the store (trusted)."""
    incident, cluster = context.incident, context.cluster
    flags = ", ".join(incident.flags) or "none"
    lines = [
        f"- Topic {incident.topic} ({incident.topic_name}); severity {incident.severity.value}; flags: {flags}",
        f"- {_reviews(cluster.count)} about it in the last {cluster.window_hours} h, "
        f"{cluster.negative_share:.0%} of the {cluster.scope_reviews} reviews in this scope",
        f"- Per day, oldest first: {', '.join(str(n) for n in cluster.daily_counts)}",
    ]
    if cluster.trend_ratio is not None:
        lines.append(
            f"- {cluster.trend_ratio:g}x the baseline of {cluster.baseline_per_day:g} per day (28 days before)"
        )
    else:
        lines.append("- No such reviews in the 28 days before: this is new")
    if cluster.rating_mix:
        lines.append("- Ratings: " + ", ".join(f"{stars} stars: {n}" for stars, n in cluster.rating_mix.items()))
    for item in cluster.over_represented[:3]:
        lines.append(
            f"- {item.dimension} {item.value}: {item.share:.0%} of these reviews vs {item.baseline_share:.0%} usually"
        )
    if carrier := cluster.dominant.get("carrier"):
        lines.append(f"- Most of these orders shipped with {carrier}")
    return "\n".join(lines)


def _scope_text(context: TriageContext) -> str:
    return ", ".join(f"{name} {value}" for name, value in sorted(context.incident.scope.items()))


def hypothesize(
    llm: BaseChatModel | None,
    context: TriageContext,
    *,
    topics: Sequence[str],
    root_causes: Sequence[RootCause],
    examples: Sequence[str] = (),
    prompt: Prompt | None = None,
    timeout_seconds: float = 60.0,
    backoff_seconds: float = 0.5,
) -> tuple[Hypothesis, GenerationStats]:
    """A hypothesis from `llm` over `context`, or from rules when no model answers validly (never raises LLMError)."""
    if not context.evidence:
        raise ValueError(f"incident {context.incident.incident_id} has no evidence to cite; gather context first")
    cause_ids = [cause.id for cause in root_causes]
    if llm is None:
        return rules_hypothesis(context, root_causes), GenerationStats(fallback_reason="no language model configured")
    if not cause_ids:
        return rules_hypothesis(context, root_causes), GenerationStats(fallback_reason="no root causes to choose from")
    prompt = prompt or load_prompt(*HYPOTHESIS_PROMPT)
    labels = [_label(i) for i in range(len(context.evidence))]
    schema = hypothesis_schema(topics, cause_ids, labels)
    variables = {
        "scope": _scope_text(context),
        "facts": facts_text(context),
        "topics": ", ".join(topics),
        "root_causes": "\n".join(f"- {cause.id}: {cause.description}" for cause in root_causes),
        "examples": "\n".join(examples) if examples else "(none yet)",
        "reviews": [
            f"{label}: {' '.join(item.text.split())[:_REVIEW_CHARS]}"
            for label, item in zip(labels, context.evidence, strict=True)
        ],
    }
    try:
        result = generate_structured(
            llm, prompt, variables, schema, timeout_seconds=timeout_seconds, backoff_seconds=backoff_seconds
        )
    except LLMError as err:
        logger.warning("hypothesis for %s falls back to rules: %s", context.incident.incident_id, err)
        reason = f"{type(err).__name__}: {err}"[:500]
        return rules_hypothesis(context, root_causes), GenerationStats(
            model=getattr(err, "model", None), fallback_reason=reason, examples_used=len(examples)
        )
    answer: dict[str, Any] = result.value.model_dump()
    by_label = dict(zip(labels, context.evidence_ids(), strict=True))
    cited = list(dict.fromkeys(by_label.get(label, label) for label in answer["evidence"]))
    if not cited or not set(cited) <= set(context.evidence_ids()):  # the Literal guarantees it; kept as the contract
        reason = "the answer cited reviews outside the retrieved set"
        return rules_hypothesis(context, root_causes), GenerationStats(model=result.model, fallback_reason=reason)
    cause = next(c for c in root_causes if c.id == answer["root_cause"])
    summary = grounded_summary(str(answer["summary"]), context, cause)
    hypothesis = Hypothesis(
        topic=answer["topic"],
        root_cause=answer["root_cause"],
        severity=answer["severity"],
        confidence=round(float(answer["confidence"]), 3),
        evidence_ids=cited,
        summary=summary or _rules_summary(context, cause),
        summary_by=result.model if summary else RULES,
        generated_by=result.model,
        prompt_ref=prompt.ref,
    )
    stats = GenerationStats(
        model=result.model,
        input_tokens=result.input_tokens,
        output_tokens=result.output_tokens,
        latency_seconds=result.latency_seconds,
        attempts=result.attempts,
        repaired=result.repaired,
        prompt_digest=result.prompt_digest,
        examples_used=len(examples),
    )
    return hypothesis, stats


def grounded_summary(text: str, context: TriageContext, cause: RootCause | None) -> str | None:
    """The model's summary if it reads as prose about this incident, else None (the rules summary is used).

    A 135M model writes fluent but often empty or looping prose; a summary goes to approvers and into tickets, so it
    must be whole sentences (at most two), must not loop or echo the answer's field names, must share content words
    with the evidence, the incident's topic or the chosen cause, and at least one with the topic or cause (trusted
    text: review text alone cannot ground it). It must not copy a run of words from a review either: quoting review
    text is how an instruction injected into a review would reach the tickets and messages the summary goes into.
    """
    sentences = _SENTENCE.findall(" ".join(text.split()) + " ")
    kept = " ".join(sentence.strip() for sentence in sentences[:2]).strip()
    if not kept or _FIELD_ECHO.search(kept) or _quotes_a_review(kept, context):
        return None
    words = _content_words(kept)
    trigrams = Counter(zip(words, words[1:], words[2:], strict=False))
    if not words or (trigrams and max(trigrams.values()) > 1) or len(set(words)) < len(words) / 2:
        return None
    trusted = set(_content_words(f"{context.incident.topic_name} {cause.description if cause else ''}"))
    grounds = trusted | set(_content_words(" ".join(e.text for e in context.evidence)))
    return kept if set(words) & trusted and len(set(words) & grounds) >= 2 else None


def _quotes_a_review(text: str, context: TriageContext) -> bool:
    """Whether `text` repeats QUOTE_WORDS consecutive words of any evidence review verbatim."""
    runs = {run for item in context.evidence for run in _word_runs(item.text)}
    return any(run in runs for run in _word_runs(text))


def _word_runs(text: str) -> set[tuple[str, ...]]:
    tokens = _TOKEN.findall(text.lower())
    return {tuple(tokens[i : i + QUOTE_WORDS]) for i in range(len(tokens) - QUOTE_WORDS + 1)}


def _content_words(text: str) -> list[str]:
    return [_stem(word) for word in _WORD.findall(text.lower()) if len(word) > 3 and word not in _STOPWORDS]


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _reviews(count: int) -> str:
    return "1 review" if count == 1 else f"{count} reviews"


def rules_hypothesis(context: TriageContext, root_causes: Sequence[RootCause]) -> Hypothesis:
    """An evidence-only hypothesis from the facts: the root cause whose description names an over-represented place."""
    cause = _rules_cause(context, root_causes)
    data_backed = cause is not None and cause is not (root_causes[0] if root_causes else None)
    triggers = [item.review_id for item in context.evidence if item.trigger]
    others = [item.review_id for item in context.evidence if not item.trigger]
    return Hypothesis(
        topic=context.incident.topic,
        root_cause=cause.id if cause is not None else None,
        severity=context.incident.severity,
        confidence=0.5 if data_backed else 0.3,
        evidence_ids=(triggers + others)[:MAX_CITED],
        summary=_rules_summary(context, cause),
        summary_by=RULES,
        generated_by=RULES,
        prompt_ref=None,
    )


def _rules_cause(context: TriageContext, root_causes: Sequence[RootCause]) -> RootCause | None:
    if not root_causes:
        return None
    places = {item.dimension for item in context.cluster.over_represented}
    if "carrier" in context.cluster.dominant:
        places.add("carrier")

    def score(cause: RootCause) -> int:
        return sum(place in cause.description.lower() for place in places)

    best = max(root_causes, key=score)  # max keeps the first of equals: the playbook's own order breaks ties
    return best if score(best) > 0 else root_causes[0]


def _rules_summary(context: TriageContext, cause: RootCause | None) -> str:
    cluster, incident = context.cluster, context.incident
    trend = f", {cluster.trend_ratio:g}x baseline" if cluster.trend_ratio is not None else ", new this window"
    parts = [
        f"{_reviews(cluster.count)} about {incident.topic_name} for {_scope_text(context)} "
        f"in {cluster.window_hours} h ({cluster.negative_share:.0%} of the scope's reviews{trend})."
    ]
    if cluster.over_represented:
        top = cluster.over_represented[0]
        parts.append(f"{top.dimension} {top.value} is {top.share:.0%} of them vs {top.baseline_share:.0%} usually.")
    if cause is not None:
        parts.append(f"Candidate cause ({cause.id}): {cause.description.split(';')[0].rstrip('.')}.")
    return " ".join(parts)[:SUMMARY_MAX_CHARS]
