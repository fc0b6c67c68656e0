"""Plan the read-only queries that answer an understood question: one planner per intent, in a registry.

A plan is a list of `QueryRequest`s of registered query kinds; it is built from the question alone (never from
review text), so nothing a review says can change which queries run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agent.chat.records import QueryRequest, Understanding

__all__ = ["PLANNERS", "plan"]

Planner = Callable[[Understanding, dict[str, Any]], list[QueryRequest]]
PLANNERS: dict[str, Planner] = {}


def _planner(*intents: str) -> Callable[[Planner], Planner]:
    def register(function: Planner) -> Planner:
        for intent in intents:
            PLANNERS[intent] = function
        return function

    return register


def _incidents_for_sku(u: Understanding) -> list[QueryRequest]:
    """The SKU's open incidents, asked beside a topic question about one SKU (is anyone on it already?)."""
    if u.scope.sku is None:
        return []
    return [QueryRequest(kind="open_incidents", args={"sku": u.scope.sku, "limit": 1, "examples": 0})]


@_planner("top_topics")
def _top_topics(u: Understanding, base: dict[str, Any]) -> list[QueryRequest]:
    args = {**base, "topics": u.topics, "subject": u.subject, "limit": 3}
    return [QueryRequest(kind="top_topics", args=args), *_incidents_for_sku(u)]


@_planner("topic_trend")
def _topic_trend(u: Understanding, base: dict[str, Any]) -> list[QueryRequest]:
    if len(u.topics) != 1:  # a domain (several leaves) or no topic: its topics ranked, with the period before
        return _top_topics(u, base)
    args = {**base, "topic": u.topics[0], "subject": u.subject}
    return [QueryRequest(kind="topic_trend", args=args), *_incidents_for_sku(u)]


@_planner("compare_places")
def _compare_places(u: Understanding, base: dict[str, Any]) -> list[QueryRequest]:
    dimension = u.dimension
    if dimension is None:  # `compare this week with last week`: a trend, not places
        return _topic_trend(u, base)
    if dimension == "sku":
        return _top_skus(u, base)
    args = {**base, "dimension": dimension, "topics": u.topics, "values": u.values, "rank_by": u.rank_by,
            "subject": u.subject}  # fmt: skip
    args["scope"] = {name: value for name, value in base["scope"].items() if name != dimension}
    return [QueryRequest(kind="compare_places", args=args)]


@_planner("top_skus")
def _top_skus(u: Understanding, base: dict[str, Any]) -> list[QueryRequest]:
    scope = {name: value for name, value in base["scope"].items() if name != "sku"}
    args = {**base, "scope": scope, "topics": u.topics, "rank_by": u.rank_by, "subject": u.subject}
    return [QueryRequest(kind="top_skus", args=args)]


@_planner("incidents")
def _incidents(u: Understanding, base: dict[str, Any]) -> list[QueryRequest]:
    args: dict[str, Any] = {"include_closed": u.include_closed}
    args.update({name: value for name, value in base["scope"].items() if name in ("sku", "region", "warehouse")})
    if len(u.topics) == 1:
        args["topic"] = u.topics[0]
    return [QueryRequest(kind="open_incidents", args=args)]


@_planner("count_reviews", "find_reviews")
def _count_reviews(u: Understanding, base: dict[str, Any]) -> list[QueryRequest]:
    args = {
        **base,
        "topics": u.topics,
        "sentiment": u.sentiment,
        "rating_min": u.rating_min,
        "rating_max": u.rating_max,
        "subject": u.subject,
        "examples": 4 if u.intent == "find_reviews" else 3,
    }
    return [QueryRequest(kind="count_reviews", args=args)]


def plan(understanding: Understanding) -> list[QueryRequest]:
    """The queries for an in-scope question; empty for a refusal."""
    if understanding.refusal or understanding.intent == "out_of_scope":
        return []
    window = understanding.window
    base = {
        "scope": understanding.scope.filters(),
        "since": window.since.isoformat() if window.since else None,
        "until": window.until.isoformat(),
        "window": window.label,
    }
    return PLANNERS[understanding.intent](understanding, base)
