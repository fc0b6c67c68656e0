"""Understand a question by rules: refuse what the data cannot answer, find the intent, scope, topics and window.

Intent comes from cue phrases, each pointing to one intent with a weight; the best total wins and a tie or no cue
at all leaves the rules `unsure` (the graph may then let a model pick among the enumerated intents). Refusals are
decided here and nowhere else: requests to act (freeze, refund, approve ...), attempts to change the chat's
instructions, metrics the store does not hold (revenue, forecasts ...) and questions with nothing about reviews.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from agent.chat.records import Intent, Scope, Understanding
from agent.chat.timewindow import parse_window
from agent.chat.vocabulary import Mention, Vocabulary

__all__ = [
    "ACTION_REFUSAL",
    "DEFAULT_INTENT",
    "NO_DATA_REFUSAL",
    "UNKNOWN_SKU_REFUSAL",
    "UNSUPPORTED_REFUSAL",
    "understand",
]

ACTION_REFUSAL = (
    "I can't do that from the chat: it only reads the data. Actions go through the triage agent and its approval "
    "gates (`reviewops approvals list`)."
)
NO_DATA_REFUSAL = (
    "I can't answer that from the data: I know the reviews, their topics, ratings and sentiment per SKU, region, "
    "warehouse, supplier and category, and the incidents opened about them."
)
UNSUPPORTED_REFUSAL = "I can't answer that from the data: the store holds reviews and incidents, not {what}."
UNKNOWN_SKU_REFUSAL = "I can't answer that from the data: no review in the store is for {ids}."
INJECTION_REFUSAL = "I can't do that: I only answer questions about the review data."
DEFAULT_INTENT: Intent = "top_topics"

_F = re.IGNORECASE
_ACTION = re.compile(
    r"^\s*(?:(?:please|pls|can you|could you|would you|will you|go ahead and|i want you to|you should)\s+)*"
    r"(?:freeze|unfreeze|refund|approve|reject|decline|delete|remove|send|email|e-mail|notify|message|ping|"
    r"create|file|raise|escalate|close|resolve|reopen|set|block|ban|pause|unpause|restart|run|execute|trigger|"
    r"contact|call|offer|cancel|disable|enable|assign|deploy|publish|retrain|train|ingest|mark|silence|mute|"
    r"open(?!\s+(?:incidents?|issues?|alerts?|approvals?|ones?|cases?)\b)|"
    r"issue(?!\s+(?:with|on|for|about|in)\b)|update(?!\s+on\b)|change(?!\s+in\b))\b",
    _F,
)
_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,30}\b(?:instructions?|rules|prompt|previous|above|system)\b|"
    r"\byou are (?:now )?(?:an? )?(?:admin|root|developer|system)\b|\bsystem prompt\b|\bjailbreak\b",
    _F,
)
_UNSUPPORTED = re.compile(
    r"\b(revenue|sales|sold|profit|profits|margin|margins|turnover|gmv|forecast|forecasts|predict|prediction|"
    r"stock price|share price|inventory|stock levels?|conversion rate|traffic|weather|salary|salaries|headcount|"
    r"budget|ad spend|marketing spend)\b",
    _F,
)
_NOT_A_DATA_QUESTION = re.compile(
    r"\b(poems?|jokes?|stor(?:y|ies)|songs?|haikus?|essays?|limericks?|translate|recipes?|lyrics)\b", _F
)
_DOMAIN = re.compile(
    r"\b(reviews?|complain\w*|complaints?|customers?|ratings?|rated|stars?|feedback|incidents?|skus?|products?|"
    r"items?|regions?|warehouses?|suppliers?|categor(?:y|ies)|topics?|issues?|problems?|negative|positive|"
    r"sentiment|unhappy|happy|praise|returns?|orders?|listing|quality|worry|concern\w*|trend\w*|share)\b",
    _F,
)

# (pattern, intent, weight): cue phrases; the highest total wins.
_CUE_TABLE: tuple[tuple[str, Intent, float], ...] = (
    (r"\bincidents?\b", "incidents", 3.0),
    (r"\b(?:being handled|open issues?|sla|loop clock|72[\s-]?h(?:ours?)?|promise|approvals?|escalat\w*)\b",
     "incidents", 2.0),
    (r"\b(?:status|state) of\b", "incidents", 1.5),
    (r"\b(?:which|what|top|worst|most[\w\s-]{0,20}?)\s+(?:skus?|products?|items?)\b", "top_skus", 3.0),
    (r"\b(?:skus?|products?|items?)\s+(?:with|have|has|get|got|had)\s+the\s+most\b", "top_skus", 3.0),
    (r"\bcompare\w*\b|\bversus\b|\bvs\.?\b", "compare_places", 2.0),
    (r"\b(?:which|what|worst|best)\s+(?:regions?|warehouses?|suppliers?|categor(?:y|ies))\b",
     "compare_places", 3.0),
    (r"\b(?:by|per|across|each)\s+(?:regions?|warehouses?|suppliers?|categor(?:y|ies))\b", "compare_places", 3.0),
    (r"\btrend\w*\b|\bgetting (?:worse|better)\b|\b(?:worse|better) than\b|\bbaseline\b|\busual\b|\bnormal\b",
     "topic_trend", 3.0),
    (r"\b(?:increas\w*|decreas\w*|spik\w*|jump\w*|ris(?:e|ing)|grow\w*|drop\w*|up or down|going up)\b",
     "topic_trend", 2.0),
    (r"\b(?:share|rate|percent\w*|proportion|fraction|%)\b", "topic_trend", 1.5),
    (r"\bhow many\b|\bnumber of\b|\bcount\b|\bhow much\b", "count_reviews", 2.5),
    (r"\b(?:show|list|quote|give)\b.{0,20}\breviews?\b|\bexamples?\b|\b(?:what|how) (?:are|do|did) "
     r"(?:people|customers|shoppers|buyers) (?:say|saying|said|write|think)\w*\b", "find_reviews", 2.5),
    (r"\b(?:top|main|biggest|most common|leading|key|primary)\s+(?:\w+\s+){0,2}(?:complaints?|issues?|"
     r"problems?|topics?|themes?|pain points?)\b", "top_topics", 3.0),
    (r"\bcomplain\w* about\b(?!\s+(?:the\s+)?\w+)|\bwhat(?:'s| is| are) (?:wrong|the matter|going on)\b|"
     r"\bworr\w*\b|\bconcern\w*\b|\bwhat are (?:customers|people) complaining\b", "top_topics", 2.0),
)  # fmt: skip
_CUES = tuple((re.compile(pattern, _F), intent, weight) for pattern, intent, weight in _CUE_TABLE)
_RANK_BY_SHARE = re.compile(r"\b(?:rate|share|percent\w*|proportion|ratio|%|relative)\b", _F)
_CLOSED = re.compile(r"\b(?:closed|resolved|all incidents|past incidents|history|previous incidents)\b", _F)
_RATING = re.compile(r"\b([1-5]|one|two|three|four|five)[\s-]*stars?\b", _F)
_LOW_RATED = re.compile(r"\b(?:low|bad|poor)[\s-]*(?:rated|ratings?|stars?)\b", _F)
_NEGATIVE = re.compile(r"\b(?:negative|unhappy|angry|bad)\b", _F)
_POSITIVE = re.compile(r"\b(?:positive|happy|praise|good reviews?|love)\b", _F)
_COMPLAINT = re.compile(r"\bcomplain\w*|\bissues?\b|\bproblems?\b|\bworr\w*|\bconcerns?\b", _F)
_DIMENSION_WORD = re.compile(r"\b(regions?|warehouses?|suppliers?|categor(?:y|ies))\b", _F)
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_PLACE_KINDS = ("region", "warehouse", "supplier", "category")


def _refusal(question: str, mentions: Sequence[Mention]) -> str | None:
    if _INJECTION.search(question):
        return INJECTION_REFUSAL
    if _ACTION.search(question):
        return ACTION_REFUSAL
    if _NOT_A_DATA_QUESTION.search(question):
        return NO_DATA_REFUSAL
    if unsupported := _UNSUPPORTED.search(question):
        return UNSUPPORTED_REFUSAL.format(what=unsupported.group(1).lower())
    if not mentions and not _DOMAIN.search(question):
        return NO_DATA_REFUSAL
    return None


def _intent_scores(question: str) -> dict[Intent, float]:
    scores: dict[Intent, float] = {}
    for pattern, intent, weight in _CUES:
        if pattern.search(question):
            scores[intent] = scores.get(intent, 0.0) + weight
    return scores


def _rating(question: str) -> tuple[int | None, int | None]:
    if match := _RATING.search(question):
        word = match.group(1).lower()
        stars = _NUMBER_WORDS.get(word) or int(word)
        return stars, stars
    if _LOW_RATED.search(question):
        return 1, 2
    return None, None


def _sentiment(question: str, topics: Sequence[str]) -> Literal["any", "negative", "nonpositive", "positive"]:
    if _POSITIVE.search(question):
        return "positive"
    if _NEGATIVE.search(question):
        return "negative"
    if topics or _COMPLAINT.search(question):
        return "nonpositive"
    return "any"


def _dimension(question: str, mentions: Sequence[Mention]) -> str | None:
    if match := _DIMENSION_WORD.search(question):
        word = match.group(1).lower()
        return "category" if word.startswith("categor") else word.rstrip("s")
    kinds = [m.kind for m in mentions if m.kind in _PLACE_KINDS]
    return kinds[0] if len(kinds) >= 2 and len(set(kinds)) == 1 else None


def understand(question: str, vocabulary: Vocabulary, as_of: datetime) -> Understanding:
    """The rules' reading of `question` at data clock `as_of`; never calls a model."""
    text = " ".join(question.split())
    mentions = vocabulary.find(text)
    window = parse_window(text, as_of)
    refusal = _refusal(text, mentions)
    unknown = [m.value for m in mentions if m.kind == "unknown_sku"]
    if refusal is None and unknown and not any(m.kind == "sku" for m in mentions):
        refusal = UNKNOWN_SKU_REFUSAL.format(ids=", ".join(unknown))
    topics: list[str] = []
    for mention in mentions:
        found = vocabulary.domain_topics(mention.value) if mention.kind == "domain" else [mention.value]
        topics += [topic for topic in found if mention.kind in ("topic", "domain") and topic not in topics]
    subject = " ".join(m.text for m in mentions if m.kind in ("topic", "domain")) or None
    places = {kind: [m.value for m in mentions if m.kind == kind] for kind in ("sku", *_PLACE_KINDS)}
    dimension = _dimension(text, mentions)
    compared = places.get(dimension or "", []) if dimension else []
    scope = Scope(
        **{kind: values[0] for kind, values in places.items() if values and not (kind == dimension and len(values) > 1)}
    )
    scores = _intent_scores(text)
    if dimension and len(compared) > 1:
        scores["compare_places"] = scores.get("compare_places", 0.0) + 3.0
    ranked: list[Intent] = sorted(scores, key=lambda intent: -scores[intent])
    unsure = not ranked or (len(ranked) > 1 and scores[ranked[0]] == scores[ranked[1]])
    intent: Intent = "out_of_scope" if refusal else (ranked[0] if ranked else _default_intent(topics, scope))
    rating_min, rating_max = _rating(text)
    return Understanding(
        question=text,
        intent=intent,
        intent_by="rules" if ranked or refusal else "default",
        candidates=ranked,
        unsure=unsure and refusal is None,
        scope=scope,
        topics=topics,
        subject=subject,
        dimension=dimension,
        values=compared if len(compared) > 1 else [],
        rank_by="share" if _RANK_BY_SHARE.search(text) else "count",
        sentiment=_sentiment(text, topics),
        rating_min=rating_min,
        rating_max=rating_max,
        include_closed=bool(_CLOSED.search(text)),
        window=window,
        unknown_ids=unknown,
        refusal=refusal,
    )


def _default_intent(topics: Sequence[str], scope: Scope) -> Intent:
    """What a question with things but no intent words most likely wants: a topic's trend, else the top topics."""
    return "topic_trend" if topics else DEFAULT_INTENT
